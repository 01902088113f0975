//! `revision -m NAME [--autogenerate]`: a new timestamped up/down pair in the migrations folder,
//! empty or generated from `backend/schema.sql` (as consecutive pairs when the lock-friendly
//! forms need several).

use anyhow::Result;

use crate::engine::{Source, scaffold};
use crate::flags;
use crate::project::Project;
use crate::schema::{autogenerate, doc, lock_friendly};

impl flags::Revision {
    /// Runs `cargo xtask revision`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let source = Source::load(&project.migrations_dir)?;
        let name = scaffold::snake_name(&self.message)?;
        let version = scaffold::next_version(&source)?;
        if !self.autogenerate {
            let (up, down) = scaffold::write_pair(&source.dir, version, &name, self.message.trim(), "", "")?;
            println!("created {}", up.display());
            println!("created {}", down.display());
            return Ok(());
        }
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
        let files: Vec<_> = lock_friendly::files(&plan.parts, version, &name, self.message.trim())
            .into_iter()
            .map(|(file, contents)| (source.dir.join(file), contents))
            .collect();
        scaffold::write_all(&files)?;
        for (path, _) in &files {
            println!("created {}", path.display());
        }
        if doc::write(project, &project.db_url()?).await? {
            println!("updated {}", doc::DOC_FILE);
        }
        Ok(())
    }
}
