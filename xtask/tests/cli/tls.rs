//! TLS by libpq's rules, end to end through the binary, on a server of the test's own that only
//! accepts TLS and whose certificate a CA made for the test signed.

use std::process::Command;

use crate::support::{Run, xtask_with_url};
use crate::tls_server::{TlsServer, set_mode};

fn run(url: &str, args: &[&str]) -> Run {
    Run::from(xtask_with_url(url, args).output().unwrap())
}

fn run_with_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command: Command = xtask_with_url(url, args);
    Run::from(command.envs(env.iter().copied()).output().unwrap())
}

/// One server for every case: initdb and the certificates cost more than the cases themselves.
#[test]
fn tls_modes_on_a_server_with_a_test_ca() {
    let server = TlsServer::start();
    let (ca, other_ca) = (server.ca(), server.other_ca());
    let backups = tempfile::tempdir().unwrap();
    let backups = backups.path().to_str().unwrap();

    // require: encrypted, certificate not checked (the server refuses anything but TLS).
    let url = server.url("127.0.0.1", "tls_require", "?sslmode=require");
    run(&url, &["db-create"]).success();

    // verify-full with the right CA and host name; pg_dump gets the same settings, or the
    // TLS-only server would refuse it.
    let url = server.url("localhost", "tls_full", &format!("?sslmode=verify-full&sslrootcert={ca}"));
    run(&url, &["db-create"]).success();
    run(&url, &["migrate"]).success();
    run(&url, &["--backups", backups, "backup"]).success();
    assert!(std::fs::read_dir(backups).unwrap().count() > 0, "pg_dump wrote the backup over TLS");
    // A database that does not exist: doctor's later, slower checks are skipped.
    let absent = server.url("localhost", "tls_absent", &format!("?sslmode=verify-full&sslrootcert={ca}"));
    let doctor = run(&absent, &["doctor"]).stdout;
    let line = doctor.lines().find(|l| l.contains("encryption:")).unwrap_or_default().to_owned();
    assert!(line.starts_with("✓ encryption: encrypted, TLSv1."), "{doctor}");
    assert!(line.contains(&format!("certificate and host name verified against sslrootcert {ca}")), "{line}");

    // The same through PGSSLMODE and PGSSLROOTCERT, as the URL sets neither; even on this
    // machine, where the default is no TLS.
    let plain = server.url("localhost", "tls_full", "");
    let env = [("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", ca.as_str())];
    run_with_env(&plain, &["migrate"], &env).success();
    run_with_env(&plain, &["migrate"], &[("PGSSLMODE", "sometimes")])
        .failure(&["PGSSLMODE in the environment is `sometimes`, not one of disable"]);

    // A CA that did not sign the certificate: the root file is named, and doctor does not
    // advise starting a server.
    let url = server.url("localhost", "tls_full", &format!("?sslmode=verify-full&sslrootcert={other_ca}"));
    run(&url, &["status"]).failure(&["is not signed by a trusted root", &format!("sslrootcert {other_ca}")]);
    let doctor = run(&url, &["doctor"]);
    assert!(doctor.stdout.contains("✗ server: the certificate of localhost:"), "{doctor:?}");
    assert!(doctor.stdout.contains("fix: change sslmode or sslrootcert"), "{doctor:?}");
    assert!(!doctor.stdout.contains("start PostgreSQL"), "{doctor:?}");

    // The right CA, but a host name the certificate does not list.
    let url = server.url("127.0.0.1", "tls_full", &format!("?sslmode=verify-full&sslrootcert={ca}"));
    run(&url, &["status"]).failure(&["is not issued for host name `127.0.0.1`", "sslmode=verify-full"]);
    // verify-ca checks the CA only, so the same address is fine.
    let url = server.url("127.0.0.1", "tls_full", &format!("?sslmode=verify-ca&sslrootcert={ca}"));
    run(&url, &["migrate"]).success();

    // A client key others may read is refused before any connection, as libpq does.
    let key = tempfile::NamedTempFile::new().unwrap();
    set_mode(key.path(), 0o644);
    let key = key.path().display().to_string();
    let url = server.url("localhost", "tls_full", &format!("?sslmode=require&sslcert={ca}&sslkey={key}"));
    run(&url, &["status"]).failure(&[&format!("private key file {key}"), "readable by others", "chmod 600"]);

    // require against a server without TLS.
    server.disable_tls();
    let url = server.url("127.0.0.1", "tls_require", "?sslmode=require");
    run(&url, &["status"])
        .failure(&["does not offer TLS", "sslmode=require from DB_URL in the environment requires it"]);
    let doctor = run(&server.url("127.0.0.1", "tls_absent", ""), &["doctor"]).stdout;
    assert!(
        doctor.contains("✓ encryption: not encrypted (sslmode=disable, the default on this machine)"),
        "{doctor}"
    );
}
