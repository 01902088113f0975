//! Team workflow: out-of-order migrations from merged branches, `rebase`, reports for scripts
//! (`--format json`, exit codes), the global connection flags, and docs/SCHEMA.md.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Migrations, Run, TestDb, repo_migrations, xtask_with_url};

/// Exit code for "behind or drifted, or a generated file is stale".
const NOT_CURRENT: i32 = 3;

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {run:?}"))
}

/// `1_create_one` and `3_create_three` applied, then `2_create_two` arrives (as from a merge).
fn one_and_three_applied_then_two(db: &TestDb) -> Migrations {
    let migrations = Migrations::three_tables();
    std::fs::remove_file(migrations.path().join("2_create_two.up.sql")).unwrap();
    std::fs::remove_file(migrations.path().join("2_create_two.down.sql")).unwrap();
    db.run(&migrations.args(&["migrate"])).success();
    migrations.reversible(2, "create_two", "CREATE TABLE two (id int);\n", "DROP TABLE two;\n");
    migrations
}

#[test]
fn an_out_of_order_migration_is_flagged_refused_and_applied_only_when_allowed() {
    let db = TestDb::new();
    let migrations = one_and_three_applied_then_two(&db);

    let status = db.run(&migrations.args(&["status"]));
    assert_eq!(status.code, Some(NOT_CURRENT), "{status:?}");
    assert!(status.stdout.contains("out of order: 2_create_two.up.sql"), "{status:?}");
    assert!(
        status.stdout.contains("merged branch") && status.stdout.contains("cargo xtask rebase"),
        "{status:?}"
    );
    status.failure(&["out-of-order", "cargo xtask rebase"]);

    let history = db.run(&migrations.args(&["history"])).success();
    assert!(history.lines().any(|l| l.starts_with("2 ") && l.contains("out of order")), "{history}");
    assert!(history.contains("cargo xtask rebase"), "{history}");

    let refused = db.run(&migrations.args(&["migrate"]));
    assert_eq!(refused.code, Some(1));
    refused.failure(&[
        "2_create_two.up.sql",
        "older than 3",
        "merged branch",
        "rebase",
        "--allow-out-of-order",
    ]);
    assert!(!db.has_table("two"), "nothing applied");

    let out = db.run(&migrations.args(&["migrate", "--allow-out-of-order", "--no-backup"])).success();
    assert!(out.contains("applied 2 create two"), "{out}");
    assert!(out.contains("note: applied 2 out of order"), "the run says what it did: {out}");
    assert!(out.contains("`") && out.contains("is now at version 3"), "the newest applied version: {out}");
    assert_eq!(db.applied_versions(), [1, 2, 3], "sqlx's rows only, nothing of ours");
    let history = db.run(&migrations.args(&["history"])).success();
    assert!(
        history.lines().any(|l| l.starts_with("2 ") && l.contains("applied (out of order)")),
        "{history}"
    );
    db.run(&migrations.args(&["status"])).success();

    // The migration applied last is reverted first, whatever its version.
    let out = db.run(&migrations.args(&["downgrade", "--no-backup"])).success();
    assert!(out.contains("reverted 2 create two") && out.contains("now at version 3"), "{out}");
    assert!(!db.has_table("two") && db.has_table("three"));
}

#[test]
fn rebase_moves_out_of_order_migrations_after_the_newest_and_refuses_applied_ones() {
    let db = TestDb::new();
    let migrations = one_and_three_applied_then_two(&db);
    migrations.simple(0, "zero", "CREATE TABLE zero (id int);\n");

    db.run(&migrations.args(&["rebase", "1"]))
        .failure(&["1_create_one.up.sql is applied to", "must not change"]);
    db.run(&migrations.args(&["rebase", "7"])).failure(&["no migration", "has version 7"]);
    db.run(&migrations.args(&["rebase", "x"])).failure(&["takes migration versions"]);

    let out = db.run(&migrations.args(&["rebase"]));
    assert!(out.stderr.contains("must not be") && out.stderr.contains("applied"), "{out:?}");
    let out = out.success();
    let names = files(migrations.path());
    let (zero, two) = (new_version(&names, "_zero.sql"), new_version(&names, "_create_two.up.sql"));
    assert!(names.contains(&format!("{two}_create_two.down.sql")), "both files renamed: {names:?}");
    assert!(zero > 3 && two > zero, "after the newest, in their order: {names:?}");
    assert!(
        out.contains("renamed 2_create_two.up.sql -> ") && out.contains("run `cargo xtask migrate`"),
        "{out}"
    );
    let report = json(&db.run(&migrations.args(&["status", "--format", "json"])));
    assert_eq!(report["pending"], 2);
    assert_eq!(report["out_of_order"], 0);

    let out = db.run(&migrations.args(&["migrate", "--no-backup"])).success();
    assert!(out.contains(&format!("is now at version {two}")), "{out}");
    db.run(&migrations.args(&["status"])).success();
    let again = db.run(&migrations.args(&["rebase"])).success();
    assert!(again.contains("nothing to rebase"), "{again}");
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn new_version(names: &[String], suffix: &str) -> i64 {
    let name = names.iter().find(|n| n.ends_with(suffix)).unwrap_or_else(|| panic!("{suffix} in {names:?}"));
    name[..name.len() - suffix.len()].parse().unwrap()
}

#[test]
fn two_branches_with_diverging_migrations_merge_then_rebase_and_migrate() {
    let db = TestDb::new();
    let root = tempfile::tempdir().unwrap();
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git is installed");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let write = |dir: &Path, name: &str, sql: &str| {
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        std::fs::write(dir.join("migrations").join(name), sql).unwrap();
    };
    let (alice, bob) = (root.path().join("alice"), root.path().join("bob"));
    std::fs::create_dir(&alice).unwrap();
    git(&alice, &["init", "-q"]);
    write(&alice, "20261101000000_base.up.sql", "CREATE TABLE base (id int);\n");
    write(&alice, "20261101000000_base.down.sql", "DROP TABLE base;\n");
    git(&alice, &["add", "."]);
    git(&alice, &["commit", "-qm", "base"]);
    git(root.path(), &["clone", "-q", "alice", "bob"]);

    // Bob's branch is older, Alice's newer; Alice applies hers, then merges Bob's.
    write(&bob, "20261129000000_older.up.sql", "CREATE TABLE older (id int);\n");
    write(&bob, "20261129000000_older.down.sql", "DROP TABLE older;\n");
    git(&bob, &["add", "."]);
    git(&bob, &["commit", "-qm", "older"]);
    write(&alice, "20261130000000_newer.up.sql", "CREATE TABLE newer (id int);\n");
    write(&alice, "20261130000000_newer.down.sql", "DROP TABLE newer;\n");
    git(&alice, &["add", "."]);
    git(&alice, &["commit", "-qm", "newer"]);
    let source = alice.join("migrations");
    let source = source.to_str().unwrap();
    db.run(&["--source", source, "migrate", "--no-backup"]).success();
    git(&alice, &["pull", "-q", "--no-rebase", "--no-edit", "../bob", "HEAD"]);

    let status = db.run(&["--source", source, "status"]);
    assert_eq!(status.code, Some(NOT_CURRENT), "{status:?}");
    assert!(status.stdout.contains("out of order: 20261129000000_older.up.sql"), "{status:?}");
    db.run(&["--source", source, "migrate"]).failure(&["20261129000000_older.up.sql", "rebase"]);

    let out = db.run(&["--source", source, "rebase"]).success();
    assert!(out.contains("renamed 20261129000000_older.up.sql -> "), "{out}");
    let names = files(&alice.join("migrations"));
    assert!(new_version(&names, "_older.up.sql") > 20261130000000, "{names:?}");
    db.run(&["--source", source, "migrate", "--no-backup"]).success();
    db.run(&["--source", source, "status"]).success();
    assert!(db.has_table("older") && db.has_table("newer"));
}

#[test]
fn status_and_history_print_a_documented_json_object() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    db.run(&migrations.args(&["migrate", "--target", "2"])).success();

    let run = db.run(&migrations.args(&["status", "--format", "json"]));
    assert_eq!(run.code, Some(NOT_CURRENT), "behind: {run:?}");
    let status = json(&run);
    assert_eq!(status["database"], db.name());
    assert_eq!(status["version"], 2);
    assert_eq!(status["pending"], 1);
    assert_eq!(status["up_to_date"], false);
    let migrations_json = status["migrations"].as_array().unwrap();
    assert_eq!(migrations_json.len(), 3);
    let first = &migrations_json[0];
    assert_eq!(first["version"], 1);
    assert_eq!(first["description"], "create one");
    assert_eq!(first["state"], "applied");
    assert!(first["installed_on"].as_str().unwrap().starts_with("20"), "{first}");
    assert!(first["execution_time"].as_i64().unwrap() >= 0, "{first}");
    assert_eq!(first["checksum"].as_str().unwrap().len(), 96, "SHA-384 in hex: {first}");
    assert_eq!(migrations_json[2]["state"], "pending");
    assert!(migrations_json[2]["installed_on"].is_null());

    let history = json(&db.run(&migrations.args(&["history", "--format", "json"])));
    assert_eq!(history, status, "one object for both");
    db.run(&migrations.args(&["status", "--format", "yaml"])).failure(&["--format takes text or json"]);
}

#[test]
fn exit_codes_tell_usage_failure_and_not_current_apart() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    assert_eq!(db.run(&["migrate", "--bogus"]).code, Some(2));
    assert_eq!(db.run(&["frobnicate"]).code, Some(2));
    assert_eq!(db.run(&migrations.args(&["status"])).code, Some(NOT_CURRENT));
    db.execute("CREATE TABLE one (id int)");
    assert_eq!(db.run(&migrations.args(&["migrate", "--no-backup"])).code, Some(1), "a migration fails");
    db.execute("DROP TABLE one");
    db.run(&migrations.args(&["migrate", "--no-backup"])).success();
    assert_eq!(db.run(&migrations.args(&["status"])).code, Some(0));
}

#[test]
fn database_url_overrides_db_url_for_one_command() {
    let db = TestDb::new();
    let migrations = Migrations::three_tables();
    let nowhere = db.config.with_database("xtask_no_such_database");
    let mut command =
        xtask_with_url(nowhere.secret_url(), &migrations.args(&["-D", db.config.secret_url(), "migrate"]));
    let out = Run::from(command.arg("--no-backup").output().unwrap()).success();
    assert!(out.contains(&format!("`{}` is now at version 3", db.name())), "{out}");
    let mut command = xtask_with_url(
        nowhere.secret_url(),
        &migrations.args(&["--database-url", db.config.secret_url(), "status"]),
    );
    Run::from(command.output().unwrap()).success();
    let mut command = xtask_with_url(nowhere.secret_url(), &migrations.args(&["status"]));
    Run::from(command.output().unwrap()).failure(&["xtask_no_such_database", "does not exist"]);
}

#[test]
fn connect_timeout_bounds_the_wait_for_a_silent_server() {
    // A socket that accepts connections (the kernel's backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/referaidb");
    let mut command = xtask_with_url(&url, &["--connect-timeout", "1", "status"]);
    let run = Run::from(command.output().unwrap());
    assert_eq!(run.code, Some(1));
    run.failure(&["no answer from PostgreSQL", "within 1s"]);
    let mut command = xtask_with_url(&url, &["status", "--connect-timeout", "0"]);
    Run::from(command.output().unwrap()).failure(&["--connect-timeout must be at least 1"]);
}

/// A workspace of its own (the binary finds its root through CARGO_MANIFEST_DIR): the
/// repository's migrations and schema file, and a docs/ folder.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["xtask", "migrations", "backend", "docs"] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
        }
        for entry in std::fs::read_dir(repo_migrations()).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join("migrations").join(path.file_name().unwrap())).unwrap();
        }
        let repo = repo_migrations().parent().unwrap().to_owned();
        std::fs::copy(repo.join("backend/schema.sql"), dir.path().join("backend/schema.sql")).unwrap();
        Workspace { dir }
    }

    fn run(&self, db: &TestDb, args: &[&str]) -> Run {
        let mut command = db.xtask(args);
        command.env("CARGO_MANIFEST_DIR", self.dir.path().join("xtask"));
        Run::from(command.output().unwrap())
    }

    fn page(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("docs/SCHEMA.md")).unwrap()
    }
}

#[test]
fn schema_doc_writes_the_page_and_check_and_autogenerate_keep_it_current() {
    let db = TestDb::new();
    let workspace = Workspace::new();
    let stale = workspace.run(&db, &["check"]);
    assert_eq!(stale.code, Some(NOT_CURRENT), "no page yet: {stale:?}");
    stale.failure(&["docs/SCHEMA.md is stale", "cargo xtask schema-doc"]);

    assert!(workspace.run(&db, &["schema-doc"]).success().contains("wrote docs/SCHEMA.md"));
    let page = workspace.page();
    assert!(page.contains("```mermaid\nerDiagram\n"), "{page}");
    assert!(page.contains("    user_account ||--o{ action : \"user_id\""), "{page}");
    assert!(page.contains("        bigint action_id FK, UK"), "{page}");
    assert!(page.contains("### prediction\n\nA prediction: "), "table comments: {page}");
    assert!(
        page.contains("| `foul_confidence` | `double precision` | no |  | Foul model: probability"),
        "{page}"
    );
    assert!(page.contains("`prediction_foul_confidence_range`: `CHECK"), "constraints: {page}");
    assert!(
        page.contains("| `created_at` | `timestamp with time zone` | no | `now()` |"),
        "defaults: {page}"
    );
    workspace.run(&db, &["schema-doc", "--check"]).success();
    assert!(workspace.run(&db, &["check"]).success().contains("docs/SCHEMA.md is current"));

    let report = json(&workspace.run(&db, &["check", "--format", "json"]));
    assert_eq!(report["matches"], true);
    assert_eq!(report["schema_doc"]["current"], true);
    assert_eq!(report["lint_findings"], serde_json::json!([]));

    // A change to the declared schema: check lists the statements, autogenerate updates the page.
    let schema = workspace.dir.path().join("backend/schema.sql");
    let declared = std::fs::read_to_string(&schema).unwrap();
    let declared = declared
        .replace("    content   bytea  NOT NULL\n", "    content   bytea  NOT NULL,\n    seconds   real\n");
    std::fs::write(&schema, declared + "CREATE TYPE camera AS ENUM ('main', 'behind_goal');\nCREATE VIEW clip_sizes AS SELECT id, length(content) AS bytes FROM clip;\n").unwrap();
    let run = workspace.run(&db, &["check", "--format", "json"]);
    assert_eq!(run.code, Some(NOT_CURRENT));
    let report = json(&run);
    assert_eq!(report["matches"], false);
    assert!(
        report["reconciling_statements"].as_str().unwrap().contains("ADD COLUMN seconds real"),
        "{report}"
    );

    let out = workspace.run(&db, &["revision", "--autogenerate", "-m", "clip seconds"]).success();
    assert!(out.contains("updated docs/SCHEMA.md"), "{out}");
    let page = workspace.page();
    assert!(page.contains("| `seconds` | `real` | yes |"), "{page}");
    assert!(
        page.contains("## Enums\n\n| Enum | Values |\n|---|---|\n| `camera` | `main`, `behind_goal` |"),
        "{page}"
    );
    assert!(page.contains("## Views\n\n### clip_sizes\n\n```sql\n"), "{page}");
    workspace.run(&db, &["check"]).success();

    std::fs::write(workspace.dir.path().join("docs/SCHEMA.md"), "edited by hand\n").unwrap();
    workspace.run(&db, &["schema-doc", "--check"]).failure(&["docs/SCHEMA.md is stale"]);
}

#[test]
fn the_committed_schema_page_is_current() {
    let db = TestDb::new();
    db.run(&["schema-doc", "--check"]).success();
}
