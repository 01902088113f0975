//! `backend::connect` with libpq's TLS modes, on a server of the test's own that only accepts
//! TLS and whose certificate a CA made for the test signed.

#[path = "../../xtask/tests/cli/tls_server.rs"]
#[allow(dead_code)]
mod tls_server;

use backend::{DbUrl, Origin, Settings};
use tls_server::TlsServer;

/// The pool's answer for `url`: whether the session is encrypted, or the one-line explanation.
async fn connect(url: &str) -> Result<bool, String> {
    let url = DbUrl::parse(url, Origin::Given).unwrap();
    match backend::connect(&Settings::for_tests(url.clone(), b"unused")).await {
        Ok(pool) => Ok(sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .unwrap()),
        Err(err) => Err(url.explain_tls_error(&err).unwrap_or_else(|| format!("not a TLS error: {err}"))),
    }
}

/// One server for every case: initdb and the certificates cost more than the cases themselves.
#[tokio::test]
async fn connect_follows_the_tls_modes() {
    let server = TlsServer::start();
    let (ca, other_ca) = (server.ca(), server.other_ca());

    assert_eq!(connect(&server.url("127.0.0.1", "postgres", "?sslmode=require")).await, Ok(true));
    let full = format!("?sslmode=verify-full&sslrootcert={ca}");
    assert_eq!(connect(&server.url("localhost", "postgres", &full)).await, Ok(true));

    let wrong_ca = format!("?sslmode=verify-full&sslrootcert={other_ca}");
    let err = connect(&server.url("localhost", "postgres", &wrong_ca)).await.unwrap_err();
    assert!(err.contains("not signed by a trusted root") && err.contains(&other_ca), "{err}");

    let err = connect(&server.url("127.0.0.1", "postgres", &full)).await.unwrap_err();
    assert!(err.contains("not issued for host name `127.0.0.1`"), "{err}");

    server.disable_tls();
    let err = connect(&server.url("127.0.0.1", "postgres", "?sslmode=require")).await.unwrap_err();
    assert!(err.contains("does not offer TLS"), "{err}");
    assert_eq!(connect(&server.url("127.0.0.1", "postgres", "")).await, Ok(false));
}
