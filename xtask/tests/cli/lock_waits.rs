//! Migrations on a database in use: a second session of the test holds locks while the xtask
//! runs, and the waits are kept short with `--ddl-lock-timeout 500ms --ddl-retries 1`.

use sqlx::Executor;

use crate::support::{Migrations, TestDb};

const SHORT: &[&str] = &["--ddl-lock-timeout", "500ms", "--ddl-retries", "1"];

fn with_short<'a>(migrations: &'a Migrations, command: &'a str) -> Vec<&'a str> {
    let mut args = migrations.args(&[command]);
    args.extend_from_slice(SHORT);
    args
}

/// A table `clip` with one migration applied, and a second that adds a column to it.
fn clip_and_a_change() -> (TestDb, Migrations) {
    let db = TestDb::new();
    let migrations = Migrations::new();
    migrations.reversible(
        1,
        "create_clip",
        "CREATE TABLE clip (id int PRIMARY KEY);\n",
        "DROP TABLE clip;\n",
    );
    db.run(&migrations.args(&["migrate"])).success();
    migrations.reversible(
        2,
        "add_nickname",
        "ALTER TABLE clip ADD COLUMN nickname text;\n",
        "ALTER TABLE clip DROP COLUMN nickname;\n",
    );
    (db, migrations)
}

#[test]
fn a_blocked_migration_reports_its_blocker_retries_then_applies_nothing() {
    let (db, migrations) = clip_and_a_change();
    db.with_conn(async |reader| {
        reader.execute("SET application_name = 'long_reader'").await.unwrap();
        reader.execute("BEGIN").await.unwrap();
        reader.execute("SELECT count(*) FROM clip").await.unwrap();

        let run = db.run(&with_short(&migrations, "migrate"));
        assert!(
            run.stderr.contains("retrying in 1s (1/1)") && run.stderr.contains("long_reader"),
            "{}",
            run.stderr
        );
        run.failure(&[
            "2_add_nickname.up.sql",
            "AccessExclusiveLock on clip",
            "within 500ms (2 tries",
            "long_reader",
            "idle in transaction",
            "SELECT count(*) FROM clip",
            "nothing of it was applied",
        ]);
        reader.execute("COMMIT").await.unwrap();
    });
    assert_eq!(db.applied_versions(), [1], "sqlx's bookkeeping is untouched");
    assert_eq!(db.count("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'"), 0);

    // Once the reader is gone, the same command applies it, with the file's own timeout.
    migrations.write(
        "2_add_nickname.up.sql",
        "-- ddl-lock-timeout: 2s\nALTER TABLE clip ADD COLUMN nickname text;\n",
    );
    db.run(&with_short(&migrations, "migrate")).success();
    assert_eq!(db.applied_versions(), [1, 2]);
}

#[test]
fn a_blocked_downgrade_fails_in_one_line_and_reverts_nothing() {
    let (db, migrations) = clip_and_a_change();
    db.run(&migrations.args(&["migrate"])).success();
    db.with_conn(async |reader| {
        reader.execute("BEGIN").await.unwrap();
        reader.execute("SELECT count(*) FROM clip").await.unwrap();
        let args = ["downgrade", "--no-backup", "--ddl-lock-timeout", "500ms", "--ddl-retries", "0"];
        db.run(&migrations.args(&args)).failure(&[
            "2_add_nickname.down.sql",
            "AccessExclusiveLock on clip",
            "1 try",
            "blocked by pid",
        ]);
        reader.execute("ROLLBACK").await.unwrap();
    });
    assert_eq!(db.applied_versions(), [1, 2]);
}

#[test]
fn a_timed_out_concurrent_index_leaves_no_invalid_index_for_the_retry() {
    let (db, migrations) = clip_and_a_change();
    std::fs::remove_file(migrations.path().join("2_add_nickname.up.sql")).unwrap();
    std::fs::remove_file(migrations.path().join("2_add_nickname.down.sql")).unwrap();
    migrations.simple(
        2,
        "index_clip",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY clip_id_idx ON clip (id);\n",
    );
    db.with_conn(async |writer| {
        // An open write: the index build creates its (INVALID) index, then waits for it.
        writer.execute("BEGIN").await.unwrap();
        writer.execute("INSERT INTO clip VALUES (1)").await.unwrap();
        db.run(&with_short(&migrations, "migrate")).failure(&[
            "2_index_clip.sql",
            "nothing of it was applied",
            "INVALID index public.clip_id_idx",
            "the next `migrate` drops it first",
        ]);
        writer.execute("COMMIT").await.unwrap();
    });
    assert_eq!(db.applied_versions(), [1]);
    let run = db.run(&with_short(&migrations, "migrate"));
    assert!(run.stderr.contains("dropped the INVALID index public.clip_id_idx"), "{}", run.stderr);
    run.success();
    assert_eq!(db.count("SELECT count(*) FROM pg_index WHERE NOT indisvalid"), 0);
    assert_eq!(db.applied_versions(), [1, 2]);
}

#[test]
fn a_file_header_bounds_its_index_builds_parallel_workers_and_only_its_own() {
    let db = TestDb::new();
    let migrations = Migrations::new();
    let expect = |workers: &str| {
        format!(
            "DO $$ BEGIN IF current_setting('max_parallel_maintenance_workers') <> '{workers}' THEN \
             RAISE EXCEPTION 'max_parallel_maintenance_workers is %', current_setting('max_parallel_maintenance_workers'); \
             END IF; END $$;\n"
        )
    };
    let default: String = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT current_setting('max_parallel_maintenance_workers')")
            .fetch_one(conn)
            .await
            .unwrap()
    });
    migrations.simple(1, "one_core", &format!("-- max-parallel-maintenance-workers: 0\n{}", expect("0")));
    migrations.simple(2, "default", &expect(&default));
    db.run(&migrations.args(&["migrate"])).success();
    assert_eq!(db.applied_versions(), [1, 2]);
    migrations.simple(3, "bad", "-- max-parallel-maintenance-workers: all\nSELECT 1;\n");
    db.run(&migrations.args(&["migrate"])).failure(&["3_bad.sql", "takes a number of workers"]);
}

#[test]
fn each_migration_runs_under_its_own_settings_and_only_transactional_ups_defer_their_flush() {
    let db = TestDb::new();
    let migrations = Migrations::new();
    let record = |step: i64| {
        format!(
            "INSERT INTO seen VALUES ({step}, current_setting('synchronous_commit'), current_setting('lock_timeout'));\n"
        )
    };
    migrations.simple(
        1,
        "create",
        &format!("CREATE TABLE seen (step int, sync text, lock text);\n{}", record(1)),
    );
    migrations.simple(2, "outside", &format!("-- no-transaction\n{}", record(2)));
    migrations.simple(3, "longer", &format!("-- ddl-lock-timeout: 30s\n{}", record(3)));
    // A plain SET outlives the file's transaction: the next file gets the run's settings again.
    migrations.simple(4, "own_settings", &format!("SET lock_timeout = '1min';\n{}", record(4)));
    migrations.reversible(5, "default", &record(5), &record(-5));
    db.run(&migrations.args(&["migrate"])).success();
    db.run(&migrations.args(&["downgrade"])).success();
    let seen: Vec<(i32, String, String)> = db.with_conn(async |conn| {
        sqlx::query_as("SELECT step, sync, lock FROM seen ORDER BY step >= 0 DESC, abs(step)")
            .fetch_all(conn)
            .await
            .unwrap()
    });
    let row = |step: i32, sync: &str, lock: &str| (step, sync.to_owned(), lock.to_owned());
    assert_eq!(
        seen,
        [
            // Commits that return before the WAL flush: atomic with their bookkeeping row.
            row(1, "off", "5s"),
            // Its statements and its bookkeeping are separate commits: each one durable.
            row(2, "on", "5s"),
            row(3, "off", "30s"),
            row(4, "off", "1min"),
            row(5, "off", "5s"),
            // Reverts commit synchronously, as before.
            row(-5, "on", "5s"),
        ]
    );
    assert_eq!(db.applied_versions(), [1, 2, 3, 4]);
}
