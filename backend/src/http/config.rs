//! The server's settings besides the database: where to listen, the token secret, upload limits.
//!
//! Each variable is read from the process environment, else from `.env`, by the same rules as
//! `DB_URL` ([`dburl::Settings`]).

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use dburl::{Origin, Settings};

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

/// The server's settings; `Debug` hides the secret.
#[derive(Clone)]
pub struct ServerConfig {
    /// The address to listen on.
    pub bind_addr: SocketAddr,
    /// The HS256 key for login tokens.
    pub jwt_secret: Vec<u8>,
    /// The largest clip accepted, in bytes.
    pub max_clip_bytes: usize,
    /// How long a login token stays valid.
    pub token_ttl: Duration,
    /// What `--dev` let through that a production start would refuse, to print at start-up.
    pub warnings: Vec<String>,
}

/// Why the server cannot start with this configuration. No variant quotes the secret.
#[derive(Debug, thiserror::Error)]
pub enum ServerConfigError {
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
    DotEnv(#[from] dburl::ConfigError),
}

impl ServerConfig {
    /// Reads the settings from the process environment, else from the file at `dotenv_path`
    /// (a missing file is no error). `dev` accepts a missing, placeholder or short secret, with
    /// a warning in [`ServerConfig::warnings`].
    pub fn from_env(dotenv_path: &Path, dev: bool) -> Result<ServerConfig, ServerConfigError> {
        ServerConfig::from_sources(|name| std::env::var(name).ok(), dotenv_path, dev)
    }

    /// [`ServerConfig::from_env`] with the process environment given as a function.
    pub fn from_sources(
        env: impl Fn(&str) -> Option<String>,
        dotenv_path: &Path,
        dev: bool,
    ) -> Result<ServerConfig, ServerConfigError> {
        let settings = Settings::new(env, dotenv_path);
        let bind_addr = match settings.get(BIND_ADDR)? {
            None => DEFAULT_BIND_ADDR.parse().expect("the default address parses"),
            Some((value, origin)) => value.trim().parse().map_err(|_| ServerConfigError::Invalid {
                origin,
                expected: "an address like 127.0.0.1:8000 or 0.0.0.0:8000",
                value,
            })?,
        };
        let max_clip_bytes = match settings.get(MAX_CLIP_BYTES)? {
            None => DEFAULT_MAX_CLIP_BYTES,
            Some((value, origin)) => match value.trim().parse::<usize>() {
                Ok(bytes) if bytes > 0 => bytes,
                _ => {
                    return Err(ServerConfigError::Invalid {
                        origin,
                        expected: "a positive number of bytes, e.g. 26214400 for 25 MiB",
                        value,
                    });
                }
            },
        };

        let mut warnings = Vec::new();
        let secret = settings.get(JWT_SECRET)?;
        let refusal = match &secret {
            None => Some(ServerConfigError::MissingSecret),
            Some((secret, origin)) if secret == JWT_SECRET_PLACEHOLDER => {
                Some(ServerConfigError::PlaceholderSecret(*origin))
            }
            Some((secret, origin)) if secret.len() < MIN_SECRET_BYTES => {
                Some(ServerConfigError::ShortSecret { origin: *origin, len: secret.len() })
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
        Ok(ServerConfig { bind_addr, jwt_secret, max_clip_bytes, token_ttl: DEFAULT_TOKEN_TTL, warnings })
    }

    /// Settings for tests: this secret, any free port on 127.0.0.1, the default limits.
    pub fn for_tests(jwt_secret: &[u8]) -> ServerConfig {
        ServerConfig {
            bind_addr: "127.0.0.1:0".parse().expect("a valid address"),
            jwt_secret: jwt_secret.to_vec(),
            max_clip_bytes: DEFAULT_MAX_CLIP_BYTES,
            token_ttl: DEFAULT_TOKEN_TTL,
            warnings: Vec::new(),
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("bind_addr", &self.bind_addr)
            .field("jwt_secret", &"***")
            .field("max_clip_bytes", &self.max_clip_bytes)
            .field("token_ttl", &self.token_ttl)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn load(env: &[(&str, &str)], dotenv: &str, dev: bool) -> Result<ServerConfig, ServerConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, dotenv).unwrap();
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ServerConfig::from_sources(|name| env.get(name).cloned(), &path, dev)
    }

    #[test]
    fn defaults_apply_when_only_the_secret_is_set() {
        let config = load(&[], &format!("JWT_SECRET={SECRET}\n"), false).unwrap();
        assert_eq!(config.bind_addr.to_string(), DEFAULT_BIND_ADDR);
        assert_eq!(config.jwt_secret, SECRET.as_bytes());
        assert_eq!(config.max_clip_bytes, DEFAULT_MAX_CLIP_BYTES);
        assert!(config.warnings.is_empty());
        assert!(!format!("{config:?}").contains(SECRET));
    }

    #[test]
    fn the_environment_wins_over_dotenv() {
        let other = "f".repeat(40);
        let config = load(
            &[("BIND_ADDR", "0.0.0.0:9000"), ("JWT_SECRET", &other)],
            &format!("BIND_ADDR=127.0.0.1:1\nJWT_SECRET={SECRET}\nMAX_CLIP_BYTES=1000\n"),
            false,
        )
        .unwrap();
        assert_eq!(config.bind_addr.to_string(), "0.0.0.0:9000");
        assert_eq!(config.jwt_secret, other.as_bytes());
        assert_eq!(config.max_clip_bytes, 1000);
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
        let config = load(&[], &format!("JWT_SECRET={JWT_SECRET_PLACEHOLDER}\n"), true).unwrap();
        assert_eq!(config.jwt_secret, JWT_SECRET_PLACEHOLDER.as_bytes());
        assert!(config.warnings[0].contains("placeholder"), "{:?}", config.warnings);

        let config = load(&[], "", true).unwrap();
        assert!(!config.jwt_secret.is_empty());
        assert!(config.warnings[0].contains("not set"), "{:?}", config.warnings);
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
