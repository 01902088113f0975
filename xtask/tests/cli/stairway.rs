//! The stairway check inside `check`: every migration up, down, up again on one scratch
//! database; the first down that does not restore the schema fails it, with the difference.

use xtask::project::Project;
use xtask::schema::autogenerate::{self, SCHEMA_FILE};

use crate::support::server;

/// `check` on a workspace of its own with these migrations (`(name, up, down)`) and this schema
/// file.
fn check(migrations: &[(&str, &str, &str)], declared: &str) -> anyhow::Result<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
    std::fs::create_dir_all(dir.path().join("backend")).unwrap();
    for (name, up, down) in migrations {
        std::fs::write(dir.path().join(format!("migrations/{name}.up.sql")), up).unwrap();
        std::fs::write(dir.path().join(format!("migrations/{name}.down.sql")), down).unwrap();
    }
    std::fs::write(dir.path().join(SCHEMA_FILE), declared).unwrap();
    let mut project = Project::new(None, None);
    project.root = dir.path().to_owned();
    project.migrations_dir = dir.path().join("migrations");
    let base = server().with_database(&format!("xst_{}", std::process::id()));
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(autogenerate::check(&project, &base))
}

#[test]
fn a_down_that_leaves_something_behind_fails_check_naming_it() {
    let first = ("1_table", "CREATE TABLE t (a int);", "DROP TABLE t;");
    let good = (
        "2_column",
        "ALTER TABLE t ADD COLUMN b int; CREATE INDEX t_b ON t (b);",
        "ALTER TABLE t DROP COLUMN b;",
    );
    let declared = "CREATE TABLE t (a int, b int) WITH (fillfactor = 70); CREATE INDEX t_b ON t (b);";
    let leaky = ("3_storage", "ALTER TABLE t SET (fillfactor = 70);", "SELECT 1;");
    let err = format!("{:#}", check(&[first, good, leaky], declared).unwrap_err());
    assert_eq!(
        err,
        "stairway check: 3_storage.up.sql then its down does not leave the schema exactly as before its \
         up:\n  relation t: storage parameters `fillfactor=70` in the schema after its down, none in the schema before its up\n\
         fix its .down.sql so that up, down, up lands where it should"
    );
    let fixed = ("3_storage", "ALTER TABLE t SET (fillfactor = 70);", "ALTER TABLE t RESET (fillfactor);");
    assert_eq!(check(&[first, good, fixed], declared).unwrap(), "backend/schema.sql matches migrations");
}
