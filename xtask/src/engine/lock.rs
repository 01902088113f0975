//! sqlx's migration lock (its advisory lock), taken with a bounded wait and a word about who
//! holds it.

use std::time::Duration;

use anyhow::{Result, anyhow};
use sqlx::migrate::{Migrate, MigrateError};
use sqlx::{Executor, PgConnection};

use crate::pg;

/// How long to wait at first before saying that another migration holds the lock.
const LOCK_PATIENCE: &str = "SET lock_timeout = '200ms'";

/// Takes sqlx's migration lock on `database`, saying so when another process holds it.
pub async fn lock(conn: &mut PgConnection, database: &str, wait: Duration) -> Result<()> {
    // sqlx's lock waits forever; a short `lock_timeout` lets us notice a holder and say so.
    conn.execute(LOCK_PATIENCE).await?;
    let result = match conn.lock().await {
        Err(err) if is_lock_timeout(&err) => {
            let holder = lock_holder(conn).await;
            eprintln!("waiting for another migration of `{database}` to finish ({holder}) ...");
            conn.execute(sqlx::AssertSqlSafe(format!("SET lock_timeout = {}", wait.as_millis().max(1))))
                .await?;
            match conn.lock().await {
                Err(err) if is_lock_timeout(&err) => Err(anyhow!(
                    "another migration of `{database}` ({holder}) still holds the migration lock after {}s; \
                     let it finish or stop it, then retry (--lock-timeout SECS waits longer)",
                    wait.as_secs()
                )),
                other => other.map_err(anyhow::Error::from),
            }
        }
        other => other.map_err(anyhow::Error::from),
    };
    conn.execute("RESET lock_timeout").await?;
    result
}

fn is_lock_timeout(err: &MigrateError) -> bool {
    matches!(err, MigrateError::Execute(err) if pg::sqlstate(err).as_deref() == Some("55P03"))
}

/// Who holds an advisory lock in this database, for the waiting message.
async fn lock_holder(conn: &mut PgConnection) -> String {
    let holder: Option<(i32, Option<String>)> = sqlx::query_as(
        "SELECT a.pid, nullif(a.application_name, '')
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .ok()
    .flatten();
    match holder {
        Some((pid, Some(app))) => format!("pid {pid}, {app}"),
        Some((pid, None)) => format!("pid {pid}"),
        None => "holder unknown".to_owned(),
    }
}
