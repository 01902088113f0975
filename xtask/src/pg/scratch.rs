//! Throwaway databases on the configured server, for commands that need databases of their own.

use anyhow::{Result, anyhow};

use crate::project::db_name;
use crate::{interrupt, pg};
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
    let mut created = Vec::new();
    let mut result = Ok(());
    for url in &scratch {
        // A leftover from a killed run of this same process id would make CREATE fail: clear it.
        result = pg::drop_database(&mut maintenance, url, true).await.map(drop);
        result = result.and(pg::create_database(&mut maintenance, url).await.map(drop));
        if result.is_err() {
            break;
        }
        created.push(url);
        // A signal while CREATE DATABASE ran: stop before making more.
        result = interrupt::check().map_err(anyhow::Error::from);
        if result.is_err() {
            break;
        }
    }
    let result = match result {
        Ok(()) => tokio::select! {
            result = work(&scratch) => result,
            interrupted = interrupt::cancelled() => Err(anyhow::Error::from(interrupted)),
        },
        Err(err) => Err(err),
    };
    let mut undropped = Vec::new();
    for url in created {
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
