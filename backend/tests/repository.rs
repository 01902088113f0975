//! The repository against a real, freshly migrated database per test (`#[sqlx::test]` creates and
//! drops it on the server named by `DATABASE_URL`).
//!
//! Argon2 runs only in the tests about passwords: other tests insert users directly with a
//! placeholder hash, as a debug build spends about half a second per hash.

use backend::{
    ActionId, CLIPS_PER_ACTION, DbUrl, Error, FoulProbabilities, Hasher, ModelInfo, ModelResults, Origin,
    Repository, Settings, SeverityProbabilities, UserId, Verdict, accounts, constraint,
};
use sqlx::PgPool;

/// A user row without argon2: the hash is never checked in the tests that use this.
async fn insert_user(pool: &PgPool, email: &str) -> UserId {
    let id = sqlx::query_scalar!(
        "INSERT INTO user_account (email, password) VALUES ($1, 'not-a-hash') RETURNING id",
        email,
    )
    .fetch_one(pool)
    .await
    .unwrap();
    UserId(id)
}

/// `n` distinct clips, each an MP4 `ftyp` box then every byte value, so a lossy round trip
/// would show.
fn clips(n: usize) -> Vec<Vec<u8>> {
    let ftyp = b"\0\0\0\x10ftypisom\0\0\x02\0";
    (0..n)
        .map(|i| ftyp.iter().copied().chain((0..=255u8).map(|b| b.wrapping_add(i as u8))).collect())
        .collect()
}

fn verdict(foul_confidence: f64) -> Verdict {
    Verdict {
        is_foul: true,
        foul_confidence,
        no_foul_confidence: 0.2,
        no_card_confidence: 0.1,
        red_card_confidence: 0.05,
        yellow_card_confidence: 0.85,
        foul_model_results: ModelResults {
            model: ModelInfo { name: "vars-foul".into(), version: "1.2.0".into() },
            probabilities: FoulProbabilities { foul: 0.8, no_foul: 0.2 },
        },
        severity_model_results: ModelResults {
            model: ModelInfo { name: "vars-severity".into(), version: "1.2.0".into() },
            probabilities: SeverityProbabilities { no_card: 0.1, yellow_card: 0.85, red_card: 0.05 },
        },
    }
}

/// Rows in `action`, `clip` and `prediction`.
async fn row_counts(pool: &PgPool) -> (i64, i64, i64) {
    let row = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM action) AS "actions!",
                  (SELECT count(*) FROM clip) AS "clips!",
                  (SELECT count(*) FROM prediction) AS "predictions!""#
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (row.actions, row.clips, row.predictions)
}

/// `connect` on the server the other tests use; no migrations needed for a `SELECT`.
#[tokio::test]
async fn connect_opens_a_pool_on_the_configured_database() {
    let url = std::env::var("DATABASE_URL").expect("the tests need DATABASE_URL");
    let settings = Settings::for_tests(DbUrl::parse(&url, Origin::Given).unwrap(), b"unused");
    let pool = backend::connect(&settings).await.unwrap();
    let answer = sqlx::query_scalar!(r#"SELECT 6 * 7 AS "answer!""#).fetch_one(&pool).await.unwrap();
    assert_eq!(answer, 42);
}

#[sqlx::test(migrations = "../migrations")]
async fn created_user_is_found_by_email_and_stored_with_an_argon2id_hash(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let user = accounts::register(&repo, &Hasher::new(), "ref@example.com", "correct horse").await.unwrap();
    assert_eq!(user.email, "ref@example.com");

    assert_eq!(repo.find_user_by_email("ref@example.com").await.unwrap(), Some(user.clone()));
    // Any case or Unicode compatibility form of the email (here a full-width R) finds the user.
    assert_eq!(repo.find_user_by_email("\u{ff32}EF@Example.COM").await.unwrap(), Some(user.clone()));
    assert_eq!(repo.find_user_by_email("other@example.com").await.unwrap(), None);

    let stored = sqlx::query_scalar!("SELECT password FROM user_account WHERE id = $1", user.id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
    assert!(!stored.contains("correct horse"));

    let json = serde_json::to_value(&user).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "email", "id"]);
    assert!(!json.to_string().contains("argon2"));
}

#[sqlx::test(migrations = "../migrations")]
async fn duplicate_email_is_email_taken_and_adds_no_row(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let first = insert_user(&pool, "ref@example.com").await;

    for taken in ["ref@example.com", "Ref@Example.com", "\u{ff52}ef@example.com"] {
        let err = repo.create_user(taken, "not-a-hash").await.unwrap_err();
        assert!(matches!(err, Error::EmailTaken), "{taken}: {err:?}");
    }

    let ids = sqlx::query_scalar!("SELECT id FROM user_account").fetch_all(&pool).await.unwrap();
    assert_eq!(ids, [first.0]);
}

#[sqlx::test(migrations = "../migrations")]
async fn login_needs_the_right_password_and_hides_whether_the_email_exists(pool: PgPool) {
    let (repo, hasher) = (Repository::new(pool), Hasher::new());
    let user = accounts::register(&repo, &hasher, "ref@example.com", "correct horse").await.unwrap();
    let login = |email, password| accounts::login(&repo, &hasher, email, password);

    assert_eq!(login("ref@example.com", "correct horse").await.unwrap(), user);

    let wrong_password = login("ref@example.com", "wrong horse").await.unwrap_err();
    let unknown_email = login("nobody@example.com", "correct horse").await.unwrap_err();
    assert!(matches!(wrong_password, Error::InvalidCredentials), "{wrong_password:?}");
    assert!(matches!(unknown_email, Error::InvalidCredentials), "{unknown_email:?}");
    assert_eq!(wrong_password.to_string(), unknown_email.to_string());
}

#[sqlx::test(migrations = "../migrations")]
async fn action_is_stored_with_its_clips_in_upload_order(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let owner = insert_user(&pool, "ref@example.com").await;

    let created = repo.create_action(owner, clips(3)).await.unwrap();
    assert_eq!(created.action.user_id, owner);
    let contents: Vec<Vec<u8>> = created.clips.iter().map(|clip| clip.content.clone()).collect();
    assert_eq!(contents, clips(3));
    assert!(created.clips.iter().all(|clip| clip.action_id == created.action.id));

    // What comes back from the database equals what create_action reported.
    assert_eq!(repo.action_for_owner(owner, created.action.id).await.unwrap(), created);
    assert_eq!(row_counts(&pool).await, (1, 3, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn both_ends_of_the_clip_range_are_accepted(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let owner = insert_user(&pool, "ref@example.com").await;

    let fewest = repo.create_action(owner, clips(*CLIPS_PER_ACTION.start())).await.unwrap();
    let most = repo.create_action(owner, clips(*CLIPS_PER_ACTION.end())).await.unwrap();
    assert_eq!((fewest.clips.len(), most.clips.len()), (2, 4));
    assert_eq!(row_counts(&pool).await, (2, 6, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_clip_count_is_refused_and_writes_nothing(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let owner = insert_user(&pool, "ref@example.com").await;

    for count in [0, 1, 5] {
        let err = repo.create_action(owner, clips(count)).await.unwrap_err();
        assert!(matches!(err, Error::ClipCount { count: c } if c == count), "{err:?}");
    }
    assert_eq!(row_counts(&pool).await, (0, 0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failure_after_some_clips_are_written_rolls_the_whole_action_back(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let owner = insert_user(&pool, "ref@example.com").await;
    // Fault injection in this test's own database: the third clip of an action fails, after the
    // action and two clips are already written inside the transaction.
    sqlx::query!(
        "CREATE FUNCTION fail_third_clip() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF (SELECT count(*) FROM clip WHERE action_id = NEW.action_id) >= 2 THEN
                 RAISE EXCEPTION 'injected failure'
                     USING ERRCODE = 'check_violation', CONSTRAINT = 'injected_third_clip';
             END IF;
             RETURN NEW;
         END $$"
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query!(
        "CREATE TRIGGER fail_third_clip BEFORE INSERT ON clip
         FOR EACH ROW EXECUTE FUNCTION fail_third_clip()"
    )
    .execute(&pool)
    .await
    .unwrap();

    let err = repo.create_action(owner, clips(3)).await.unwrap_err();
    assert_eq!(err.constraint(), Some("injected_third_clip"), "{err:?}");
    assert_eq!(row_counts(&pool).await, (0, 0, 0));

    // The same path commits when nothing fails, so the zero counts above are the rollback's doing.
    repo.create_action(owner, clips(2)).await.unwrap();
    assert_eq!(row_counts(&pool).await, (1, 2, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn action_for_a_missing_user_is_a_foreign_key_violation_and_writes_nothing(pool: PgPool) {
    let repo = Repository::new(pool.clone());

    let err = repo.create_action(UserId(424_242), clips(2)).await.unwrap_err();
    assert!(matches!(&err, Error::ForeignKeyViolation { .. }), "{err:?}");
    assert_eq!(err.constraint(), Some(constraint::ACTION_USER_ID_FKEY));
    assert_eq!(row_counts(&pool).await, (0, 0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn latest_action_is_the_newest_of_that_user_only(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let bob = insert_user(&pool, "bob@example.com").await;

    assert_eq!(repo.latest_action(alice).await.unwrap(), None);

    let _older = repo.create_action(alice, clips(2)).await.unwrap();
    let newer = repo.create_action(alice, clips(3)).await.unwrap();
    let bobs = repo.create_action(bob, clips(4)).await.unwrap();

    assert_eq!(repo.latest_action(alice).await.unwrap(), Some(newer));
    assert_eq!(repo.latest_action(bob).await.unwrap(), Some(bobs));
}

#[sqlx::test(migrations = "../migrations")]
async fn another_users_action_is_not_found(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let bob = insert_user(&pool, "bob@example.com").await;
    let action = repo.create_action(alice, clips(2)).await.unwrap();

    let err = repo.action_for_owner(bob, action.action.id).await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    let err = repo.action_for_owner(alice, ActionId(action.action.id.0 + 1000)).await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    // The owner still sees it: the refusal above was about the user, not the action.
    assert_eq!(repo.action_for_owner(alice, action.action.id).await.unwrap(), action);
}

#[sqlx::test(migrations = "../migrations")]
async fn prediction_is_stored_once_and_read_back_by_the_owner(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let bob = insert_user(&pool, "bob@example.com").await;
    let action = repo.create_action(alice, clips(2)).await.unwrap().action.id;

    // Before the models answer: nothing yet, but the action is there.
    assert_eq!(repo.prediction_for_owner(alice, action).await.unwrap(), None);

    let stored = repo.store_prediction(action, &verdict(0.8)).await.unwrap();
    assert_eq!(stored.action_id, action);
    assert_eq!(stored.verdict, verdict(0.8));
    assert_eq!(repo.prediction_for_owner(alice, action).await.unwrap(), Some(stored.clone()));

    let err = repo.prediction_for_owner(bob, action).await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");

    // The JSON columns hold the documented shape, readable by SQL and by other clients.
    let row = sqlx::query!(
        r#"SELECT foul_model_results #>> '{model,name}' AS "name!",
                  (foul_model_results #>> '{probabilities,foul}')::float8 AS "foul!",
                  (severity_model_results #>> '{probabilities,yellow_card}')::float8 AS "yellow!"
           FROM prediction WHERE id = $1"#,
        stored.id,
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((row.name.as_str(), row.foul, row.yellow), ("vars-foul", 0.8, 0.85));
}

#[sqlx::test(migrations = "../migrations")]
async fn second_prediction_for_an_action_is_prediction_exists(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let action = repo.create_action(alice, clips(2)).await.unwrap().action.id;
    let first = repo.store_prediction(action, &verdict(0.8)).await.unwrap();

    let err = repo.store_prediction(action, &verdict(0.3)).await.unwrap_err();
    assert!(matches!(err, Error::PredictionExists), "{err:?}");
    assert_eq!(repo.prediction_for_owner(alice, action).await.unwrap(), Some(first));
}

#[sqlx::test(migrations = "../migrations")]
async fn confidence_outside_zero_to_one_is_a_check_violation_naming_the_column(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let action = repo.create_action(alice, clips(2)).await.unwrap().action.id;

    let err = repo.store_prediction(action, &verdict(1.5)).await.unwrap_err();
    assert!(matches!(err, Error::CheckViolation { .. }), "{err:?}");
    assert_eq!(err.constraint(), Some(constraint::FOUL_CONFIDENCE_RANGE));
    assert!(err.to_string().contains("prediction_foul_confidence_range"), "{err}");

    let negative = Verdict { yellow_card_confidence: -0.01, ..verdict(0.8) };
    let err = repo.store_prediction(action, &negative).await.unwrap_err();
    assert_eq!(err.constraint(), Some(constraint::YELLOW_CARD_CONFIDENCE_RANGE), "{err:?}");

    // PostgreSQL orders NaN above every number, so the range check catches it too.
    let nan = Verdict { red_card_confidence: f64::NAN, ..verdict(0.8) };
    let err = repo.store_prediction(action, &nan).await.unwrap_err();
    assert_eq!(err.constraint(), Some(constraint::RED_CARD_CONFIDENCE_RANGE), "{err:?}");

    // The boundaries themselves are valid.
    let bounds = Verdict { foul_confidence: 1.0, no_foul_confidence: 0.0, ..verdict(1.0) };
    repo.store_prediction(action, &bounds).await.unwrap();
    assert_eq!(row_counts(&pool).await, (1, 2, 1));
}

#[sqlx::test(migrations = "../migrations")]
async fn prediction_for_a_missing_action_is_a_foreign_key_violation(pool: PgPool) {
    let repo = Repository::new(pool.clone());

    let err = repo.store_prediction(ActionId(424_242), &verdict(0.8)).await.unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation { .. }), "{err:?}");
    assert_eq!(err.constraint(), Some(constraint::PREDICTION_ACTION_ID_FKEY));
    assert_eq!(row_counts(&pool).await, (0, 0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn deleting_a_users_actions_removes_their_clips_and_predictions_only(pool: PgPool) {
    let repo = Repository::new(pool.clone());
    let alice = insert_user(&pool, "alice@example.com").await;
    let bob = insert_user(&pool, "bob@example.com").await;
    let first = repo.create_action(alice, clips(2)).await.unwrap().action.id;
    repo.create_action(alice, clips(3)).await.unwrap();
    let bobs = repo.create_action(bob, clips(4)).await.unwrap();
    repo.store_prediction(first, &verdict(0.8)).await.unwrap();
    repo.store_prediction(bobs.action.id, &verdict(0.8)).await.unwrap();

    assert_eq!(repo.delete_actions(alice).await.unwrap(), 2);
    assert_eq!(row_counts(&pool).await, (1, 4, 1));
    assert_eq!(repo.latest_action(alice).await.unwrap(), None);
    assert_eq!(repo.latest_action(bob).await.unwrap(), Some(bobs));
    assert_eq!(repo.delete_actions(alice).await.unwrap(), 0);
}

/// The migration that makes emails unique once normalised refuses, naming every clash, when the
/// existing rows would violate it, and changes nothing; once the clashes are resolved it runs.
#[sqlx::test(migrations = false)]
async fn the_normalised_email_migration_names_the_clashing_emails_and_changes_nothing(pool: PgPool) {
    let ups: Vec<_> = backend::MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).collect();
    let index =
        ups.iter().position(|m| m.description.contains("normalised unique emails")).expect("it exists");
    let mut conn = pool.acquire().await.unwrap();
    for earlier in &ups[..index] {
        sqlx::raw_sql(earlier.sql.as_ref()).execute(&mut *conn).await.unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO user_account (email, password) VALUES
             ('admin@admin.com', 'x'), ('Admin@admin.com', 'x'), ('\u{ff41}dmin@admin.com', 'x'),
             ('solo@club.org', 'x'), ('ref@club.org', 'x'), ('REF@CLUB.ORG', 'x')",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let migration = &ups[index].sql;

    // As `cargo xtask migrate` runs it: in one transaction.
    let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
    let err = sqlx::raw_sql(migration.as_ref()).execute(&mut *tx).await.unwrap_err().to_string();
    tx.rollback().await.unwrap();
    for named in [
        "admin@admin.com, Admin@admin.com, \u{ff41}dmin@admin.com (ids 1, 2, 3)",
        "ref@club.org, REF@CLUB.ORG (ids 5, 6)",
    ] {
        assert!(err.contains(named), "{err}");
    }
    assert!(!err.contains("solo@club.org") && err.contains("nothing was changed"), "{err}");
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT email FROM user_account ORDER BY id").fetch_all(&mut *conn).await.unwrap();
    assert_eq!(emails.len(), 6, "no row dropped: {emails:?}");

    // Resolved by hand, the migration runs.
    sqlx::raw_sql("UPDATE user_account SET email = 'old-' || id || '-' || email WHERE id IN (2, 3, 6)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
    sqlx::raw_sql(migration.as_ref()).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}
