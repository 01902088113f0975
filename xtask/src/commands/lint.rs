//! `lint [PATH...]`: the hazards of migrations on a database in use.

use anyhow::{Result, bail};

use crate::flags;
use crate::lint;
use crate::project::Project;

impl flags::Lint {
    /// Runs `cargo xtask lint`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let paths = if self.paths.is_empty() { vec![project.migrations_dir.clone()] } else { self.paths };
        let files = lint::files_under(&paths)?;
        let url = project.db_url().ok();
        let mut linter = lint::linter_for(url.as_ref()).await;
        let mut findings = Vec::new();
        for file in &files {
            let sql = std::fs::read_to_string(file)
                .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", file.display()))?;
            findings.extend(linter.lint(&lint::shown(&project.root, file), &sql));
        }
        for finding in &findings {
            println!("{finding}");
        }
        if !findings.is_empty() {
            bail!(
                "{} finding(s) in {} file(s); rewrite each as its fix says, or silence a deliberate one with `-- lint: allow <rule>`",
                findings.len(),
                files.len()
            );
        }
        println!("{} file(s) linted: no findings", files.len());
        Ok(())
    }
}
