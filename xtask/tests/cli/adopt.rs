//! `adopt` and `baseline` on databases another tool made: the Alembic fixture (a plain pg_dump
//! of what real Alembic built, see tests/data/alembic/README.md) and ones without bookkeeping.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection, Executor};

use crate::support::{TestDb, repo_migrations};

fn fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/alembic").join(file)
}

/// A database restored from the Alembic fixture: the old app's four tables, `alembic_version`.
fn alembic_db() -> TestDb {
    let db = TestDb::new();
    db.psql(&std::fs::read_to_string(fixture("referaidb.sql")).unwrap());
    db
}

fn renames() -> String {
    fixture("renames.sql").to_str().unwrap().to_owned()
}

/// Every table, column and type of the database, with `_sqlx_migrations`' presence.
fn snapshot(db: &TestDb) -> (Vec<String>, bool) {
    (db.schema(), db.has_table("_sqlx_migrations"))
}

#[test]
fn backup_and_restore_work_on_a_database_without_sqlx_migrations() {
    let db = alembic_db();
    let out = db.run(&["backup"]).success();
    assert!(out.contains("-base.dump"), "the backup is named after no migration version: {out}");
    let path = db.backup_files()[0].to_str().unwrap().to_owned();
    db.execute("DELETE FROM clips");
    let out = db.run(&["restore", &path, "--yes"]).success();
    assert!(out.contains("verified"), "{out}");
    assert_eq!(db.count("SELECT count(*) FROM clips"), 2, "the restore brought the clips back");
    assert!(!db.has_table("_sqlx_migrations"), "neither command created sqlx's table");
}

#[test]
fn migrate_db_setup_and_doctor_point_an_unmanaged_database_at_adopt() {
    let db = alembic_db();
    let before = snapshot(&db);
    for command in [&["migrate"][..], &["db-setup", "--no-seed"]] {
        let error = db.run(command).failure(&[
            "no sqlx migrations",
            "Alembic (alembic_version 9a3d4b6c8e21)",
            "cargo xtask adopt",
        ]);
        assert!(!error.contains("Fix the file"), "{error}");
    }
    let doctor = db.run(&["doctor"]);
    assert!(!doctor.ok && doctor.stdout.contains("cargo xtask adopt"), "{doctor:?}");
    assert_eq!(snapshot(&db), before, "nothing was created");
}

#[test]
fn a_database_at_a_versions_schema_is_baselined_with_the_rows_sqlx_writes() {
    let db = TestDb::new();
    db.run(&["migrate"]).success();
    let written: Vec<(i64, String, Vec<u8>)> = db.with_conn(async |conn| {
        sqlx::query_as("SELECT version, description, checksum FROM _sqlx_migrations")
            .fetch_all(conn)
            .await
            .unwrap()
    });
    db.execute("DROP TABLE _sqlx_migrations");
    db.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
    db.execute("INSERT INTO alembic_version VALUES ('5f1c2a9e7b10')");

    let out = db.run(&["adopt"]).success();
    assert!(out.contains("alembic_version 5f1c2a9e7b10") && out.contains("baseline"), "{out}");
    assert!(!db.has_table("_sqlx_migrations"), "inspecting changes nothing");
    assert_eq!(db.backup_files().len(), 1, "a backup is taken first");

    let out = db.run(&["adopt", "--apply", "--drop-alembic-version"]).success();
    assert!(out.contains("dropped:  alembic_version"), "{out}");
    assert!(!db.has_table("alembic_version"));
    let recorded: Vec<(i64, String, Vec<u8>, bool, i64)> = db.with_conn(async |conn| {
        sqlx::query_as("SELECT version, description, checksum, success, execution_time FROM _sqlx_migrations")
            .fetch_all(conn)
            .await
            .unwrap()
    });
    assert_eq!(recorded.len(), written.len());
    for ((version, description, checksum, success, time), (v, d, c)) in recorded.into_iter().zip(written) {
        assert_eq!((version, description, checksum), (v, d, c), "the row sqlx wrote when it ran the file");
        assert!(success && time >= 0, "success, and an execution time in nanoseconds");
    }
    // sqlx's own migrator validates the checksums and finds nothing to do.
    sqlx_migrator_finds_nothing_to_do(&db);
    db.run(&["status"]).success();
}

fn sqlx_migrator_finds_nothing_to_do(db: &TestDb) {
    db.with_conn(async |conn| {
        let migrator = sqlx::migrate::Migrator::new(repo_migrations()).await.unwrap();
        migrator.run(&mut *conn).await.expect("sqlx sees every version as applied, checksums equal");
    });
}

#[test]
fn the_alembic_database_is_bridged_without_losing_a_row() {
    let db = alembic_db();
    let before = snapshot(&db);
    let out = db.run(&["adopt", "--renames", &renames()]).success();
    for line in [
        "found:    ",
        "alembic_version 9a3d4b6c8e21",
        "bridge to version 20261125144500",
        "users -> user_account: 1 -> 1",
        "clips -> clip: 2 -> 2",
        "warning:  changes prediction.foul_model_results from json to jsonb",
    ] {
        assert!(out.contains(line), "`{line}` not in:\n{out}");
    }
    assert_eq!(snapshot(&db), before, "inspecting changes nothing");
    let hash: String = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT password FROM users").fetch_one(conn).await.unwrap()
    });

    let out = db.run(&["adopt", "--renames", &renames(), "--apply", "--allow-data-loss"]).success();
    assert!(out.contains("applied:  ") && out.contains("kept:     alembic_version"), "{out}");
    assert_eq!(db.applied_versions(), [20261125144500]);
    for (table, rows) in [("user_account", 1), ("action", 1), ("clip", 2), ("prediction", 1)] {
        let count: i64 = db.with_conn(async |conn| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(conn)
                .await
                .unwrap()
        });
        assert_eq!(count, rows, "{table}");
    }
    let kept: String = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT password FROM user_account WHERE email = 'admin@admin.com'")
            .fetch_one(conn)
            .await
            .unwrap()
    });
    assert_eq!(kept, hash, "the admin's (bcrypt) hash came through untouched");
    // Identity columns continue past the old serial ids: the next insert into every table works.
    db.execute(
        "WITH u AS (INSERT INTO user_account (email, password) VALUES ('new@x.com', 'h') RETURNING id),
              a AS (INSERT INTO action (user_id) SELECT id FROM u RETURNING id),
              c AS (INSERT INTO clip (action_id, content) SELECT id, '\\x00' FROM a RETURNING id)
         INSERT INTO prediction (action_id, is_foul, foul_confidence, no_foul_confidence, no_card_confidence,
                                 red_card_confidence, yellow_card_confidence, foul_model_results, severity_model_results)
         SELECT id, true, 1, 0, 1, 0, 0, '{}', '{}' FROM a",
    );
    sqlx_migrator_finds_nothing_to_do(&db);
    db.run(&["migrate"]).success();
    db.run(&["status"]).success();
    db.run(&["history"]).success();
}

#[test]
fn a_bridge_that_may_lose_data_is_refused_without_allow_data_loss() {
    let db = alembic_db();
    db.execute("ALTER TABLE users ADD COLUMN nickname varchar");
    let before = snapshot(&db);
    let out = db.run(&["adopt", "--renames", &renames()]).success();
    assert!(out.contains("warning:  drops column user_account.nickname"), "{out}");
    db.run(&["adopt", "--renames", &renames(), "--apply"]).failure(&[
        "may lose data",
        "drops column user_account.nickname",
        "is unchanged",
        "--allow-data-loss",
    ]);
    assert_eq!(snapshot(&db), before);
}

#[test]
fn baseline_checks_the_schema_and_refuses_disagreeing_rows() {
    let db = TestDb::new();
    db.run(&["migrate"]).success();
    db.execute("DROP TABLE _sqlx_migrations");
    db.execute("ALTER TABLE clip ADD COLUMN extra int");
    let source = xtask::engine::Source::load(&crate::support::repo_migrations()).unwrap();
    let head = source.head().unwrap().to_string();
    db.run(&["baseline", &head]).failure(&[
        &format!("is not version {head}'s"),
        "column clip.extra",
        "--force",
    ]);
    assert!(!db.has_table("_sqlx_migrations"));
    db.execute("ALTER TABLE clip DROP COLUMN extra");
    let out = db.run(&["baseline", &head]).success();
    assert!(out.contains(&format!("recorded {} version(s)", source.migrations.len())), "{out}");
    sqlx_migrator_finds_nothing_to_do(&db);
    let out = db.run(&["baseline", &head]).success();
    assert!(out.contains("nothing to do"), "{out}");

    db.execute("UPDATE _sqlx_migrations SET checksum = '\\x00'");
    db.run(&["baseline", &head, "--force"]).failure(&[
        "_sqlx_migrations disagrees",
        "20261125144500 (initial schema) is modified since applied",
    ]);
    db.run(&["baseline", "1"]).failure(&["unknown version 1"]);
}

#[test]
fn ctrl_c_during_apply_leaves_the_database_as_it_was() {
    let db = alembic_db();
    let before = snapshot(&db);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // Another session writes to `users`: the bridge's ALTER waits for it, inside its transaction.
    let mut holder = runtime.block_on(async {
        let mut conn = db.config.connect_options().connect().await.unwrap();
        conn.execute("BEGIN; LOCK TABLE users IN ROW EXCLUSIVE MODE").await.unwrap();
        conn
    });
    let child = db.spawn(&["adopt", "--renames", &renames(), "--apply", "--allow-data-loss"]);
    let started = Instant::now();
    loop {
        let waiting = db.count(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%RENAME%'",
        );
        if waiting > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the bridge never waited for the lock");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("rolled back"), "{stderr}");
    runtime.block_on(async {
        holder.execute("ROLLBACK").await.unwrap();
        holder.close().await.unwrap();
    });
    assert_eq!(snapshot(&db), before, "the schema is as it was, with no bookkeeping");
    let pattern = format!("{}_adopt%", db.name());
    let left: i64 = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
            .bind(pattern)
            .fetch_one(conn)
            .await
            .unwrap()
    });
    assert_eq!(left, 0, "no scratch database left");
}

#[test]
fn a_blocked_bridge_names_its_blocker_retries_then_changes_nothing() {
    let db = alembic_db();
    let before = snapshot(&db);
    db.with_conn(async |reader| {
        reader.execute("SET application_name = 'long_reader'").await.unwrap();
        reader.execute("BEGIN").await.unwrap();
        reader.execute("SELECT count(*) FROM users").await.unwrap();
        let args = ["adopt", "--renames", &renames(), "--apply", "--allow-data-loss"];
        let run = db.run(&[&args[..], &["--ddl-lock-timeout", "300ms", "--ddl-retries", "1"]].concat());
        assert!(run.stderr.contains("retrying in 1s (1/1)"), "{}", run.stderr);
        run.failure(&[
            "adopting",
            "AccessExclusiveLock on users",
            "within 300ms (2 tries",
            "long_reader",
            "idle in transaction",
            "nothing of it was applied",
        ]);
        reader.execute("COMMIT").await.unwrap();
    });
    assert_eq!(snapshot(&db), before, "the schema is as it was, with no bookkeeping");
}
