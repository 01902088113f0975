//! Where the database is, by the shared `dburl` rules, with the xtask's advice on failures.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use dburl::{ConfigError, DbUrl, Settings};

use super::private_file::{self, Existing};

/// Every setting: the environment over `<root>/.env`, which is read now, once.
pub fn settings(root: &Path) -> Settings {
    Settings::load(&root.join(".env"))
}

/// The database `settings` name, with advice when none is configured.
pub fn db_url(settings: &Settings) -> Result<DbUrl> {
    let url = settings.db_url().map_err(|err| match err {
        ConfigError::MissingUrl => {
            anyhow!("{err}; run `cargo xtask db-setup` (it creates .env from .env.example) or set DB_URL")
        }
        other => anyhow!(other),
    })?;
    if let Some(driver) = url.dropped_driver() {
        eprintln!("note: {} names the SQLAlchemy driver `+{driver}`; connecting without it", url.origin());
    }
    Ok(url)
}

/// Whether a new clone needs `.env`: neither variable is set in the environment and there is none.
pub fn needs_dotenv(root: &Path) -> bool {
    let exported = |name| std::env::var(name).is_ok_and(|value: String| !value.trim().is_empty());
    !exported(dburl::DB_URL) && !exported(dburl::DATABASE_URL) && !root.join(".env").exists()
}

/// Copies `.env.example` to `.env` (owner-only, with fresh secrets); returns false when `.env`
/// already exists, which is never overwritten.
pub fn create_dotenv_from_example(root: &Path) -> Result<bool> {
    let example = root.join(".env.example");
    let target = root.join(".env");
    let example_text = std::fs::read_to_string(&example)
        .with_context(|| format!("cannot read {}; restore it from git", example.display()))?;
    let contents = with_generated_secrets(&example_text);
    private_file::write(&target, contents.as_bytes(), Existing::Keep)
}

/// The variable the backend signs login tokens with; it refuses a missing or placeholder value.
pub const JWT_SECRET: &str = "JWT_SECRET";

/// Whether a `JWT_SECRET` value is no secret: empty, or `.env.example`'s public `change-me...`.
pub fn is_placeholder_secret(value: &str) -> bool {
    let value = value.trim();
    value.is_empty() || value.starts_with("change-me")
}

/// Makes sure the backend will find a real `JWT_SECRET`: when neither the environment nor `.env`
/// holds one, writes a random one into `<root>/.env` (replacing only a placeholder or empty line,
/// or adding one; the file stays owner-only). A real secret is never touched. Returns whether
/// `.env` changed.
pub fn ensure_jwt_secret(root: &Path) -> Result<bool> {
    if std::env::var(JWT_SECRET).is_ok_and(|value| !is_placeholder_secret(&value)) {
        return Ok(false);
    }
    let path = root.join(".env");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let is_secret_line = |line: &str| {
        line.trim_start()
            .trim_start_matches("export ")
            .split_once('=')
            .is_some_and(|(key, _)| key.trim() == JWT_SECRET)
    };
    let mut lines: Vec<String> = current.lines().map(str::to_owned).collect();
    let fresh = format!("{JWT_SECRET}={}", random_secret());
    match lines.iter_mut().find(|line| is_secret_line(line)) {
        Some(line) => {
            let value = line.split_once('=').map_or("", |(_, value)| value).trim_matches(['"', '\'', ' ']);
            if !is_placeholder_secret(value) {
                return Ok(false);
            }
            *line = fresh;
        }
        None => {
            lines.push(
                "# The key the backend signs login tokens with; written by `cargo xtask db-setup`."
                    .to_owned(),
            );
            lines.push(fresh);
        }
    }
    private_file::write(&path, (lines.join("\n") + "\n").as_bytes(), Existing::Replace)
}

fn random_secret() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 48)
}

/// `.env.example` with every `change-me...` placeholder value replaced by a random secret, so
/// that a new clone's backend starts without a manual step (it refuses the placeholder).
fn with_generated_secrets(example: &str) -> String {
    let lines: Vec<String> = example
        .lines()
        .map(|line| match line.split_once('=') {
            Some((key, value)) if !key.trim_start().starts_with('#') && value.starts_with("change-me") => {
                format!("{key}={}", random_secret())
            }
            _ => line.to_owned(),
        })
        .collect();
    lines.join("\n") + "\n"
}

/// Sets `DB_URL` in `<root>/.env` to `url`, changing only that line (a missing `.env` starts as a
/// copy of `.env.example`); returns whether the file changed. The file is kept owner-only: it now
/// holds a password.
pub fn set_dotenv_db_url(root: &Path, url: &str) -> Result<bool> {
    let path = root.join(".env");
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) => std::fs::read_to_string(root.join(".env.example")).unwrap_or_default(),
    };
    let line = format!("{}={url}", dburl::DB_URL);
    let is_db_url =
        |l: &str| l.trim_start().trim_start_matches("export ").starts_with(&format!("{}=", dburl::DB_URL));
    let mut lines: Vec<String> = current.lines().map(str::to_owned).collect();
    match lines.iter_mut().find(|l| is_db_url(l)) {
        Some(existing) if *existing == line && path.exists() => return Ok(false),
        Some(existing) => *existing = line,
        None => lines.push(line),
    }
    private_file::write(&path, (lines.join("\n") + "\n").as_bytes(), Existing::Replace)
}

/// The server tests create their databases on: `TEST_DB_URL`, else the configured database's,
/// each from the environment, else `.env`.
pub fn test_server(settings: &Settings) -> Result<DbUrl> {
    let server = match settings.get("TEST_DB_URL")? {
        Some((url, origin)) => DbUrl::parse(&url, origin)?,
        None => db_url(settings).context("the tests need a PostgreSQL server: set TEST_DB_URL")?,
    };
    Ok(server.with_database("postgres"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_is_created_from_the_example_once_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env.example"), "DB_URL=postgres://u@h/referaidb\n").unwrap();
        assert!(create_dotenv_from_example(dir.path()).unwrap());
        assert!(std::fs::read_to_string(dir.path().join(".env")).unwrap().contains("referaidb"));

        std::fs::write(dir.path().join(".env"), "DB_URL=postgres://u@h/mine\n").unwrap();
        assert!(!create_dotenv_from_example(dir.path()).unwrap());
        let kept = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        assert!(kept.contains("mine"), "an existing .env must never be overwritten");
    }

    #[test]
    fn setting_db_url_changes_only_that_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env.example"),
            "# comment\nDB_URL=postgres://old/referaidb\nOTHER=1\n",
        )
        .unwrap();
        assert!(set_dotenv_db_url(dir.path(), "postgres://u:pw@127.0.0.1:6000/referaidb").unwrap());
        let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        assert_eq!(text, "# comment\nDB_URL=postgres://u:pw@127.0.0.1:6000/referaidb\nOTHER=1\n");
        assert!(!set_dotenv_db_url(dir.path(), "postgres://u:pw@127.0.0.1:6000/referaidb").unwrap());
        std::fs::write(dir.path().join(".env"), "OTHER=2\n").unwrap();
        assert!(set_dotenv_db_url(dir.path(), "postgres://x/y").unwrap());
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".env")).unwrap(),
            "OTHER=2\nDB_URL=postgres://x/y\n"
        );
    }

    #[test]
    fn placeholder_secrets_are_generated_once_per_clone() {
        let example =
            "# the key\nJWT_SECRET=change-me-to-a-random-secret\n# JWT_SECRET=change-me\nOTHER=change\n";
        let first = with_generated_secrets(example);
        let lines: Vec<&str> = first.lines().collect();
        assert_eq!(lines[0], "# the key");
        assert!(lines[1].starts_with("JWT_SECRET=") && lines[1].len() == "JWT_SECRET=".len() + 48, "{first}");
        assert_eq!(&lines[2..], ["# JWT_SECRET=change-me", "OTHER=change"]);
        assert_ne!(with_generated_secrets(example), first, "each clone gets its own secret");
    }

    #[test]
    fn a_missing_or_placeholder_jwt_secret_is_replaced_and_a_real_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        // No .env at all (DB_URL exported): one is written with only the secret.
        assert!(ensure_jwt_secret(dir.path()).unwrap());
        let text = std::fs::read_to_string(&env).unwrap();
        let secret = text.lines().find_map(|l| l.strip_prefix("JWT_SECRET=")).unwrap().to_owned();
        assert_eq!(secret.len(), 48, "{text}");
        assert!(!ensure_jwt_secret(dir.path()).unwrap(), "a real secret is kept");
        assert_eq!(std::fs::read_to_string(&env).unwrap(), text);

        std::fs::write(&env, "DB_URL=postgres://x/y\nJWT_SECRET=change-me-to-a-random-secret\nA=1\n")
            .unwrap();
        assert!(ensure_jwt_secret(dir.path()).unwrap());
        let text = std::fs::read_to_string(&env).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!((lines[0], lines[2]), ("DB_URL=postgres://x/y", "A=1"), "{text}");
        assert!(lines[1].starts_with("JWT_SECRET=") && !lines[1].contains("change-me"), "{text}");

        std::fs::write(&env, "JWT_SECRET=my-own-secret\n").unwrap();
        assert!(!ensure_jwt_secret(dir.path()).unwrap());
        assert_eq!(std::fs::read_to_string(&env).unwrap(), "JWT_SECRET=my-own-secret\n");
    }

    #[test]
    fn a_missing_example_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_dotenv_from_example(dir.path()).unwrap_err().to_string();
        assert!(err.contains(".env.example") && err.contains("restore it from git"), "{err}");
    }
}
