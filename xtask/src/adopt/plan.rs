//! What `adopt` would do, worked out and proven without changing the database: what it finds,
//! a verified backup, the version that matches (a baseline) or the bridge to one, run first on
//! a restored copy of that backup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sqlx::{Connection, Executor, PgConnection};

use super::{CONTINUE_SEQUENCES, RowCount, counts};
use crate::backups::{self, Request};
use crate::engine::{self, Source};
use crate::pg;
use crate::pg::scratch::with_scratch_database;
use crate::schema::declared::{Declared, Subject};
use crate::schema::diff::{self, Direction};
use crate::schema::prove::introspect_after;
use crate::schema::versions::{schemas_by_version, without_foreign_bookkeeping};
use crate::schema::{Schema, introspect, renames};
use dburl::DbUrl;

/// What the plan may use besides the database and the migrations.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Bridge to this version instead of the first one.
    pub version: Option<i64>,
    /// A file of `-- renamed from:` notes for the bridge.
    pub renames: Option<PathBuf>,
}

/// How the database becomes a migration version.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Its schema already is that version's: only the bookkeeping is written.
    Baseline,
    /// A script takes it there, proven on a restored copy.
    Bridge {
        /// The script, renames first, ending with the sequences' continuation.
        sql: String,
        /// What its statements may destroy, and drops with adds that may be renames.
        warnings: Vec<String>,
        /// Every table's rows before and after it ran on the copy.
        counts: Vec<RowCount>,
    },
}

/// A plan for one database, proven and not yet carried out.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The database's name.
    pub database: String,
    /// Alembic's revisions, when it has `alembic_version`.
    pub alembic: Option<Vec<String>>,
    /// Its tables (other tools' bookkeeping included).
    pub tables: Vec<String>,
    /// The backup taken first.
    pub backup: PathBuf,
    /// What restoring it on a scratch database verified.
    pub verified: String,
    /// The version it becomes.
    pub version: i64,
    /// Baseline or bridge.
    pub kind: Kind,
    /// The live schema the plan was made for (other tools' bookkeeping aside).
    pub live: Schema,
    /// Time spent on the backup, on building the versions, and on the restore and proof.
    pub timings: [(&'static str, Duration); 3],
}

impl Plan {
    /// What was found, in a few words: Alembic and its revision, or unmanaged.
    pub fn found(&self) -> String {
        match &self.alembic {
            Some(revisions) if !revisions.is_empty() => format!("alembic_version {}", revisions.join(", ")),
            Some(_) => "alembic_version (empty)".to_owned(),
            None => "unmanaged (no migration bookkeeping)".to_owned(),
        }
    }

    /// Warnings that need `--allow-data-loss`.
    pub fn losses(&self) -> &[String] {
        match &self.kind {
            Kind::Bridge { warnings, .. } => warnings,
            Kind::Baseline => &[],
        }
    }
}

/// Inspects the database at `url`, backs it up into `backups_dir`, and works out (and, for a
/// bridge, proves on a restored copy) how it becomes a version of `source`. Changes nothing.
pub async fn plan(url: &DbUrl, source: &Source, backups_dir: &Path, options: &Options) -> Result<Plan> {
    let database = url.database();
    let first =
        source.migrations.first().map(|m| m.version()).with_context(|| {
            format!("{} has no migrations to adopt `{database}` into", source.dir.display())
        })?;
    let mut conn = pg::connect(url).await?;
    let inspected = inspect(&mut conn, &database).await;
    pg::close(conn).await;
    let (tables, alembic, live) = inspected?;
    if let Some(version) = options.version
        && source.get(version).is_none()
    {
        bail!(
            "unknown --version {version}: no migration in {} has that version; `cargo xtask history` lists them",
            source.dir.display()
        );
    }

    let started = Instant::now();
    let backup = backups::take(url, backups_dir, &Request::safety()).await?.path;
    let backed_up = started.elapsed();

    let started = Instant::now();
    let schemas = schemas_by_version(url, source, None).await?;
    let built = started.elapsed();
    let matching = schemas.iter().rev().find(|(_, schema)| *schema == live).map(|(v, _)| *v);

    let started = Instant::now();
    let target = options.version.unwrap_or(first);
    let (version, verified, kind) = match matching {
        Some(version) if options.version.is_none_or(|v| v == version) => {
            let verified = with_scratch_database(url, "adopt_proof", async |copy| {
                backups::restore_into_empty(copy, &backup).await
            })
            .await?;
            (version, verified, Kind::Baseline)
        }
        _ => {
            let to = &schemas.iter().find(|(v, _)| *v == target).expect("checked above").1;
            let renames = match &options.renames {
                Some(path) => Some(Declared::read(path, path.display().to_string())?),
                None => None,
            };
            let (verified, kind) = with_scratch_database(url, "adopt_proof", async |copy| {
                let verified = backups::restore_into_empty(copy, &backup).await?;
                let mut conn = pg::connect(copy).await?;
                let bridge = prove_bridge(&mut conn, to, renames.as_ref(), &database, target).await;
                pg::close(conn).await;
                Ok((verified, bridge?))
            })
            .await?;
            (target, verified, kind)
        }
    };
    let proven = started.elapsed();
    Ok(Plan {
        database,
        alembic,
        tables,
        backup,
        verified,
        version,
        kind,
        live,
        timings: [("backup", backed_up), ("building the versions", built), ("restore and proof", proven)],
    })
}

/// The tables, Alembic's revisions and the schema of a database that must have tables and no
/// sqlx bookkeeping rows.
async fn inspect(
    conn: &mut PgConnection,
    database: &str,
) -> Result<(Vec<String>, Option<Vec<String>>, Schema)> {
    if engine::applied_version(conn).await?.is_some() {
        bail!(
            "`{database}` is already managed by sqlx migrations; `cargo xtask status` shows where it stands \
             and `cargo xtask migrate` brings it to head"
        );
    }
    let (tables, alembic) = engine::foreign_tables(conn).await?;
    if tables.is_empty() {
        bail!("`{database}` has no tables, so there is nothing to adopt; `cargo xtask migrate` builds it");
    }
    let live = without_foreign_bookkeeping(introspect(conn).await?);
    Ok((tables, alembic, live))
}

/// The bridge's first statement: a `timestamp` column becoming `timestamptz` is read as UTC,
/// which is what SQLAlchemy's usual `default=datetime.utcnow` wrote, whatever the server's zone.
const UTC: &str = "-- timestamps without time zone are read as UTC (what datetime.utcnow wrote)\nSET LOCAL TimeZone = 'UTC';";

/// Writes the bridge from the schema of `conn`'s database (a restored copy) to `to`, runs it
/// there in one transaction, and checks that it lands on `to` with every row kept.
async fn prove_bridge(
    conn: &mut PgConnection,
    to: &Schema,
    declared: Option<&Declared>,
    database: &str,
    version: i64,
) -> Result<Kind> {
    let from = without_foreign_bookkeeping(introspect(conn).await?);
    let empty = Declared { shown: String::new(), sql: String::new(), renames: Vec::new() };
    let declared = declared.unwrap_or(&empty);
    let (rename_up, _) = renames::steps(declared, &from, to)?;
    let table_renames: BTreeMap<String, String> = declared
        .renames
        .iter()
        .filter_map(|r| match &r.subject {
            Subject::Table(table) if from.tables.contains_key(&r.from) => {
                Some((r.from.clone(), table.clone()))
            }
            _ => None,
        })
        .collect();
    let from_renamed = without_foreign_bookkeeping(introspect_after(conn, &rename_up, &from).await?);
    let changes = diff::changes(&from_renamed, to, Direction::Up);
    if !changes.manual.is_empty() {
        bail!(
            "`{database}` differs from version {version} in ways the differ cannot bridge: {}; \
             change it by hand first, or pick another --version",
            changes.manual.join("; ")
        );
    }
    let mut warnings: Vec<String> = changes.steps.iter().filter_map(|s| s.loss.clone()).collect();
    warnings.extend(changes.hints.iter().cloned());
    let sql =
        format!("{UTC}\n{}\n{CONTINUE_SEQUENCES};\n", diff::render(&[rename_up, changes.steps].concat()));

    let before = counts::read(conn).await?;
    let mut tx = conn.begin().await?;
    if let Err(err) = tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))).await {
        let (message, location) = pg::located(&err, &sql, 0);
        bail!(
            "the bridge to version {version} fails on a restored copy of `{database}`{location}: {message}; \
             `{database}` is untouched. Declare renames with --renames FILE, or change the data first. \
             The bridge was:\n{sql}"
        );
    }
    tx.commit().await?;
    let reached = without_foreign_bookkeeping(introspect(conn).await?);
    let left = reached.differences(to);
    if !left.is_empty() {
        bail!(
            "the bridge does not reach version {version}'s schema exactly on a restored copy of `{database}`, \
             which is untouched; left over:\n  {}",
            left.join("\n  ")
        );
    }
    let after = counts::read(conn).await?;
    let counts = counts::compare(&before, &after, &table_renames);
    let lost: Vec<String> = counts
        .iter()
        .filter(|c| c.after.is_some_and(|after| after != c.before))
        .map(|c| format!("{}: {} rows before, {} after", c.table, c.before, c.after.unwrap_or(0)))
        .collect();
    if !lost.is_empty() {
        bail!(
            "the bridge changes row counts on a restored copy of `{database}` (untouched): {}",
            lost.join("; ")
        );
    }
    Ok(Kind::Bridge { sql, warnings, counts })
}
