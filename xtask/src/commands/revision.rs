//! `revision -m NAME [--autogenerate]`: a new timestamped up/down pair in the migrations folder,
//! empty or generated from `backend/schema.sql` (as consecutive pairs when the lock-friendly
//! forms need several), then proven on a copy of the configured database's rows.

use anyhow::Result;

use crate::engine::{Source, scaffold};
use crate::flags;
use crate::project::Project;
use crate::schema::{autogenerate, doc, lock_friendly, real_rows};

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
        let url = project.db_url()?;
        let Some(mut plan) = autogenerate::autogenerate(project, &url).await? else {
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
        match real_rows::prove(&url, &source, &mut plan.parts, self.copy_limit_mb).await? {
            real_rows::Outcome::Skipped(reason) => eprintln!("note: not proven on real rows: {reason}"),
            real_rows::Outcome::Ran(report) => {
                print!("{report}");
                for line in report.preserved.iter().chain(&report.failures) {
                    eprintln!("warning: {line}");
                }
            }
        }
        let files: Vec<_> = lock_friendly::files(&plan.parts, version, &name, self.message.trim())
            .into_iter()
            .map(|(file, contents)| (source.dir.join(file), contents))
            .collect();
        scaffold::write_all(&files)?;
        for (path, _) in &files {
            println!("created {}", path.display());
        }
        if doc::write(project, &url).await? {
            println!("updated {}", doc::DOC_FILE);
        }
        Ok(())
    }
}
