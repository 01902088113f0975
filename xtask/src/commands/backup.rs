//! `backup`: pg_dump the configured database into `backups/`, with a manifest.

use std::path::Path;

use anyhow::Result;

use crate::project::Project;
use crate::{backups, flags};

impl flags::Backup {
    /// Runs `cargo xtask backup`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        let request = backups::Request { format: self.format, jobs: self.jobs, output: self.output.clone() };
        let taken = backups::take(&url, &project.backups_dir, &request).await?;
        println!(
            "backed up `{}` to {} ({} in {:.1} s)",
            url.database(),
            taken.path.display(),
            backups::human_size(taken.bytes),
            taken.took.as_secs_f64()
        );
        if let Some(keep) = self.keep {
            let folder = taken.path.parent().unwrap_or(Path::new("."));
            for removed in backups::prune(folder, &url.database(), keep)? {
                println!("removed old backup {}", removed.display());
            }
        }
        Ok(())
    }
}
