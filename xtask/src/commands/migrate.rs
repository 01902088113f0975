//! `migrate`: apply pending migrations, or print what would run.

use anyhow::Result;

use crate::backups;
use crate::engine::{self, Pending, Source};
use crate::flags;
use crate::project::Project;

impl flags::Migrate {
    /// Runs `cargo xtask migrate`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let target = self.target.map(|t| t.for_migrate(&source)).transpose()?.flatten();
        let database = url.database();
        let pending = Pending::read(&url, &source, target, self.allow_out_of_order).await?;
        if self.sql || self.dry_run {
            let migrations = pending.migrations();
            pending.close().await;
            if self.sql {
                print!("{}", engine::offline_script(&migrations, &database));
                return Ok(());
            }
            match migrations.as_slice() {
                [] => println!("`{database}` is up to date; nothing would run"),
                migrations => {
                    println!("would apply to `{database}`:");
                    for files in migrations {
                        println!("  {}", files.up.file_name());
                    }
                }
            }
            return Ok(());
        }
        if !self.no_backup {
            backups::before_destructive(&url, &project.backups_dir, &pending).await?;
        }
        let outcome = pending.apply(self.lock_timeout, self.ddl, super::print_applied).await?;
        for version in &outcome.out_of_order {
            // The record is sqlx's own row: its installed_on is later than a newer version's,
            // which `history` reads back as "applied (out of order)". No row of our own is written.
            println!(
                "note: applied {version} out of order (--allow-out-of-order), after newer migrations; \
                 `cargo xtask history` shows it as `applied (out of order)`"
            );
        }
        match (outcome.applied.is_empty(), outcome.version) {
            (true, Some(version)) => println!("`{database}` is already at version {version}; nothing to do"),
            (true, None) => println!("`{database}` has no migrations to apply; nothing to do"),
            (false, version) => println!(
                "`{database}` is now at version {}",
                version.map_or("none".to_owned(), |v| v.to_string())
            ),
        }
        Ok(())
    }
}
