//! Several processes at once on one new database: `db-create`, `db-setup`, `seed` and `restore`
//! behave as if run one after another. Each test starts its processes together and repeats the
//! race for several rounds, so that a pass shows the race is gone rather than lucky.

use std::process::{Child, Output, Stdio};

use crate::support::{SlowProgram, TestDb, alive, send_signal};

/// Starts `count` xtask runs of `args` on `db` at once and waits for all of them.
fn all_at_once(db: &TestDb, count: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = (0..count).map(|_| db.spawn(args)).collect();
    children.into_iter().map(|child| child.wait_with_output().unwrap()).collect()
}

/// Asserts that every run succeeded and none printed sqlx's source position.
#[track_caller]
fn all_succeeded(outputs: &[Output], round: usize) {
    for output in outputs {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "round {round}: {output:?}");
        assert!(!stderr.contains(" at line "), "round {round}: {stderr}");
    }
}

/// Row counts of ReferAI's four tables.
fn counts(db: &TestDb) -> [i64; 4] {
    [
        db.count("SELECT count(*) FROM user_account"),
        db.count("SELECT count(*) FROM action"),
        db.count("SELECT count(*) FROM clip"),
        db.count("SELECT count(*) FROM prediction"),
    ]
}

#[test]
fn eight_db_create_at_once_all_succeed_and_create_it_once() {
    for round in 0..10 {
        let db = TestDb::reserved();
        let outputs = all_at_once(&db, 8, &["db-create"]);
        all_succeeded(&outputs, round);
        let created = outputs
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stdout).contains("created database"))
            .count();
        assert_eq!(created, 1, "round {round}: exactly one process created it");
        assert!(db.exists());
    }
}

#[test]
fn six_db_setup_at_once_end_with_one_migrated_seeded_database() {
    for round in 0..4 {
        let db = TestDb::reserved();
        let outputs = all_at_once(&db, 6, &["db-setup"]);
        all_succeeded(&outputs, round);
        assert_eq!(counts(&db), [1, 1, 2, 1], "round {round}: as after one run");
        assert!(!db.applied_versions().is_empty());
    }
}

#[test]
fn six_seeds_at_once_load_the_fixtures_once() {
    for round in 0..4 {
        let db = TestDb::reserved();
        db.run(&["db-setup", "--no-seed"]).success();
        let outputs = all_at_once(&db, 6, &["seed"]);
        all_succeeded(&outputs, round);
        assert_eq!(counts(&db), [1, 1, 2, 1], "round {round}: as after one run");
        let loaded =
            outputs.iter().filter(|o| String::from_utf8_lossy(&o.stdout).contains("seeded `")).count();
        assert_eq!(loaded, 1, "round {round}: one run loaded, the others found everything there");
    }
}

#[test]
fn four_fake_seeds_at_once_each_add_their_users_whole() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    for round in 1..=3 {
        let outputs = all_at_once(&db, 4, &["seed", "--fake", "25"]);
        all_succeeded(&outputs, round);
        let [users, actions, clips, predictions] = counts(&db);
        let fake = 4 * 25 * round as i64;
        assert_eq!((users, actions, predictions), (1 + fake, 1 + fake, 1 + fake), "round {round}");
        assert!(clips >= 2 + 2 * fake, "round {round}: every fake action has its clips");
    }
}

#[test]
fn four_restores_interrupted_at_once_leave_no_database_behind() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    db.run(&["backup"]).success();
    let backup = db.backup_files()[0].to_str().unwrap().to_owned();
    for round in 0..3 {
        let targets: Vec<TestDb> = (0..4).map(|_| TestDb::reserved()).collect();
        let slow: Vec<SlowProgram> = (0..4).map(|_| SlowProgram::new("pg_restore")).collect();
        let mut children: Vec<Child> = targets
            .iter()
            .zip(&slow)
            .map(|(target, slow)| {
                db.xtask(&["restore", &backup, "--into", &target.name()])
                    .env("PATH", slow.path_env())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let programs: Vec<u32> = slow.iter().zip(&mut children).map(|(s, c)| s.wait_started(c)).collect();
        for (i, child) in children.iter().enumerate() {
            send_signal(child.id(), if i % 2 == 0 { "INT" } else { "TERM" });
        }
        for (i, child) in children.into_iter().enumerate() {
            let output = child.wait_with_output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(if i % 2 == 0 { 130 } else { 143 }),
                "round {round}: {output:?}"
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(stderr.lines().count(), 1, "round {round}: one line: {stderr}");
            assert!(stderr.contains("was dropped"), "round {round}: {stderr}");
        }
        for (target, program) in targets.iter().zip(programs) {
            assert!(!target.exists(), "round {round}: `{}` left behind", target.name());
            assert!(!alive(program), "round {round}: pg_restore outlived the xtask");
        }
    }
}
