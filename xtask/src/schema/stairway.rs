//! The stairway check: on one scratch database, every migration in order goes up, down (the
//! schema must then be exactly as before its up) and up again (exactly as after the first up).
//! The first down that does not restore the schema is reported with the difference. `check`
//! builds its migrations' database this way, so CI runs it.
//!
//! "Exactly" is the whole-schema [`Fingerprint`]: everything `pg_dump --schema-only` prints, but
//! not the order of a table's columns (a down that drops a column and re-adds it puts it last,
//! which PostgreSQL cannot undo and no query sees). A down that re-adds a dropped column without
//! NOT NULL, saying so with a [`real_rows::PRESERVING`] note, is expected to leave it nullable.

use anyhow::{Result, bail};
use sqlx::PgConnection;

use super::fingerprint::{Fingerprint, fingerprint};
use super::real_rows;
use crate::engine::{Source, step};
use crate::pg;
use dburl::DbUrl;

/// Climbs every migration of `source` on `url`'s (empty, private) database as described above;
/// returns the connection, the database at head. Fails at the first wrong down.
pub async fn climb(url: &DbUrl, source: &Source) -> Result<PgConnection> {
    let mut conn = pg::connect(url).await?;
    match walk(&mut conn, url, source).await {
        Ok(()) => Ok(conn),
        Err(err) => {
            pg::close(conn).await;
            Err(err)
        }
    }
}

async fn walk(conn: &mut PgConnection, url: &DbUrl, source: &Source) -> Result<()> {
    let database = url.database();
    let mut before = fingerprint(conn).await?;
    let mut version = None;
    for files in &source.migrations {
        step::up(conn, files, &database, version).await?;
        let after = fingerprint(conn).await?;
        if step::down(conn, files, &database).await?.is_some() {
            let name = files.up.file_name();
            let headline = format!("{name} then its down does not leave the schema exactly as before its up");
            let mut expected = before.clone();
            if let Some(down) = &files.down {
                real_rows::relax(&mut expected, down.migration.sql.as_str());
            }
            wrong(
                &fingerprint(conn).await?,
                &expected,
                &headline,
                "the schema after its down",
                "the schema before its up",
            )?;
            step::up(conn, files, &database, version).await?;
            let headline =
                format!("{name} applied again after its down does not land where its first up did");
            wrong(
                &fingerprint(conn).await?,
                &after,
                &headline,
                "the schema after its second up",
                "the schema after its first up",
            )?;
        }
        before = after;
        version = Some(files.version());
    }
    Ok(())
}

/// Fails with `headline` and each difference when `found` is not `expected`.
fn wrong(found: &Fingerprint, expected: &Fingerprint, headline: &str, this: &str, that: &str) -> Result<()> {
    let differences = found.differences(expected, this, that);
    if differences.is_empty() {
        return Ok(());
    }
    bail!(
        "stairway check: {headline}:\n  {}\nfix its .down.sql so that up, down, up lands where it should",
        differences.join("\n  ")
    )
}
