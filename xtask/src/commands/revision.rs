//! `revision -m NAME [--autogenerate]`: a new timestamped up/down pair in the migrations folder,
//! empty or generated from `backend/schema.sql`.

use anyhow::Result;

use crate::engine::{Source, scaffold};
use crate::flags;
use crate::project::Project;
use crate::schema::{autogenerate, doc};

impl flags::Revision {
    /// Runs `cargo xtask revision`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let source = Source::load(&project.migrations_dir)?;
        let name = scaffold::snake_name(&self.message)?;
        let version = scaffold::next_version(&source)?;
        let (up_body, down_body) = if self.autogenerate {
            let Some(plan) = autogenerate::autogenerate(project, &project.db_url()?).await? else {
                println!(
                    "{} already matches {}; nothing written",
                    autogenerate::SCHEMA_FILE,
                    source.dir.display()
                );
                return Ok(());
            };
            for warning in &plan.warnings {
                eprintln!("warning: {warning}");
            }
            (plan.up, plan.down)
        } else {
            (String::new(), String::new())
        };
        let (up, down) =
            scaffold::write_pair(&source.dir, version, &name, self.message.trim(), &up_body, &down_body)?;
        println!("created {}", up.display());
        println!("created {}", down.display());
        if self.autogenerate && doc::write(project, &project.db_url()?).await? {
            println!("updated {}", doc::DOC_FILE);
        }
        Ok(())
    }
}
