//! `migrate`: applying, targets, dry runs, offline SQL, failures, drift and concurrency.

use sqlx::Executor;
use sqlx::migrate::{Migrate, Migrator};

use crate::support::{Migrations, Run, TestDb};

#[test]
fn migrate_applies_everything_then_nothing() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    let out = db.run(&migrations.args(&["migrate"])).success();
    assert!(out.contains("applied 1 create one") && out.contains("applied 3 create three"), "{out}");
    assert_eq!(db.applied_versions(), [1, 2, 3]);

    let again = db.run(&migrations.args(&["migrate"])).success();
    assert!(again.contains("already at version 3; nothing to do"), "{again}");
    assert_eq!(db.count("SELECT count(*) FROM _sqlx_migrations"), 3);
}

#[test]
fn migrate_stops_at_target_and_rejects_unknown_targets() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate", "--target", "2"])).success();
    assert_eq!(db.applied_versions(), [1, 2]);
    assert!(!db.has_table("three"));

    db.run(&migrations.args(&["migrate", "--target", "7"])).failure(&["unknown --target 7", "history"]);
    db.run(&migrations.args(&["migrate", "--target", "base"])).failure(&["downgrade --target base"]);
    assert_eq!(db.applied_versions(), [1, 2]);
}

#[test]
fn dry_run_lists_pending_and_changes_nothing() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    let out = db.run(&migrations.args(&["migrate", "--dry-run"])).success();
    assert!(out.contains("1_create_one.up.sql") && out.contains("3_create_three.up.sql"), "{out}");
    assert!(!db.has_table("_sqlx_migrations"), "a dry run must not even create the bookkeeping table");
    assert!(!db.has_table("one"));
}

#[test]
fn offline_sql_script_is_what_migrate_would_do() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    // A `-- no-transaction` file must come out without BEGIN/COMMIT around it.
    migrations.simple(
        4,
        "concurrent_index",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY one_label ON one (label)",
    );
    let script = db.run(&migrations.args(&["migrate", "--sql"])).success();
    assert!(!db.has_table("one"), "--sql must not touch the database");
    assert_eq!(script.matches("BEGIN;").count(), 3, "{script}");
    assert!(script.contains("CREATE INDEX CONCURRENTLY one_label ON one (label)\n;\nINSERT"), "{script}");

    // Run it the way its header says: with psql.
    db.psql(&script);
    // The database now looks fully migrated to the xtask and to sqlx itself.
    db.run(&migrations.args(&["status"])).success();
    sqlx_migrator_agrees(&db, &migrations);
}

/// sqlx's own `Migrator` (what `sqlx::migrate!()` runs) finds nothing to do and no drift.
fn sqlx_migrator_agrees(db: &TestDb, migrations: &Migrations) {
    let path = migrations.path().to_owned();
    let before = db.applied_versions();
    db.with_conn(async |conn| {
        let migrator = Migrator::new(path.as_path()).await.unwrap();
        migrator.run(&mut *conn).await.expect("sqlx accepts the xtask's bookkeeping");
    });
    assert_eq!(db.applied_versions(), before);
}

#[test]
fn xtask_and_sqlx_read_each_others_bookkeeping() {
    let migrations = Migrations::three_tables();

    let by_xtask = TestDb::new();
    by_xtask.run(&migrations.args(&["migrate"])).success();
    sqlx_migrator_agrees(&by_xtask, &migrations);

    let by_sqlx = TestDb::new();
    let path = migrations.path().to_owned();
    by_sqlx.with_conn(async |conn| {
        let migrator = Migrator::new(path.as_path()).await.unwrap();
        migrator.run_to(2, &mut *conn).await.unwrap();
    });
    let status = by_sqlx.run(&migrations.args(&["status"]));
    assert!(status.stdout.contains("version:   2 (create two)"), "{status:?}");
    status.failure(&["1 migration(s) behind"]);
    by_sqlx.run(&migrations.args(&["migrate"])).success();
    by_sqlx.run(&migrations.args(&["status"])).success();
}

#[test]
fn a_failing_migration_names_file_and_line_and_leaves_the_version() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    migrations.reversible(
        4,
        "broken",
        "CREATE TABLE four (id int);\nINSERT INTO four\n  VALUES (1, 'no such column');\n",
        "DROP TABLE four;",
    );
    let error = db
        .run(&migrations.args(&["migrate"]))
        .failure(&["4_broken.up.sql failed at line 3, column 14", "stays at version 3"]);
    assert!(error.contains("INSERT has more expressions than target columns"), "{error}");
    assert!(!db.has_table("four"), "the failed migration's first statement must be rolled back");
    assert_eq!(db.applied_versions(), [1, 2, 3]);
}

#[test]
fn an_edited_applied_migration_is_refused_by_name() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate", "--target", "2"])).success();
    migrations.write("1_create_one.up.sql", "CREATE TABLE one (id bigint PRIMARY KEY);\n");
    db.run(&migrations.args(&["migrate"])).failure(&[
        "1_create_one.up.sql was applied",
        "modified",
        "git checkout",
    ]);
    assert_eq!(db.applied_versions(), [1, 2], "nothing may be applied past a drifted migration");
    let status = db.run(&migrations.args(&["status"]));
    assert!(status.stdout.contains("1_create_one.up.sql: modified since applied"), "{status:?}");
    status.failure(&["drifted"]);
}

#[test]
fn a_missing_applied_migration_is_refused_by_version() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate", "--target", "2"])).success();
    std::fs::remove_file(migrations.path().join("2_create_two.up.sql")).unwrap();
    std::fs::remove_file(migrations.path().join("2_create_two.down.sql")).unwrap();
    db.run(&migrations.args(&["migrate"])).failure(&["migration 2 (create two)", "file is missing"]);
    assert!(!db.has_table("three"));
}

#[test]
fn no_transaction_migrations_run_outside_a_transaction() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    migrations.simple(
        4,
        "concurrent_index",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY one_label ON one (label);\n",
    );
    db.run(&migrations.args(&["migrate"])).success();
    assert_eq!(db.count("SELECT count(*) FROM pg_indexes WHERE indexname = 'one_label'"), 1);
}

#[test]
fn concurrent_migrations_apply_each_migration_once() {
    let db = TestDb::new();
    let migrations = Migrations::new();
    // The first migration holds the lock long enough for the second process to queue behind it.
    migrations.reversible(
        1,
        "slow",
        "SELECT pg_sleep(1);\nCREATE TABLE slow (id int);\n",
        "DROP TABLE slow;",
    );
    migrations.reversible(
        2,
        "counter",
        "CREATE TABLE counter (n int);\nINSERT INTO counter VALUES (1);\n",
        "DROP TABLE counter;",
    );
    let first = db.spawn(&migrations.args(&["migrate"]));
    let second = db.spawn(&migrations.args(&["migrate"]));
    let runs: Vec<Run> =
        [first, second].into_iter().map(|c| Run::from(c.wait_with_output().unwrap())).collect();
    for run in &runs {
        assert!(run.ok, "{run:?}");
    }
    let applied_lines: usize = runs.iter().map(|r| r.stdout.matches("applied ").count()).sum();
    assert_eq!(applied_lines, 2, "each migration applied by exactly one process: {runs:?}");
    assert_eq!(db.count("SELECT count(*) FROM counter"), 1);
    assert_eq!(db.applied_versions(), [1, 2]);
}

#[test]
fn a_held_lock_makes_migrate_wait_then_fail_in_one_line() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    let args = migrations.args(&["migrate", "--lock-timeout", "1"]);
    let run = db.with_conn(async |conn| {
        conn.lock().await.unwrap();
        let run = db.run(&args);
        conn.execute("SELECT 1").await.unwrap();
        run
    });
    assert!(run.stderr.contains("waiting for another migration"), "{run:?}");
    run.failure(&["still holds the migration lock after 1s", "--lock-timeout"]);
    assert!(!db.has_table("one"));
}
