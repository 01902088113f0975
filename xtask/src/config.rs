//! Where the database is, by the shared `dburl` rules, with the xtask's advice on failures.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use dburl::{ConfigError, DbUrl};

/// The configured database: `DB_URL`, else `DATABASE_URL`, from the environment, else `<root>/.env`.
pub fn load(root: &Path) -> Result<DbUrl> {
    let url = DbUrl::from_env(&root.join(".env")).map_err(|err| match err {
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

/// Copies `.env.example` to `.env`; returns false when `.env` already exists, which is never
/// overwritten.
pub fn create_dotenv_from_example(root: &Path) -> Result<bool> {
    let example = root.join(".env.example");
    let target = root.join(".env");
    let contents = std::fs::read(&example)
        .with_context(|| format!("cannot read {}; restore it from git", example.display()))?;
    // `create_new`, so that a `.env` appearing meanwhile is never overwritten.
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&target) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("cannot create {}", target.display())),
    };
    std::io::Write::write_all(&mut file, &contents)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(true)
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
    fn a_missing_example_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let err = create_dotenv_from_example(dir.path()).unwrap_err().to_string();
        assert!(err.contains(".env.example") && err.contains("restore it from git"), "{err}");
    }
}
