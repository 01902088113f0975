//! Carrying a proven plan out: the bridge (if any) and sqlx's bookkeeping rows in one
//! transaction, under sqlx's migration lock, with bounded lock waits. A failure or Ctrl-C
//! leaves the database as it was.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use sqlx::{Connection, Executor, PgConnection};

use super::{Kind, Plan};
use crate::engine::{self, DdlLimits, Source, baseline, lock};
use crate::schema::introspect;
use crate::schema::versions::without_foreign_bookkeeping;
use crate::{interrupt, pg};
use dburl::DbUrl;

/// What `--apply` did.
#[derive(Debug)]
pub struct Applied {
    /// The versions recorded as applied, oldest first.
    pub recorded: Vec<i64>,
    /// Whether `alembic_version` was dropped.
    pub dropped_alembic_version: bool,
    /// How long the transaction took.
    pub took: Duration,
}

/// Carries `plan` out on the database at `url`: the bridge, the bookkeeping rows sqlx writes,
/// and (with `drop_alembic_version`) the drop of Alembic's table, all in one transaction.
/// Refuses a bridge that may lose data unless `allow_data_loss`. The wait for sqlx's migration
/// lock is bounded by `lock_wait`; the bridge's statements wait for table locks as a migration's
/// do (`ddl`: lock timeout, retries with the blockers named). On Ctrl-C the transaction is rolled
/// back and nothing changes.
pub async fn apply(
    url: &DbUrl,
    source: &Source,
    plan: &Plan,
    allow_data_loss: bool,
    drop_alembic_version: bool,
    lock_wait: Duration,
    ddl: DdlLimits,
) -> Result<Applied> {
    let database = &plan.database;
    if !plan.losses().is_empty() && !allow_data_loss {
        bail!(
            "the bridge may lose data ({}); `{database}` is unchanged: declare renames with --renames FILE, \
             or pass --allow-data-loss once the plan is what you want",
            plan.losses().join("; ")
        );
    }
    let started = Instant::now();
    let mut conn = pg::connect(url).await?;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut conn).await?;
    // A signal now must not end the process before the transaction is known to be rolled back.
    let _guard = interrupt::guard();
    let outcome = tokio::select! {
        outcome = locked(&mut conn, url, source, plan, drop_alembic_version, lock_wait, ddl) => Some(outcome),
        _ = interrupt::cancelled() => None,
    };
    let Some(outcome) = outcome else {
        drop(conn);
        // The server rolls back when the session ends; ending it now spares waiting for a long
        // statement to notice the closed connection.
        let mut maintenance = pg::connect_maintenance(url).await?;
        let _ = sqlx::query("SELECT pg_terminate_backend($1)").bind(pid).execute(&mut maintenance).await;
        pg::close(maintenance).await;
        let mut check = pg::connect(url).await?;
        let recorded = engine::applied_version(&mut check).await?;
        pg::close(check).await;
        return Err(match recorded {
            None => anyhow!("interrupted; the transaction was rolled back: `{database}` is as it was"),
            Some(version) => anyhow!(
                "interrupted after the commit: `{database}` is adopted at version {version}; `cargo xtask status` shows it"
            ),
        });
    };
    let _ = sqlx::migrate::Migrate::unlock(&mut conn).await;
    pg::close(conn).await;
    let (recorded, dropped_alembic_version) = outcome?;
    Ok(Applied { recorded, dropped_alembic_version, took: started.elapsed() })
}

/// Under sqlx's migration lock, the one transaction, retried as a migration is when its
/// statements time out waiting for table locks.
async fn locked(
    conn: &mut PgConnection,
    url: &DbUrl,
    source: &Source,
    plan: &Plan,
    drop_alembic_version: bool,
    lock_wait: Duration,
    ddl: DdlLimits,
) -> Result<(Vec<i64>, bool)> {
    lock::lock(conn, &plan.database, lock_wait).await?;
    let what = format!("adopting `{}`", plan.database);
    engine::retry_on_lock_timeout(conn, url, &what, ddl, async |conn| {
        transaction(conn, source, plan, drop_alembic_version).await
    })
    .await
}

/// The one transaction: re-checks that nothing changed since the plan, then bridges and records.
async fn transaction(
    conn: &mut PgConnection,
    source: &Source,
    plan: &Plan,
    drop_alembic_version: bool,
) -> Result<(Vec<i64>, bool)> {
    let database = &plan.database;
    let mut tx = conn.begin().await?;
    if engine::applied_version(&mut tx).await?.is_some() {
        bail!(
            "`{database}` was migrated by someone else since the plan; nothing was changed, run `cargo xtask status`"
        );
    }
    let live = without_foreign_bookkeeping(introspect(&mut tx).await?);
    if live != plan.live {
        bail!(
            "`{database}`'s schema changed since the plan was made; nothing was changed, run `cargo xtask adopt` again"
        );
    }
    let landing = match &plan.kind {
        Kind::Baseline => None,
        Kind::Bridge { sql, .. } => Some(sql.as_str()),
    };
    let recorded = baseline::record(&mut tx, source, plan.version, landing)
        .await
        .map_err(|err| err.context(format!("nothing was changed in `{database}`")))?;
    let dropped = drop_alembic_version && plan.alembic.is_some();
    if dropped {
        tx.execute("DROP TABLE alembic_version").await?;
    }
    tx.commit().await?;
    Ok((recorded, dropped))
}
