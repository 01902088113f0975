//! Connections to the configured server, with every failure explained in one line.

use anyhow::{Result, anyhow};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use dburl::DbUrl;

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
    // `--connect-timeout` (default 10 s): how long to wait before calling the server unreachable.
    let timeout = url.connect_timeout();
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(explain_connect_error(&err, url, database)),
        Err(_) => Err(anyhow!(
            "no answer from PostgreSQL at {server} within {}s: check the host and port in {}",
            timeout.as_secs(),
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

/// Closes `conn` politely; a failure to say goodbye is not worth reporting.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
