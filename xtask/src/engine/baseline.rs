//! Recording migrations as applied without running their files: Alembic's `stamp`, for
//! databases whose schema already is (or has just been bridged to) a version's.
//!
//! The rows are written by sqlx's own `Migrate::apply`, given each migration exactly as sqlx
//! resolved it (version, description, checksum of the file) but with the SQL that actually
//! brings the database there: nothing for a version the database already has, the bridge for
//! the version it lands on. So `_sqlx_migrations` holds what sqlx itself writes, and
//! `sqlx::migrate!()` and sqlx-cli see those versions as applied.

use anyhow::{Result, anyhow};
use sqlx::PgConnection;
use sqlx::migrate::{Migrate, Migration};

use super::ledger::Standing;
use super::{Source, State, TABLE};

/// Records every migration of `source` up to `version` that `conn`'s database lacks as
/// applied, inside the transaction the caller holds open (so a failure or an interrupt leaves
/// nothing). `landing`, when given, is the SQL that takes the database to `version`: it runs
/// as that version's migration and its time is recorded. Returns the versions recorded.
pub async fn record(
    conn: &mut PgConnection,
    source: &Source,
    version: i64,
    landing: Option<&str>,
) -> Result<Vec<i64>> {
    conn.ensure_migrations_table(TABLE).await?;
    let standing = Standing::read(conn, source, "").await?;
    let missing: Vec<_> = standing.pending(Some(version));
    let mut recorded = Vec::new();
    for files in missing {
        let sql = match landing {
            Some(sql) if files.version() == version => sql.to_owned(),
            _ => String::new(),
        };
        let resolved = &files.up.migration;
        let stand_in = Migration {
            version: resolved.version,
            description: resolved.description.clone(),
            migration_type: resolved.migration_type,
            sql: sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(sql)),
            checksum: resolved.checksum.clone(),
            // In the caller's transaction: sqlx's own `BEGIN` becomes a savepoint.
            no_tx: false,
        };
        conn.apply(TABLE, &stand_in)
            .await
            .map_err(|err| anyhow!("cannot record {} as applied: {err}", files.up.file_name()))?;
        recorded.push(files.version());
    }
    Ok(recorded)
}

/// Why `standing`'s bookkeeping rows disagree with recording `version` and everything before
/// it, one line per row: a row newer than `version`, or one that drifted from its file.
pub fn disagreements(standing: &Standing<'_>, version: i64) -> Vec<String> {
    standing
        .entries()
        .iter()
        .filter(|e| e.applied.is_some())
        .filter_map(|e| {
            let name = format!("{} ({})", e.version, e.description);
            match e.state {
                _ if e.version > version => Some(format!("{name} is applied and newer than {version}")),
                State::Applied => None,
                state => Some(format!("{name} is {}", state.label())),
            }
        })
        .collect()
}
