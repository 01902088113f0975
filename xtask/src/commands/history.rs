//! `history`: every migration and how it stands in the database. Read-only.

use anyhow::Result;

use crate::engine::{Entry, Source, Standing, State};
use crate::flags;
use crate::project::Project;

impl flags::History {
    /// Runs `cargo xtask history`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let standing = Standing::fetch(&url, &source).await?;
        let entries = standing.entries();
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
                println!("{:<16} {:<26} {}", entry.version, entry.state.label(), entry.description);
            }
        }
        Ok(())
    }
}

fn print_verbose(entry: &Entry<'_>, source: &Source) {
    println!("{} {} [{}]", entry.version, entry.description, entry.state.label());
    match entry.files {
        Some(files) => {
            let down = match &files.down {
                Some(down) => down.file_name(),
                None => "none (cannot be reverted)".to_owned(),
            };
            println!("  up:          {}/{}", source.dir.display(), files.up.file_name());
            println!("  down:        {down}");
            println!("  checksum:    {}", hex(&files.up.migration.checksum));
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
