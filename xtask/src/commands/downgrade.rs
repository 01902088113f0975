//! `downgrade`: revert applied migrations with their `.down.sql` files, newest first.

use anyhow::Result;

use crate::backups;
use crate::engine::{Range, Reverter, Source};
use crate::flags;
use crate::project::Project;

impl flags::Downgrade {
    /// Runs `cargo xtask downgrade`; unless `--no-backup`, backs the database up first.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let database = url.database();
        let mut reverter = Reverter::lock(&url, &source, self.lock_timeout, self.ddl).await?;
        let plan = reverter.plan(Range { steps: self.steps, target: self.target })?;
        if plan.is_empty() {
            println!("`{database}` has no applied migrations; nothing to revert");
            return Ok(());
        }
        if self.dry_run {
            println!("would revert in `{database}`:");
            for reversal in &plan {
                println!("  {}", reversal.down.file_name());
            }
            return Ok(());
        }
        if !self.no_backup {
            let taken = backups::take(&url, &project.backups_dir, &backups::Request::safety()).await?;
            println!("backed up `{database}` to {} first (--no-backup skips this)", taken.path.display());
        }
        for reversal in &plan {
            if let Some(up) = &reversal.modified_up {
                eprintln!(
                    "note: {up} changed since it was applied; reverting with the current {}",
                    reversal.down.file_name()
                );
            }
            let took = reverter.revert(reversal).await?;
            println!("reverted {} {} ({})", reversal.version, reversal.description, super::millis(took));
        }
        let version = reverter.finish().await?;
        println!(
            "`{database}` is now at version {}",
            version.map_or("base (nothing applied)".to_owned(), |v| v.to_string())
        );
        Ok(())
    }
}
