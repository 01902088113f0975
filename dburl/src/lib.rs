//! ReferAI's settings, from the process environment over `.env` ([`Settings`]), and where the
//! database is: `DB_URL`, else `DATABASE_URL` ([`Settings::db_url`]), parsed into connection
//! options and shown everywhere without its password ([`DbUrl`]).
//!
//! One crate so that `cargo xtask` and the backend can never disagree about which database
//! "the configured database" is, or about where any other setting comes from.

mod tls;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use std::{fmt, io, path::Path};

use sqlx::postgres::PgConnectOptions;
use url::Url;

pub use tls::ssl_mode_name;

/// The variable ReferAI's guide names; looked up first, everywhere.
pub const DB_URL: &str = "DB_URL";
/// sqlx's usual variable, used only when `DB_URL` is set nowhere.
pub const DATABASE_URL: &str = "DATABASE_URL";

/// The variables that may hold the URL, most preferred first.
const URL_VARIABLES: [&str; 2] = [DB_URL, DATABASE_URL];

/// How long a connection attempt waits for the server unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What stands in for a password wherever a URL is shown.
const REDACTED: &str = "***";

/// Appended to URL complaints, so the fix is on the same line.
const URL_SHAPE: &str = "expected postgres://user:password@host:5432/referaidb";

/// Which variable a URL came from, and whether from the process environment or from `.env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The process environment.
    Environment(&'static str),
    /// The `.env` file.
    DotEnv(&'static str),
    /// Given directly, e.g. to [`DbUrl::parse`] by a test.
    Given,
    /// A command-line flag such as `--database-url`, which wins over both variables.
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Environment(name) => write!(f, "{name} in the environment"),
            Origin::DotEnv(name) => write!(f, "{name} in .env"),
            Origin::Given => f.write_str("the database URL"),
            Origin::Flag(name) => f.write_str(name),
        }
    }
}

/// Why no [`DbUrl`] could be had. No variant carries the URL or a `.env` line: either may hold a
/// password.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither variable is set, in the environment or in `.env`.
    #[error("no database configured: DB_URL is set neither in the environment nor in .env")]
    MissingUrl,
    /// The value is not a URL at all.
    #[error("{origin} is not a valid URL ({reason}); {URL_SHAPE}")]
    InvalidUrl {
        /// Which variable, from where.
        origin: Origin,
        /// What the URL parser objected to (it never quotes the input).
        reason: url::ParseError,
    },
    /// The URL names another database than PostgreSQL.
    #[error("{origin} uses the scheme `{scheme}`, not PostgreSQL; {URL_SHAPE}")]
    UnsupportedScheme {
        /// Which variable, from where.
        origin: Origin,
        /// The scheme found.
        scheme: String,
    },
    /// The URL names no database, e.g. `postgres://localhost` without `/referaidb`.
    #[error("{origin} names no database; end it with the database name, e.g. /referaidb")]
    NoDatabaseName {
        /// Which variable, from where.
        origin: Origin,
    },
    /// The URL parses but sqlx rejects a part of it, e.g. an unknown `sslmode`.
    #[error("{origin} is not a usable PostgreSQL URL ({source}); {URL_SHAPE}")]
    InvalidOptions {
        /// Which variable, from where.
        origin: Origin,
        /// sqlx's reason.
        #[source]
        source: sqlx::Error,
    },
    /// `PGSSLMODE` holds no mode libpq knows.
    #[error("{origin} is `{value}`, not one of disable, allow, prefer, require, verify-ca, verify-full")]
    InvalidSslMode {
        /// Which variable, from where.
        origin: Origin,
        /// The value found.
        value: String,
    },
    /// The file named by `sslrootcert`, `sslcert` or `sslkey` cannot be read.
    #[error(
        "{parameter} file {path} (from {origin}) cannot be read ({reason}): fix the path or its permissions"
    )]
    UnreadableTlsFile {
        /// `sslrootcert`, `sslcert` or `sslkey`.
        parameter: &'static str,
        /// The file.
        path: String,
        /// Where the parameter was set.
        origin: Origin,
        /// Why it cannot be read.
        #[source]
        reason: io::Error,
    },
    /// The private key file may be read by others; libpq refuses it, and so does this.
    #[error(
        "private key file {path} (sslkey from {origin}) has mode {mode:o}, readable by others:          run `chmod 600 {path}`"
    )]
    InsecureKeyFile {
        /// The file.
        path: String,
        /// Where `sslkey` was set.
        origin: Origin,
        /// Its permission bits.
        mode: u32,
    },
    /// A client certificate needs both `sslcert` and `sslkey`.
    #[error("{present} is set (in {origin}) but {missing} is not: a client certificate needs both")]
    HalfClientCertificate {
        /// The one that is set.
        present: &'static str,
        /// The one that is not.
        missing: &'static str,
        /// Where the set one came from.
        origin: Origin,
    },
    /// `.env` exists but cannot be read.
    #[error("cannot read .env ({0})")]
    DotEnvRead(#[source] io::Error),
    /// `.env` has a line dotenvy cannot parse; the line is not quoted, as it may hold a password.
    #[error(".env has a line that cannot be parsed (not shown: it may hold a password); fix or remove it")]
    DotEnvSyntax,
}

/// Every setting, read by one rule: the process environment first, then one `.env` file (read
/// once, at [`Settings::load`], and never loaded into the environment). Empty values count as
/// unset, as a shell's `DB_URL= cargo run` means "none". A `.env` that cannot be read or parsed
/// fails only the lookups that reach it: a broken `.env` cannot fail a fully exported setup.
pub struct Settings {
    env: Box<Lookup>,
    dotenv: Result<HashMap<String, String>, DotEnvFailure>,
    /// A URL given on the command line, which wins over `DB_URL` and `DATABASE_URL`.
    url_flag: Option<(String, &'static str)>,
    connect_timeout: Duration,
}

/// The process environment, or a test's stand-in for it.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Why `.env` could not be had, kept so that each lookup reaching it can say so.
#[derive(Debug, Clone)]
enum DotEnvFailure {
    /// `io::Error` is not `Clone`: its kind and message are what an error needs again.
    Read(io::ErrorKind, String),
    Syntax,
}

impl DotEnvFailure {
    fn to_error(&self) -> ConfigError {
        match self {
            DotEnvFailure::Read(kind, message) => {
                ConfigError::DotEnvRead(io::Error::new(*kind, message.clone()))
            }
            DotEnvFailure::Syntax => ConfigError::DotEnvSyntax,
        }
    }
}

impl Settings {
    /// The process environment over the file at `dotenv_path` (a missing file is no error:
    /// production sets the environment).
    pub fn load(dotenv_path: &Path) -> Settings {
        Settings::new(|name| std::env::var(name).ok(), dotenv_path)
    }

    /// `env` (a stand-in for the process environment) over the file at `dotenv_path`.
    pub fn new(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static, dotenv_path: &Path) -> Settings {
        Settings {
            env: Box::new(env),
            dotenv: read_dotenv(dotenv_path),
            url_flag: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// The same settings with the database given by the command-line flag `flag` (e.g.
    /// `--database-url`): it wins over every variable, in the environment or `.env`.
    pub fn with_url_flag(mut self, url: String, flag: &'static str) -> Settings {
        self.url_flag = Some((url, flag));
        self
    }

    /// The same settings with another bound on how long a connection waits for the server.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Settings {
        self.connect_timeout = timeout;
        self
    }

    /// The value of `name` and where it came from, the environment winning over `.env`.
    pub fn get(&self, name: &'static str) -> Result<Option<(String, Origin)>, ConfigError> {
        if let Some(found) = self.in_environment(name) {
            return Ok(Some(found));
        }
        let dotenv = self.dotenv.as_ref().map_err(DotEnvFailure::to_error)?;
        Ok(dotenv
            .get(name)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (value.clone(), Origin::DotEnv(name))))
    }

    /// The value of `name` in the process environment alone.
    fn in_environment(&self, name: &'static str) -> Option<(String, Origin)> {
        (self.env)(name)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (value, Origin::Environment(name)))
    }

    /// The database: `DB_URL`, else `DATABASE_URL`, with `PGSSLMODE`, `PGSSLROOTCERT`,
    /// `PGSSLCERT` and `PGSSLKEY` for the TLS parameters the URL does not set; its certificate
    /// and key files checked ([`DbUrl::check_tls_files`]).
    ///
    /// `DB_URL` is looked up in both places before `DATABASE_URL`, the environment winning over
    /// `.env` for each: a `DATABASE_URL` exported in the shell for sqlx's tools or another
    /// project must not override this project's `.env`.
    /// A URL flag ([`Settings::with_url_flag`]) comes before both.
    pub fn db_url(&self) -> Result<DbUrl, ConfigError> {
        let finish = |url: DbUrl| -> Result<DbUrl, ConfigError> {
            let url = DbUrl { connect_timeout: self.connect_timeout, ..url }.with_tls_variables(self)?;
            url.check_tls_files()?;
            Ok(url)
        };
        if let Some((url, flag)) = &self.url_flag {
            return finish(DbUrl::parse(url, Origin::Flag(flag))?);
        }
        for name in URL_VARIABLES {
            if let Some((url, origin)) = self.get(name)? {
                return finish(DbUrl::parse(&url, origin)?);
            }
        }
        Err(ConfigError::MissingUrl)
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be passwords: say only whether `.env` was usable.
        f.debug_struct("Settings").field("dotenv_readable", &self.dotenv.is_ok()).finish_non_exhaustive()
    }
}

/// A validated PostgreSQL URL and where it came from. `Display` and `Debug` hide the password.
#[derive(Clone)]
pub struct DbUrl {
    url: Url,
    origin: Origin,
    dropped_driver: Option<String>,
    /// TLS parameters the URL lacks, from libpq's variables.
    tls_variables: Vec<tls::TlsVariable>,
    /// How long to wait for the server before calling it unreachable (`--connect-timeout`).
    connect_timeout: Duration,
}

impl DbUrl {
    /// Parses a `postgres://` URL; SQLAlchemy's `postgresql+driver://` form is accepted and the
    /// driver dropped (see [`DbUrl::dropped_driver`]).
    pub fn parse(raw: &str, origin: Origin) -> Result<DbUrl, ConfigError> {
        let mut url = Url::parse(raw.trim()).map_err(|reason| ConfigError::InvalidUrl { origin, reason })?;
        let scheme = url.scheme().to_owned();
        // SQLAlchemy names the Python driver after a `+`; it means nothing to sqlx.
        let (base, driver) = scheme.split_once('+').unwrap_or((scheme.as_str(), ""));
        if base != "postgres" && base != "postgresql" {
            return Err(ConfigError::UnsupportedScheme { origin, scheme });
        }
        let dropped_driver = (!driver.is_empty()).then(|| driver.to_owned());
        if dropped_driver.is_some() {
            // Both schemes are non-special in the URL standard, the one case where this can fail.
            url.set_scheme(base).expect("switching between non-special schemes is allowed");
        }
        // Without one, PostgreSQL would silently pick the database named after the user.
        if url.path().trim_start_matches('/').is_empty() {
            return Err(ConfigError::NoDatabaseName { origin });
        }
        PgConnectOptions::from_str(url.as_str())
            .map_err(|source| ConfigError::InvalidOptions { origin, source })?;
        Ok(DbUrl {
            url,
            origin,
            dropped_driver,
            tls_variables: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// Where this URL came from, e.g. "DB_URL in .env".
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// How long a connection attempt waits for the server before giving up.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The SQLAlchemy driver that was dropped from the scheme, e.g. `psycopg2`.
    pub fn dropped_driver(&self) -> Option<&str> {
        self.dropped_driver.as_deref()
    }

    /// The database name, percent-decoded.
    pub fn database(&self) -> String {
        self.connect_options().get_database().unwrap_or_default().to_owned()
    }

    /// The user name to log in with.
    pub fn username(&self) -> String {
        self.connect_options().get_username().to_owned()
    }

    /// Whether the server is on this machine: a loopback address, `localhost` or a socket.
    pub fn is_local(&self) -> bool {
        is_local(&self.url_options())
    }

    /// `host:port`, or the socket folder, for messages.
    pub fn server(&self) -> String {
        let options = self.connect_options();
        match options.get_socket() {
            Some(socket) => format!("{} (socket)", socket.display()),
            None => format!("{}:{}", options.get_host(), options.get_port()),
        }
    }

    /// The same server and credentials with another database.
    pub fn with_database(&self, database: &str) -> DbUrl {
        let mut url = self.url.clone();
        url.path_segments_mut().expect("a postgres URL has a path").clear().push(database);
        DbUrl { url, ..self.clone() }
    }

    /// The URL with its password: only for a child process's environment, never for display.
    pub fn secret_url(&self) -> &str {
        self.url.as_str()
    }

    /// The `PG*` variables that point libpq programs (psql, pg_dump, pg_restore) at this database:
    /// the password travels in the child's environment, never on its command line.
    pub fn libpq_env(&self) -> Vec<(&'static str, String)> {
        let options = self.connect_options();
        let host = match options.get_socket() {
            Some(socket) => socket.display().to_string(),
            None => options.get_host().to_owned(),
        };
        let mut env = vec![
            ("PGHOST", host),
            ("PGPORT", options.get_port().to_string()),
            ("PGUSER", options.get_username().to_owned()),
            ("PGDATABASE", self.database()),
            ("PGSSLMODE", ssl_mode_name(self.ssl_mode()).to_owned()),
            ("PGAPPNAME", "referai-xtask".to_owned()),
        ];
        for (parameter, variable) in
            [("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")]
        {
            if let Some((path, _)) = self.tls_parameter(parameter) {
                env.push((variable, path));
            }
        }
        if let Some(password) = self.password() {
            env.push(("PGPASSWORD", password));
        }
        env
    }

    /// The password, percent-decoded, from the user part or a `password=` parameter.
    fn password(&self) -> Option<String> {
        let from_query =
            || self.url.query_pairs().find(|(key, _)| key == "password").map(|(_, v)| v.into_owned());
        match self.url.password() {
            Some(encoded) => {
                Some(percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned())
            }
            None => from_query(),
        }
    }

    /// The URL with its password, in the user part or in a `password=` parameter, replaced by `***`.
    pub fn redacted(&self) -> String {
        let mut url = self.url.clone();
        if url.password().is_some() {
            url.set_password(Some(REDACTED)).expect("a URL with a password can hold another");
        }
        if url.query_pairs().any(|(key, _)| key == "password") {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(key, value)| {
                    let value = if key == "password" { REDACTED.into() } else { value.into_owned() };
                    (key.into_owned(), value)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        url.into()
    }

    /// Connection options for this database. Their own `Debug` shows the password: never log them.
    ///
    /// TLS as [`DbUrl::ssl_mode`] says, with the files of `PGSSLROOTCERT`, `PGSSLCERT` and
    /// `PGSSLKEY` when the URL names none.
    pub fn connect_options(&self) -> PgConnectOptions {
        let mut options = self.url_options();
        for (parameter, path) in self.tls_variables() {
            options = match parameter {
                "sslrootcert" => options.ssl_root_cert(path),
                "sslcert" => options.ssl_client_cert(path),
                "sslkey" => options.ssl_client_key(path),
                _ => options,
            };
        }
        options.ssl_mode(self.ssl_mode())
    }

    /// The options the URL alone gives, before the TLS rules.
    fn url_options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(self.url.as_str()).expect("validated by DbUrl::parse")
    }

    /// Options for the server's maintenance database (`postgres`, or `template1` when the
    /// configured database is `postgres` itself), from which databases are created and dropped.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        let maintenance = if self.database() == "postgres" { "template1" } else { "postgres" };
        self.connect_options().database(maintenance)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbUrl").field("url", &self.redacted()).field("origin", &self.origin).finish()
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

/// Every variable in the file (the last definition of a name wins, as in a shell); a missing
/// file is no error.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, DotEnvFailure> {
    let read_failure = |err: io::Error| DotEnvFailure::Read(err.kind(), err.to_string());
    let lines = match dotenvy::from_path_iter(path) {
        Ok(lines) => lines,
        Err(dotenvy::Error::Io(err)) if err.kind() == io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(dotenvy::Error::Io(err)) => return Err(read_failure(err)),
        Err(_) => return Err(DotEnvFailure::Syntax),
    };
    lines
        .map(|line| {
            line.map_err(|err| match err {
                dotenvy::Error::Io(err) => read_failure(err),
                _ => DotEnvFailure::Syntax,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::fs;

    use sqlx::postgres::PgSslMode;

    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).cloned()
    }

    fn dotenv(content: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".env"), content).unwrap();
        dir
    }

    fn from(env: &[(&str, &str)], dotenv_content: Option<&str>) -> Result<DbUrl, ConfigError> {
        let dir = dotenv(dotenv_content.unwrap_or(""));
        let path = if dotenv_content.is_some() { dir.path().join(".env") } else { dir.path().join("absent") };
        Settings::new(env_of(env), &path).db_url()
    }

    fn host_and_db(url: &DbUrl) -> (String, String) {
        (url.connect_options().get_host().to_owned(), url.database())
    }

    #[test]
    fn db_url_is_preferred_over_database_url() {
        let url =
            from(&[("DATABASE_URL", "postgres://u@second/b"), ("DB_URL", "postgres://u@first/a")], None)
                .unwrap();
        assert_eq!(host_and_db(&url), ("first".into(), "a".into()));
        assert_eq!(url.origin().to_string(), "DB_URL in the environment");
    }

    #[test]
    fn a_url_flag_wins_over_every_variable_and_the_timeout_follows() {
        let dir = dotenv("DB_URL=postgres://u@from-file/f\n");
        let settings =
            Settings::new(env_of(&[("DB_URL", "postgres://u@from-env/e")]), &dir.path().join(".env"))
                .with_url_flag("postgres://u@from-flag/g".into(), "--database-url")
                .with_connect_timeout(Duration::from_secs(3));
        let url = settings.db_url().unwrap();
        assert_eq!(host_and_db(&url), ("from-flag".into(), "g".into()));
        assert_eq!(url.origin().to_string(), "--database-url");
        assert_eq!(url.connect_timeout(), Duration::from_secs(3));
        assert_eq!(url.with_database("other").connect_timeout(), Duration::from_secs(3));
    }

    #[test]
    fn database_url_is_used_when_db_url_is_unset_or_empty() {
        let url = from(&[("DB_URL", ""), ("DATABASE_URL", "postgres://u@second/b")], None).unwrap();
        assert_eq!(host_and_db(&url), ("second".into(), "b".into()));
    }

    #[test]
    fn the_environment_wins_over_dotenv_for_the_same_name() {
        let url = from(&[("DB_URL", "postgres://u@from-env/e")], Some("DB_URL=postgres://u@from-file/f\n"))
            .unwrap();
        assert_eq!(host_and_db(&url), ("from-env".into(), "e".into()));
    }

    #[test]
    fn db_url_in_dotenv_wins_over_an_exported_database_url() {
        let url =
            from(&[("DATABASE_URL", "postgres://u@from-env/e")], Some("DB_URL=postgres://u@from-file/f\n"))
                .unwrap();
        assert_eq!(host_and_db(&url), ("from-file".into(), "f".into()));
        assert_eq!(url.origin().to_string(), "DB_URL in .env");
    }

    #[test]
    fn an_exported_database_url_wins_over_database_url_in_dotenv() {
        let url = from(
            &[("DATABASE_URL", "postgres://u@from-env/e")],
            Some("DATABASE_URL=postgres://u@from-file/f\n"),
        )
        .unwrap();
        assert_eq!(host_and_db(&url), ("from-env".into(), "e".into()));
    }

    #[test]
    fn an_exported_db_url_never_reads_dotenv() {
        let url = from(&[("DB_URL", "postgres://u@from-env/e")], Some("DB_URL='unterminated\n")).unwrap();
        assert_eq!(host_and_db(&url), ("from-env".into(), "e".into()));
    }

    #[test]
    fn dotenv_is_read_when_the_environment_has_neither() {
        let content =
            "# a comment\nOTHER=1\nDATABASE_URL=postgres://u@second/b\nDB_URL=postgres://u@first/a\n";
        let url = from(&[], Some(content)).unwrap();
        assert_eq!(host_and_db(&url), ("first".into(), "a".into()));
    }

    #[test]
    fn nothing_anywhere_is_missing_url() {
        assert!(matches!(from(&[], Some("OTHER=1\n")), Err(ConfigError::MissingUrl)));
        assert!(matches!(from(&[], None), Err(ConfigError::MissingUrl)));
    }

    #[test]
    fn a_malformed_dotenv_is_an_error_that_does_not_quote_it() {
        let err = from(&[], Some("DB_URL='postgres://u:hunter2@h/d\n")).unwrap_err();
        assert!(matches!(err, ConfigError::DotEnvSyntax), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn settings_read_any_variable_environment_first() {
        let dir = dotenv("BIND_ADDR=0.0.0.0:1\nJWT_SECRET=from-file\nEMPTY=\n");
        let settings = Settings::new(env_of(&[("JWT_SECRET", "from-env")]), &dir.path().join(".env"));
        assert_eq!(
            settings.get("JWT_SECRET").unwrap(),
            Some(("from-env".into(), Origin::Environment("JWT_SECRET")))
        );
        assert_eq!(
            settings.get("BIND_ADDR").unwrap(),
            Some(("0.0.0.0:1".into(), Origin::DotEnv("BIND_ADDR")))
        );
        assert_eq!(settings.get("EMPTY").unwrap(), None);
        assert_eq!(settings.get("NOWHERE").unwrap(), None);
    }

    #[test]
    fn dotenv_is_read_once_at_load() {
        let dir = dotenv("DB_URL=postgres://u@from-file/f\nBIND_ADDR=0.0.0.0:1\n");
        let settings = Settings::new(env_of(&[]), &dir.path().join(".env"));
        fs::write(dir.path().join(".env"), "DB_URL='unterminated\n").unwrap();
        assert_eq!(host_and_db(&settings.db_url().unwrap()), ("from-file".into(), "f".into()));
        assert_eq!(
            settings.get("BIND_ADDR").unwrap(),
            Some(("0.0.0.0:1".into(), Origin::DotEnv("BIND_ADDR")))
        );
    }

    #[test]
    fn sqlalchemy_driver_suffix_is_dropped() {
        let url = DbUrl::parse("postgresql+psycopg2://referai:s3cret@db.example:6543/referai", Origin::Given)
            .unwrap();
        assert_eq!(url.dropped_driver(), Some("psycopg2"));
        assert_eq!(url.server(), "db.example:6543");
        assert_eq!(url.username(), "referai");
        assert_eq!(url.database(), "referai");
        assert_eq!(url.to_string(), "postgresql://referai:***@db.example:6543/referai");
    }

    #[test]
    fn other_databases_and_broken_urls_are_refused_without_echoing_them() {
        let err = DbUrl::parse("mysql+pymysql://u:pw-in-url@h/d", Origin::Given).unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnsupportedScheme { scheme, .. } if scheme == "mysql+pymysql"),
            "{err:?}"
        );
        let err = DbUrl::parse("not a url", Origin::Given).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidUrl { .. }), "{err:?}");
        let err = DbUrl::parse("postgres://u:pw-in-url@localhost:5432/", Origin::Given).unwrap_err();
        assert!(matches!(err, ConfigError::NoDatabaseName { .. }), "{err:?}");
        let err = DbUrl::parse("postgres://u:pw-in-url@h/d?sslmode=sometimes", Origin::Given).unwrap_err();
        assert!(matches!(err, ConfigError::InvalidOptions { .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("pw-in-url"));
    }

    #[test]
    fn debug_and_display_never_show_the_password() {
        for raw in [
            "postgres://referai:hunter2@localhost:5432/referai",
            "postgres://referai@localhost/referai?password=hunter2&sslmode=disable",
        ] {
            let url = DbUrl::parse(raw, Origin::Given).unwrap();
            let shown = format!("{url} {url:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains(REDACTED) && shown.contains("localhost"), "{shown}");
            assert!(url.secret_url().contains("hunter2"));
        }
    }

    #[test]
    fn loopback_without_sslmode_skips_tls_but_an_explicit_sslmode_is_kept() {
        let mode = |raw: &str| DbUrl::parse(raw, Origin::Given).unwrap().connect_options().get_ssl_mode();
        assert!(matches!(mode("postgres://u@127.0.0.1/db"), PgSslMode::Disable));
        assert!(matches!(mode("postgres://u@localhost/db?sslmode=require"), PgSslMode::Require));
        assert!(matches!(mode("postgres://u@db.example/db"), PgSslMode::Prefer));
    }

    #[test]
    fn pgsslmode_and_pgsslrootcert_stand_in_when_the_url_sets_neither() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        fs::write(&ca, "").unwrap();
        let ca = ca.display().to_string();
        let settings = |vars: &[(&str, &str)]| Settings::new(env_of(vars), &dir.path().join("absent"));
        let url = settings(&[
            ("DB_URL", "postgres://u@127.0.0.1/db"),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", &ca),
        ])
        .db_url()
        .unwrap();
        assert!(matches!(url.ssl_mode(), PgSslMode::VerifyFull));
        assert_eq!(url.ssl_mode_source(), "sslmode=verify-full from PGSSLMODE in the environment");
        let env: HashMap<_, _> = url.libpq_env().into_iter().collect();
        assert_eq!((env["PGSSLMODE"].as_str(), env["PGSSLROOTCERT"].as_str()), ("verify-full", ca.as_str()));
        // The URL wins; `require` with a root certificate is `verify-ca`, as in libpq.
        let url = settings(&[
            ("DB_URL", &format!("postgres://u@db.example/db?sslmode=require&sslrootcert={ca}")),
            ("PGSSLMODE", "disable"),
        ])
        .db_url()
        .unwrap();
        assert!(matches!(url.ssl_mode(), PgSslMode::VerifyCa));
        let err = settings(&[("DB_URL", "postgres://u@db.example/db"), ("PGSSLMODE", "always")])
            .db_url()
            .unwrap_err();
        assert!(matches!(err, ConfigError::InvalidSslMode { .. }), "{err:?}");
    }

    #[test]
    fn missing_and_insecure_tls_files_are_refused_by_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("client.key");
        fs::write(&key, "").unwrap();
        let key_path = key.display().to_string();
        let url = |query: &str| {
            let raw = format!("postgres://u@db.example/db?sslmode=require&{query}");
            Settings::new(env_of(&[("DB_URL", &raw)]), &dir.path().join("absent")).db_url()
        };
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let err = url(&format!("sslcert={key_path}&sslkey={key_path}")).unwrap_err();
        assert!(matches!(err, ConfigError::InsecureKeyFile { mode: 0o644, .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("chmod 600 {key_path}")), "{err}");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        url(&format!("sslcert={key_path}&sslkey={key_path}")).unwrap();
        let err = url(&format!("sslkey={key_path}")).unwrap_err();
        assert!(matches!(err, ConfigError::HalfClientCertificate { missing: "sslcert", .. }), "{err:?}");
        let err = url("sslrootcert=/nonexistent/ca.pem").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "sslrootcert file /nonexistent/ca.pem (from DB_URL in the environment) cannot be read"
            ),
            "{err}"
        );
    }

    #[test]
    fn libpq_programs_get_the_connection_and_the_decoded_password_by_environment() {
        let url =
            DbUrl::parse("postgres://ref%40ai:p%40ss%2Fw@localhost:6543/referaidb", Origin::Given).unwrap();
        let env: HashMap<_, _> = url.libpq_env().into_iter().collect();
        assert_eq!(env["PGHOST"], "localhost");
        assert_eq!(env["PGPORT"], "6543");
        assert_eq!(env["PGUSER"], "ref@ai");
        assert_eq!(env["PGPASSWORD"], "p@ss/w");
        assert_eq!(env["PGDATABASE"], "referaidb");
        assert_eq!(env["PGSSLMODE"], "disable");
        let no_password = DbUrl::parse("postgres://u@db.example/d", Origin::Given).unwrap();
        assert!(no_password.libpq_env().iter().all(|(key, _)| *key != "PGPASSWORD"));
    }

    #[test]
    fn with_database_keeps_the_server_and_takes_any_name() {
        let url = DbUrl::parse("postgres://u:p@localhost:5433/referaidb", Origin::Given).unwrap();
        let other = url.with_database("odd name");
        assert_eq!(other.database(), "odd name");
        assert_eq!(other.server(), "localhost:5433");
        assert_eq!(url.maintenance_options().get_database(), Some("postgres"));
        assert_eq!(url.with_database("postgres").maintenance_options().get_database(), Some("template1"));
    }
}
