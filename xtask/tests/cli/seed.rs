//! `seed` and the seeding step of `db-setup`: fixtures, idempotence, reset, fake data, bad input.

use std::path::Path;

use argon2::{Argon2, PasswordHash, PasswordVerifier};

use crate::support::{Migrations, TestDb};

/// Row counts of ReferAI's four tables.
fn counts(db: &TestDb) -> [i64; 4] {
    [
        db.count("SELECT count(*) FROM user_account"),
        db.count("SELECT count(*) FROM action"),
        db.count("SELECT count(*) FROM clip"),
        db.count("SELECT count(*) FROM prediction"),
    ]
}

fn admin_password_verifies(db: &TestDb, password: &str) -> bool {
    let stored: String = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT password FROM user_account WHERE email = 'admin@admin.com'")
            .fetch_one(conn)
            .await
            .unwrap()
    });
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    Argon2::default().verify_password(password.as_bytes(), &PasswordHash::new(&stored).unwrap()).is_ok()
}

#[test]
fn db_setup_seeds_the_guides_login_with_its_predicted_action() {
    let db = TestDb::reserved();
    let out = db.run(&["db-setup"]).success();
    assert!(out.contains("log in:    admin@admin.com"), "{out}");
    assert!(!out.contains("password: admin"), "a password is never printed: {out}");
    assert!(admin_password_verifies(&db, "admin@admin.com"));
    assert!(!admin_password_verifies(&db, "wrong"));
    assert_eq!(counts(&db), [1, 1, 2, 1]);

    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/clips");
    let clips: Vec<Vec<u8>> = db.with_conn(async |conn| {
        sqlx::query_scalar("SELECT content FROM clip ORDER BY id").fetch_all(conn).await.unwrap()
    });
    assert_eq!(clips[0], std::fs::read(data.join("admin-incident-cam1.mp4")).unwrap());
    assert_eq!(clips[1], std::fs::read(data.join("admin-incident-cam2.mp4")).unwrap());
    let sums: (f64, f64) = db.with_conn(async |conn| {
        sqlx::query_as(
            "SELECT foul_confidence + no_foul_confidence,
                    no_card_confidence + yellow_card_confidence + red_card_confidence FROM prediction",
        )
        .fetch_one(conn)
        .await
        .unwrap()
    });
    assert!((sums.0 - 1.0).abs() < 1e-9 && (sums.1 - 1.0).abs() < 1e-9, "{sums:?}");
}

#[test]
fn seeding_twice_adds_nothing() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    let before = (counts(&db), db.content_digest());
    let out = db.run(&["seed"]).success();
    assert!(out.contains("nothing to add"), "{out}");
    assert_eq!((counts(&db), db.content_digest()), before);
    assert!(db.run(&["db-setup"]).success().contains("nothing to do"));
}

#[test]
fn reset_restores_changed_fixture_rows() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    db.execute(
        "UPDATE prediction SET foul_confidence = 0.5;
         UPDATE user_account SET password = 'changed';
         DELETE FROM clip WHERE id = (SELECT max(id) FROM clip);",
    );
    db.run(&["seed"]).success();
    assert_eq!(db.count("SELECT count(*) FROM clip"), 1, "a plain seed never overwrites existing rows");

    let out = db.run(&["seed", "--reset"]).success();
    assert!(out.contains("removed 1 fixture user"), "{out}");
    assert_eq!(counts(&db), [1, 1, 2, 1]);
    assert_eq!(db.count("SELECT count(*) FROM prediction WHERE foul_confidence = 0.7342"), 1);
    assert!(admin_password_verifies(&db, "admin@admin.com"));
}

/// `content_digest` of `seed --fake 20 --rng-seed 2026` on a fresh database, as the first
/// (text COPY) loader wrote it: however the loader changes, a seed must keep giving these bytes.
const FAKE_20_FROM_2026: &str = "0436f7d1c28624842c917738ab848f04";

#[test]
fn fake_data_for_a_seed_never_changes_between_versions() {
    let no_fixtures = Migrations::new();
    let db = TestDb::new();
    db.run(&["db-setup", "--no-seed"]).success();
    db.run(&["seed", "--data", no_fixtures.path().to_str().unwrap(), "--fake", "20", "--rng-seed", "2026"])
        .success();
    assert_eq!(db.content_digest(), FAKE_20_FROM_2026);
}

#[test]
fn fake_data_from_one_seed_is_identical_on_two_databases() {
    // No fixtures here: their hashes are salted at random and their rows stamped with now().
    let no_fixtures = Migrations::new();
    let data = no_fixtures.path().to_str().unwrap();
    let fake = |db: &TestDb, count: &str, seed: &str| {
        db.run(&["seed", "--data", data, "--fake", count, "--rng-seed", seed])
    };
    let [first, second, other] = [TestDb::reserved(), TestDb::reserved(), TestDb::reserved()];
    for db in [&first, &second] {
        db.run(&["db-setup", "--no-seed"]).success();
        let out = fake(db, "150", "2026").success();
        assert!(out.contains("added 150 fake users") && out.contains("--rng-seed 2026"), "{out}");
    }
    assert_eq!(first.content_digest(), second.content_digest());
    let [users, actions, clips, predictions] = counts(&first);
    assert_eq!((users, actions, predictions), (150, 150, 150));
    assert!((300..=600).contains(&clips), "{clips}");
    let actions_without_2_to_4_clips = first.count(
        "SELECT count(*) FROM action a WHERE (SELECT count(*) FROM clip c WHERE c.action_id = a.id) NOT BETWEEN 2 AND 4",
    );
    assert_eq!(actions_without_2_to_4_clips, 0);

    other.run(&["db-setup", "--no-seed"]).success();
    fake(&other, "150", "2027").success();
    assert_ne!(other.content_digest(), first.content_digest(), "another seed gives other data");

    let before = first.content_digest();
    fake(&first, "5", "2026").failure(&["--rng-seed 2026 are already in this database"]);
    assert_eq!(first.content_digest(), before, "a failed fake load writes nothing");
}

#[test]
fn bad_input_is_located_and_writes_nothing() {
    let db = TestDb::reserved();
    db.run(&["db-setup"]).success();
    let before = db.content_digest();

    let user = "[[users]]\nemail = \"new@user.io\"\npassword = \"pw\"\n";
    let action = |clips: &str, confidence: &str| {
        format!(
            "[[actions]]\nuser = \"new@user.io\"\nuploaded_at = 2024-01-01T00:00:00Z\nclips = {clips}\n\
             [actions.prediction]\nis_foul = true\nfoul_confidence = {confidence}\nno_foul_confidence = 0.5\n\
             no_card_confidence = 1\nyellow_card_confidence = 0\nred_card_confidence = 0\n\
             foul_model_results = {{}}\nseverity_model_results = {{}}\n"
        )
    };
    let two_clips = "[\"clips/a.mp4\", \"clips/a.mp4\"]";
    let cases = [
        (format!("{user}passwd = 1\n"), vec!["fixtures.toml:4:1", "unknown field `passwd`"]),
        ("[[users]\n".to_owned(), vec!["fixtures.toml:1:"]),
        (
            format!("{user}{}", action("[\"clips/a.mp4\", \"clips/missing.mp4\"]", "0.5")),
            vec!["fixtures.toml:7:25", "missing.mp4"],
        ),
        (
            format!(
                "{user}{}",
                action(two_clips, "0.5").replace("new@user.io\"\nupl", "ghost@user.io\"\nupl")
            ),
            vec!["fixtures.toml:5:8", "no user ghost@user.io"],
        ),
        (format!("{user}{user}"), vec!["fixtures.toml:5:9", "already defined"]),
        (
            format!("{user}{}", action(two_clips, "1.5")),
            vec!["fixtures.toml:4:1", "prediction_foul_confidence_range", "nothing was written"],
        ),
    ];
    for (fixture, needles) in cases {
        let dir = Migrations::new();
        std::fs::create_dir(dir.path().join("clips")).unwrap();
        dir.write("clips/a.mp4", "not really a video");
        dir.write("fixtures.toml", &fixture);
        db.run(&["seed", "--data", dir.path().to_str().unwrap()]).failure(&needles);
        assert_eq!(db.content_digest(), before, "{fixture}");
    }
    for bad in ["abc", "0", "-3"] {
        db.run(&["seed", "--fake", bad]).failure(&["--fake takes a number of users"]);
    }
    assert_eq!(db.content_digest(), before);
}
