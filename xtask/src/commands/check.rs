//! `check`: fail when `backend/schema.sql` and the migrations disagree (CI runs it).

use anyhow::Result;

use crate::flags;
use crate::project::Project;
use crate::schema::autogenerate;

impl flags::Check {
    /// Runs `cargo xtask check`: the read-only twin of `revision --autogenerate`.
    pub async fn run(self, project: &Project) -> Result<()> {
        println!("{}", autogenerate::check(project, &project.db_url()?).await?);
        Ok(())
    }
}
