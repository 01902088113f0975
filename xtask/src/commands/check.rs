//! `check`: fail when `backend/schema.sql` and the migrations disagree, or when a new migration
//! has an unsilenced lint finding (CI runs it).

use anyhow::{Result, bail};

use crate::flags;
use crate::lint;
use crate::project::Project;
use crate::schema::autogenerate;

impl flags::Check {
    /// Runs `cargo xtask check`: the read-only twin of `revision --autogenerate`, plus the lint of
    /// the migrations not yet applied.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        println!("{}", autogenerate::check(project, &url).await?);
        let (findings, how) = lint::lint_new(project, &url).await?;
        println!("{how}");
        for finding in &findings {
            println!("{finding}");
        }
        if !findings.is_empty() {
            bail!(
                "{} lint finding(s) in new migrations; rewrite each as its fix says, or silence a deliberate one with `-- lint: allow <rule>`",
                findings.len()
            );
        }
        println!("new migrations: no lint findings");
        Ok(())
    }
}
