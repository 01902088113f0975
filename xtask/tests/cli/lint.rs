//! `lint`: findings with file:line, rule, lock and fix; stakes from the database; silencing.

use crate::support::{Migrations, TestDb};

#[test]
fn lint_reports_hazards_with_their_stakes_and_honours_allow_comments() {
    let db = TestDb::new();
    let migrations = Migrations::new();
    migrations.reversible(
        1,
        "create_clip",
        "CREATE TABLE clip (id int PRIMARY KEY, label text);\n",
        "DROP TABLE clip;\n",
    );
    db.run(&migrations.args(&["migrate"])).success();
    db.execute("INSERT INTO clip SELECT g, 'x' FROM generate_series(1, 1000) g; ANALYZE clip");
    let file = migrations.write(
        "2_tighten.up.sql",
        "CREATE TABLE note (id int);\nCREATE INDEX note_id ON note (id);\n\nCREATE INDEX clip_label ON clip (label);\n\
         -- lint: allow set-not-null\nALTER TABLE clip ALTER COLUMN label SET NOT NULL;\n",
    );
    let run = db.run(&["lint", file.to_str().unwrap()]);
    assert!(run.stdout.contains("2_tighten.up.sql:4: [index-not-concurrent]"), "{}", run.stdout);
    assert!(run.stdout.contains("lock: SHARE on clip, blocks writes"), "{}", run.stdout);
    assert!(run.stdout.contains("table: clip: ~1000 rows"), "{}", run.stdout);
    assert!(run.stdout.contains("fix: CREATE INDEX CONCURRENTLY"), "{}", run.stdout);
    assert!(!run.stdout.contains("note") && !run.stdout.contains("set-not-null"), "{}", run.stdout);
    run.failure(&["1 finding(s) in 1 file(s)", "-- lint: allow <rule>"]);

    migrations.write(
        "2_tighten.up.sql",
        "-- lint: allow index-not-concurrent\nCREATE INDEX clip_label ON clip (label);\n",
    );
    assert!(db.run(&migrations.args(&["lint"])).success().contains("2 file(s) linted: no findings"));
}

#[test]
fn check_lints_only_the_migrations_not_yet_applied() {
    let db = TestDb::new();
    let migrations = Migrations::new();
    migrations.reversible(
        1,
        "create_clip",
        "CREATE TABLE clip (id int PRIMARY KEY, label text);\n",
        "DROP TABLE clip;\n",
    );
    migrations.simple(2, "old_index", "CREATE INDEX clip_old ON clip (label);\n");
    db.run(&migrations.args(&["migrate"])).success();
    migrations.simple(3, "new_index", "CREATE INDEX clip_new ON clip (label);\n");
    let project = xtask::project::Project::new(Some(migrations.path().to_owned()), None);
    let (findings, how) = db.with_conn(async |_| xtask::lint::lint_new(&project, &db.config).await.unwrap());
    let files: Vec<&str> = findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("3_new_index.sql"), "{files:?}");
    assert!(how.contains("not applied on"), "{how}");
}
