//! `baseline VERSION`: record a version and every earlier one as applied without running
//! them, once the live schema is checked to be that version's (Alembic's `stamp`).

use std::time::Duration;

use anyhow::{Result, bail};
use sqlx::Connection;

use crate::engine::{Source, Standing, baseline as bookkeeping, lock};
use crate::pg;
use crate::schema::introspect;
use crate::schema::versions::{schemas_by_version, without_foreign_bookkeeping};
use dburl::DbUrl;

/// Records `version` of `source` and every earlier migration as applied in the database at
/// `url`, after checking (unless `force`) that its schema equals the one `version` builds.
/// Refuses, naming them, when existing bookkeeping rows disagree. Returns the versions recorded.
pub async fn baseline(url: &DbUrl, source: &Source, version: i64, force: bool) -> Result<Vec<i64>> {
    let database = url.database();
    if source.get(version).is_none() {
        bail!(
            "unknown version {version}: no migration in {} has it; `cargo xtask history` lists them",
            source.dir.display()
        );
    }
    let mut conn = pg::connect(url).await?;
    let result = async {
        let standing = Standing::read(&mut conn, source, &database).await?;
        let disagree = bookkeeping::disagreements(&standing, version);
        if !disagree.is_empty() {
            bail!(
                "cannot baseline `{database}` at {version}: _sqlx_migrations disagrees: {}; nothing was recorded",
                disagree.join("; ")
            );
        }
        if !force {
            let live = without_foreign_bookkeeping(introspect(&mut conn).await?);
            let schemas = schemas_by_version(url, source, Some(version)).await?;
            let expected = &schemas.last().expect("the version is in the folder").1;
            let differences = live.differences(expected);
            if !differences.is_empty() {
                let shown: Vec<&str> = differences.iter().take(5).map(String::as_str).collect();
                bail!(
                    "`{database}`'s schema is not version {version}'s ({}{}); nothing was recorded: \
                     `cargo xtask adopt` plans a bridge, or --force records it anyway",
                    shown.join("; "),
                    if differences.len() > 5 { format!("; and {} more", differences.len() - 5) } else { String::new() }
                );
            }
        }
        lock::lock(&mut conn, &database, Duration::from_secs(30)).await?;
        let mut tx = conn.begin().await?;
        let recorded = bookkeeping::record(&mut tx, source, version, None).await?;
        tx.commit().await?;
        Ok(recorded)
    }
    .await;
    let _ = sqlx::migrate::Migrate::unlock(&mut conn).await;
    pg::close(conn).await;
    result
}
