//! Loading the fixtures in `data/` (and fake users at volume) in one transaction. Idempotent:
//! rows are matched by natural keys, never duplicated.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use argon2::{Argon2, PasswordHasher};
use dburl::DbUrl;
use fixtures::{Action, Fixtures};
use sqlx::{Connection, PgConnection};

use super::fake_data;
use crate::pg;

/// The advisory lock every seed run holds for its whole transaction ("referaiS" in ASCII), so
/// that concurrent runs (several `db-setup` at once) load one after another. Chosen over
/// conflict-safe inserts because an action has no natural unique key to conflict on (a user may
/// upload twice in one instant), and a lock also keeps each run's "what is missing?" reads true
/// until it commits.
const SEED_LOCK: i64 = 0x7265_6665_7261_6953;

/// How long a seed run waits for another one to finish (a large `--fake` load takes a while).
const SEED_LOCK_WAIT: &str = "5min";

/// How many rows one seed run added.
#[derive(Debug, Default)]
pub struct Added {
    /// Fixture users inserted.
    pub users: u64,
    /// Fixture actions inserted.
    pub actions: u64,
    /// Clips inserted with them.
    pub clips: u64,
    /// Predictions inserted with them.
    pub predictions: u64,
    /// Fixture users deleted first (`--reset`).
    pub reset: u64,
}

/// What one seed run did.
#[derive(Debug)]
pub struct Seeded {
    /// Rows added from the fixtures.
    pub fixtures: Added,
    /// Fake rows added, when asked for.
    pub fake: Option<fake_data::Counts>,
    /// The first fixture user's email: the login to suggest.
    pub login: Option<String>,
}

/// Loads the fixtures in `data` (after deleting the fixture users, with `reset`) and, given
/// `(count, rng_seed)`, fake users, all in one transaction.
pub async fn seed(url: &DbUrl, data: &Path, reset: bool, fake: Option<(u32, u64)>) -> Result<Seeded> {
    let fixtures = Fixtures::load(data)?;
    let mut conn = pg::connect(url).await?;
    let mut tx = conn.begin().await?;
    wait_for_other_seeds(&mut tx, url).await?;
    let added = load_fixtures(&mut tx, &fixtures, reset).await?;
    let fake = match fake {
        Some((count, rng_seed)) => Some(fake_data::load(&mut tx, count, rng_seed).await?),
        None => None,
    };
    tx.commit().await.context("cannot commit the seed data")?;
    pg::close(conn).await;
    Ok(Seeded { fixtures: added, fake, login: fixtures.users.first().map(|u| u.email.clone()) })
}

/// Takes [`SEED_LOCK`] for the rest of the transaction, waiting at most [`SEED_LOCK_WAIT`].
async fn wait_for_other_seeds(conn: &mut PgConnection, url: &DbUrl) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("SET LOCAL lock_timeout = '{SEED_LOCK_WAIT}'")))
        .execute(&mut *conn)
        .await?;
    match sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEED_LOCK).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(err) if pg::sqlstate(&err).as_deref() == Some("55P03") => Err(anyhow!(
            "another seed run on `{}` has held the seed lock for {SEED_LOCK_WAIT}; wait for it to \
             finish and run this again",
            url.database()
        )),
        Err(err) => Err(anyhow!("cannot take the seed lock on `{}`: {}", url.database(), pg::message(&err))),
    }
}

/// Inserts what the fixtures define and the database lacks; with `reset`, first deletes the
/// fixture users and (by cascade) everything they own.
async fn load_fixtures(conn: &mut PgConnection, fixtures: &Fixtures, reset: bool) -> Result<Added> {
    let mut added = Added::default();
    let emails: Vec<&str> = fixtures.users.iter().map(|u| u.email.as_str()).collect();
    if reset {
        added.reset = sqlx::query("DELETE FROM user_account WHERE email = ANY($1)")
            .bind(&emails)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    let mut ids: HashMap<String, i64> =
        sqlx::query_as("SELECT email, id FROM user_account WHERE email = ANY($1)")
            .bind(&emails)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    for user in &fixtures.users {
        if ids.contains_key(&user.email) {
            continue;
        }
        // Hash only users that are missing: argon2 costs tens of milliseconds on purpose.
        let hash = Argon2::default()
            .hash_password(user.password.as_bytes())
            .map_err(|err| anyhow!("cannot hash the password of {}: {err}", user.email))?
            .to_string();
        let id: i64 =
            sqlx::query_scalar("INSERT INTO user_account (email, password) VALUES ($1, $2) RETURNING id")
                .bind(&user.email)
                .bind(hash)
                .fetch_one(&mut *conn)
                .await?;
        ids.insert(user.email.clone(), id);
        added.users += 1;
    }
    for action in &fixtures.actions {
        let user_id = ids[&action.user];
        if insert_action(conn, user_id, action, &mut added).await.map_err(|err| locate_error(err, action))? {
            added.actions += 1;
        }
    }
    Ok(added)
}

/// Inserts one fixture action with its clips and prediction unless it exists; returns whether it
/// inserted it.
async fn insert_action(
    conn: &mut PgConnection,
    user_id: i64,
    action: &Action,
    added: &mut Added,
) -> sqlx::Result<bool> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT FROM action WHERE user_id = $1 AND created_at = $2::timestamptz)",
    )
    .bind(user_id)
    .bind(&action.uploaded_at)
    .fetch_one(&mut *conn)
    .await?;
    if exists {
        return Ok(false);
    }
    let action_id: i64 = sqlx::query_scalar(
        "INSERT INTO action (user_id, created_at) VALUES ($1, $2::timestamptz) RETURNING id",
    )
    .bind(user_id)
    .bind(&action.uploaded_at)
    .fetch_one(&mut *conn)
    .await?;
    for clip in &action.clips {
        sqlx::query("INSERT INTO clip (action_id, content) VALUES ($1, $2)")
            .bind(action_id)
            .bind(clip)
            .execute(&mut *conn)
            .await?;
        added.clips += 1;
    }
    if let Some(prediction) = &action.prediction {
        let [foul, no_foul, no_card, yellow, red] = prediction.confidences;
        sqlx::query(
            "INSERT INTO prediction (action_id, is_foul, foul_confidence, no_foul_confidence, no_card_confidence,
                 yellow_card_confidence, red_card_confidence, foul_model_results, severity_model_results)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)",
        )
        .bind(action_id)
        .bind(prediction.is_foul)
        .bind(foul)
        .bind(no_foul)
        .bind(no_card)
        .bind(yellow)
        .bind(red)
        .bind(&prediction.foul_model_results)
        .bind(&prediction.severity_model_results)
        .execute(&mut *conn)
        .await?;
        added.predictions += 1;
    }
    Ok(true)
}

/// A database error while loading an action, pinned to where the fixture defines it.
fn locate_error(err: sqlx::Error, action: &Action) -> anyhow::Error {
    match err.as_database_error() {
        Some(db) => {
            let constraint = db.constraint().map(|c| format!(" ({c})")).unwrap_or_default();
            anyhow!(
                "{}: the database rejected this action: {}{constraint}; nothing was written",
                action.location,
                db.message()
            )
        }
        None => anyhow!("{}: cannot load this action: {err}", action.location),
    }
}
