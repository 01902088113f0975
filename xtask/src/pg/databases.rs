//! Whole databases: whether one exists, creating and dropping it.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use sqlx::{Executor, PgConnection};

use super::{message, quote_ident, sqlstate};
use dburl::DbUrl;

/// Whether `database` exists on the server behind `maintenance`.
pub async fn database_exists(maintenance: &mut PgConnection, database: &str) -> Result<bool> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
        .bind(database)
        .fetch_one(&mut *maintenance)
        .await?;
    Ok(exists)
}

/// Creates `database`; returns false when it already existed (also when created concurrently).
pub async fn create_database(maintenance: &mut PgConnection, url: &DbUrl) -> Result<bool> {
    let database = url.database();
    if database_exists(maintenance, &database).await? {
        return Ok(false);
    }
    let statement = format!("CREATE DATABASE {}", quote_ident(&database));
    match maintenance.execute(sqlx::AssertSqlSafe(statement)).await {
        Ok(_) => Ok(true),
        // Another process won the race: the database is there, which is all we wanted. PostgreSQL
        // says so as 42P04, or, when both inserted into pg_database at once, as a unique violation.
        Err(err) if is_already_there(&err) => Ok(false),
        Err(err) if sqlstate(&err).as_deref() == Some("42501") => bail!(
            "user `{}` may not create databases on {}: grant it with \
             `ALTER ROLE {} CREATEDB` or create `{database}` as a superuser",
            url.username(),
            url.server(),
            quote_ident(&url.username())
        ),
        Err(err) => bail!("cannot create database `{database}` on {}: {}", url.server(), message(&err)),
    }
}

/// Whether CREATE DATABASE failed only because the database exists (perhaps made concurrently).
fn is_already_there(err: &sqlx::Error) -> bool {
    match sqlstate(err).as_deref() {
        Some("42P04") => true,
        Some("23505") => {
            err.as_database_error().and_then(|db| db.constraint()) == Some("pg_database_datname_index")
        }
        _ => false,
    }
}

/// Drops `database`; returns false when there was nothing to drop.
///
/// Without `force`, other sessions on it make this fail with advice rather than cut them off.
pub async fn drop_database(maintenance: &mut PgConnection, url: &DbUrl, force: bool) -> Result<bool> {
    let database = url.database();
    if ["postgres", "template0", "template1"].contains(&database.as_str()) {
        bail!("refusing to drop `{database}`: it is one of the server's own databases");
    }
    if !database_exists(maintenance, &database).await? {
        return Ok(false);
    }
    let with_force = if force { " WITH (FORCE)" } else { "" };
    let statement = format!("DROP DATABASE IF EXISTS {}{with_force}", quote_ident(&database));
    match maintenance.execute(sqlx::AssertSqlSafe(statement)).await {
        Ok(_) => Ok(true),
        Err(err) if sqlstate(&err).as_deref() == Some("55006") => {
            let sessions: i64 = sqlx::query_scalar(
                // Client sessions only: an autovacuum worker on it (frequent under load) is no
                // one to close, and DROP DATABASE ends it by itself.
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            )
            .bind(&database)
            .fetch_one(&mut *maintenance)
            .await?;
            bail!(
                "cannot drop `{database}`: {sessions} other session(s) are connected to it \
                 (the backend, psql, an IDE?); close them, or add --force to disconnect them"
            )
        }
        Err(err) => bail!("cannot drop database `{database}` on {}: {}", url.server(), message(&err)),
    }
}

/// Exact row counts of the `public` tables (partitions apart from their parents), sqlx's
/// bookkeeping aside.
pub async fn row_counts(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables
         WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for name in names {
        let query = format!("SELECT count(*) FROM public.{}", quote_ident(&name));
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("cannot count the rows of {name}"))?;
        counts.insert(name, rows);
    }
    Ok(counts)
}

/// Creates the database `url` names if it is missing, on a maintenance connection of its own;
/// returns whether it created it.
pub async fn create_if_missing(url: &DbUrl) -> Result<bool> {
    let mut maintenance = super::connect_maintenance(url).await?;
    let created = create_database(&mut maintenance, url).await;
    super::close(maintenance).await;
    created
}

/// Drops the database `url` names if it exists, on a maintenance connection of its own; returns
/// whether there was one. Without `force`, other sessions on it make this fail with advice.
pub async fn drop_if_exists(url: &DbUrl, force: bool) -> Result<bool> {
    let mut maintenance = super::connect_maintenance(url).await?;
    let dropped = drop_database(&mut maintenance, url, force).await;
    super::close(maintenance).await;
    dropped
}
