//! Connections and whole-database operations, with every failure explained in one line.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use sqlx::postgres::{PgConnectOptions, PgDatabaseError};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};

use dburl::DbUrl;

/// How long to wait for a server before calling it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a connection to the configured database.
pub async fn connect(url: &DbUrl) -> Result<PgConnection> {
    open(url, url.connect_options(), &url.database()).await
}

/// Opens a connection to the server's maintenance database, to create or drop the configured one.
pub async fn connect_maintenance(url: &DbUrl) -> Result<PgConnection> {
    let options = url.maintenance_options();
    let database = options.get_database().unwrap_or("postgres").to_owned();
    open(url, options, &database).await
}

async fn open(url: &DbUrl, options: PgConnectOptions, database: &str) -> Result<PgConnection> {
    let server = url.server();
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(explain_connect_error(&err, url, database)),
        Err(_) => Err(anyhow!(
            "no answer from PostgreSQL at {server} within {}s: check the host and port in {}",
            CONNECT_TIMEOUT.as_secs(),
            url.origin()
        )),
    }
}

fn explain_connect_error(err: &sqlx::Error, url: &DbUrl, database: &str) -> anyhow::Error {
    let server = url.server();
    let origin = url.origin();
    match err {
        sqlx::Error::Io(io) => anyhow!(
            "cannot reach PostgreSQL at {server} ({io}): start the server \
             (e.g. `pg_ctlcluster 15 main start`) or fix the host and port in {origin}"
        ),
        sqlx::Error::Tls(tls) => anyhow!(
            "TLS with {server} failed ({tls}): this tool connects without TLS; \
             add `?sslmode=disable` to {origin} if the server allows it"
        ),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => anyhow!(
                "PostgreSQL at {server} rejected user `{}` ({}): check the user and password in {origin}",
                url.username(),
                db.message()
            ),
            Some("3D000") => {
                anyhow!("database `{database}` does not exist on {server}: run `cargo xtask db-setup`")
            }
            _ => anyhow!("cannot connect to {server}: {}", db.message()),
        },
        other => anyhow!("cannot connect to {server}: {other}"),
    }
}

/// Quotes `name` as a PostgreSQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The server's SQLSTATE for `err`, if it came from the server.
pub fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error().and_then(|db| db.code()).map(|code| code.into_owned())
}

/// The server's full error, when `err` is one.
pub fn pg_error(err: &sqlx::Error) -> Option<&PgDatabaseError> {
    err.as_database_error().and_then(|db| db.try_downcast_ref::<PgDatabaseError>())
}

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
        // Another `db-setup` won the race: the database is there, which is all we wanted.
        Err(err) if sqlstate(&err).as_deref() == Some("42P04") => Ok(false),
        Err(err) if sqlstate(&err).as_deref() == Some("42501") => bail!(
            "user `{}` may not create databases on {}: grant it with \
             `ALTER ROLE {} CREATEDB` or create `{database}` as a superuser",
            url.username(),
            url.server(),
            quote_ident(&url.username())
        ),
        Err(err) => bail!("cannot create database `{database}` on {}: {err}", url.server()),
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
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&database)
            .fetch_one(&mut *maintenance)
            .await?;
            bail!(
                "cannot drop `{database}`: {sessions} other session(s) are connected to it \
                 (the backend, psql, an IDE?); close them, or add --force to disconnect them"
            )
        }
        Err(err) => bail!("cannot drop database `{database}` on {}: {err}", url.server()),
    }
}

/// Closes `conn` politely; a failure to say goodbye is not worth reporting.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
