//! `rebase [VERSION...]`: give migrations new versions after the newest, renaming their files.

use anyhow::Result;

use crate::engine::{Source, Standing, rebase};
use crate::flags;
use crate::project::Project;
use crate::utc;

impl flags::Rebase {
    /// Runs `cargo xtask rebase`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let (url, source) = (project.db_url()?, Source::load(&project.migrations_dir)?);
        let standing = Standing::fetch(&url, &source).await?;
        let moves = rebase::plan(&standing, &self.versions, utc::now().as_secs())?;
        if moves.is_empty() {
            println!("no migration is out of order on `{}`; nothing to rebase", standing.database);
            return Ok(());
        }
        eprintln!(
            "note: a migration that another database (a teammate's, CI, production) has applied must not be \
             renamed: its version is recorded there. Rebase only migrations no one has applied yet"
        );
        rebase::apply(&moves)?;
        for step in &moves {
            for (from, to) in &step.renames {
                println!("renamed {} -> {}", file_name(from), file_name(to));
            }
        }
        println!("{} migration(s) now follow the newest one; run `cargo xtask migrate`", moves.len());
        Ok(())
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().unwrap_or_default().to_string_lossy().into_owned()
}
