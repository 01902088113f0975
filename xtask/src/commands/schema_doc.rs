//! `schema-doc [--check]`: write (or verify) docs/SCHEMA.md from the migrated schema.

use anyhow::{Result, bail};

use crate::exit::NotCurrent;
use crate::flags;
use crate::project::Project;
use crate::schema::doc::{self, Freshness};

impl flags::SchemaDoc {
    /// Runs `cargo xtask schema-doc`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let server = project.db_url()?;
        if doc::path(project).is_none() {
            bail!("{} documents the workspace's migrations/ only; run it without --source", doc::DOC_FILE);
        }
        if self.check {
            return match doc::freshness(project, &server).await?.unwrap_or(Freshness::Current) {
                Freshness::Current => {
                    println!("{} is current", doc::DOC_FILE);
                    Ok(())
                }
                Freshness::Stale => Err(NotCurrent(doc::stale_message()).into()),
            };
        }
        match doc::write(project, &server).await? {
            true => println!("wrote {}", doc::DOC_FILE),
            false => println!("{} is already current", doc::DOC_FILE),
        }
        Ok(())
    }
}
