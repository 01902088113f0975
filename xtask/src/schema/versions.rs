//! The schema each migration version builds, for `adopt` and `baseline` to compare a database
//! that another tool made with.

use std::time::Duration;

use anyhow::{Context, Result};

use super::{Schema, introspect};
use crate::engine::{DdlLimits, Pending, Source};
use crate::pg;
use crate::pg::scratch::with_scratch_database;
use dburl::DbUrl;

/// Tables other migration tools keep for their own bookkeeping: never part of the schema that
/// is compared, and never touched by a bridge.
pub const FOREIGN_BOOKKEEPING: &[&str] = &["alembic_version"];

/// `schema` without other tools' bookkeeping tables.
pub fn without_foreign_bookkeeping(mut schema: Schema) -> Schema {
    for table in FOREIGN_BOOKKEEPING {
        schema.tables.remove(*table);
    }
    schema
}

/// The schema after each version of `source` up to `upto` (all when `None`), oldest first,
/// built one version at a time on one scratch database on `server` with sqlx's own machinery.
pub async fn schemas_by_version(
    server: &DbUrl,
    source: &Source,
    upto: Option<i64>,
) -> Result<Vec<(i64, Schema)>> {
    with_scratch_database(server, "adopt_versions", async |url| {
        let mut schemas = Vec::new();
        for files in source.migrations.iter().filter(|m| upto.is_none_or(|u| m.version() <= u)) {
            let version = files.version();
            Pending::read(url, source, Some(version), false)
                .await?
                .apply(Duration::from_secs(10), DdlLimits::default(), |_, _| ())
                .await
                .with_context(|| format!("cannot build version {version} on a scratch database"))?;
            let mut conn = pg::connect(url).await?;
            let schema = introspect(&mut conn).await;
            pg::close(conn).await;
            schemas.push((version, schema?));
        }
        Ok(schemas)
    })
    .await
}
