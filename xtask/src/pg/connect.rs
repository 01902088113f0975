//! Connections to the configured server, with every failure explained in one line.

use std::fmt;

use anyhow::Result;
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

/// Why a connection failed, split into what is wrong and the one fix for it, so that `doctor`
/// can show them apart (and replace the fix when it knows better, e.g. `pg start`).
#[derive(Debug)]
pub struct ConnectError {
    /// What kind of failure it was.
    pub kind: Failure,
    /// What went wrong, where.
    pub problem: String,
    /// The one thing to do about it.
    pub fix: String,
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
        write!(f, "{}: {}", self.problem, self.fix)
    }
}

impl std::error::Error for ConnectError {}

async fn open(url: &DbUrl, options: PgConnectOptions, database: &str) -> Result<PgConnection> {
    let server = url.server();
    // `--connect-timeout` (default 10 s): how long to wait before calling the server unreachable.
    let timeout = url.connect_timeout();
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(err)) => Err(explain_connect_error(&err, url, database).into()),
        Err(_) => Err(ConnectError {
            kind: Failure::Unreachable,
            problem: format!("no answer from PostgreSQL at {server} within {}s", timeout.as_secs()),
            fix: format!("check the host and port in {}", url.origin()),
        }
        .into()),
    }
}

fn explain_connect_error(err: &sqlx::Error, url: &DbUrl, database: &str) -> ConnectError {
    let server = url.server();
    let origin = url.origin();
    if let Some(problem) = url.explain_tls_error(err) {
        let fix = format!("change sslmode or sslrootcert in {origin} (see README, \"TLS\")");
        return ConnectError { kind: Failure::Tls, problem, fix };
    }
    let (kind, problem, fix) = match err {
        sqlx::Error::Io(io) => (
            Failure::Unreachable,
            format!("cannot reach PostgreSQL at {server} ({io})"),
            format!(
                "start the server (e.g. `pg_ctlcluster 15 main start`) or fix the host and port in {origin}"
            ),
        ),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01" | "28000") => (
                Failure::Other,
                format!("PostgreSQL at {server} rejected user `{}` ({})", url.username(), db.message()),
                format!("check the user and password in {origin}"),
            ),
            Some("3D000") => (
                Failure::Other,
                format!("database `{database}` does not exist on {server}"),
                "run `cargo xtask db-setup`".to_owned(),
            ),
            _ => (
                Failure::Other,
                format!("cannot connect to {server}: {}", db.message()),
                format!("check the settings in {origin}"),
            ),
        },
        other => (
            Failure::Other,
            format!("cannot connect to {server}: {other}"),
            format!("check the settings in {origin}"),
        ),
    };
    ConnectError { kind, problem, fix }
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
