//! The `migrations/` folder as sqlx resolves it, and how it compares with `_sqlx_migrations`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use sqlx::PgConnection;
use sqlx::migrate::{Migration, MigrationType};

/// sqlx's bookkeeping table; its layout and contents belong to sqlx's migrate module.
pub const TABLE: &str = "_sqlx_migrations";

/// One migration script as found on disk.
#[derive(Debug)]
pub struct Script {
    /// The migration exactly as sqlx resolved it (SQL, checksum, `-- no-transaction`).
    pub migration: Migration,
    /// Where it lives.
    pub path: PathBuf,
}

impl Script {
    /// The file name, e.g. `20261125144500_initial_schema.up.sql`.
    pub fn file_name(&self) -> String {
        self.path.file_name().unwrap_or_default().to_string_lossy().into_owned()
    }
}

/// One version in the folder: its up script and, when reversible, its down script.
#[derive(Debug)]
pub struct Revision {
    /// The up (or only) script.
    pub up: Script,
    /// The matching `.down.sql`, if any.
    pub down: Option<Script>,
}

impl Revision {
    /// The version, the file name's numeric prefix.
    pub fn version(&self) -> i64 {
        self.up.migration.version
    }

    /// sqlx's description: the name after the version, `_` turned into spaces.
    pub fn description(&self) -> &str {
        &self.up.migration.description
    }
}

/// The migrations folder, resolved by sqlx and sorted by version.
#[derive(Debug)]
pub struct Source {
    /// The folder, as the user named it.
    pub dir: PathBuf,
    /// Every version, oldest first.
    pub revisions: Vec<Revision>,
}

impl Source {
    /// Resolves `dir` with sqlx's own resolver, so versions, descriptions and checksums are
    /// exactly what `sqlx::migrate!()` and sqlx-cli compute.
    pub fn load(dir: &Path) -> Result<Source> {
        if !dir.is_dir() {
            bail!(
                "migrations folder {} not found; pass --source DIR or run from the repository",
                dir.display()
            );
        }
        // `resolve_blocking` is what `migrate!()` itself uses; unlike `Migrator::new` it keeps the paths.
        let resolved = sqlx::migrate::resolve_blocking(dir)
            .map_err(|err| anyhow!("cannot read migrations in {}: {err}", dir.display()))?;
        let mut ups: BTreeMap<i64, Script> = BTreeMap::new();
        let mut downs: BTreeMap<i64, Script> = BTreeMap::new();
        for (migration, path) in resolved {
            let version = migration.version;
            let slot =
                if migration.migration_type == MigrationType::ReversibleDown { &mut downs } else { &mut ups };
            let script = Script { migration, path };
            if let Some(previous) = slot.insert(version, script) {
                bail!(
                    "two migrations share version {version}: {} and {}; give one a new version \
                     (`cargo xtask revision` makes a fresh one) and move its SQL there",
                    previous.file_name(),
                    slot[&version].file_name()
                );
            }
        }
        if let Some((_, orphan)) = downs.iter().find(|(version, _)| !ups.contains_key(version)) {
            bail!(
                "{} has no matching .up.sql in {}; restore the up file or delete it",
                orphan.file_name(),
                dir.display()
            );
        }
        let revisions =
            ups.into_iter().map(|(version, up)| Revision { up, down: downs.remove(&version) }).collect();
        Ok(Source { dir: dir.to_owned(), revisions })
    }

    /// The revision with this version, if the folder has it.
    pub fn get(&self, version: i64) -> Option<&Revision> {
        self.revisions.binary_search_by_key(&version, Revision::version).ok().map(|i| &self.revisions[i])
    }

    /// The newest version in the folder.
    pub fn head(&self) -> Option<i64> {
        self.revisions.last().map(Revision::version)
    }
}

/// A row of `_sqlx_migrations`, as read for reports.
#[derive(Debug, Clone)]
pub struct AppliedRow {
    /// The migration's version.
    pub version: i64,
    /// The description recorded when it was applied.
    pub description: String,
    /// When it was applied, in UTC.
    pub installed_on: String,
    /// False only for a migration an old sqlx left half-applied.
    pub success: bool,
    /// SHA-384 of the file as it was applied.
    pub checksum: Vec<u8>,
    /// Nanoseconds it took, or -1 when sqlx could not record it.
    pub execution_time: i64,
}

/// Reads `_sqlx_migrations` without creating it, in one round trip: on a fresh database the
/// table is absent, which means nothing is applied.
pub async fn read_applied(conn: &mut PgConnection) -> Result<Vec<AppliedRow>> {
    let rows: Vec<(i64, String, String, bool, Vec<u8>, i64)> = match sqlx::query_as(
        "SELECT version, description,
                to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),
                success, checksum, execution_time
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    {
        Ok(rows) => rows,
        Err(err) if crate::db::sqlstate(&err).as_deref() == Some("42P01") => Vec::new(),
        Err(err) => bail!("cannot read {TABLE}: {err}"),
    };
    Ok(rows
        .into_iter()
        .map(|(version, description, installed_on, success, checksum, execution_time)| AppliedRow {
            version,
            description,
            installed_on,
            success,
            checksum,
            execution_time,
        })
        .collect())
}

/// How one version stands between the folder and the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Applied, and the file is unchanged.
    Applied,
    /// In the folder, not yet applied.
    Pending,
    /// Applied, but the file has changed since.
    Modified,
    /// Applied, but the file is gone.
    Missing,
    /// Recorded as failed half-way by an old sqlx.
    Failed,
}

impl State {
    /// The word `history` and `status` print.
    pub fn label(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified since applied",
            State::Missing => "applied but file missing",
            State::Failed => "failed (partially applied)",
        }
    }
}

/// One version of the union of folder and database, for reports.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The version.
    pub version: i64,
    /// The file's description, or the recorded one when the file is gone.
    pub description: String,
    /// How it stands.
    pub state: State,
    /// Its files, when present.
    pub revision: Option<&'a Revision>,
    /// Its bookkeeping row, when applied.
    pub applied: Option<&'a AppliedRow>,
}

/// Every version in the folder or the database, oldest first, with its state.
pub fn reconcile<'a>(source: &'a Source, applied: &'a [AppliedRow]) -> Vec<Entry<'a>> {
    let mut by_version: BTreeMap<i64, (Option<&Revision>, Option<&AppliedRow>)> = BTreeMap::new();
    for revision in &source.revisions {
        by_version.entry(revision.version()).or_default().0 = Some(revision);
    }
    for row in applied {
        by_version.entry(row.version).or_default().1 = Some(row);
    }
    by_version
        .into_iter()
        .map(|(version, (revision, applied))| {
            let state = match (revision, applied) {
                (_, Some(row)) if !row.success => State::Failed,
                (Some(_), None) => State::Pending,
                (None, _) => State::Missing,
                (Some(revision), Some(row)) if *revision.up.migration.checksum != *row.checksum => {
                    State::Modified
                }
                (Some(_), Some(_)) => State::Applied,
            };
            let description = match (revision, applied) {
                (Some(revision), _) => revision.description().to_owned(),
                (None, Some(row)) => row.description.clone(),
                (None, None) => unreachable!("every entry has a file or a row"),
            };
            Entry { version, description, state, revision, applied }
        })
        .collect()
}

/// Fails, naming the file and the fix, when an applied migration was edited or removed.
pub fn ensure_no_drift(entries: &[Entry<'_>], source: &Source, database: &str) -> Result<()> {
    for entry in entries {
        match entry.state {
            State::Modified => {
                let file = entry.revision.map(|r| r.up.file_name()).unwrap_or_default();
                bail!(
                    "{file} was applied to `{database}` but has been modified since; \
                     restore it (`git checkout -- {}/{file}`) and put the change in a new migration \
                     (`cargo xtask revision -m ...`)",
                    source.dir.display()
                );
            }
            State::Missing => bail!(
                "migration {} ({}) was applied to `{database}` but its file is missing from {}; \
                 restore it from git, or revert it where it still exists",
                entry.version,
                entry.description,
                source.dir.display()
            ),
            State::Failed => bail!(
                "migration {} ({}) is marked as failed half-way in `{database}`; repair the schema by hand, \
                 then delete its row from {TABLE}",
                entry.version,
                entry.description
            ),
            State::Applied | State::Pending => {}
        }
    }
    Ok(())
}

/// A `--target` value: a version, or `base` (before the first migration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Before every migration.
    Base,
    /// Up to and including this version.
    Version(i64),
}

impl std::str::FromStr for Target {
    type Err = anyhow::Error;

    fn from_str(value: &str) -> Result<Target> {
        match value {
            "base" => Ok(Target::Base),
            _ => value.parse().map(Target::Version).map_err(|_| {
                anyhow!("--target `{value}` is neither a migration version nor `base`; `cargo xtask history` lists the versions")
            }),
        }
    }
}

/// Whether `sql` may destroy data: DROP, TRUNCATE, DELETE, ALTER ... TYPE or ALTER ... DROP.
/// Comments are ignored; anything else (a string that merely contains "drop") errs on the safe
/// side, since the cost of a false alarm is one backup.
pub fn is_destructive(sql: &str) -> bool {
    let mut code = String::with_capacity(sql.len());
    let mut rest = sql;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
            code.push(' ');
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
            code.push(' ');
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            code.push(c.to_ascii_uppercase());
            rest = &rest[c.len_utf8()..];
        }
    }
    code.split(';').any(|statement| {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let has = |word: &str| words.contains(&word);
        has("DROP") || has("TRUNCATE") || has("DELETE") || (words.first() == Some(&"ALTER") && has("TYPE"))
    })
}

/// Turns a server error position (1-based, in characters) into `line L, column C` of `sql`.
pub fn line_and_column(sql: &str, position: usize) -> (usize, usize) {
    let before: String = sql.chars().take(position.saturating_sub(1)).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_to_lines_and_columns() {
        let sql = "CREATE TABLE a ();\nSELEC 1;\n";
        assert_eq!(line_and_column(sql, 1), (1, 1));
        assert_eq!(line_and_column(sql, 20), (2, 1));
        assert_eq!(line_and_column(sql, 22), (2, 3));
    }

    #[test]
    fn destructive_statements_are_recognised_and_comments_ignored() {
        for sql in [
            "DROP TABLE clip;",
            "alter table clip drop column content;",
            "ALTER TABLE action ALTER COLUMN created_at TYPE date;",
            "CREATE TABLE a (id int);\ntruncate a;",
            "DELETE FROM user_account WHERE email LIKE '%@old.test';",
        ] {
            assert!(is_destructive(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE dropped_items (id int);",
            "-- DROP TABLE clip;\nCREATE TABLE a (id int);",
            "/* we will DELETE this later */ ALTER TABLE a ADD COLUMN b int;",
            "CREATE TYPE card AS ENUM ('yellow', 'red');",
        ] {
            assert!(!is_destructive(sql), "{sql}");
        }
    }

    #[test]
    fn targets_parse() {
        assert_eq!("base".parse::<Target>().unwrap(), Target::Base);
        assert_eq!("20261125144500".parse::<Target>().unwrap(), Target::Version(20261125144500));
        assert!("head-1".parse::<Target>().unwrap_err().to_string().contains("history"));
    }

    fn write(dir: &Path, name: &str, sql: &str) {
        std::fs::write(dir.join(name), sql).unwrap();
    }

    #[test]
    fn source_pairs_up_and_down_and_rejects_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a.up.sql", "SELECT 1;");
        write(dir.path(), "1_a.down.sql", "SELECT 2;");
        write(dir.path(), "2_b.sql", "SELECT 3;");
        let source = Source::load(dir.path()).unwrap();
        assert_eq!(source.revisions.len(), 2);
        assert!(source.get(1).unwrap().down.is_some());
        assert!(source.get(2).unwrap().down.is_none());
        assert_eq!(source.head(), Some(2));

        write(dir.path(), "2_other.sql", "SELECT 4;");
        let err = Source::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("two migrations share version 2"), "{err}");
    }

    #[test]
    fn a_down_without_an_up_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "3_c.down.sql", "SELECT 1;");
        let err = Source::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("3_c.down.sql has no matching .up.sql"), "{err}");
    }
}
