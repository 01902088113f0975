//! Throwaway databases on the configured server, for commands that need a database of their own.

use anyhow::{Result, anyhow};

use crate::db;
use dburl::DbUrl;

/// Runs `work` against a new, empty database beside the configured one, and drops that database
/// afterwards: on success, on failure, and on Ctrl-C.
pub async fn with_scratch_database<T>(
    base: &DbUrl,
    purpose: &str,
    work: impl AsyncFnOnce(&DbUrl) -> Result<T>,
) -> Result<T> {
    let name = format!("{}_{purpose}_{}", base.database(), std::process::id());
    let scratch = base.with_database(&name);
    // From the scratch database's point of view: never `template1`, which CREATE DATABASE copies
    // and so must have no sessions on it.
    let mut maintenance = db::connect_maintenance(&scratch).await?;
    // A leftover from a killed run of this same process id would make CREATE fail: clear it first.
    db::drop_database(&mut maintenance, &scratch, true).await?;
    db::create_database(&mut maintenance, &scratch).await?;
    let result = tokio::select! {
        result = work(&scratch) => result,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted; the scratch database `{name}` was dropped")),
    };
    let dropped = db::drop_database(&mut maintenance, &scratch, true).await;
    db::close(maintenance).await;
    match (result, dropped) {
        (Ok(value), Ok(_)) => Ok(value),
        (Ok(_), Err(err)) => {
            Err(err.context(format!("cannot drop the scratch database `{name}`; drop it by hand")))
        }
        (Err(err), Ok(_)) => Err(err),
        (Err(err), Err(_)) => Err(anyhow!(
            "{err:#}; the scratch database `{name}` could not be dropped either: drop it by hand"
        )),
    }
}
