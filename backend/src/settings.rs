//! The backend's settings: the database, where to listen, the token secret, upload limits.
//!
//! All are read from one [`dburl::Settings`]: each variable from the process environment, else
//! from `.env`, by the same rules as `cargo xtask`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use dburl::{ConfigError, DbUrl, Origin};

use crate::throttle::ThrottlePolicy;

/// Where the server listens: `host:port`.
pub const BIND_ADDR: &str = "BIND_ADDR";
/// The HS256 key that signs and checks login tokens.
pub const JWT_SECRET: &str = "JWT_SECRET";
/// The largest clip file `POST /actions` accepts, in bytes.
pub const MAX_CLIP_BYTES: &str = "MAX_CLIP_BYTES";

/// `BIND_ADDR` when it is set nowhere: this machine only.
pub const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8000";
/// `MAX_CLIP_BYTES` when it is set nowhere: 25 MiB, a few seconds of 1080p video.
pub const DEFAULT_MAX_CLIP_BYTES: usize = 25 * 1024 * 1024;
/// How long a login token stays valid.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// The value `.env.example` ships for `JWT_SECRET`: public, so never a real secret.
pub const JWT_SECRET_PLACEHOLDER: &str = "change-me-to-a-random-secret-of-at-least-32-bytes";
/// The shortest secret accepted outside `--dev`: HS256's key should be as long as its output.
pub const MIN_SECRET_BYTES: usize = 32;

const ADVICE: &str = "set JWT_SECRET in .env to a random value, e.g. the output of `openssl rand -hex 32`, \
                      or start with --dev on a development machine";

/// The backend's settings. `Debug` and `Display` hide the database password and the secret.
#[derive(Clone)]
pub struct Settings {
    /// The database: `DB_URL`, else `DATABASE_URL`.
    pub database: DbUrl,
    /// The address to listen on.
    pub bind_addr: SocketAddr,
    /// The HS256 key for login tokens.
    pub jwt_secret: Vec<u8>,
    /// The largest clip accepted, in bytes.
    pub max_clip_bytes: usize,
    /// How long a login token stays valid.
    pub token_ttl: Duration,
    /// The limits on failed logins (not read from the environment: the defaults are the
    /// documented ones).
    pub login_throttle: ThrottlePolicy,
    /// What `--dev` let through that a production start would refuse, to print at start-up.
    pub warnings: Vec<String>,
}

/// Why the backend cannot start with these settings. No variant quotes the secret or the
/// database password.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// No usable database URL (or `.env` unreadable while looking for one).
    #[error("{0}; run `cargo xtask db-setup` (it creates .env) or set DB_URL")]
    Database(#[source] ConfigError),
    /// `JWT_SECRET` is set nowhere, or empty.
    #[error("JWT_SECRET is not set (neither in the environment nor in .env); {ADVICE}")]
    MissingSecret,
    /// `JWT_SECRET` is still `.env.example`'s placeholder, which anyone can read.
    #[error("{0} is the placeholder from .env.example, which anyone could sign tokens with; {ADVICE}")]
    PlaceholderSecret(Origin),
    /// `JWT_SECRET` is too short to resist guessing.
    #[error("{origin} has {len} bytes, fewer than the {MIN_SECRET_BYTES} an HS256 key needs; {ADVICE}")]
    ShortSecret {
        /// Where it was set.
        origin: Origin,
        /// Its length in bytes.
        len: usize,
    },
    /// A variable's value does not parse.
    #[error("{origin} is not {expected}: `{value}`")]
    Invalid {
        /// The variable and where it was set.
        origin: Origin,
        /// What was expected, e.g. "an address like 127.0.0.1:8000".
        expected: &'static str,
        /// The value found (never the secret's).
        value: String,
    },
    /// `.env` cannot be read or parsed.
    #[error(transparent)]
    DotEnv(#[from] ConfigError),
}

impl Settings {
    /// Reads every setting from `source`, the database first. `dev` accepts a missing,
    /// placeholder or short secret, with a warning in [`Settings::warnings`].
    pub fn read(source: &dburl::Settings, dev: bool) -> Result<Settings, SettingsError> {
        let database = source.db_url().map_err(SettingsError::Database)?;
        let bind_addr = match source.get(BIND_ADDR)? {
            None => DEFAULT_BIND_ADDR.parse().expect("the default address parses"),
            Some((value, origin)) => value.trim().parse().map_err(|_| SettingsError::Invalid {
                origin,
                expected: "an address like 127.0.0.1:8000 or 0.0.0.0:8000",
                value,
            })?,
        };
        let max_clip_bytes = match source.get(MAX_CLIP_BYTES)? {
            None => DEFAULT_MAX_CLIP_BYTES,
            Some((value, origin)) => match value.trim().parse::<usize>() {
                Ok(bytes) if bytes > 0 => bytes,
                _ => {
                    return Err(SettingsError::Invalid {
                        origin,
                        expected: "a positive number of bytes, e.g. 26214400 for 25 MiB",
                        value,
                    });
                }
            },
        };

        let mut warnings = Vec::new();
        let secret = source.get(JWT_SECRET)?;
        let refusal = match &secret {
            None => Some(SettingsError::MissingSecret),
            Some((secret, origin)) if secret == JWT_SECRET_PLACEHOLDER => {
                Some(SettingsError::PlaceholderSecret(*origin))
            }
            Some((secret, origin)) if secret.len() < MIN_SECRET_BYTES => {
                Some(SettingsError::ShortSecret { origin: *origin, len: secret.len() })
            }
            Some(_) => None,
        };
        let jwt_secret = match (refusal, dev) {
            (None, _) => secret.map(|(secret, _)| secret.into_bytes()).unwrap_or_default(),
            (Some(refusal), false) => return Err(refusal),
            (Some(refusal), true) => {
                warnings.push(format!(
                    "--dev: starting anyway, but tokens are only as safe as a development secret ({refusal})"
                ));
                match secret {
                    Some((secret, _)) => secret.into_bytes(),
                    // Nothing set: a fixed development key; anyone can forge tokens for it.
                    None => JWT_SECRET_PLACEHOLDER.as_bytes().to_vec(),
                }
            }
        };
        Ok(Settings {
            database,
            bind_addr,
            jwt_secret,
            max_clip_bytes,
            token_ttl: DEFAULT_TOKEN_TTL,
            login_throttle: ThrottlePolicy::default(),
            warnings,
        })
    }

    /// Settings for tests: this database and secret, any free port on 127.0.0.1, the default
    /// limits.
    pub fn for_tests(database: DbUrl, jwt_secret: &[u8]) -> Settings {
        Settings {
            database,
            bind_addr: "127.0.0.1:0".parse().expect("a valid address"),
            jwt_secret: jwt_secret.to_vec(),
            max_clip_bytes: DEFAULT_MAX_CLIP_BYTES,
            token_ttl: DEFAULT_TOKEN_TTL,
            login_throttle: ThrottlePolicy::default(),
            warnings: Vec::new(),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database", &self.database.redacted())
            .field("bind_addr", &self.bind_addr)
            .field("jwt_secret", &"***")
            .field("max_clip_bytes", &self.max_clip_bytes)
            .field("token_ttl", &self.token_ttl)
            .field("login_throttle", &self.login_throttle)
            .finish()
    }
}

/// The database URL without its password: what start-up messages name.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.database, f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const DATABASE: (&str, &str) = ("DB_URL", "postgres://referai:hunter2@localhost/referaidb");

    fn load(env: &[(&str, &str)], dotenv: &str, dev: bool) -> Result<Settings, SettingsError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, dotenv).unwrap();
        let env: HashMap<String, String> =
            env.iter().chain([&DATABASE]).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::read(&dburl::Settings::new(move |name| env.get(name).cloned(), &path), dev)
    }

    #[test]
    fn the_password_stays_hidden() {
        let database =
            DbUrl::parse("postgresql+psycopg2://referai:hunter2@localhost/referaidb", Origin::Given);
        let settings = Settings::for_tests(database.unwrap(), SECRET.as_bytes());
        let shown = format!("{settings} {settings:?}");
        assert!(!shown.contains("hunter2") && shown.contains("referaidb"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert_eq!(settings.database.connect_options().get_database(), Some("referaidb"));
    }

    #[test]
    fn a_missing_database_is_refused_with_advice() {
        let source = dburl::Settings::new(|_| None, std::path::Path::new("/nonexistent/.env"));
        let err = Settings::read(&source, true).unwrap_err().to_string();
        assert!(err.starts_with("no database configured") && err.contains("cargo xtask db-setup"), "{err}");
    }

    #[test]
    fn defaults_apply_when_only_the_secret_is_set() {
        let settings = load(&[], &format!("JWT_SECRET={SECRET}\n"), false).unwrap();
        assert_eq!(settings.database.database(), "referaidb");
        assert_eq!(settings.bind_addr.to_string(), DEFAULT_BIND_ADDR);
        assert_eq!(settings.jwt_secret, SECRET.as_bytes());
        assert_eq!(settings.max_clip_bytes, DEFAULT_MAX_CLIP_BYTES);
        assert!(settings.warnings.is_empty());
        assert!(!format!("{settings:?}").contains(SECRET));
    }

    #[test]
    fn the_environment_wins_over_dotenv() {
        let other = "f".repeat(40);
        let settings = load(
            &[("BIND_ADDR", "0.0.0.0:9000"), ("JWT_SECRET", &other)],
            &format!("BIND_ADDR=127.0.0.1:1\nJWT_SECRET={SECRET}\nMAX_CLIP_BYTES=1000\n"),
            false,
        )
        .unwrap();
        assert_eq!(settings.bind_addr.to_string(), "0.0.0.0:9000");
        assert_eq!(settings.jwt_secret, other.as_bytes());
        assert_eq!(settings.max_clip_bytes, 1000);
    }

    #[test]
    fn a_missing_empty_placeholder_or_short_secret_is_refused_with_the_reason() {
        let cases = [
            ("", "is not set"),
            ("JWT_SECRET=\n", "is not set"),
            (&format!("JWT_SECRET={JWT_SECRET_PLACEHOLDER}\n") as &str, "placeholder"),
            ("JWT_SECRET=short\n", "5 bytes"),
        ];
        for (dotenv, reason) in cases {
            let err = load(&[], dotenv, false).unwrap_err().to_string();
            assert!(err.contains(reason) && err.contains("openssl rand") && err.contains("--dev"), "{err}");
            assert!(!err.contains("short\n"), "{err}");
        }
    }

    #[test]
    fn dev_starts_with_a_weak_secret_and_says_so() {
        let settings = load(&[], &format!("JWT_SECRET={JWT_SECRET_PLACEHOLDER}\n"), true).unwrap();
        assert_eq!(settings.jwt_secret, JWT_SECRET_PLACEHOLDER.as_bytes());
        assert!(settings.warnings[0].contains("placeholder"), "{:?}", settings.warnings);

        let settings = load(&[], "", true).unwrap();
        assert!(!settings.jwt_secret.is_empty());
        assert!(settings.warnings[0].contains("not set"), "{:?}", settings.warnings);
    }

    #[test]
    fn malformed_values_name_the_variable() {
        let err = load(&[("BIND_ADDR", "localhost")], &format!("JWT_SECRET={SECRET}\n"), false).unwrap_err();
        assert!(err.to_string().starts_with("BIND_ADDR in the environment is not an address"), "{err}");
        let err = load(&[], &format!("JWT_SECRET={SECRET}\nMAX_CLIP_BYTES=0\n"), false).unwrap_err();
        assert!(err.to_string().starts_with("MAX_CLIP_BYTES in .env is not a positive"), "{err}");
    }

    #[test]
    fn env_example_ships_the_placeholder_this_server_refuses() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example");
        let values: HashMap<String, String> =
            dotenvy::from_path_iter(example).unwrap().map(Result::unwrap).collect();
        assert_eq!(values.get(JWT_SECRET).map(String::as_str), Some(JWT_SECRET_PLACEHOLDER));
        let bind: SocketAddr = values[BIND_ADDR].parse().unwrap();
        assert_eq!(bind.to_string(), DEFAULT_BIND_ADDR);
    }
}
