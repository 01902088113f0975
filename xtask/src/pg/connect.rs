//! Connections to the configured server, with every failure explained in one line.

use std::time::Duration;

use anyhow::{Result, anyhow};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

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

/// Why a connection failed, split into what is wrong and the one fix for it, so that `doctor`
/// can show them apart (and replace the fix when it knows better, e.g. `pg start`).
#[derive(Debug)]
pub struct ConnectError {
    /// What went wrong, where.
    pub problem: String,
    /// The one thing to do about it.
    pub fix: String,
    /// Whether nothing answered at the address (as opposed to TLS, login or a missing database).
    pub unreachable: bool,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.problem, self.fix)
    }
}

impl std::error::Error for ConnectError {}

fn explain_connect_error(err: &sqlx::Error, url: &DbUrl, database: &str) -> anyhow::Error {
    let server = url.server();
    let origin = url.origin();
    let (problem, fix, unreachable) = match err {
        sqlx::Error::Io(io) => (
            format!("cannot reach PostgreSQL at {server} ({io})"),
            format!(
                "start the server (e.g. `pg_ctlcluster 15 main start`) or fix the host and port in {origin}"
            ),
            true,
        ),
        sqlx::Error::Tls(tls) => (
            format!("TLS with {server} failed ({tls})"),
            format!(
                "this tool connects without TLS; add `?sslmode=disable` to {origin} if the server allows it"
            ),
            false,
        ),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => (
                format!("PostgreSQL at {server} rejected user `{}` ({})", url.username(), db.message()),
                format!("check the user and password in {origin}"),
                false,
            ),
            Some("3D000") => (
                format!("database `{database}` does not exist on {server}"),
                "run `cargo xtask db-setup`".to_owned(),
                false,
            ),
            _ => (
                format!("cannot connect to {server}: {}", db.message()),
                format!("check the settings in {origin}"),
                false,
            ),
        },
        other => {
            (format!("cannot connect to {server}: {other}"), format!("check the settings in {origin}"), false)
        }
    };
    ConnectError { problem, fix, unreachable }.into()
}

/// Closes `conn` politely; a failure to say goodbye is not worth reporting.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
