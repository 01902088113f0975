//! `db-setup`: create the database if missing, migrate it to head, seed it, summarise.

use anyhow::Result;

use crate::flags;
use crate::pg::local_server;
use crate::project::Project;
use crate::provision;

impl flags::DbSetup {
    /// Runs `cargo xtask db-setup`; with no server answering locally, it first sets up the
    /// project-local one.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url_or_create_dotenv()?;
        let url = local_server::take_over_if_needed(project, &url, self.local).await?.unwrap_or(url);
        provision::setup(&url, project, super::setup_options(&self), super::print_applied).await
    }
}
