//! The migration lint: what each statement of a migration would do to a database in use (the
//! lock it takes, what that blocks, whether it scans or rewrites), and the safe rewrite.
//!
//! Findings are context-aware: statements on a table created earlier in the same file are
//! exempt, a `SET NOT NULL` after a validated `CHECK (col IS NOT NULL)` in an earlier migration is
//! fine, and when a database answers each finding shows its table's estimated rows and size.
//! `-- lint: allow <rule>[, <rule>]` silences a rule on the next statement, or, above the first
//! statement, for the whole file.

pub mod lexer;
pub mod locks;
mod new_files;
mod rules;
pub mod statements;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sqlx::PgConnection;

use crate::engine::Source;
use crate::pg;
use crate::project::Project;
use dburl::DbUrl;

pub use locks::{Lock, Work};
pub use new_files::new_migrations;
pub use rules::{Context, Hazard, RULES, check};
use statements::Statement;

/// One hazard at one place.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The file, as shown.
    pub file: String,
    /// Its statement's first line.
    pub line: usize,
    /// What the rule found.
    pub hazard: Hazard,
    /// The table's estimated rows and size, when a database answered.
    pub stakes: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.hazard;
        let on = h.table.as_ref().map(|t| format!(" on {t}")).unwrap_or_default();
        write!(f, "{}:{}: [{}] {}", self.file, self.line, h.rule, h.what)?;
        if h.lock != Lock::None {
            write!(f, "\n    lock: {}{on}, {}; {}", h.lock, h.lock.blocks(), h.work)?;
        }
        if let Some(stakes) = &self.stakes {
            write!(f, "\n    table: {stakes}")?;
        }
        write!(f, "\n    fix: {}\n    silence: -- lint: allow {}", h.fix, h.rule)
    }
}

/// Lints files in order, carrying what earlier files established (validated NOT NULL checks).
#[derive(Debug, Default)]
pub struct Linter {
    validated_not_null: std::collections::BTreeSet<(String, String)>,
    /// `CHECK (col IS NOT NULL)` constraints seen so far, by name.
    not_null_checks: BTreeMap<String, (String, String)>,
    /// Estimated rows and size per table, from the database when one answered.
    stakes: BTreeMap<String, (f64, i64)>,
}

impl Linter {
    /// A linter that shows each finding's stakes from `conn`'s database (estimates from
    /// `pg_class`, no table is read).
    pub async fn with_stakes(conn: &mut PgConnection) -> Result<Linter> {
        let rows: Vec<(String, f32, i64)> = sqlx::query_as(
            "SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text
                         ELSE n.nspname || '.' || c.relname END,
                    c.reltuples, pg_total_relation_size(c.oid)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
        )
        .fetch_all(&mut *conn)
        .await
        .context("cannot read table sizes")?;
        let stakes = rows.into_iter().map(|(name, rows, size)| (name, (f64::from(rows), size))).collect();
        Ok(Linter { stakes, ..Linter::default() })
    }

    /// The unsilenced findings of `sql`, shown as `file`; earlier files' context carries over.
    pub fn lint(&mut self, file: &str, sql: &str) -> Vec<Finding> {
        let statements = statements::split(sql);
        let file_allows = statements.first().map(|s| allowed(&s.comments_above)).unwrap_or_default();
        let mut context = Context {
            validated_not_null: self.validated_not_null.clone(),
            no_transaction: sql
                .lines()
                .next()
                .is_some_and(|l| l.trim().eq_ignore_ascii_case("-- no-transaction")),
            statement_count: statements.len(),
            ..Context::default()
        };
        let mut findings = Vec::new();
        for statement in &statements {
            // A VALIDATE earlier in this file counts too: its scan is done by the SET NOT NULL.
            self.learn(statement);
            context.validated_not_null.extend(self.validated_not_null.iter().cloned());
            let allows = allowed(&statement.comments_above);
            for hazard in check(statement, &mut context) {
                if allows.iter().chain(&file_allows).any(|rule| rule == hazard.rule) {
                    continue;
                }
                let stakes = hazard.table.as_ref().map(|t| self.stakes_of(t));
                findings.push(Finding {
                    file: file.to_owned(),
                    line: statement.line,
                    hazard,
                    stakes: stakes.flatten(),
                });
            }
        }
        findings
    }

    fn stakes_of(&self, table: &str) -> Option<String> {
        let (rows, bytes) = *self.stakes.get(table)?;
        let rows =
            if rows < 0.0 { "rows unknown (never analyzed)".to_owned() } else { format!("~{rows:.0} rows") };
        Some(format!("{table}: {rows}, {}", size(bytes)))
    }

    /// Remembers the `CHECK (col IS NOT NULL)` constraints added and validated.
    fn learn(&mut self, statement: &Statement) {
        if !statement.starts("alter table") {
            return;
        }
        let Some(table) = statement.name_after("alter table") else { return };
        if let Some(at) = statement.find("add constraint")
            && let Some(name) = statement.word(at + 2)
            && let Some(check) = statement.find("check")
            && let Some(column) = statement.word(check + 2)
            && statement.word(check + 3) == Some("is")
            && statement.has("is not null")
        {
            self.not_null_checks.insert(name.to_owned(), (table.clone(), column.to_owned()));
        }
        if let Some(at) = statement.find("validate constraint")
            && let Some(name) = statement.word(at + 2)
        {
            if let Some(pair) = self.not_null_checks.get(name) {
                self.validated_not_null.insert(pair.clone());
            } else {
                self.pending_validations(&table, name);
            }
        }
    }

    /// A VALIDATE of a check added in an earlier file: its column is taken from the name the
    /// generator gives such checks (`<table>_<column>_not_null`).
    fn pending_validations(&mut self, table: &str, name: &str) {
        if let Some(column) =
            name.strip_prefix(&format!("{table}_")).and_then(|n| n.strip_suffix("_not_null"))
        {
            self.validated_not_null.insert((table.to_owned(), column.to_owned()));
        }
    }
}

/// The rules named by `-- lint: allow a, b` lines among `comments`.
fn allowed(comments: &[String]) -> Vec<String> {
    comments
        .iter()
        .filter_map(|c| c.trim_start_matches('-').trim().strip_prefix("lint: allow"))
        .flat_map(|rules| rules.split([',', ' ']).map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned))
        .collect()
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b => format!("{} kB", b / 1024),
    }
}

/// A linter with stakes from `url`'s database when it answers, without them otherwise.
pub async fn linter_for(url: Option<&DbUrl>) -> Linter {
    let Some(url) = url else { return Linter::default() };
    let Ok(mut conn) = pg::connect(url).await else { return Linter::default() };
    let linter = Linter::with_stakes(&mut conn).await.unwrap_or_default();
    pg::close(conn).await;
    linter
}

/// `check`'s lint: the unsilenced findings in the new migrations (see [`new_migrations`]), with
/// the line saying which migrations counted as new.
pub async fn lint_new(project: &Project, url: &DbUrl) -> Result<(Vec<Finding>, String)> {
    let source = Source::load(&project.migrations_dir)?;
    let (new, how) = new_migrations(&source, url, &project.root).await;
    let mut linter = linter_for(Some(url)).await;
    let mut findings = Vec::new();
    // Every file is read in order for its context; only the new ones report.
    for files in &source.migrations {
        let found = linter.lint(&shown(&project.root, &files.up.path), files.up.migration.sql.as_str());
        if new.iter().any(|n| n.version() == files.version()) {
            findings.extend(found);
        }
    }
    Ok((findings, how))
}

/// The migration files under `paths` (a folder: its `.up.sql` files), in version order.
pub fn files_under(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".up.sql"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            anyhow::bail!("{} does not exist; give migration files or folders", path.display());
        }
    }
    Ok(files)
}

/// `path` as shown in findings: relative to `root` when inside it.
pub fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(sql: &str) -> Vec<&'static str> {
        Linter::default().lint("m.up.sql", sql).into_iter().map(|f| f.hazard.rule).collect()
    }

    #[test]
    fn each_rule_fires_on_its_hazard() {
        for (sql, rule) in [
            ("CREATE INDEX clip_x ON clip (x)", "index-not-concurrent"),
            ("DROP INDEX clip_x", "index-not-concurrent"),
            (
                "ALTER TABLE clip ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES action (id)",
                "constraint-not-valid",
            ),
            ("ALTER TABLE clip ADD CHECK (x > 0)", "constraint-not-valid"),
            ("ALTER TABLE clip ALTER COLUMN x SET NOT NULL", "set-not-null"),
            ("ALTER TABLE clip ADD CONSTRAINT u UNIQUE (x)", "unique-constraint"),
            ("ALTER TABLE clip ADD PRIMARY KEY (id)", "unique-constraint"),
            ("ALTER TABLE clip ALTER COLUMN x TYPE bigint", "type-rewrite"),
            ("ALTER TABLE clip ADD COLUMN u uuid DEFAULT gen_random_uuid()", "volatile-default"),
            ("ALTER TABLE clip ADD COLUMN n int NOT NULL", "not-null-without-default"),
            ("ALTER TABLE clip RENAME COLUMN a TO b", "rename"),
            ("ALTER TABLE clip RENAME TO clips", "rename"),
            ("ALTER TABLE clip DROP COLUMN x", "drop-column"),
            ("DROP TABLE clip", "drop-table"),
            ("CREATE INDEX CONCURRENTLY i ON clip (x)", "concurrently-in-transaction"),
            ("ALTER TYPE mood ADD VALUE 'glad';\nUPDATE t SET m = 'glad' WHERE id = 1", "enum-value-used"),
            ("VACUUM FULL clip", "vacuum-full"),
            ("CLUSTER clip USING clip_pkey", "cluster"),
            ("TRUNCATE clip", "truncate"),
            ("LOCK TABLE clip", "lock-table"),
            ("UPDATE clip SET x = 1", "unbatched-write"),
            ("DELETE FROM clip", "unbatched-write"),
        ] {
            assert_eq!(rules_of(sql), [rule], "{sql}");
        }
    }

    #[test]
    fn safe_forms_and_new_tables_pass() {
        for sql in [
            "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON clip (x)",
            "-- no-transaction\nDROP INDEX CONCURRENTLY i",
            "ALTER TABLE clip ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES action (id) NOT VALID",
            "ALTER TABLE clip VALIDATE CONSTRAINT f",
            "ALTER TABLE clip ADD CONSTRAINT u UNIQUE USING INDEX u",
            "ALTER TABLE clip ALTER COLUMN name TYPE text",
            "ALTER TABLE clip ALTER COLUMN name TYPE varchar(200)",
            "ALTER TABLE clip ADD COLUMN at timestamptz DEFAULT now()",
            "ALTER TABLE clip ADD COLUMN n int NOT NULL DEFAULT 0",
            "ALTER TABLE clip ALTER COLUMN x DROP NOT NULL, ALTER COLUMN y SET DEFAULT 1",
            "ALTER TABLE clip DROP CONSTRAINT f",
            "UPDATE clip SET x = 1 WHERE id < 1000",
            "CREATE TABLE t (id int);\nCREATE INDEX ti ON t (id);\nALTER TABLE t ADD CHECK (id > 0);\nDROP TABLE t",
        ] {
            assert_eq!(rules_of(sql), Vec::<&str>::new(), "{sql}");
        }
    }

    #[test]
    fn allow_comments_silence_a_statement_or_the_file() {
        let sql =
            "CREATE INDEX a ON clip (x);\n-- lint: allow index-not-concurrent\nCREATE INDEX b ON clip (y);\n";
        let findings = Linter::default().lint("m.up.sql", sql);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].line, 1);
        assert!(rules_of("-- lint: allow drop-table, truncate\n\nDROP TABLE a;\nTRUNCATE b;").is_empty());
    }

    #[test]
    fn set_not_null_after_a_validated_check_in_an_earlier_file_passes() {
        let mut linter = Linter::default();
        assert!(
            linter
                .lint(
                    "1.up.sql",
                    "ALTER TABLE clip ADD CONSTRAINT clip_x_not_null CHECK (x IS NOT NULL) NOT VALID"
                )
                .is_empty()
        );
        assert!(linter.lint("2.up.sql", "ALTER TABLE clip VALIDATE CONSTRAINT clip_x_not_null").is_empty());
        assert!(linter.lint("3.up.sql", "ALTER TABLE clip ALTER COLUMN x SET NOT NULL").is_empty());
        let finding = &Linter::default().lint("m.up.sql", "ALTER TABLE clip ALTER COLUMN x SET NOT NULL")[0];
        let shown = finding.to_string();
        assert!(
            shown.starts_with("m.up.sql:1: [set-not-null]") && shown.contains("ACCESS EXCLUSIVE on clip"),
            "{shown}"
        );
    }
}
