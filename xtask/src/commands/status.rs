//! `status`: the database's version, pending and out-of-order migrations, and drift; exits with
//! 3 (not current) when behind or drifted.

use anyhow::Result;

use crate::engine::{Entry, Source, Standing, State};
use crate::exit::NotCurrent;
use crate::flags::{self, Format};
use crate::project::Project;

impl flags::Status {
    /// Runs `cargo xtask status`; fails (exit 3) when the database is behind or has drifted.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let database = url.database();
        let standing = Standing::fetch(&url, &source).await?;
        let entries = standing.entries();
        if self.format == Format::Json {
            println!("{:#}", super::standing_json(&standing, &url));
        } else {
            print_text(&standing, &entries, &url.server());
        }
        let pending = entries.iter().filter(|e| e.state.is_pending()).count();
        let out_of_order = entries.iter().filter(|e| e.state == State::OutOfOrder).count();
        let drifted = entries.iter().filter(|e| e.state != State::Applied && !e.state.is_pending()).count();
        let behind = match (pending, out_of_order, drifted) {
            (0, _, 0) => return Ok(()),
            (_, _, 1..) => format!(
                "`{database}` has drifted from {} ({drifted} migration(s) listed above)",
                source.dir.display()
            ),
            (_, 1.., _) => format!(
                "`{database}` has {out_of_order} out-of-order migration(s), probably from a merged branch: \
                 run `cargo xtask rebase`, then `cargo xtask migrate`"
            ),
            (_, 0, _) => format!("`{database}` is {pending} migration(s) behind: run `cargo xtask migrate`"),
        };
        Err(NotCurrent(behind).into())
    }
}

fn print_text(standing: &Standing<'_>, entries: &[Entry<'_>], server: &str) {
    println!("database:  `{}` on {server}", standing.database);
    match standing.applied.last() {
        Some(row) => println!("version:   {} ({})", row.version, row.description),
        None => println!("version:   base (nothing applied)"),
    }
    println!("pending:   {}", entries.iter().filter(|e| e.state.is_pending()).count());
    for entry in entries {
        let name = match entry.files {
            Some(files) => files.up.file_name(),
            None => format!("{} ({})", entry.version, entry.description),
        };
        match entry.state {
            State::Applied | State::Pending => {}
            State::OutOfOrder => println!("out of order: {name}: {}", super::OUT_OF_ORDER_ADVICE),
            state => println!("drift:     {name}: {}", state.label()),
        }
    }
    if entries.iter().all(|e| e.state == State::Applied) {
        println!("up to date");
    }
}
