//! Connections to the configured server, with every failure explained in one line.

use std::fmt;
use std::time::Duration;

use anyhow::Result;
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

/// Why a connection failed, in one line, and what kind of failure it was.
#[derive(Debug)]
pub struct ConnectError {
    /// What went wrong.
    pub kind: Failure,
    message: String,
}

/// The kinds of connection failure that call for different fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Nothing answered: the server is down or the address is wrong.
    Unreachable,
    /// The server answered but TLS failed: the settings or certificates need fixing.
    Tls,
    /// Anything else: login refused, missing database, ...
    Other,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}

async fn open(url: &DbUrl, options: PgConnectOptions, database: &str) -> Result<PgConnection> {
    let server = url.server();
    match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(explain_connect_error(&err, url, database).into()),
        Err(_) => Err(ConnectError {
            kind: Failure::Unreachable,
            message: format!(
                "no answer from PostgreSQL at {server} within {}s: check the host and port in {}",
                CONNECT_TIMEOUT.as_secs(),
                url.origin()
            ),
        }
        .into()),
    }
}

fn explain_connect_error(err: &sqlx::Error, url: &DbUrl, database: &str) -> ConnectError {
    if let Some(message) = url.explain_tls_error(err) {
        return ConnectError { kind: Failure::Tls, message };
    }
    let server = url.server();
    let origin = url.origin();
    let message = match err {
        sqlx::Error::Io(io) => {
            let message = format!(
                "cannot reach PostgreSQL at {server} ({io}): start the server \
                 (e.g. `pg_ctlcluster 15 main start`) or fix the host and port in {origin}"
            );
            return ConnectError { kind: Failure::Unreachable, message };
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => format!(
                "PostgreSQL at {server} rejected user `{}` ({}): check the user and password in {origin}",
                url.username(),
                db.message()
            ),
            Some("3D000") => {
                format!("database `{database}` does not exist on {server}: run `cargo xtask db-setup`")
            }
            _ => format!("cannot connect to {server}: {}", db.message()),
        },
        other => format!("cannot connect to {server}: {other}"),
    };
    ConnectError { kind: Failure::Other, message }
}

/// Whether the connection is encrypted, with which protocol and cipher (from `pg_stat_ssl` for
/// this very session), and how much the settings had the certificate checked.
pub async fn describe_encryption(conn: &mut PgConnection, url: &DbUrl) -> Result<String> {
    let (ssl, version, cipher): (bool, Option<String>, Option<String>) =
        sqlx::query_as("SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(conn)
            .await?;
    Ok(match (ssl, version) {
        (true, Some(version)) => format!(
            "encrypted, {version} ({}); {} ({})",
            cipher.unwrap_or_default(),
            url.verification(),
            url.ssl_mode_source()
        ),
        _ => format!("not encrypted ({})", url.ssl_mode_source()),
    })
}

/// Closes `conn` politely; a failure to say goodbye is not worth reporting.
pub async fn close(conn: PgConnection) {
    let _ = conn.close().await;
}
