//! Fake users at volume, generated from a seed (the same seed gives the same rows, byte for byte)
//! by `fake_rows` and loaded with binary COPY, while the next batch is being generated.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use argon2::{Argon2, PasswordHasher};
use fake_rows::{Encoded, Generator};
use sqlx::PgConnection;
use tokio::sync::mpsc;

use crate::pg;

/// Every fake user's password, so a developer can log in as any of them.
pub const PASSWORD: &str = "referai-fake";

/// Users are generated and encoded this many at a time (about 400 KB of COPY data).
const BATCH: usize = 256;

/// Encoded batches the generator may run ahead of the COPY by.
const AHEAD: usize = 16;

/// After this long, progress is reported.
const QUIET_FOR: Duration = Duration::from_secs(2);

/// How many rows of each table a run added.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// Users added.
    pub users: u64,
    /// Actions added.
    pub actions: u64,
    /// Clips added.
    pub clips: u64,
    /// Predictions added.
    pub predictions: u64,
}

/// Generates `count` fake users from `seed` and loads them on `conn` (inside the caller's
/// transaction).
///
/// One connection, so one transaction: another connection could not see the users the actions
/// reference before the commit. The two cores are used by generating on a second thread: while
/// `user_account` is copied, the next batches (every table's rows) are being made; the other
/// tables' rows wait in memory for their COPY.
pub async fn load(conn: &mut PgConnection, count: u32, seed: u64) -> Result<Counts> {
    let started = Instant::now();
    let mut generator = Generator::new(seed);
    // Argon2 is slow on purpose: one hash, shared by every fake user. The salt comes from the
    // seed too, so two databases seeded alike hold the same bytes.
    let salt = generator.salt();
    let password = Argon2::default()
        .hash_password_with_salt(PASSWORD.as_bytes(), &salt)
        .map_err(|err| anyhow::anyhow!("cannot hash the fake password: {err}"))?
        .to_string();
    let user_ids = reserve_ids(conn, "user_account", count).await?;
    let action_ids = reserve_ids(conn, "action", count).await?;

    let (batches, mut received) = mpsc::channel(AHEAD);
    let generating = tokio::task::spawn_blocking(move || {
        for (user_ids, action_ids) in user_ids.chunks(BATCH).zip(action_ids.chunks(BATCH)) {
            let users: Vec<_> = user_ids.iter().map(|_| generator.user()).collect();
            let encoded = fake_rows::encode(&users, user_ids, action_ids, &password);
            if batches.blocking_send(encoded).is_err() {
                // The COPY failed and stopped listening.
                return;
            }
        }
    });
    let mut progress = Progress { started, reported: false };
    let [users, actions, clips, predictions] = fake_rows::STATEMENTS;

    let mut later: Vec<Encoded> = Vec::new();
    let mut copy = conn.copy_in_raw(users).await.map_err(|err| explain_duplicate(err, seed))?;
    copy.send(fake_rows::HEADER).await.map_err(|err| explain_duplicate(err, seed))?;
    while let Some(mut batch) = received.recv().await {
        copy.send(std::mem::take(&mut batch.users)).await.map_err(|err| explain_duplicate(err, seed))?;
        later.push(batch);
    }
    // A generator that stopped early (a panic) must not end the COPY as if it were complete.
    generating.await.context("the fake data generator failed")?;
    copy.send(fake_rows::TRAILER).await.map_err(|err| explain_duplicate(err, seed))?;
    let users_copied = copy.finish().await.map_err(|err| explain_duplicate(err, seed))?;
    progress.step(&format!("{users_copied} users"));

    let actions_copied =
        copy_parts(conn, actions, later.iter_mut().map(|b| std::mem::take(&mut b.actions))).await?;
    progress.step(&format!("{actions_copied} actions"));
    let clips_copied =
        copy_parts(conn, clips, later.iter_mut().map(|b| std::mem::take(&mut b.clips))).await?;
    progress.step(&format!("{clips_copied} clips"));
    let predictions_copied = copy_parts(conn, predictions, later.into_iter().map(|b| b.predictions)).await?;
    progress.step(&format!("{predictions_copied} predictions"));
    Ok(Counts {
        users: users_copied,
        actions: actions_copied,
        clips: clips_copied,
        predictions: predictions_copied,
    })
}

/// Takes `count` values from `table`'s identity sequence, so rows can carry their ids into COPY
/// (which writes identity columns as given) and children can reference them. One array, not a
/// row per id: decoding 100,000 rows is what took the time.
async fn reserve_ids(conn: &mut PgConnection, table: &str, count: u32) -> Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT coalesce(array_agg(nextval(pg_get_serial_sequence($1, 'id'))), '{}') FROM generate_series(1, $2)",
    )
    .bind(table)
    .bind(i64::from(count))
    .fetch_one(&mut *conn)
    .await
    .with_context(|| format!("cannot reserve ids in {table}"))
}

/// Streams the binary COPY rows in `parts` through `statement` (COPY ... FROM STDIN in binary
/// format, which the server stores without parsing text: clips go as their bytes, not as hex);
/// returns the row count.
async fn copy_parts(
    conn: &mut PgConnection,
    statement: &str,
    parts: impl Iterator<Item = Vec<u8>>,
) -> Result<u64> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(fake_rows::HEADER).await?;
    for part in parts {
        copy.send(part).await?;
    }
    copy.send(fake_rows::TRAILER).await?;
    Ok(copy.finish().await?)
}

fn explain_duplicate(err: sqlx::Error, seed: u64) -> anyhow::Error {
    if pg::sqlstate(&err).as_deref() == Some("23505") {
        anyhow::anyhow!(
            "fake users from --rng-seed {seed} are already in this database; pass another --rng-seed \
             (or `cargo xtask db-reset --yes` to start over)"
        )
    } else {
        anyhow::Error::new(err).context("cannot load the fake users")
    }
}

/// Prints a progress line per table once a run has taken longer than a moment.
struct Progress {
    started: Instant,
    reported: bool,
}

impl Progress {
    fn step(&mut self, what: &str) {
        let elapsed = self.started.elapsed();
        if elapsed >= QUIET_FOR || self.reported {
            eprintln!("  loaded {what} ({:.1} s)", elapsed.as_secs_f64());
            self.reported = true;
        }
    }
}
