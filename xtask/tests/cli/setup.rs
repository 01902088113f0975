//! `db-setup`, `db-create`, `db-drop`, `db-reset` on the repository's real migrations.

use crate::support::{TestDb, repo_migrations};

#[test]
fn db_setup_creates_migrates_and_a_second_run_changes_nothing() {
    let db = TestDb::reserved();
    let first = db.run(&["db-setup"]).success();
    assert!(first.contains("(created)"), "{first}");
    assert!(db.exists());
    for table in ["user_account", "action", "clip", "prediction"] {
        assert!(db.has_table(table), "{table} missing");
    }
    let versions = db.applied_versions();
    assert!(!versions.is_empty());

    let second = db.run(&["db-setup"]).success();
    assert!(second.contains("already existed"), "{second}");
    assert!(second.contains("nothing to do"), "{second}");
    assert_eq!(db.applied_versions(), versions, "a second run must apply nothing");
}

#[test]
fn the_schema_enforces_referais_rules() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    db.execute(
        "INSERT INTO user_account (email, password) VALUES ('a@b.c', '$argon2id$v=19$m=19456,t=2,p=1$x$y');
         INSERT INTO action (user_id) SELECT id FROM user_account;",
    );
    let out_of_range = db.with_conn(async |conn| {
        sqlx::raw_sql(
            "INSERT INTO prediction (action_id, is_foul, foul_confidence, no_foul_confidence,
                 no_card_confidence, red_card_confidence, yellow_card_confidence,
                 foul_model_results, severity_model_results)
             SELECT id, true, 1.5, 0.1, 0.2, 0.3, 0.5, '{}', '{}' FROM action",
        )
        .execute(conn)
        .await
        .unwrap_err()
        .to_string()
    });
    assert!(out_of_range.contains("prediction_foul_confidence_range"), "{out_of_range}");
    db.execute("DELETE FROM user_account");
    assert_eq!(db.count("SELECT count(*) FROM action"), 0, "deleting a user cascades to its actions");
    assert!(repo_migrations().is_dir());
}

#[test]
fn db_create_is_idempotent() {
    let db = TestDb::reserved();
    assert!(db.run(&["db-create"]).success().contains("created database"));
    assert!(db.run(&["db-create"]).success().contains("already exists"));
    assert!(db.exists());
}

#[test]
fn db_drop_refuses_without_yes_and_is_idempotent_with_it() {
    let db = TestDb::new();
    db.run(&["db-drop"]).failure(&["--yes", &db.name()]);
    assert!(db.exists(), "refusing must leave the database in place");
    assert!(db.run(&["db-drop", "--yes"]).success().contains("dropped database"));
    assert!(!db.exists());
    assert!(db.run(&["db-drop", "--yes"]).success().contains("nothing to drop"));
}

#[test]
fn db_drop_names_connected_sessions_and_force_disconnects_them() {
    let db = TestDb::new();
    db.with_conn(async |_session| {
        // This session stays open on the database while the xtask tries to drop it.
        db.run(&["db-drop", "--yes"]).failure(&["1 other session(s)", "--force"]);
        db.run(&["db-drop", "--yes", "--force"]).success();
    });
    assert!(!db.exists());
}

#[test]
fn db_reset_rebuilds_from_scratch_only_with_yes() {
    let db = TestDb::reserved();
    db.run(&["db-setup", "--no-seed"]).success();
    db.execute("INSERT INTO user_account (email, password) VALUES ('keep@me.io', 'x')");

    db.run(&["db-reset"]).failure(&["--yes"]);
    assert_eq!(db.count("SELECT count(*) FROM user_account"), 1, "refusing must keep the data");

    let out = db.run(&["db-reset", "--yes", "--no-seed"]).success();
    assert!(out.contains("dropped database") && out.contains("(created)"), "{out}");
    assert_eq!(db.count("SELECT count(*) FROM user_account"), 0);
    assert!(!db.applied_versions().is_empty());
}
