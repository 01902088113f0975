//! `_sqlx_migrations` read without writing, and how each version stands against the folder.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use sqlx::{Connection, Executor, PgConnection, Row};

use super::{MigrationFiles, Source, TABLE};
use crate::pg;
use dburl::DbUrl;

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
    /// Its place in the order migrations were applied (`installed_on`, then version), from 1.
    pub applied_order: i64,
}

/// Reads `_sqlx_migrations` without creating it. On a fresh database, or one another tool made,
/// the table is absent, which means nothing is applied; its presence is asked with `to_regclass`
/// rather than by catching the error, which would abort a caller's transaction (a backup's
/// snapshot, for one).
async fn read_applied(conn: &mut PgConnection) -> Result<Vec<AppliedRow>> {
    // Asked first rather than caught: a failed query would abort the caller's transaction
    // (`backup` reads this inside its snapshot, before checksumming the tables).
    if !has_table(conn).await? {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT version, description,
                to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"') AS installed_on,
                success, checksum, execution_time,
                row_number() OVER (ORDER BY installed_on, version) AS applied_order
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|err| anyhow::anyhow!("cannot read {TABLE}: {}", pg::message(&err)))?;
    rows.iter()
        .map(|row| {
            Ok(AppliedRow {
                version: row.try_get("version")?,
                description: row.try_get("description")?,
                installed_on: row.try_get("installed_on")?,
                success: row.try_get("success")?,
                checksum: row.try_get("checksum")?,
                execution_time: row.try_get("execution_time")?,
                applied_order: row.try_get("applied_order")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|err| anyhow::anyhow!("cannot read {TABLE}: {err}"))
}

/// Whether `_sqlx_migrations` exists, asked without failing (so without aborting a transaction).
pub async fn has_table(conn: &mut PgConnection) -> Result<bool> {
    let found: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(|err| anyhow::anyhow!("cannot look for {TABLE}: {err}"))?;
    Ok(found)
}

/// What another tool left in a database: its public tables other than sqlx's (sorted), and
/// Alembic's revisions when it has an `alembic_version` table.
pub async fn foreign_tables(conn: &mut PgConnection) -> Result<(Vec<String>, Option<Vec<String>>)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'
         ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let alembic = if tables.iter().any(|t| t == "alembic_version") {
        Some(
            sqlx::query_scalar("SELECT version_num::text FROM alembic_version ORDER BY 1")
                .fetch_all(&mut *conn)
                .await?,
        )
    } else {
        None
    };
    Ok((tables, alembic))
}

/// Fails in one line, pointing at `cargo xtask adopt`, when `database` has tables but no sqlx
/// bookkeeping rows: another tool made it, and migrating would try to create its tables again.
pub async fn ensure_not_foreign(conn: &mut PgConnection, database: &str) -> Result<()> {
    // Both reads in one snapshot: a migration that commits between them (its tables and its
    // bookkeeping row land together) must not look like tables without bookkeeping.
    let mut tx = conn.begin().await?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    let foreign = match read_applied(&mut tx).await?.is_empty() {
        true => foreign_tables(&mut tx).await?,
        false => (Vec::new(), None),
    };
    tx.rollback().await?;
    let (tables, alembic) = foreign;
    if tables.is_empty() {
        return Ok(());
    }
    let by = match alembic {
        Some(revisions) => format!("Alembic (alembic_version {})", revisions.join(", ")),
        None => "another tool".to_owned(),
    };
    bail!(
        "`{database}` has {} table(s) but no sqlx migrations: it was made by {by}; \
         `cargo xtask adopt` takes it over without losing data (it changes nothing until --apply)",
        tables.len()
    )
}

/// The newest applied version, read without creating the bookkeeping table.
pub async fn applied_version(conn: &mut PgConnection) -> Result<Option<i64>> {
    Ok(read_applied(conn).await?.last().map(|row| row.version))
}

/// How one version stands between the folder and the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Applied, and the file is unchanged.
    Applied,
    /// In the folder, not yet applied.
    Pending,
    /// In the folder, not yet applied, but older than the newest applied version: it probably
    /// came from a merged branch (`cargo xtask rebase` gives it a new version).
    OutOfOrder,
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
            State::OutOfOrder => "out of order",
            State::Modified => "modified since applied",
            State::Missing => "applied but file missing",
            State::Failed => "failed (partially applied)",
        }
    }

    /// The word `--format json` prints: stable, lowercase, one word.
    pub fn key(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::OutOfOrder => "out_of_order",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Failed => "failed",
        }
    }

    /// Not applied yet: pending, in order or not.
    pub fn is_pending(self) -> bool {
        matches!(self, State::Pending | State::OutOfOrder)
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
    pub files: Option<&'a MigrationFiles>,
    /// Its bookkeeping row, when applied.
    pub applied: Option<&'a AppliedRow>,
    /// Applied after a newer version was: sqlx's own `installed_on` shows it was applied out of
    /// order (with `migrate --allow-out-of-order`, or by another tool).
    pub applied_out_of_order: bool,
}

/// Every version in the folder or the database, oldest first, with its state.
fn reconcile<'a>(source: &'a Source, rows: &'a [AppliedRow]) -> Vec<Entry<'a>> {
    let newest = rows.iter().map(|row| row.version).max();
    let mut by_version: BTreeMap<i64, (Option<&MigrationFiles>, Option<&AppliedRow>)> = BTreeMap::new();
    for files in &source.migrations {
        by_version.entry(files.version()).or_default().0 = Some(files);
    }
    for row in rows {
        by_version.entry(row.version).or_default().1 = Some(row);
    }
    by_version
        .into_iter()
        .map(|(version, (files, applied))| {
            let state = match (files, applied) {
                (_, Some(row)) if !row.success => State::Failed,
                (Some(_), None) if newest.is_some_and(|newest| version < newest) => State::OutOfOrder,
                (Some(_), None) => State::Pending,
                (None, _) => State::Missing,
                (Some(files), Some(row)) if *files.up.migration.checksum != *row.checksum => State::Modified,
                (Some(_), Some(_)) => State::Applied,
            };
            let description = match (files, applied) {
                (Some(files), _) => files.description().to_owned(),
                (None, Some(row)) => row.description.clone(),
                (None, None) => unreachable!("every entry has a file or a row"),
            };
            let applied_out_of_order = applied.is_some_and(|row| {
                rows.iter()
                    .any(|other| other.version > row.version && other.applied_order < row.applied_order)
            });
            Entry { version, description, state, files, applied, applied_out_of_order }
        })
        .collect()
}

/// Fails, naming the file and the fix, when an applied migration was edited or removed.
fn ensure_no_drift(entries: &[Entry<'_>], source: &Source, database: &str) -> Result<()> {
    for entry in entries {
        match entry.state {
            State::Modified => {
                let file = entry.files.map(|f| f.up.file_name()).unwrap_or_default();
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
            State::Applied | State::Pending | State::OutOfOrder => {}
        }
    }
    Ok(())
}

/// Where one database stands against the migrations folder: its bookkeeping rows, read once.
#[derive(Debug)]
pub struct Standing<'s> {
    /// The migrations folder it is compared with.
    pub source: &'s Source,
    /// The database's name, for messages.
    pub database: String,
    /// Its `_sqlx_migrations` rows, oldest first; empty when the table does not exist.
    pub applied: Vec<AppliedRow>,
}

impl<'s> Standing<'s> {
    /// Reads how `database` (behind `conn`) stands against `source`; changes nothing.
    pub async fn read(conn: &mut PgConnection, source: &'s Source, database: &str) -> Result<Standing<'s>> {
        Ok(Standing { source, database: database.to_owned(), applied: read_applied(conn).await? })
    }

    /// Like [`Standing::read`], on a connection of its own.
    pub async fn fetch(url: &DbUrl, source: &'s Source) -> Result<Standing<'s>> {
        let mut conn = pg::connect(url).await?;
        let standing = Standing::read(&mut conn, source, &url.database()).await;
        pg::close(conn).await;
        standing
    }

    /// Every version in the folder or the database, oldest first, with its state.
    pub fn entries(&self) -> Vec<Entry<'_>> {
        reconcile(self.source, &self.applied)
    }

    /// Fails, naming the file and the fix, when an applied migration was edited, removed or
    /// left half-applied.
    pub fn ensure_no_drift(&self) -> Result<()> {
        ensure_no_drift(&self.entries(), self.source, &self.database)
    }

    /// Fails, naming the migration, when an old sqlx left one half-applied.
    pub fn ensure_none_failed(&self) -> Result<()> {
        let failed: Vec<Entry<'_>> =
            self.entries().into_iter().filter(|e| e.state == State::Failed).collect();
        ensure_no_drift(&failed, self.source, &self.database)
    }

    /// The pending migrations up to `target` (all when `None`), oldest first, out-of-order ones
    /// included.
    pub fn pending(&self, target: Option<i64>) -> Vec<&'s MigrationFiles> {
        let source: &'s Source = self.source;
        self.entries()
            .iter()
            .filter(|e| e.state.is_pending() && target.is_none_or(|t| e.version <= t))
            .filter_map(|e| source.get(e.version))
            .collect()
    }

    /// The newest applied version, if any (the rows are in version order).
    pub fn version(&self) -> Option<i64> {
        self.applied.last().map(|row| row.version)
    }

    /// The pending migrations older than the newest applied one, oldest first.
    pub fn out_of_order(&self) -> Vec<Entry<'_>> {
        self.entries().into_iter().filter(|e| e.state == State::OutOfOrder).collect()
    }

    /// Fails in one line, naming the first out-of-order migration up to `target` and the two
    /// ways on, unless there is none.
    pub fn ensure_in_order(&self, target: Option<i64>) -> Result<()> {
        let entries = self.out_of_order();
        let mut chosen = entries.iter().filter(|e| target.is_none_or(|t| e.version <= t));
        let Some(first) = chosen.next() else { return Ok(()) };
        let others = chosen.count();
        let others = if others == 0 { String::new() } else { format!(" (and {others} more)") };
        bail!(
            "{}{others} is older than {}, the newest migration applied to `{}`: it probably came from \
             a merged branch; run `cargo xtask rebase` to give it a new version (or `cargo xtask migrate \
             --allow-out-of-order` to apply it as it is)",
            first.files.map(|f| f.up.file_name()).unwrap_or_default(),
            self.version().unwrap_or_default(),
            self.database
        )
    }
}
