//! `db-drop --yes`: drop the configured database with all its data.

use anyhow::Result;

use crate::flags;
use crate::project::Project;

impl flags::DbDrop {
    /// Runs `cargo xtask db-drop`.
    pub async fn run(self, project: &Project) -> Result<()> {
        super::drop_database(&project.db_url()?, self.yes, self.force, "db-drop").await
    }
}
