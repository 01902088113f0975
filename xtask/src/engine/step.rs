//! One migration up or down on a connection the caller holds, with sqlx's own `apply` and
//! `revert` (one transaction each, the same bookkeeping rows): for the stairway check, which walks
//! a private scratch database and so needs no lock.

use std::time::Duration;

use anyhow::Result;
use sqlx::PgConnection;
use sqlx::migrate::Migrate;

use super::apply::explain;
use super::{MigrationFiles, TABLE};

/// Applies `files`' up script to `conn`'s database, named `database` in messages, which stands at
/// `version_before`.
pub async fn up(
    conn: &mut PgConnection,
    files: &MigrationFiles,
    database: &str,
    version_before: Option<i64>,
) -> Result<Duration> {
    conn.ensure_migrations_table(TABLE).await?;
    conn.apply(TABLE, &files.up.migration)
        .await
        .map_err(|err| explain(err, &files.up, database, version_before))
}

/// Reverts `files` with its down script; `None` when it has none.
pub async fn down(
    conn: &mut PgConnection,
    files: &MigrationFiles,
    database: &str,
) -> Result<Option<Duration>> {
    let Some(script) = &files.down else { return Ok(None) };
    conn.revert(TABLE, &script.migration)
        .await
        .map(Some)
        .map_err(|err| explain(err, script, database, Some(files.version())))
}
