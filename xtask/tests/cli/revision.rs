//! `revision -m NAME`: new files, never overwritten, never out of order.

use std::process::Command;

use crate::support::Migrations;

fn revision(migrations: &Migrations, name: &str) -> crate::support::Run {
    // `revision` needs no database; DB_URL is deliberately unset.
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(migrations.args(&["revision", "-m", name])).env_remove("DB_URL").env_remove("DATABASE_URL");
    crate::support::Run::from(command.output().unwrap())
}

fn files(migrations: &Migrations) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(migrations.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn revision_creates_a_timestamped_pair_that_migrate_accepts() {
    let migrations = Migrations::new();
    let out = revision(&migrations, "Add clip duration").success();
    let names = files(&migrations);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with("_add_clip_duration.down.sql") && names[1].ends_with("_add_clip_duration.up.sql")
    );
    let version = &names[0][..14];
    assert!(version.starts_with("20") && version.chars().all(|c| c.is_ascii_digit()), "{version}");
    assert!(out.contains(&names[1]), "{out}");
    let up = std::fs::read_to_string(migrations.path().join(&names[1])).unwrap();
    assert!(up.starts_with("-- Add clip duration\n"), "{up}");
}

#[test]
fn revision_refuses_bad_names_and_older_versions() {
    let migrations = Migrations::new();
    revision(&migrations, "").failure(&["empty"]);
    revision(&migrations, "drop; table").failure(&["`;` is not allowed"]);
    assert!(files(&migrations).is_empty());

    migrations.reversible(99991231235959, "from_the_future", "SELECT 1;", "SELECT 1;");
    revision(&migrations, "too late").failure(&["has 99991231235959, which is in the future"]);
    assert_eq!(files(&migrations).len(), 2, "nothing new may be written");
}

#[test]
fn two_revisions_in_a_row_both_succeed_in_order() {
    let migrations = Migrations::new();
    revision(&migrations, "first").success();
    revision(&migrations, "second").success();
    revision(&migrations, "third").success();
    let names = files(&migrations);
    let version = |suffix: &str| -> i64 {
        let name = names.iter().find(|n| n.ends_with(suffix)).unwrap();
        name[..14].parse().unwrap()
    };
    let (first, second, third) =
        (version("_first.up.sql"), version("_second.up.sql"), version("_third.up.sql"));
    assert!(first < second && second < third, "{names:?}");
}
