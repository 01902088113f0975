//! Where the database is: `DB_URL` (or `DATABASE_URL`) from the process environment or `.env`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use url::Url;

/// The variable ReferAI's guide names; always looked up first.
pub const DB_URL: &str = "DB_URL";
/// sqlx's conventional variable, used only when `DB_URL` is set nowhere.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// Shown after every URL complaint, so the fix is on the same line.
const URL_SHAPE: &str = "expected postgres://user:password@host:5432/referaidb";

/// Variables from the process environment and, beneath them, the project's `.env` file.
#[derive(Debug, Default)]
pub struct Vars {
    process: HashMap<String, String>,
    dotenv: HashMap<String, String>,
    dotenv_path: PathBuf,
    dotenv_found: bool,
}

impl Vars {
    /// Reads the process environment and `<root>/.env` (a missing `.env` is fine).
    pub fn load(root: &Path) -> Result<Vars> {
        Vars::from_parts(std::env::vars().collect(), &root.join(".env"))
    }

    /// Combines the given process variables with the `.env` file at `dotenv_path`.
    pub fn from_parts(process: HashMap<String, String>, dotenv_path: &Path) -> Result<Vars> {
        let mut dotenv = HashMap::new();
        let dotenv_found = dotenv_path.is_file();
        if dotenv_found {
            let entries = dotenvy::from_path_iter(dotenv_path)
                .with_context(|| format!("cannot read {}", dotenv_path.display()))?;
            for entry in entries {
                let (key, value) = entry
                    .map_err(|err| anyhow!("{} is malformed: {err}; fix that line", dotenv_path.display()))?;
                dotenv.insert(key, value);
            }
        }
        Ok(Vars { process, dotenv, dotenv_path: dotenv_path.to_owned(), dotenv_found })
    }

    /// Whether the project has a `.env` file.
    pub fn has_dotenv(&self) -> bool {
        self.dotenv_found
    }

    /// Whether either database variable is set anywhere.
    pub fn has_db_url(&self) -> bool {
        self.lookup(DB_URL).is_some() || self.lookup(DATABASE_URL).is_some()
    }

    /// The value of `name` and where it came from; the process environment wins over `.env`.
    pub fn lookup(&self, name: &str) -> Option<(&str, String)> {
        if let Some(value) = self.process.get(name).filter(|v| !v.is_empty()) {
            return Some((value, format!("{name} in the environment")));
        }
        let value = self.dotenv.get(name).filter(|v| !v.is_empty())?;
        Some((value, format!("{name} in {}", self.dotenv_path.display())))
    }

    /// The configured database: `DB_URL`, else `DATABASE_URL`, each from the environment then `.env`.
    ///
    /// `DB_URL` is looked up everywhere before `DATABASE_URL`, so a `DATABASE_URL` exported for
    /// another project in the shell never overrides this project's `.env`.
    pub fn db_config(&self) -> Result<DbConfig> {
        let (raw, origin) = self.lookup(DB_URL).or_else(|| self.lookup(DATABASE_URL)).ok_or_else(|| {
            anyhow!(
                "no database configured: {DB_URL} is not set and {} does not define it; \
                 run `cargo xtask db-setup` (it creates .env from .env.example) or set {DB_URL}",
                self.dotenv_path.display()
            )
        })?;
        DbConfig::parse(raw, &origin)
    }
}

/// Copies `.env.example` to `.env` when neither exists as configuration; returns whether it did.
pub fn create_dotenv_from_example(root: &Path) -> Result<bool> {
    let example = root.join(".env.example");
    let target = root.join(".env");
    if target.exists() {
        return Ok(false);
    }
    // `create_new` so that a `.env` appearing meanwhile is never overwritten.
    let contents = std::fs::read(&example)
        .with_context(|| format!("cannot read {}; restore it from git", example.display()))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    std::io::Write::write_all(&mut file, &contents)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(true)
}

/// A validated PostgreSQL URL and the variable it came from. Its `Display` hides the password.
#[derive(Clone)]
pub struct DbConfig {
    url: Url,
    origin: String,
}

impl DbConfig {
    /// Parses a `postgres://` URL; SQLAlchemy's `postgresql+driver://` form is accepted with a note.
    pub fn parse(raw: &str, origin: &str) -> Result<DbConfig> {
        // The URL itself is never echoed: it may hold a password.
        let mut url = Url::parse(raw.trim())
            .map_err(|err| anyhow!("{origin} is not a valid URL ({err}); {URL_SHAPE}"))?;
        let scheme = url.scheme().to_owned();
        let (base, driver) = scheme.split_once('+').unwrap_or((&scheme, ""));
        if base != "postgres" && base != "postgresql" {
            bail!("{origin} uses the scheme `{scheme}`, not PostgreSQL; {URL_SHAPE}");
        }
        if !driver.is_empty() {
            eprintln!("note: {origin} names the SQLAlchemy driver `+{driver}`; using `{base}://` instead");
            url.set_scheme(base)
                .map_err(|()| anyhow!("{origin}: cannot drop `+{driver}` from the scheme"))?;
        }
        if url.path().trim_start_matches('/').is_empty() {
            bail!("{origin} names no database; end it with the database name, e.g. /referaidb");
        }
        let config = DbConfig { url, origin: origin.to_owned() };
        config.connect_options()?;
        Ok(config)
    }

    /// The name of the variable this configuration came from, e.g. "DB_URL in .env".
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The database name, percent-decoded.
    pub fn database(&self) -> String {
        self.connect_options()
            .ok()
            .and_then(|options| options.get_database().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The same server and credentials with another database name.
    pub fn with_database(&self, database: &str) -> DbConfig {
        let mut url = self.url.clone();
        url.path_segments_mut().expect("a postgres URL has a path").clear().push(database);
        DbConfig { url, origin: self.origin.clone() }
    }

    /// `host:port` (or the socket folder), for messages.
    pub fn server(&self) -> String {
        match self.connect_options() {
            Ok(options) => match options.get_socket() {
                Some(socket) => format!("{} (socket)", socket.display()),
                None => format!("{}:{}", options.get_host(), options.get_port()),
            },
            Err(_) => "an unparseable address".to_owned(),
        }
    }

    /// The user name to log in with.
    pub fn username(&self) -> String {
        self.connect_options().map(|o| o.get_username().to_owned()).unwrap_or_default()
    }

    /// The URL with the password, if any, replaced by `***`: the only form ever printed.
    pub fn redacted(&self) -> String {
        let mut url = self.url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        url.to_string()
    }

    /// The URL with its password, for a child process's environment only.
    pub fn secret_url(&self) -> &str {
        self.url.as_str()
    }

    /// Connection options for this database.
    ///
    /// On a loopback or socket connection without an explicit `sslmode`, TLS is switched off: it
    /// protects nothing there and costs ~80 ms per connection in a debug build.
    pub fn connect_options(&self) -> Result<PgConnectOptions> {
        let options = PgConnectOptions::from_str(self.url.as_str())
            .map_err(|err| anyhow!("{} is not a usable PostgreSQL URL ({err}); {URL_SHAPE}", self.origin))?
            .application_name("referai-xtask");
        let explicit_ssl = self.url.query_pairs().any(|(key, _)| key == "sslmode");
        Ok(if !explicit_ssl && is_local(&options) { options.ssl_mode(PgSslMode::Disable) } else { options })
    }

    /// Options for the server's maintenance database (`postgres`, or `template1` when the
    /// configured database is `postgres` itself), used to create and drop databases.
    pub fn maintenance_options(&self) -> Result<PgConnectOptions> {
        let maintenance = if self.database() == "postgres" { "template1" } else { "postgres" };
        Ok(self.connect_options()?.database(maintenance))
    }
}

impl fmt::Display for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbConfig").field("url", &self.redacted()).field("origin", &self.origin).finish()
    }
}

fn is_local(options: &PgConnectOptions) -> bool {
    if options.get_socket().is_some() {
        return true;
    }
    let host = options.get_host().trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.starts_with('/')
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(process: &[(&str, &str)], dotenv: Option<&str>) -> (Vars, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        if let Some(contents) = dotenv {
            std::fs::write(&path, contents).unwrap();
        }
        let process = process.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        (Vars::from_parts(process, &path).unwrap(), dir)
    }

    #[test]
    fn process_environment_wins_over_dotenv() {
        let (vars, _dir) =
            vars(&[("DB_URL", "postgres://u@h/from_env")], Some("DB_URL=postgres://u@h/from_file\n"));
        let config = vars.db_config().unwrap();
        assert_eq!(config.database(), "from_env");
        assert_eq!(config.origin(), "DB_URL in the environment");
    }

    #[test]
    fn db_url_in_dotenv_beats_database_url_in_environment() {
        let (vars, _dir) = vars(
            &[("DATABASE_URL", "postgres://u@h/other_project")],
            Some("DB_URL=postgres://u@h/referaidb\n"),
        );
        assert_eq!(vars.db_config().unwrap().database(), "referaidb");
    }

    #[test]
    fn database_url_is_the_fallback() {
        let (vars, _dir) = vars(&[("DATABASE_URL", "postgres://u@h/fallback")], None);
        let config = vars.db_config().unwrap();
        assert_eq!(config.database(), "fallback");
        assert_eq!(config.origin(), "DATABASE_URL in the environment");
    }

    #[test]
    fn nothing_configured_says_how_to_fix_it() {
        let (vars, _dir) = vars(&[], None);
        let err = vars.db_config().unwrap_err().to_string();
        assert!(err.contains("cargo xtask db-setup"), "{err}");
        assert!(!vars.has_db_url());
    }

    #[test]
    fn sqlalchemy_driver_is_dropped() {
        let config =
            DbConfig::parse("postgresql+psycopg2://alice:s3cret@db.example:6543/referaidb", "DB_URL")
                .unwrap();
        assert_eq!(config.redacted(), "postgresql://alice:***@db.example:6543/referaidb");
        assert_eq!(config.server(), "db.example:6543");
        assert_eq!(config.username(), "alice");
    }

    #[test]
    fn password_never_appears_in_display_or_debug() {
        let config = DbConfig::parse("postgres://bob:hunter2@localhost/referaidb", "DB_URL").unwrap();
        assert!(!format!("{config}").contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(config.secret_url().contains("hunter2"));
    }

    #[test]
    fn malformed_urls_are_rejected_without_echoing_them() {
        for raw in ["not a url", "mysql://root:pw@localhost/referaidb", "postgres://u:pw@localhost"] {
            let err = DbConfig::parse(raw, "DB_URL").unwrap_err().to_string();
            assert!(err.starts_with("DB_URL"), "{err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn loopback_without_sslmode_skips_tls_but_explicit_sslmode_is_kept() {
        let local = DbConfig::parse("postgres://u@127.0.0.1/db", "DB_URL").unwrap();
        assert!(matches!(local.connect_options().unwrap().get_ssl_mode(), PgSslMode::Disable));
        let explicit = DbConfig::parse("postgres://u@localhost/db?sslmode=require", "DB_URL").unwrap();
        assert!(matches!(explicit.connect_options().unwrap().get_ssl_mode(), PgSslMode::Require));
        let remote = DbConfig::parse("postgres://u@db.example/db", "DB_URL").unwrap();
        assert!(matches!(remote.connect_options().unwrap().get_ssl_mode(), PgSslMode::Prefer));
    }

    #[test]
    fn with_database_keeps_the_server_and_quotes_the_name() {
        let config = DbConfig::parse("postgres://u:p@localhost:5433/referaidb", "DB_URL").unwrap();
        let other = config.with_database("odd name");
        assert_eq!(other.database(), "odd name");
        assert_eq!(other.server(), "localhost:5433");
        assert_eq!(config.maintenance_options().unwrap().get_database(), Some("postgres"));
    }

    #[test]
    fn dotenv_is_created_from_the_example_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env.example"), "DB_URL=postgres://u@h/referaidb\n").unwrap();
        assert!(create_dotenv_from_example(dir.path()).unwrap());
        std::fs::write(dir.path().join(".env"), "DB_URL=postgres://u@h/mine\n").unwrap();
        assert!(!create_dotenv_from_example(dir.path()).unwrap());
        let kept = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        assert!(kept.contains("mine"), "an existing .env must never be overwritten");
    }
}
