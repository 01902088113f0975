//! The backend's settings: for now, where the database is.

use std::fmt;
use std::path::Path;

use dburl::DbUrl;
use sqlx::postgres::PgConnectOptions;

pub use dburl::{ConfigError, Origin};

/// The backend's settings. `Debug` and `Display` show the database URL without its password.
#[derive(Clone)]
pub struct Config {
    database: DbUrl,
}

impl Config {
    /// Reads `DB_URL`, else `DATABASE_URL`, each from the process environment, else from `./.env`,
    /// by the same rules as `cargo xtask` (the shared `dburl` crate).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Config { database: DbUrl::from_env(Path::new(".env"))? })
    }

    /// Builds a config from a URL, accepting `postgresql+<driver>://` as `postgresql://`.
    pub fn from_url(url: &str) -> Result<Self, ConfigError> {
        Ok(Config { database: DbUrl::parse(url, Origin::Given)? })
    }

    /// The options [`crate::connect`] uses. Their own `Debug` shows the password: do not log them.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.database.connect_options()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config").field("database_url", &self.database.redacted()).finish()
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.database, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_stays_hidden() {
        let config = Config::from_url("postgresql+psycopg2://referai:hunter2@localhost/referaidb").unwrap();
        let shown = format!("{config} {config:?}");
        assert!(!shown.contains("hunter2") && shown.contains("referaidb"), "{shown}");
        assert_eq!(config.connect_options().get_database(), Some("referaidb"));
    }
}
