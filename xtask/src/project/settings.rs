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

/// `.env.example` with every `change-me...` placeholder value replaced by a random secret, so
/// that a new clone's backend starts without a manual step (it refuses the placeholder).
fn with_generated_secrets(example: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    let lines: Vec<String> = example
        .lines()
        .map(|line| match line.split_once('=') {
            Some((key, value)) if !key.trim_start().starts_with('#') && value.starts_with("change-me") => {
                format!("{key}={}", Alphanumeric.sample_string(&mut rand::rng(), 48))
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
    fn a_missing_example_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_dotenv_from_example(dir.path()).unwrap_err().to_string();
        assert!(err.contains(".env.example") && err.contains("restore it from git"), "{err}");
    }
}
