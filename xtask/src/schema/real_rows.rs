//! Proofs on real rows: a generated migration, already proven on empty scratch databases, run
//! up and down on a copy of the configured database, whose rows are the developer's own (the
//! fixtures of `db-setup`, the fake data of `seed --fake`).
//!
//! An empty table accepts what a table with rows refuses: `ADD COLUMN … NOT NULL`, a UNIQUE
//! constraint, a type change whose cast fails on one value. A statement that fails on the copy
//! is marked in the file (`-- fails on existing rows: …`) and reported with the server's message
//! and the table. One failure has a data-preserving form, used instead: a down that re-adds a
//! column the up dropped cannot restore its values, so it re-adds it without NOT NULL when rows
//! exist, and says so with [`PRESERVING`]. The stairway check reads that note and expects the
//! column nullable after such a down.
//!
//! The copy is made only when the database is reachable, at the migrations' head (so the up
//! starts where the migration will), and no larger than the size limit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::Result;
use sqlx::{Connection, Executor, PgConnection};

use super::diff::Step;
use super::fingerprint::{Fingerprint, fingerprint};
use super::lock_friendly::Part;
use crate::engine::{Source, Standing};
use crate::lint::statements;
use crate::pg::copy::{CopyMethod, copy_into};
use crate::pg::scratch::with_scratch_database;
use crate::{interrupt, pg, project};
use dburl::DbUrl;

/// The default largest database copied for the proof, in megabytes.
pub const DEFAULT_COPY_LIMIT_MB: u64 = 1024;

/// The note above a down's `ADD COLUMN` that re-adds a dropped column without NOT NULL, followed
/// by `table.column`.
pub const PRESERVING: &str = "-- data-preserving: re-adds column ";

/// What the proof on real rows found.
#[derive(Debug)]
pub enum Outcome {
    /// Not run, and why.
    Skipped(String),
    /// Run on a copy.
    Ran(Report),
}

/// The proof's findings on the copy.
#[derive(Debug)]
pub struct Report {
    /// The copied database's name.
    pub database: String,
    /// Its size in bytes.
    pub size: i64,
    /// How the copy was made.
    pub method: CopyMethod,
    /// Rows per table before the up, after the up and after the down (absent: no such table
    /// then, or that phase was not reached).
    pub counts: BTreeMap<String, [Option<i64>; 3]>,
    /// Each statement that failed on the rows, as one line: file, statement, table, message.
    pub failures: Vec<String>,
    /// Each down statement rewritten into its data-preserving form, as one line.
    pub preserved: Vec<String>,
}

/// Runs `parts` (their ups in order, then their downs newest first) on a copy of `url`'s
/// database, marking in them each statement that fails on its rows and rewriting the downs that
/// have a data-preserving form. Skips, saying why, when the database is unreachable, not at the
/// head of `source`, or larger than `limit_mb` megabytes (0 turns the proof off).
pub async fn prove(url: &DbUrl, source: &Source, parts: &mut [Part], limit_mb: u64) -> Result<Outcome> {
    let database = project::shown(&url.database());
    if limit_mb == 0 {
        return Ok(Outcome::Skipped("--copy-limit-mb is 0".to_owned()));
    }
    let mut conn = match pg::connect(url).await {
        Ok(conn) => conn,
        Err(err) => return Ok(Outcome::Skipped(format!("`{database}` is not reachable ({err:#})"))),
    };
    let standing = Standing::read(&mut conn, source, &url.database()).await;
    let size: Result<i64, _> =
        sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await;
    // The template copy needs the source without sessions: ours included.
    pg::close(conn).await;
    let standing = standing?;
    if standing.ensure_no_drift().is_err() || !standing.pending(None).is_empty() {
        return Ok(Outcome::Skipped(format!(
            "`{database}` is not at the migrations' head (`cargo xtask migrate` brings it there)"
        )));
    }
    let size = size?;
    if size > (limit_mb * 1024 * 1024) as i64 {
        return Ok(Outcome::Skipped(format!(
            "`{database}` is {} MB, above the {limit_mb} MB limit (--copy-limit-mb)",
            size / (1024 * 1024)
        )));
    }
    with_scratch_database(url, "rows", async |copy| {
        // The copy is a bonus on top of the proofs already made: failing to make one skips it.
        let method = match copy_into(url, copy).await {
            Ok(method) => method,
            Err(err) if interrupt::cause(&err).is_none() => {
                return Ok(Outcome::Skipped(format!("cannot copy `{database}`: {err:#}")));
            }
            Err(err) => return Err(err),
        };
        let mut conn = pg::connect(copy).await?;
        let mut report = Report {
            database: database.clone(),
            size,
            method,
            counts: BTreeMap::new(),
            failures: Vec::new(),
            preserved: Vec::new(),
        };
        let result = climb(&mut conn, parts, &mut report).await;
        pg::close(conn).await;
        result.map(|()| Outcome::Ran(report))
    })
    .await
}

/// Ups, then downs, recording the row counts at each phase; stops at the first failure.
async fn climb(conn: &mut PgConnection, parts: &mut [Part], report: &mut Report) -> Result<()> {
    record(conn, report, 0).await?;
    let before = fingerprint(conn).await?;
    for part in parts.iter_mut() {
        if !run(conn, part, Direction::Up, report).await? {
            return Ok(());
        }
    }
    record(conn, report, 1).await?;
    for part in parts.iter_mut().rev() {
        if !run(conn, part, Direction::Down, report).await? {
            return Ok(());
        }
    }
    record(conn, report, 2).await?;
    // A data-preserving down leaves its columns nullable; anything else must be as before.
    let mut expected = before;
    relax(&mut expected, &parts.iter().flat_map(|p| &p.down).map(|s| s.sql.as_str()).collect::<String>());
    let left = fingerprint(conn).await?.differences(&expected, "the copy after the down", "before the up");
    if !left.is_empty() {
        report.failures.push(format!(
            "the down does not bring the copy of `{}` back to its schema: {}",
            report.database,
            left.join("; ")
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// Runs one file's statements as `migrate` would (in a transaction unless it opts out); on a
/// failure, marks the statement (or rewrites it into its data-preserving form and runs the file
/// again) and returns false when the climb cannot go on.
async fn run(
    conn: &mut PgConnection,
    part: &mut Part,
    direction: Direction,
    report: &mut Report,
) -> Result<bool> {
    loop {
        let steps = match direction {
            Direction::Up => &mut part.up,
            Direction::Down => &mut part.down,
        };
        let Some((index, err)) = execute(conn, steps, part.no_transaction).await? else {
            return Ok(true);
        };
        let file =
            format!("the {} file's {}", part.role, if direction == Direction::Up { "up" } else { "down" });
        let step = &mut steps[index];
        if direction == Direction::Down
            && let Some(column) = preservable(step, &err)
        {
            step.loss = None;
            step.sql = format!(
                "{PRESERVING}{column} without NOT NULL: the up dropped its values, and the rows that \
                 exist have none to restore\n{}",
                step.sql.replacen(" NOT NULL", "", 1)
            );
            report.preserved.push(format!(
                "{file} re-adds column {column} without NOT NULL: the up drops its values, and `{}` has rows",
                report.database
            ));
            continue;
        }
        let table = pg::pg_error(&err)
            .and_then(|e| e.table().map(str::to_owned))
            .or_else(|| statements::split(&step.sql).first().and_then(|s| s.name_after("alter table")))
            .unwrap_or_else(|| "?".to_owned());
        let message = pg::message(&err);
        report.failures.push(format!(
            "fails on existing rows: {file}, statement {}, on table {table}: {message} (on a copy of `{}`); \
             marked in the file",
            index + 1,
            report.database
        ));
        step.sql = format!("-- fails on existing rows of {table}: {message}\n{}", step.sql);
        return Ok(false);
    }
}

/// Runs `steps`; the index of the one that failed and its error, the rest rolled back.
async fn execute(
    conn: &mut PgConnection,
    steps: &[Step],
    no_transaction: bool,
) -> Result<Option<(usize, sqlx::Error)>> {
    if no_transaction {
        for (index, step) in steps.iter().enumerate() {
            if let Err(err) = conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(step.sql.clone()))).await {
                return Ok(Some((index, err)));
            }
        }
        return Ok(None);
    }
    let mut tx = conn.begin().await?;
    for (index, step) in steps.iter().enumerate() {
        if let Err(err) = tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(step.sql.clone()))).await {
            tx.rollback().await?;
            return Ok(Some((index, err)));
        }
    }
    tx.commit().await?;
    Ok(None)
}

/// `table.column` when `step` re-adds a NOT NULL column without a default and failed because
/// the table has rows (23502): it then has a data-preserving form.
fn preservable(step: &Step, err: &sqlx::Error) -> Option<String> {
    if pg::sqlstate(err).as_deref() != Some("23502") {
        return None;
    }
    let statement = statements::split(&step.sql).into_iter().next()?;
    let table = statement.name_after("alter table")?;
    let column = statement.name_after("add column").or_else(|| statement.name_after("add"))?;
    let once = step.sql.matches(" NOT NULL").count() == 1;
    (once && !statement.has("default")).then(|| format!("{table}.{column}"))
}

/// Warns on each down step that re-adds what rows can break: a UNIQUE or PRIMARY KEY constraint,
/// a CHECK or FOREIGN KEY validated on the spot, NOT NULL, or a NOT NULL column without a
/// default. Rows written between the up and the down (which no copy holds) make it fail.
pub fn flag_fragile(down: &mut [Step]) {
    for step in down.iter_mut().filter(|s| s.loss.is_none()) {
        let Some(statement) = statements::split(&step.sql).into_iter().next() else { continue };
        if !statement.starts("alter table") || statement.has("not valid") {
            continue;
        }
        let breaks = if statement.has("unique") || statement.has("primary key") {
            "rows written since the up hold duplicates"
        } else if statement.has("foreign key") {
            "rows written since the up reference rows that do not exist"
        } else if statement.has("check") {
            "rows written since the up break the check"
        } else if statement.has("set not null") {
            "rows written since the up hold NULLs"
        } else if statement.has("add column") && statement.has("not null") && !statement.has("default") {
            "the table has rows: the up dropped this column's values"
        } else {
            continue;
        };
        step.loss = Some(format!("fails if {breaks}"));
    }
}

/// The columns a down script re-adds without NOT NULL by [`PRESERVING`] notes, as `table.column`.
pub fn preserved_columns(down: &str) -> BTreeSet<String> {
    down.lines()
        .filter_map(|line| line.strip_prefix(PRESERVING))
        .filter_map(|rest| rest.split(' ').next())
        .map(str::to_owned)
        .collect()
}

/// `expected` as a down with [`PRESERVING`] notes leaves it: those columns nullable.
pub fn relax(expected: &mut Fingerprint, down: &str) {
    for column in preserved_columns(down) {
        if let Some(properties) = expected.objects.get_mut(&format!("column {column}")) {
            properties.remove("not null");
        }
    }
}

/// Counts every table's rows into phase `phase` of the report (exact: the copy is bounded).
async fn record(conn: &mut PgConnection, report: &mut Report, phase: usize) -> Result<()> {
    for (table, count) in pg::row_counts(conn).await? {
        report.counts.entry(table).or_default()[phase] = Some(count);
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = if self.failures.is_empty() { "proven" } else { "tried" };
        writeln!(
            f,
            "{outcome} up and down on real rows: a copy of `{}` ({} MB), made {}",
            self.database,
            self.size / (1024 * 1024),
            self.method.describe()
        )?;
        let width = self.counts.keys().map(String::len).max().unwrap_or(0).max("rows per table".len());
        writeln!(
            f,
            "  {:<width$}  {:>10}  {:>10}  {:>10}",
            "rows per table", "before up", "after up", "after down"
        )?;
        let shown = |n: Option<i64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
        for (table, [before, up, down]) in &self.counts {
            writeln!(
                f,
                "  {table:<width$}  {:>10}  {:>10}  {:>10}",
                shown(*before),
                shown(*up),
                shown(*down)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preserved_columns_are_read_from_the_notes_and_relaxed_in_the_expected_schema() {
        let down = format!(
            "{PRESERVING}clip.duration without NOT NULL: why\nALTER TABLE clip ADD COLUMN duration integer;\n"
        );
        assert_eq!(preserved_columns(&down), BTreeSet::from(["clip.duration".to_owned()]));
        let mut print = Fingerprint::default();
        let column = print.objects.entry("column clip.duration".to_owned()).or_default();
        column.insert("not null".to_owned(), "not null".to_owned());
        column.insert("type".to_owned(), "integer".to_owned());
        relax(&mut print, &down);
        assert_eq!(print.objects["column clip.duration"].keys().collect::<Vec<_>>(), ["type"]);
        assert!(preserved_columns("ALTER TABLE clip ADD COLUMN duration integer NOT NULL;").is_empty());
    }

    #[test]
    fn downs_that_rows_written_since_the_up_can_break_are_warned_about() {
        let step = |sql: &str| Step { sql: sql.to_owned(), loss: None };
        let mut down = [
            step("ALTER TABLE a ADD CONSTRAINT a_email_key UNIQUE (email)"),
            step("ALTER TABLE a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b) REFERENCES b (id)"),
            step("ALTER TABLE a ADD CONSTRAINT a_b_fkey FOREIGN KEY (b) REFERENCES b (id) NOT VALID"),
            step("ALTER TABLE a ALTER COLUMN c SET NOT NULL"),
            step("ALTER TABLE a ADD COLUMN d integer NOT NULL"),
            step("ALTER TABLE a ADD COLUMN e integer NOT NULL DEFAULT 0"),
            step("CREATE TABLE f (id int PRIMARY KEY)"),
        ];
        flag_fragile(&mut down);
        let flagged: Vec<bool> = down.iter().map(|s| s.loss.is_some()).collect();
        assert_eq!(flagged, [true, true, false, true, true, false, false]);
        assert!(down[0].loss.as_deref().unwrap().contains("duplicates"));
    }
}
