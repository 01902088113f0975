//! `restore PATH`: a backup into a new database, verified; `--yes` replaces one safely.

use anyhow::{Result, bail};

use crate::project::{Project, db_name, shown_path};
use crate::{backups, flags, utc};

impl flags::Restore {
    /// Runs `cargo xtask restore`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        if !self.path.exists() {
            bail!(
                "no backup at {}; `ls {}` lists the backups",
                shown_path(&self.path),
                shown_path(&project.backups_dir)
            );
        }
        let stamp = utc::file_stamp(utc::now()).replace('.', "_").to_lowercase();
        let target = match (&self.into, self.yes) {
            (Some(name), _) => name.clone(),
            (None, true) => url.database(),
            (None, false) => db_name::derived(&url.database(), &format!("_restored_{stamp}")),
        };
        db_name::check(&target)?;
        let summary = backups::restore(
            &url.with_database(&target),
            &self.path,
            self.jobs,
            self.yes,
            &project.backups_dir,
        )
        .await?;
        println!("restored {} into `{target}`: {summary}", shown_path(&self.path));
        if self.into.is_none() && !self.yes {
            // Quoted for the shell too: single quotes around, each `'` inside as `'\''`.
            let drop = format!("DROP DATABASE {}", crate::pg::quote_ident(&target)).replace('\'', "'\\''");
            println!(
                "`{target}` is a new database beside `{}`; when done with it: psql -c '{drop}' \
                 (with the connection of DB_URL)",
                url.database()
            );
        }
        Ok(())
    }
}
