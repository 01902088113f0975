//! Fake users at volume, each with one action of 2 to 4 clips and a prediction, generated from a
//! seed (the same seed gives the same rows, byte for byte) and loaded with binary COPY.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use argon2::{Argon2, PasswordHasher};
use fake::Fake;
use fake::faker::name::en::{FirstName, LastName};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use sqlx::PgConnection;

use crate::pg;

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
        "COPY user_account (id, email, password, created_at) FROM STDIN (FORMAT binary)",
        users.iter().zip(&user_ids),
        |row, (user, id)| {
            row.bigint(*id).text(&user.email).text(&password).timestamptz(user.created_at);
        },
    )
    .await
    .map_err(|err| explain_duplicate(err, seed))?;
    progress.step(&format!("{users_copied} users"));

    let rows = user_ids.iter().zip(&action_ids).zip(&users);
    let actions_copied = copy(
        conn,
        "COPY action (id, user_id, created_at) FROM STDIN (FORMAT binary)",
        rows,
        |row, ((user_id, id), user)| {
            row.bigint(*id).bigint(*user_id).timestamptz(user.action_at);
        },
    )
    .await?;
    progress.step(&format!("{actions_copied} actions"));

    let clips =
        action_ids.iter().zip(&users).flat_map(|(id, user)| user.clips.iter().map(move |clip| (id, clip)));
    let clips_copied =
        copy(conn, "COPY clip (action_id, content) FROM STDIN (FORMAT binary)", clips, |row, (id, clip)| {
            row.bigint(*id).bytes(clip);
        })
        .await?;
    progress.step(&format!("{clips_copied} clips"));

    let predictions_copied = copy(
        conn,
        "COPY prediction (action_id, is_foul, foul_confidence, no_foul_confidence, no_card_confidence, \
         yellow_card_confidence, red_card_confidence, foul_model_results, severity_model_results) \
         FROM STDIN (FORMAT binary)",
        action_ids.iter().zip(&users),
        |row, (id, user)| {
            let [no_card, yellow, red] = user.cards;
            let (foul, no_foul) = (user.foul, 1.0 - user.foul);
            row.bigint(*id)
                .boolean(foul >= 0.5)
                .float8(foul)
                .float8(no_foul)
                .float8(no_card)
                .float8(yellow)
                .float8(red)
                .jsonb(&format!(
                    "{{\"model\": {{\"name\": \"referai-foul\", \"version\": \"fake\"}}, \
                     \"probabilities\": {{\"foul\": {foul}, \"no_foul\": {no_foul}}}}}"
                ))
                .jsonb(&format!(
                    "{{\"model\": {{\"name\": \"referai-severity\", \"version\": \"fake\"}}, \
                     \"probabilities\": {{\"no_card\": {no_card}, \"yellow_card\": {yellow}, \"red_card\": {red}}}}}"
                ));
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

/// Streams `rows` through `statement` (COPY ... FROM STDIN in binary format, which the server
/// stores without parsing text: clips go as their bytes, not as hex); returns the row count.
async fn copy<T>(
    conn: &mut PgConnection,
    statement: &str,
    rows: impl Iterator<Item = T>,
    mut write_row: impl FnMut(&mut Row<'_>, T),
) -> Result<u64, sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut buffer = Vec::with_capacity(CHUNK + 4096);
    // Signature, flags (no OIDs) and an empty header extension.
    buffer.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buffer.extend_from_slice(&[0; 8]);
    for row in rows {
        let start = buffer.len();
        buffer.extend_from_slice(&0i16.to_be_bytes());
        let mut fields = Row { out: &mut buffer, fields: 0 };
        write_row(&mut fields, row);
        let count = fields.fields;
        buffer[start..start + 2].copy_from_slice(&count.to_be_bytes());
        if buffer.len() >= CHUNK {
            copy.send(buffer.as_slice()).await?;
            buffer.clear();
        }
    }
    // The trailer: a field count of -1.
    buffer.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(buffer.as_slice()).await?;
    copy.finish().await
}

/// One row of a binary COPY stream, written a field at a time in the statement's column order.
struct Row<'a> {
    out: &'a mut Vec<u8>,
    fields: i16,
}

impl Row<'_> {
    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let len = i32::try_from(bytes.len()).expect("a field fits in 2 GiB");
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(bytes);
        self.fields += 1;
        self
    }

    fn bigint(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes())
    }

    fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.field(value)
    }

    fn boolean(&mut self, value: bool) -> &mut Self {
        self.field(&[u8::from(value)])
    }

    fn float8(&mut self, value: f64) -> &mut Self {
        self.field(&value.to_bits().to_be_bytes())
    }

    /// jsonb's binary form: a version byte (1), then the JSON text.
    fn jsonb(&mut self, json: &str) -> &mut Self {
        let mut value = Vec::with_capacity(json.len() + 1);
        value.push(1);
        value.extend_from_slice(json.as_bytes());
        self.field(&value)
    }

    /// timestamptz's binary form: microseconds since 2000-01-01 00:00:00 UTC.
    fn timestamptz(&mut self, unix_seconds: u64) -> &mut Self {
        const POSTGRES_EPOCH: i64 = 946_684_800;
        let seconds = i64::try_from(unix_seconds).expect("a date before year 292277026596");
        self.field(&((seconds - POSTGRES_EPOCH) * 1_000_000).to_be_bytes())
    }
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
}
