//! `restore PATH`: a backup into a new database, verified; `--yes` replaces one safely.

use anyhow::{Result, bail};

use crate::project::Project;
use crate::{backups, flags, utc};

impl flags::Restore {
    /// Runs `cargo xtask restore`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        if !self.path.exists() {
            bail!(
                "no backup at {}; `ls {}` lists the backups",
                self.path.display(),
                project.backups_dir.display()
            );
        }
        let stamp = utc::file_stamp(utc::now()).replace('.', "_").to_lowercase();
        let target = match (&self.into, self.yes) {
            (Some(name), _) => name.clone(),
            (None, true) => url.database(),
            (None, false) => format!("{}_restored_{stamp}", url.database()),
        };
        let summary = backups::restore(
            &url.with_database(&target),
            &self.path,
            self.jobs,
            self.yes,
            &project.backups_dir,
        )
        .await?;
        println!("restored {} into `{target}`: {summary}", self.path.display());
        Ok(())
    }
}
