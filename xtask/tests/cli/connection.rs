//! Configuration and connection failures: one clear line each, never a password.

use crate::support::{Run, TestDb, server, xtask_with_url};

fn run_with_url(url: &str, args: &[&str]) -> Run {
    Run::from(xtask_with_url(url, args).output().unwrap())
}

#[test]
fn an_unreachable_server_is_named_with_its_address_and_no_password() {
    let error = run_with_url("postgres://someone:TopSecret42@127.0.0.1:1/referaidb", &["status"])
        .failure(&["cannot reach PostgreSQL at 127.0.0.1:1", "start the server"]);
    assert!(!error.contains("TopSecret42"), "{error}");
}

#[test]
fn an_unknown_user_is_an_authentication_failure() {
    let mut url = url::Url::parse(server().secret_url()).unwrap();
    url.set_username("no_such_role_xtask").unwrap();
    url.set_password(Some("wrong-Password-7")).unwrap();
    let error = run_with_url(url.as_str(), &["status"])
        .failure(&["rejected user `no_such_role_xtask`", "check the user and password"]);
    assert!(!error.contains("wrong-Password-7"), "{error}");
}

#[test]
fn a_missing_database_suggests_db_setup() {
    let db = TestDb::reserved();
    db.run(&["status"])
        .failure(&[&format!("database `{}` does not exist", db.name()), "cargo xtask db-setup"]);
    db.run(&["migrate"]).failure(&["does not exist", "db-setup"]);
    assert!(!db.exists(), "migrate never creates the database; db-setup does");
}

#[test]
fn malformed_urls_are_explained_without_echoing_them() {
    for (url, needle) in [
        ("definitely not a url", "DB_URL in the environment is not a valid URL"),
        ("mysql://root:pw-in-url@localhost/referaidb", "not PostgreSQL"),
        ("postgres://u:pw-in-url@localhost:5432", "names no database"),
    ] {
        let error = run_with_url(url, &["status"]).failure(&[needle]);
        assert!(!error.contains("pw-in-url"), "{error}");
    }
}

#[test]
fn the_sqlalchemy_form_from_the_old_guide_works_with_a_note() {
    let db = TestDb::new();
    let url = db.config.secret_url().replacen("postgres", "postgresql+psycopg2", 1);
    let run = run_with_url(&url, &["migrate"]);
    assert!(run.stderr.contains("SQLAlchemy driver `+psycopg2`"), "{run:?}");
    run.success();
    assert!(db.has_table("user_account"));
}
