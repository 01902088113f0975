//! `history` and `status`: how the migrations folder and the database compare. Read-only.

use anyhow::{Result, bail};

use crate::db;
use crate::flags;
use crate::migrations::{self, Entry, Source, State};
use dburl::DbUrl;

impl flags::History {
    /// Runs `cargo xtask history`.
    pub async fn run(self, url: &DbUrl, source: &Source) -> Result<()> {
        let mut conn = db::connect(url).await?;
        let applied = migrations::read_applied(&mut conn).await?;
        db::close(conn).await;
        let entries = migrations::reconcile(source, &applied);
        if entries.is_empty() {
            println!(
                "no migrations in {}; create one with `cargo xtask revision -m NAME`",
                source.dir.display()
            );
            return Ok(());
        }
        if self.verbose {
            for entry in &entries {
                print_verbose(entry, source);
            }
        } else {
            println!("{:<16} {:<26} DESCRIPTION", "VERSION", "STATE");
            for entry in &entries {
                println!("{:<16} {:<26} {}", entry.version, entry.state.label(), entry.description);
            }
        }
        Ok(())
    }
}

fn print_verbose(entry: &Entry<'_>, source: &Source) {
    println!("{} {} [{}]", entry.version, entry.description, entry.state.label());
    match entry.revision {
        Some(revision) => {
            let down = match &revision.down {
                Some(down) => down.file_name(),
                None => "none (cannot be reverted)".to_owned(),
            };
            println!("  up:          {}/{}", source.dir.display(), revision.up.file_name());
            println!("  down:        {down}");
            println!("  checksum:    {}", hex(&revision.up.migration.checksum));
        }
        None => println!("  file:        missing from {}", source.dir.display()),
    }
    if let Some(row) = entry.applied {
        println!("  applied at:  {}", row.installed_on);
        if row.execution_time >= 0 {
            println!("  took:        {:.1} ms", row.execution_time as f64 / 1e6);
        }
        if entry.state == State::Modified || entry.state == State::Missing {
            println!("  applied sum: {}", hex(&row.checksum));
        }
    }
    println!();
}

impl flags::Status {
    /// Runs `cargo xtask status`; fails when the database is behind or has drifted.
    pub async fn run(self, url: &DbUrl, source: &Source) -> Result<()> {
        let database = url.database();
        let mut conn = db::connect(url).await?;
        let applied = migrations::read_applied(&mut conn).await?;
        db::close(conn).await;
        let entries = migrations::reconcile(source, &applied);
        println!("database:  `{database}` on {}", url.server());
        match applied.last() {
            Some(row) => println!("version:   {} ({})", row.version, row.description),
            None => println!("version:   base (nothing applied)"),
        }
        let pending = entries.iter().filter(|e| e.state == State::Pending).count();
        println!("pending:   {pending}");
        let drifted: Vec<&Entry<'_>> =
            entries.iter().filter(|e| !matches!(e.state, State::Applied | State::Pending)).collect();
        for entry in &drifted {
            let name = match entry.revision {
                Some(revision) => revision.up.file_name(),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
