//! The workspace the xtask serves: its root, its folders and its settings. The bottom layer:
//! it imports nothing else of the crate.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Result;
use dburl::{DbUrl, Settings};

pub mod db_name;
pub mod private_file;
pub mod settings;

/// The workspace root and the migrations folder in use.
#[derive(Debug)]
pub struct Project {
    /// The workspace root: where `.env`, `migrations/` and `Cargo.toml` live.
    pub root: PathBuf,
    /// The migrations folder (`--source`, else `<root>/migrations`).
    pub migrations_dir: PathBuf,
    /// Where backups go (`--backups`, else `<root>/backups`, git-ignored).
    pub backups_dir: PathBuf,
    /// The settings (environment over `.env`), read on first use and then kept for the process.
    settings: OnceLock<Settings>,
    /// `--database-url`, when given: the database for this command, over DB_URL.
    database_url: Option<String>,
    /// `--connect-timeout`.
    connect_timeout: Duration,
}

impl Project {
    /// The workspace this xtask was built in, with optional `--source` and `--backups` folders.
    pub fn new(source: Option<PathBuf>, backups: Option<PathBuf>) -> Project {
        // CARGO_MANIFEST_DIR is `<root>/xtask`: cargo sets it for `cargo run`, and it is fixed at
        // compile time for a binary run directly, so the commands work from any folder.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = manifest_dir.parent().unwrap_or(Path::new(".")).to_owned();
        let migrations_dir = source.unwrap_or_else(|| root.join("migrations"));
        let backups_dir = backups.unwrap_or_else(|| root.join("backups"));
        Project {
            root,
            migrations_dir,
            backups_dir,
            settings: OnceLock::new(),
            database_url: None,
            connect_timeout: dburl::DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// The same project with the global `--database-url` (when given) and `--connect-timeout`.
    pub fn with_connection(mut self, database_url: Option<String>, connect_timeout: Duration) -> Project {
        self.database_url = database_url;
        self.connect_timeout = connect_timeout;
        self
    }

    /// Every setting, read once: `--database-url` over the environment over `<root>/.env`.
    pub fn settings(&self) -> &Settings {
        self.settings.get_or_init(|| {
            let settings = settings::settings(&self.root).with_connect_timeout(self.connect_timeout);
            match &self.database_url {
                Some(url) => settings.with_url_flag(url.clone(), "--database-url"),
                None => settings,
            }
        })
    }

    /// The configured database; fails with advice when nothing is configured, or when its name
    /// is one PostgreSQL would not store as given.
    pub fn db_url(&self) -> Result<DbUrl> {
        let url = settings::db_url(self.settings())?;
        db_name::check(&url.database())?;
        Ok(url)
    }

    /// Like [`Project::db_url`], but first creates `.env` from `.env.example` when neither
    /// variable is set anywhere and there is no `.env`: a new clone needs no manual step. Called
    /// before any other setting is read, so the settings read include the new `.env`.
    pub fn db_url_or_create_dotenv(&self) -> Result<DbUrl> {
        if self.settings.get().is_none()
            && settings::needs_dotenv(&self.root)
            && settings::create_dotenv_from_example(&self.root)?
        {
            eprintln!("created .env from .env.example; edit DB_URL there if your server differs");
        }
        self.db_url()
    }

    /// The server tests create their databases on: `TEST_DB_URL`, else the configured database's.
    pub fn test_server(&self) -> Result<DbUrl> {
        settings::test_server(self.settings())
    }
}

/// `text` safe to print as (part of) one line: control characters such as a newline in a database
/// or file name are escaped as Rust's `{:?}` escapes them, so no name can forge an output line.
pub fn shown(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// A path, [`shown`] safely.
pub fn shown_path(path: &Path) -> String {
    shown(&path.display().to_string())
}
