//! `baseline VERSION`: record migrations as applied without running them (Alembic's `stamp`).

use anyhow::Result;

use crate::adopt;
use crate::engine::Source;
use crate::flags;
use crate::project::Project;

impl flags::Baseline {
    /// Runs `cargo xtask baseline`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let recorded = adopt::baseline(&url, &source, self.version, self.force).await?;
        let database = url.database();
        match recorded.as_slice() {
            [] => println!(
                "`{database}` already records version {} and every earlier one; nothing to do",
                self.version
            ),
            versions => println!(
                "recorded {} version(s) as applied in `{database}`, up to {}, without running them",
                versions.len(),
                self.version
            ),
        }
        Ok(())
    }
}
