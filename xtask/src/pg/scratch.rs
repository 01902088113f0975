//! Throwaway databases on the configured server, for commands that need databases of their own.

use std::time::Duration;

use anyhow::{Result, anyhow};
use sqlx::{Executor, PgConnection};

use crate::project::{db_name, shown};
use crate::{interrupt, pg, utc};
use dburl::DbUrl;

/// Runs `work` against a new, empty database beside the configured one, and drops that database
/// afterwards: on success, on failure, and on Ctrl-C.
pub async fn with_scratch_database<T>(
    base: &DbUrl,
    purpose: &str,
    work: impl AsyncFnOnce(&DbUrl) -> Result<T>,
) -> Result<T> {
    with_scratch_databases(base, [purpose], async |[scratch]| work(scratch).await).await
}

/// The comment that marks a database as this tool's throwaway: `<MARK> <unix seconds>`.
const MARK: &str = "cargo xtask scratch database, created at";

/// A scratch database this old with no session on it was left by a run that was killed.
const LEFTOVER_AFTER: Duration = Duration::from_secs(15 * 60);

/// Marks `database` (just created) as a scratch database, with its creation time, so that a
/// later run can recognise it if this one is killed before dropping it.
pub async fn mark(maintenance: &mut PgConnection, database: &str) -> Result<()> {
    let comment = format!("{MARK} {}", utc::now().as_secs());
    let statement = format!("COMMENT ON DATABASE {} IS '{comment}'", pg::quote_ident(database));
    maintenance.execute(sqlx::AssertSqlSafe(statement)).await?;
    Ok(())
}

/// Scratch and staging databases on the server that killed runs left behind: marked by
/// [`mark`], older than [`LEFTOVER_AFTER`], and with no session on them.
pub async fn leftovers(maintenance: &mut PgConnection) -> Result<Vec<String>> {
    let marked: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.datname::text, shobj_description(d.oid, 'pg_database')
         FROM pg_database d
         WHERE shobj_description(d.oid, 'pg_database') LIKE $1
           AND NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datid = d.oid)
         ORDER BY 1",
    )
    .bind(format!("{MARK} %"))
    .fetch_all(&mut *maintenance)
    .await?;
    let now = utc::now().as_secs();
    Ok(marked
        .into_iter()
        .filter(|(_, comment)| {
            let created = comment.rsplit(' ').next().and_then(|secs| secs.parse::<u64>().ok());
            created.is_some_and(|created| now.saturating_sub(created) >= LEFTOVER_AFTER.as_secs())
        })
        .map(|(name, _)| name)
        .collect())
}

/// Says which leftovers of killed runs are on the server and how to drop them; a failure to
/// look is not worth failing the command for.
async fn offer_leftovers(maintenance: &mut PgConnection) {
    if let Ok(names) = leftovers(maintenance).await
        && !names.is_empty()
    {
        let names: Vec<String> = names.iter().map(|n| format!("`{}`", shown(n))).collect();
        eprintln!(
            "note: {} left behind by killed runs; `cargo xtask doctor --drop-leftovers` drops them",
            names.join(", ")
        );
    }
}

/// Makes `url`'s database afresh and marks it; says whether it was created, whatever failed.
async fn make(maintenance: &mut PgConnection, url: &DbUrl) -> (bool, Result<()>) {
    // A leftover from a killed run of this same process id would make CREATE fail: clear it.
    if let Err(err) = pg::drop_database(maintenance, url, true).await {
        return (false, Err(err));
    }
    if let Err(err) = pg::create_database(maintenance, url).await {
        return (false, Err(err));
    }
    (true, mark(maintenance, &url.database()).await)
}

/// Like [`with_scratch_database`], with one database per purpose. The whole call is one
/// [`interrupt::guard`]ed section, entered before the first CREATE DATABASE: a Ctrl-C or SIGTERM
/// at any moment stops the work, and every database created so far is dropped.
pub async fn with_scratch_databases<T, const N: usize>(
    base: &DbUrl,
    purposes: [&str; N],
    work: impl AsyncFnOnce(&[DbUrl; N]) -> Result<T>,
) -> Result<T> {
    let scratch = purposes.map(|purpose| {
        base.with_database(&db_name::derived(&base.database(), &format!("_{purpose}_{}", std::process::id())))
    });
    let _guard = interrupt::guard();
    // From a scratch database's point of view: never `template1`, which CREATE DATABASE copies
    // and so must have no sessions on it.
    let mut maintenance = pg::connect_maintenance(&scratch[0]).await?;
    offer_leftovers(&mut maintenance).await;
    // All at once, each but the first on a connection of its own: the server writes the copies
    // of the template at the same time.
    let mut others = tokio::task::JoinSet::new();
    for (index, url) in scratch.iter().enumerate().skip(1) {
        let url = url.clone();
        others.spawn(async move {
            let made = match pg::connect_maintenance(&url).await {
                Ok(mut connection) => {
                    let made = make(&mut connection, &url).await;
                    pg::close(connection).await;
                    made
                }
                Err(err) => (false, Err(err)),
            };
            (index, made)
        });
    }
    let mut made = vec![(0, make(&mut maintenance, &scratch[0]).await)];
    made.extend(others.join_all().await);
    made.sort_by_key(|(index, _)| *index);
    let mut created = Vec::new();
    let mut result = Ok(());
    for (url, (_, (was_created, outcome))) in scratch.iter().zip(made) {
        if was_created {
            created.push(url);
        }
        result = result.and(outcome);
    }
    // A signal while CREATE DATABASE ran: stop before the work.
    if result.is_ok() {
        result = interrupt::check().map_err(anyhow::Error::from);
    }
    let result = match result {
        Ok(()) => tokio::select! {
            result = work(&scratch) => result,
            interrupted = interrupt::cancelled() => Err(anyhow::Error::from(interrupted)),
        },
        Err(err) => Err(err),
    };
    // All at once, each but the first on a connection of its own: on PostgreSQL 15 every DROP
    // DATABASE waits for a checkpoint, and drops that wait together share one. A drop that fails
    // there is tried again on the maintenance connection.
    let mut others = tokio::task::JoinSet::new();
    for url in created.iter().skip(1) {
        let url = (*url).clone();
        others.spawn(async move {
            let Ok(mut connection) = pg::connect_maintenance(&url).await else { return (url, false) };
            let dropped = pg::drop_database(&mut connection, &url, true).await.is_ok();
            pg::close(connection).await;
            (url, dropped)
        });
    }
    let mut undropped = Vec::new();
    if let Some(url) = created.first()
        && pg::drop_database(&mut maintenance, url, true).await.is_err()
    {
        undropped.push(format!("`{}`", url.database()));
    }
    let failed: Vec<String> = others
        .join_all()
        .await
        .into_iter()
        .filter(|(_, dropped)| !dropped)
        .map(|(url, _)| url.database())
        .collect();
    for url in created.iter().skip(1).filter(|url| failed.contains(&url.database())) {
        if pg::drop_database(&mut maintenance, url, true).await.is_err() {
            undropped.push(format!("`{}`", url.database()));
        }
    }
    pg::close(maintenance).await;
    match (result, undropped.is_empty()) {
        (Err(err), true) if interrupt::cause(&err).is_some() => {
            Err(err.context("stopped; the scratch databases were dropped"))
        }
        (result, true) => result,
        (Ok(_), false) => {
            Err(anyhow!("cannot drop the scratch database {}; drop it by hand", undropped.join(", ")))
        }
        (Err(err), false) => Err(anyhow!(
            "{err:#}; the scratch database {} could not be dropped either: drop it by hand",
            undropped.join(", ")
        )),
    }
}
