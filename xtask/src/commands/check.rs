//! `check`: fail when `backend/schema.sql` and the migrations disagree, or docs/SCHEMA.md is
//! stale, or a new migration has an unsilenced lint finding (CI runs it); also flags out-of-order
//! migrations on the configured database.

use anyhow::{Result, bail};
use serde_json::json;

use crate::engine::{Source, Standing};
use crate::exit::NotCurrent;
use crate::flags::{self, Format};
use crate::lint;
use crate::project::Project;
use crate::schema::autogenerate;
use crate::schema::doc::{self, Freshness};

impl flags::Check {
    /// Runs `cargo xtask check`: the read-only twin of `revision --autogenerate`, plus the lint of
    /// the migrations not yet applied.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        // Together: each builds on scratch databases, whose drops then share a checkpoint.
        let (plan, freshness) =
            tokio::join!(autogenerate::reconciling(project, &url), doc::freshness(project, &url));
        let (plan, freshness) = (plan?, freshness?);
        // The configured database may not exist (CI checks on a bare server): then there is
        // nothing to be out of order on.
        let source = Source::load(&project.migrations_dir)?;
        let out_of_order: Option<Vec<String>> = match Standing::fetch(&url, &source).await {
            Ok(standing) => Some(
                standing.out_of_order().iter().filter_map(|e| e.files.map(|f| f.up.file_name())).collect(),
            ),
            Err(_) => None,
        };
        let (findings, new_files) = lint::lint_new(project, &url).await?;
        let shown_schema = autogenerate::SCHEMA_FILE;
        if self.format == Format::Json {
            let report = json!({
                "schema_file": shown_schema,
                "matches": plan.is_none(),
                "reconciling_statements": plan.as_ref().map(|p| p.up.trim_end()),
                "schema_doc": freshness.map(|f| json!({ "file": doc::DOC_FILE, "current": f == Freshness::Current })),
                "out_of_order": out_of_order,
                "lint_new_files": new_files,
                "lint_findings": findings.iter().map(|f| json!({
                    "file": f.file, "line": f.line, "rule": f.hazard.rule,
                    "table": f.hazard.table, "lock": f.hazard.lock.to_string(),
                    "what": f.hazard.what, "fix": f.hazard.fix, "stakes": f.stakes,
                })).collect::<Vec<_>>(),
            });
            println!("{report:#}");
        } else {
            for file in out_of_order.iter().flatten() {
                println!("out of order: {file}: {}", super::OUT_OF_ORDER_ADVICE);
            }
            println!("{new_files}");
            for finding in &findings {
                println!("{finding}");
            }
        }
        if let Some(plan) = plan {
            return Err(NotCurrent(format!(
                "{shown_schema} and {} disagree; `cargo xtask revision --autogenerate -m NAME` writes the \
                 migration that reconciles them:\n{}",
                project
                    .migrations_dir
                    .strip_prefix(&project.root)
                    .unwrap_or(&project.migrations_dir)
                    .display(),
                plan.up.trim_end()
            ))
            .into());
        }
        if freshness == Some(Freshness::Stale) {
            return Err(NotCurrent(doc::stale_message()).into());
        }
        if out_of_order.as_ref().is_some_and(|files| !files.is_empty()) {
            return Err(NotCurrent(format!(
                "`{}` has out-of-order migrations (listed above): run `cargo xtask rebase`",
                url.database()
            ))
            .into());
        }
        if !findings.is_empty() {
            bail!(
                "{} lint finding(s) in new migrations; rewrite each as its fix says, or silence a \
                 deliberate one with `-- lint: allow <rule>`",
                findings.len()
            );
        }
        if self.format == Format::Text {
            let page = match freshness {
                Some(_) => format!("; {} is current", doc::DOC_FILE),
                None => String::new(),
            };
            println!("{shown_schema} matches {}{page}", shown(project, &source.dir));
        }
        Ok(())
    }
}

/// `path` relative to the workspace root when it is inside it, for messages.
fn shown(project: &Project, path: &std::path::Path) -> String {
    path.strip_prefix(&project.root).unwrap_or(path).display().to_string()
}
