//! `db-setup`: create the database if missing, migrate it to head, seed it, summarise.

use anyhow::Result;

use crate::flags;
use crate::pg::local_server;
use crate::project::{Project, settings};
use crate::provision;

impl flags::DbSetup {
    /// Runs `cargo xtask db-setup`; with no server answering locally, it first sets up the
    /// project-local one.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url_or_create_dotenv()?;
        // Every path (DB_URL exported, .env copied by hand, the local server) ends in a backend
        // that starts: it refuses a missing or placeholder JWT_SECRET.
        if settings::ensure_jwt_secret(&project.root)? {
            eprintln!("wrote a random JWT_SECRET to .env: the backend signs its login tokens with it");
        }
        let url = local_server::take_over_if_needed(project, &url, self.local).await?.unwrap_or(url);
        provision::setup(&url, project, super::setup_options(&self), super::print_applied).await
    }
}
