//! `history`: every migration and how it stands in the database. Read-only.

use anyhow::Result;

use crate::engine::{Entry, Source, Standing, State};
use crate::flags::{self, Format};
use crate::project::Project;

impl flags::History {
    /// Runs `cargo xtask history`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let standing = Standing::fetch(&url, &source).await?;
        let entries = standing.entries();
        if self.format == Format::Json {
            println!("{:#}", super::standing_json(&standing, &url));
            return Ok(());
        }
        if entries.is_empty() {
            println!(
                "no migrations in {}; create one with `cargo xtask revision -m NAME`",
                source.dir.display()
            );
            return Ok(());
        }
        if self.verbose {
            for entry in &entries {
                print_verbose(entry, &source);
            }
        } else {
            println!("{:<16} {:<26} DESCRIPTION", "VERSION", "STATE");
            for entry in &entries {
                println!("{:<16} {:<26} {}", entry.version, label(entry), entry.description);
            }
        }
        if entries.iter().any(|e| e.state == State::OutOfOrder) {
            println!("\nout of order: {}", super::OUT_OF_ORDER_ADVICE);
        }
        Ok(())
    }
}

/// The state, with a note on a migration applied after a newer one.
fn label(entry: &Entry<'_>) -> String {
    match entry.applied_out_of_order {
        true => format!("{} (out of order)", entry.state.label()),
        false => entry.state.label().to_owned(),
    }
}

fn print_verbose(entry: &Entry<'_>, source: &Source) {
    println!("{} {} [{}]", entry.version, entry.description, label(entry));
    match entry.files {
        Some(files) => {
            let down = match &files.down {
                Some(down) => down.file_name(),
                None => "none (cannot be reverted)".to_owned(),
            };
            println!("  up:          {}/{}", source.dir.display(), files.up.file_name());
            println!("  down:        {down}");
            println!("  checksum:    {}", super::hex(&files.up.migration.checksum));
        }
        None => println!("  file:        missing from {}", source.dir.display()),
    }
    if let Some(row) = entry.applied {
        println!("  applied at:  {}", row.installed_on);
        if row.execution_time >= 0 {
            println!("  took:        {:.1} ms", row.execution_time as f64 / 1e6);
        }
        if entry.state == State::Modified || entry.state == State::Missing {
            println!("  applied sum: {}", super::hex(&row.checksum));
        }
    }
    println!();
}
