//! `db-create`: create the configured database if it is missing.

use anyhow::Result;

use crate::flags;
use crate::pg;
use crate::project::Project;

impl flags::DbCreate {
    /// Runs `cargo xtask db-create`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        let database = url.database();
        if pg::create_if_missing(&url).await? {
            println!("created database `{database}` on {}", url.server());
        } else {
            println!("database `{database}` already exists on {}; nothing to do", url.server());
        }
        Ok(())
    }
}
