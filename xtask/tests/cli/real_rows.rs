//! `revision --autogenerate` proves its files on a copy of the configured database's rows: the
//! counts are printed, a statement that fails on the rows is reported and marked, and a down that
//! cannot restore a dropped NOT NULL column's values re-adds it without NOT NULL.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, TestDb};

/// A workspace of its own (`migrations/` with one table, `backend/schema.sql`), whose commands
/// run against `db`.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(table: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["xtask", "migrations", "backend"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        let workspace = Workspace { dir };
        workspace.write("migrations/1_initial.up.sql", &format!("{table}\n"));
        workspace.write("migrations/1_initial.down.sql", "DROP TABLE clip;\n");
        workspace.declare(table);
        workspace
    }

    fn write(&self, file: &str, contents: &str) {
        std::fs::write(self.dir.path().join(file), contents).unwrap();
    }

    fn declare(&self, schema: &str) {
        self.write("backend/schema.sql", &format!("{schema}\n"));
    }

    /// The xtask in this workspace (its root comes from CARGO_MANIFEST_DIR), against `db`.
    fn xtask(&self, db: &TestDb, args: &[&str]) -> Command {
        let mut command = db.xtask(args);
        command.env("CARGO_MANIFEST_DIR", self.dir.path().join("xtask"));
        command
    }

    fn run(&self, db: &TestDb, args: &[&str]) -> Run {
        Run::from(self.xtask(db, args).output().unwrap())
    }

    /// The generated files whose names contain `part`, sorted.
    fn generated(&self, part: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().contains(part))
            .collect();
        files.sort();
        files
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_dropped_not_null_column_comes_back_nullable_so_the_down_runs_on_rows() {
    let db = TestDb::new();
    let workspace =
        Workspace::new("CREATE TABLE clip (id int PRIMARY KEY, duration int NOT NULL, label text);");
    workspace.run(&db, &["migrate"]).success();
    db.execute("INSERT INTO clip SELECT g, g, 'x' FROM generate_series(1, 250) g");
    workspace.declare("CREATE TABLE clip (id int PRIMARY KEY, label text);");

    let out = workspace.run(&db, &["revision", "--autogenerate", "-m", "drop duration"]);
    let stdout = out.stdout.clone();
    assert!(out.ok, "{out:?}");
    assert!(stdout.contains("proven up and down on real rows"), "{stdout}");
    assert!(stdout.contains("by CREATE DATABASE … TEMPLATE"), "nobody else is connected: {stdout}");
    let counts = stdout.lines().find(|l| l.trim_start().starts_with("clip ")).unwrap();
    assert_eq!(counts.split_whitespace().collect::<Vec<_>>(), ["clip", "250", "250", "250"], "{stdout}");
    assert!(out.stderr.contains("re-adds column clip.duration without NOT NULL"), "{out:?}");
    let down = read(&workspace.generated("drop_duration.down.sql")[0]);
    assert!(down.contains("-- data-preserving: re-adds column clip.duration without NOT NULL"), "{down}");
    assert!(down.contains("ADD COLUMN duration integer;"), "{down}");
    assert_eq!(db.count_databases_like(&format!("{}%rows%", db.name())), 0, "the copy is dropped");

    // On the real database: up and down both run on its rows, and the stairway accepts the down.
    workspace.run(&db, &["migrate"]).success();
    workspace.run(&db, &["downgrade", "--no-backup"]).success();
    assert_eq!(db.count("SELECT count(*) FROM clip WHERE duration IS NULL"), 250);
    let check = workspace.run(&db, &["check"]);
    assert!(!check.stderr.contains("stairway"), "{check:?}");
}

#[test]
fn a_statement_that_fails_on_the_rows_is_reported_and_marked_in_its_file() {
    let db = TestDb::new();
    let workspace = Workspace::new("CREATE TABLE clip (id int PRIMARY KEY, label text);");
    workspace.run(&db, &["migrate"]).success();
    db.execute("INSERT INTO clip SELECT g, CASE WHEN g % 2 = 0 THEN 'x' END FROM generate_series(1, 40) g");
    workspace.declare("CREATE TABLE clip (id int PRIMARY KEY, label text NOT NULL);");
    // Another session on the database: the copy is made by pg_dump and pg_restore instead.
    db.with_conn(async |conn| {
        let out = workspace.run(&db, &["revision", "--autogenerate", "-m", "label required"]);
        sqlx::query("SELECT 1").execute(conn).await.unwrap();
        assert!(out.ok, "the files are still written: {out:?}");
        assert!(out.stdout.contains("tried up and down on real rows"), "{out:?}");
        assert!(out.stdout.contains("by pg_dump and pg_restore"), "{out:?}");
        assert!(
            out.stderr.contains(
                "fails on existing rows: the validate file's up, statement 1, on table clip: check constraint"
            ),
            "{out:?}"
        );
    });
    let validate = read(&workspace.generated("label_required_validate.up.sql")[0]);
    let marked = validate.find("-- fails on existing rows of clip: check constraint").expect(&validate);
    assert!(
        validate[marked..].lines().nth(1).unwrap().starts_with("ALTER TABLE clip VALIDATE CONSTRAINT"),
        "{validate}"
    );
    assert!(
        validate.contains("--   1. ALTER TABLE clip VALIDATE CONSTRAINT"),
        "the lock header names the statement: {validate}"
    );
    // The validating file fails on the real rows, as the copy said.
    workspace.run(&db, &["migrate"]).failure(&["violated by some row"]);
}

#[test]
fn the_proof_on_rows_is_skipped_with_a_reason_when_it_cannot_be_made() {
    let db = TestDb::new();
    let workspace = Workspace::new("CREATE TABLE clip (id int PRIMARY KEY);");
    workspace.declare("CREATE TABLE clip (id int PRIMARY KEY, label text);");
    // Not at the migrations' head: the up would not start where it will.
    let out = workspace.run(&db, &["revision", "--autogenerate", "-m", "first"]);
    assert!(
        out.ok
            && out.stderr.contains("not proven on real rows")
            && out.stderr.contains("not at the migrations' head"),
        "{out:?}"
    );
    for file in workspace.generated("first") {
        std::fs::remove_file(file).unwrap();
    }
    workspace.run(&db, &["migrate"]).success();
    let out = workspace.run(&db, &["revision", "--autogenerate", "-m", "second", "--copy-limit-mb", "0"]);
    assert!(out.ok && out.stderr.contains("not proven on real rows: --copy-limit-mb is 0"), "{out:?}");
}
