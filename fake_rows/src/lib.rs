//! Fake users at volume, each with one action of 2 to 4 clips and a prediction, generated from a
//! seed (the same seed gives the same rows, byte for byte) and encoded as PostgreSQL binary COPY
//! rows for `user_account`, `action`, `clip` and `prediction`.
//!
//! Everything hot in `seed --fake` lives here, in a crate the dev profile optimises: unoptimised,
//! generating 100,000 users took 5 s, longer than loading them.

use fake::Fake;
use fake::faker::name::en::{FirstName, LastName};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};

/// Fake data is dated in 2024, after this instant (2024-01-01T00:00:00Z).
const EPOCH_2024: u64 = 1_704_067_200;

/// The start of a binary COPY stream: signature, flags (no OIDs) and an empty header extension.
pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of a binary COPY stream: a field count of -1.
pub const TRAILER: &[u8] = &[0xff, 0xff];

/// The COPY statements the [`Encoded`] parts are for, in the order they must load (children
/// reference their parents).
pub const STATEMENTS: [&str; 4] = [
    "COPY user_account (id, email, password, created_at) FROM STDIN (FORMAT binary)",
    "COPY action (id, user_id, created_at) FROM STDIN (FORMAT binary)",
    "COPY clip (action_id, content) FROM STDIN (FORMAT binary)",
    "COPY prediction (action_id, is_foul, foul_confidence, no_foul_confidence, no_card_confidence, \
     yellow_card_confidence, red_card_confidence, foul_model_results, severity_model_results) \
     FROM STDIN (FORMAT binary)",
];

/// One fake user and what they own.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeUser {
    /// A unique, lowercase ASCII address at fake.referai.test.
    pub email: String,
    /// When the account was made (Unix seconds).
    pub created_at: u64,
    /// When their one action was uploaded, after `created_at`.
    pub action_at: u64,
    /// The action's 2 to 4 clips, random bytes.
    pub clips: Vec<Vec<u8>>,
    /// The foul model's confidence that it was a foul.
    pub foul: f64,
    /// The severity model's no card, yellow and red confidences, summing to 1.
    pub cards: [f64; 3],
}

/// The seeded generator: the same seed draws the same salt, then the same users.
pub struct Generator {
    rng: ChaCha8Rng,
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Generator {
        Generator { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// The fake password's salt: drawn first, so two databases seeded alike hold the same hash.
    pub fn salt(&mut self) -> [u8; 16] {
        self.rng.random()
    }

    /// The next fake user.
    pub fn user(&mut self) -> FakeUser {
        let rng = &mut self.rng;
        let first: String = FirstName().fake_with_rng(rng);
        let last: String = LastName().fake_with_rng(rng);
        // 16 random bytes (a v4 uuid's, once) of which the first 6, in hex, keep emails unique
        // however many users share a name.
        let id: [u8; 16] = rng.random();
        let email = format!("{first}.{last}.{}@fake.referai.test", hex(&id[..6]))
            .to_lowercase()
            .replace(|c: char| !(c.is_ascii_alphanumeric() || "@.-".contains(c)), "");
        let created_at = EPOCH_2024 + rng.random_range(0..300 * 86_400);
        let action_at = created_at + rng.random_range(60..30 * 86_400);
        let clips = (0..rng.random_range(2..=4))
            .map(|_| {
                let mut clip = vec![0u8; rng.random_range(256..=768)];
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
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A batch of users as binary COPY rows (without [`HEADER`] or [`TRAILER`]), one buffer per
/// table of [`STATEMENTS`].
#[derive(Debug, Default, PartialEq)]
pub struct Encoded {
    /// `user_account` rows.
    pub users: Vec<u8>,
    /// `action` rows.
    pub actions: Vec<u8>,
    /// `clip` rows.
    pub clips: Vec<u8>,
    /// `prediction` rows.
    pub predictions: Vec<u8>,
}

impl Encoded {
    /// The buffers in the order of [`STATEMENTS`].
    pub fn into_tables(self) -> [Vec<u8>; 4] {
        [self.users, self.actions, self.clips, self.predictions]
    }
}

/// Encodes `users` with their reserved ids (`user_ids[i]` and `action_ids[i]` are the i-th
/// user's and their action's) and the password hash they all share.
pub fn encode(users: &[FakeUser], user_ids: &[i64], action_ids: &[i64], password: &str) -> Encoded {
    assert!(users.len() == user_ids.len() && users.len() == action_ids.len(), "an id per user");
    let mut out = Encoded::default();
    for ((user, &user_id), &action_id) in users.iter().zip(user_ids).zip(action_ids) {
        Row::new(&mut out.users)
            .bigint(user_id)
            .text(&user.email)
            .text(password)
            .timestamptz(user.created_at);
        Row::new(&mut out.actions).bigint(action_id).bigint(user_id).timestamptz(user.action_at);
        for clip in &user.clips {
            Row::new(&mut out.clips).bigint(action_id).bytes(clip);
        }
        let [no_card, yellow, red] = user.cards;
        let (foul, no_foul) = (user.foul, 1.0 - user.foul);
        Row::new(&mut out.predictions)
            .bigint(action_id)
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
    }
    out
}

/// One row of a binary COPY stream, written a field at a time in the statement's column order;
/// its field count is filled in as fields are added.
struct Row<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
}

impl Row<'_> {
    fn new(out: &mut Vec<u8>) -> Row<'_> {
        let start = out.len();
        out.extend_from_slice(&0i16.to_be_bytes());
        Row { out, start }
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let len = i32::try_from(bytes.len()).expect("a field fits in 2 GiB");
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(bytes);
        let count = &mut self.out[self.start..self.start + 2];
        let fields = i16::from_be_bytes([count[0], count[1]]) + 1;
        count.copy_from_slice(&fields.to_be_bytes());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything `seed` would load for `seed`: the salt and the four tables' COPY bytes.
    fn rows_for(seed: u64) -> ([u8; 16], Encoded) {
        let mut generator = Generator::new(seed);
        let salt = generator.salt();
        let users: Vec<FakeUser> = (0..50).map(|_| generator.user()).collect();
        let ids: Vec<i64> = (1..=50).collect();
        (salt, encode(&users, &ids, &ids, "hash"))
    }

    #[test]
    fn the_same_seed_makes_the_same_bytes() {
        let (salt, rows) = rows_for(7);
        assert_eq!((salt, &rows), (rows_for(7).0, &rows_for(7).1));
        let (other_salt, other) = rows_for(8);
        assert_ne!(salt, other_salt);
        for (mine, theirs) in rows.into_tables().iter().zip(other.into_tables().iter()) {
            assert_ne!(mine, theirs);
        }
    }

    #[test]
    fn fake_users_are_valid() {
        let mut generator = Generator::new(1);
        for user in (0..500).map(|_| generator.user()) {
            assert!((2..=4).contains(&user.clips.len()));
            assert!((0.0..=1.0).contains(&user.foul));
            assert!((user.cards.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(user.cards.iter().all(|c| (0.0..=1.0).contains(c)));
            assert!(user.email.ends_with("@fake.referai.test") && user.email.is_ascii(), "{}", user.email);
            assert!(user.action_at > user.created_at);
        }
    }

    #[test]
    fn rows_are_encoded_as_binary_copy_fields() {
        let user = FakeUser {
            email: "a@b".into(),
            created_at: 946_684_801,
            action_at: 946_684_802,
            clips: vec![vec![7], vec![8, 9]],
            foul: 0.5,
            cards: [0.25, 0.25, 0.5],
        };
        let rows = encode(&[user], &[3], &[4], "pw");
        let mut users = vec![0, 4, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, b'a', b'@', b'b'];
        users.extend_from_slice(&[0, 0, 0, 2, b'p', b'w', 0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
        assert_eq!(rows.users, users);
        assert_eq!(
            rows.clips,
            [
                0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 7, 0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0,
                0, 4, 0, 0, 0, 2, 8, 9
            ]
        );
        assert_eq!(&rows.predictions[..2], &[0, 9]);
    }
}
