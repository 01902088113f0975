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

/// The timing half of `xtask/benches/stairway.sh`: the repository's migrations, then 200
/// generated ones, each built on a scratch database by `migrate` alone and by the stairway.
#[test]
#[ignore = "a benchmark: run xtask/benches/stairway.sh"]
fn benchmark() {
    let generated = tempfile::tempdir().unwrap();
    for i in 1..=200 {
        let up = format!(
            "CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, \
             parent_id bigint{}); CREATE INDEX t{i}_name_idx ON t{i} (name);",
            if i > 1 { format!(" REFERENCES t{} (id)", i - 1) } else { String::new() }
        );
        std::fs::write(generated.path().join(format!("{i}_t{i}.up.sql")), up).unwrap();
        std::fs::write(generated.path().join(format!("{i}_t{i}.down.sql")), format!("DROP TABLE t{i};"))
            .unwrap();
    }
    let repository = Project::new(None, None).migrations_dir;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for (what, dir) in
        [("the repository's migrations", repository.as_path()), ("200 migrations", generated.path())]
    {
        let source = xtask::engine::Source::load(dir).unwrap();
        for stairway in [false, true] {
            let mut times = Vec::new();
            for _ in 0..3 {
                let base = server().with_database(&format!("xsb_{}", std::process::id()));
                let start = std::time::Instant::now();
                runtime
                    .block_on(xtask::pg::scratch::with_scratch_database(&base, "bench", async |url| {
                        if stairway {
                            xtask::pg::close(xtask::schema::stairway::climb(url, &source).await?).await;
                        } else {
                            xtask::engine::migrate_to_head(url, &source, std::time::Duration::from_secs(10))
                                .await?;
                        }
                        Ok(())
                    }))
                    .unwrap();
                times.push(start.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{what} ({}), {}: median {:.3} s, min {:.3} s",
                source.migrations.len(),
                if stairway { "stairway (up, down, up, 3 fingerprints each)" } else { "migrate to head" },
                times[1],
                times[0]
            );
        }
    }
}
