//! `history` and `status`: every state a migration can be in.

use crate::support::{Migrations, TestDb};

#[test]
fn history_shows_applied_pending_modified_and_missing() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    migrations.reversible(4, "create_four", "CREATE TABLE four (id int);\n", "DROP TABLE four;\n");
    db.run(&migrations.args(&["migrate", "--target", "3"])).success();
    migrations.write("2_create_two.up.sql", "CREATE TABLE two (id bigint);\n");
    for file in ["3_create_three.up.sql", "3_create_three.down.sql"] {
        std::fs::remove_file(migrations.path().join(file)).unwrap();
    }

    let out = db.run(&migrations.args(&["history"])).success();
    let state_of = |version: &str| {
        out.lines()
            .find(|l| l.starts_with(version))
            .unwrap_or_else(|| panic!("{version} not in:\n{out}"))
            .to_owned()
    };
    assert!(state_of("1 ").contains("applied") && state_of("1 ").contains("create one"), "{out}");
    assert!(state_of("2 ").contains("modified since applied"), "{out}");
    assert!(
        state_of("3 ").contains("applied but file missing") && state_of("3 ").contains("create three"),
        "{out}"
    );
    assert!(state_of("4 ").contains("pending"), "{out}");

    let verbose = db.run(&migrations.args(&["history", "--verbose"])).success();
    assert!(verbose.contains("applied at:  20"), "{verbose}");
    assert!(verbose.contains("took:"), "{verbose}");
    assert_eq!(verbose.matches("checksum:").count(), 3, "one per file on disk: {verbose}");
    assert!(verbose.contains("file:        missing"), "{verbose}");
}

#[test]
fn status_passes_only_when_up_to_date() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    let behind = db.run(&migrations.args(&["status"]));
    assert!(behind.stdout.contains("pending:   3"), "{behind:?}");
    behind.failure(&["3 migration(s) behind", "cargo xtask migrate"]);

    db.run(&migrations.args(&["migrate"])).success();
    let ok = db.run(&migrations.args(&["status"])).success();
    assert!(ok.contains("version:   3 (create three)") && ok.contains("up to date"), "{ok}");
}

#[test]
fn history_of_an_unmigrated_database_lists_every_file_as_pending() {
    let db = TestDb::new();
    let out = db.run(&["history"]).success();
    assert!(out.contains("pending") && out.contains("initial schema"), "{out}");
    assert!(!db.has_table("_sqlx_migrations"), "history is read-only");
}
