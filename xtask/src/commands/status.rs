//! `status`: the database's version, pending count and drift; fails when behind or drifted.

use anyhow::{Result, bail};

use crate::engine::{Entry, Source, Standing, State};
use crate::flags;
use crate::project::Project;

impl flags::Status {
    /// Runs `cargo xtask status`; fails when the database is behind or has drifted.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let database = url.database();
        let standing = Standing::fetch(&url, &source).await?;
        let entries = standing.entries();
        println!("database:  `{database}` on {}", url.server());
        match standing.applied.last() {
            Some(row) => println!("version:   {} ({})", row.version, row.description),
            None => println!("version:   base (nothing applied)"),
        }
        let pending = entries.iter().filter(|e| e.state == State::Pending).count();
        println!("pending:   {pending}");
        let drifted: Vec<&Entry<'_>> =
            entries.iter().filter(|e| !matches!(e.state, State::Applied | State::Pending)).collect();
        for entry in &drifted {
            let name = match entry.files {
                Some(files) => files.up.file_name(),
                None => format!("{} ({})", entry.version, entry.description),
            };
            println!("drift:     {name}: {}", entry.state.label());
        }
        match (pending, drifted.len()) {
            (0, 0) => {
                println!("up to date");
                Ok(())
            }
            (_, 0) => bail!("`{database}` is {pending} migration(s) behind: run `cargo xtask migrate`"),
            (_, n) => bail!(
                "`{database}` has drifted from {} ({n} migration(s) listed above)",
                source.dir.display()
            ),
        }
    }
}
