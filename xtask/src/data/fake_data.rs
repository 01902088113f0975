//! Fake users at volume, each with one action of 2 to 4 clips and a prediction, generated from a
//! seed (the same seed gives the same rows, byte for byte) and loaded with COPY.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use argon2::{Argon2, PasswordHasher};
use fake::Fake;
use fake::faker::name::en::{FirstName, LastName};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use sqlx::PgConnection;

use crate::pg;
use crate::utc;

/// Every fake user's password, so a developer can log in as any of them.
pub const PASSWORD: &str = "referai-fake";

/// Fake data is dated in 2024, after this instant (2024-01-01T00:00:00Z).
const EPOCH_2024: u64 = 1_704_067_200;

/// COPY data is sent in chunks of about this many bytes.
const CHUNK: usize = 1 << 20;

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

struct FakeUser {
    email: String,
    created_at: u64,
    action_at: u64,
    clips: Vec<Vec<u8>>,
    foul: f64,
    cards: [f64; 3],
}

/// Generates `count` fake users from `seed` and loads them on `conn` (inside the caller's
/// transaction).
pub async fn load(conn: &mut PgConnection, count: u32, seed: u64) -> Result<Counts> {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Argon2 is slow on purpose: one hash, shared by every fake user. The salt comes from the
    // seed too, so two databases seeded alike hold the same bytes.
    let salt: [u8; 16] = rng.random();
    let password = Argon2::default()
        .hash_password_with_salt(PASSWORD.as_bytes(), &salt)
        .map_err(|err| anyhow::anyhow!("cannot hash the fake password: {err}"))?
        .to_string();
    let users: Vec<FakeUser> = (0..count).map(|_| fake_user(&mut rng)).collect();

    let user_ids = reserve_ids(conn, "user_account", count).await?;
    let action_ids = reserve_ids(conn, "action", count).await?;
    let mut progress = Progress { started, reported: false };

    let users_copied = copy(
        conn,
        "COPY user_account (id, email, password, created_at) FROM STDIN",
        users.iter().zip(&user_ids),
        |out, (user, id)| {
            write!(
                out,
                "{id}\t{}\t{}\t{}",
                escape(&user.email),
                escape(&password),
                utc::timestamp(user.created_at)
            )
        },
    )
    .await
    .map_err(|err| explain_duplicate(err, seed))?;
    progress.step(&format!("{users_copied} users"));

    let rows = user_ids.iter().zip(&action_ids).zip(&users);
    let actions_copied =
        copy(conn, "COPY action (id, user_id, created_at) FROM STDIN", rows, |out, ((user_id, id), user)| {
            write!(out, "{id}\t{user_id}\t{}", utc::timestamp(user.action_at))
        })
        .await?;
    progress.step(&format!("{actions_copied} actions"));

    let clips =
        action_ids.iter().zip(&users).flat_map(|(id, user)| user.clips.iter().map(move |clip| (id, clip)));
    let clips_copied = copy(conn, "COPY clip (action_id, content) FROM STDIN", clips, |out, (id, clip)| {
        write!(out, "{id}\t\\\\x")?;
        push_hex(out, clip);
        Ok(())
    })
    .await?;
    progress.step(&format!("{clips_copied} clips"));

    let predictions_copied = copy(
        conn,
        "COPY prediction (action_id, is_foul, foul_confidence, no_foul_confidence, no_card_confidence, \
         yellow_card_confidence, red_card_confidence, foul_model_results, severity_model_results) FROM STDIN",
        action_ids.iter().zip(&users),
        |out, (id, user)| {
            let [no_card, yellow, red] = user.cards;
            let (foul, no_foul) = (user.foul, 1.0 - user.foul);
            write!(
                out,
                "{id}\t{}\t{foul}\t{no_foul}\t{no_card}\t{yellow}\t{red}\t\
                 {{\"model\": {{\"name\": \"referai-foul\", \"version\": \"fake\"}}, \"probabilities\": {{\"foul\": {foul}, \"no_foul\": {no_foul}}}}}\t\
                 {{\"model\": {{\"name\": \"referai-severity\", \"version\": \"fake\"}}, \"probabilities\": {{\"no_card\": {no_card}, \"yellow_card\": {yellow}, \"red_card\": {red}}}}}",
                foul >= 0.5
            )
        },
    )
    .await?;
    progress.step(&format!("{predictions_copied} predictions"));
    Ok(Counts {
        users: users_copied,
        actions: actions_copied,
        clips: clips_copied,
        predictions: predictions_copied,
    })
}

fn fake_user(rng: &mut ChaCha8Rng) -> FakeUser {
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    // The uuid (from the seeded generator) keeps emails unique however many users share a name.
    let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
    let email = format!("{first}.{last}.{}@fake.referai.test", &id.simple().to_string()[..12])
        .to_lowercase()
        .replace(|c: char| !(c.is_ascii_alphanumeric() || "@.-".contains(c)), "");
    let created_at = EPOCH_2024 + rng.random_range(0..300 * 86_400);
    let action_at = created_at + rng.random_range(60..30 * 86_400);
    let clips = (0..rng.random_range(2..=4))
        .map(|_| {
            let mut clip = vec![0u8; rng.random_range(256..=768)];
            // `fill_bytes` is the generator's own (optimised) code; `fill` would be generic, unoptimised.
            rng.fill_bytes(&mut clip);
            clip
        })
        .collect();
    let weights: [f64; 3] =
        [rng.random_range(0.01..1.0), rng.random_range(0.01..1.0), rng.random_range(0.01..1.0)];
    let total: f64 = weights.iter().sum();
    let cards = weights.map(|w| w / total);
    FakeUser { email, created_at, action_at, clips, foul: rng.random_range(0.0..=1.0), cards }
}

/// Takes `count` values from `table`'s identity sequence, so rows can carry their ids into COPY
/// (which writes identity columns as given) and children can reference them.
async fn reserve_ids(conn: &mut PgConnection, table: &str, count: u32) -> Result<Vec<i64>> {
    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)")
        .bind(table)
        .bind(i64::from(count))
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("cannot reserve ids in {table}"))
}

/// Streams `rows` through `statement` (COPY ... FROM STDIN, text format); returns the row count.
async fn copy<T>(
    conn: &mut PgConnection,
    statement: &str,
    rows: impl Iterator<Item = T>,
    mut write_row: impl FnMut(&mut String, T) -> std::fmt::Result,
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buffer = String::with_capacity(CHUNK + 4096);
    for row in rows {
        write_row(&mut buffer, row).expect("writing to a String cannot fail");
        buffer.push('\n');
        if buffer.len() >= CHUNK {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    copy.finish().await
}

/// Appends `bytes` as lowercase hex: per-byte `write!` is ~20x slower in a debug build, and
/// fake clips are hundreds of megabytes.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
}

/// COPY's text format gives backslash, tab and newline meaning: escape them.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_users() {
        let make = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..50).map(|_| fake_user(&mut rng)).map(|u| (u.email, u.clips, u.foul)).collect::<Vec<_>>()
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
    }

    #[test]
    fn fake_users_are_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for user in (0..500).map(|_| fake_user(&mut rng)) {
            assert!((2..=4).contains(&user.clips.len()));
            assert!((0.0..=1.0).contains(&user.foul));
            assert!((user.cards.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(user.cards.iter().all(|c| (0.0..=1.0).contains(c)));
            assert!(user.email.ends_with("@fake.referai.test") && user.email.is_ascii(), "{}", user.email);
            assert!(user.action_at > user.created_at);
        }
    }

    #[test]
    fn hex_is_lowercase_and_two_digits_a_byte() {
        let mut out = String::from(">");
        push_hex(&mut out, &[0x00, 0x0f, 0xa5, 0xff]);
        assert_eq!(out, ">000fa5ff");
    }

    #[test]
    fn copy_text_escapes_its_special_characters() {
        assert_eq!(escape("a\\b\tc\nd"), "a\\\\b\\tc\\nd");
    }
}
