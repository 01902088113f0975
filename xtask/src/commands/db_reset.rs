//! `db-reset --yes`: drop the database, then set it up from nothing.

use anyhow::Result;

use crate::engine::Source;
use crate::flags;
use crate::project::Project;
use crate::provision;

impl flags::DbReset {
    /// Runs `cargo xtask db-reset`: drop, then set up from scratch.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        // Unreadable migrations fail here, before anything is dropped.
        Source::load(&project.migrations_dir)?;
        super::drop_database(&url, self.yes, self.force, "db-reset").await?;
        provision::setup(&url, project, super::setup_options(&self.setup), super::print_applied).await
    }
}
