//! `prepare [--check]`: regenerate or verify `.sqlx/`, the backend's offline query data.

use anyhow::Result;

use crate::project::Project;
use crate::{flags, query_data};

impl flags::Prepare {
    /// Runs `cargo xtask prepare [--check]` on the configured server.
    pub async fn run(self, project: &Project) -> Result<()> {
        println!("{}", query_data::prepare(project, &project.db_url()?, self.check).await?);
        Ok(())
    }
}
