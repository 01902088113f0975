//! TLS by libpq's rules: `sslmode`, `sslrootcert`, `sslcert` and `sslkey` from the URL, else from
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT` and `PGSSLKEY`; the files checked before a connection
//! needs them; a failed handshake explained in one line.

use std::fs;
use std::path::Path;

use sqlx::postgres::PgSslMode;

use crate::{ConfigError, DbUrl, Origin, Settings};

/// Each TLS parameter of a URL, and the libpq variable that stands in for it when the URL has none.
const PARAMETERS: [(&str, &str); 4] = [
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
];

/// The roots sqlx's rustls trusts besides `sslrootcert`, for messages.
const BUILT_IN_ROOTS: &str = "the built-in Mozilla roots";

/// sqlx's message when the server answers `N` to the TLS request.
const NO_TLS_ON_SERVER: &str = "server does not support TLS";

/// libpq's name for `mode`, as in `sslmode=` and `PGSSLMODE`.
pub fn ssl_mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

/// One TLS parameter's value and where it was set.
#[derive(Debug, Clone)]
pub(crate) struct TlsVariable {
    parameter: &'static str,
    value: String,
    origin: Origin,
}

impl DbUrl {
    /// Takes each TLS parameter the URL does not set from its libpq variable in `settings`.
    pub(crate) fn with_tls_variables(mut self, settings: &Settings) -> Result<DbUrl, ConfigError> {
        for (parameter, variable) in PARAMETERS {
            if self.url_parameter(parameter).is_some() {
                continue;
            }
            // A broken `.env` cannot fail a fully exported setup: then only the environment counts.
            let found = settings.get(variable).unwrap_or_else(|_| settings.in_environment(variable));
            if let Some((value, origin)) = found {
                let value = value.trim().to_owned();
                if parameter == "sslmode" && value.parse::<PgSslMode>().is_err() {
                    return Err(ConfigError::InvalidSslMode { origin, value });
                }
                self.tls_variables.push(TlsVariable { parameter, value, origin });
            }
        }
        Ok(self)
    }

    fn url_parameter(&self, name: &str) -> Option<String> {
        self.url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
    }

    /// A TLS parameter's value and where it was set: the URL first, then its libpq variable.
    pub(crate) fn tls_parameter(&self, name: &str) -> Option<(String, Origin)> {
        self.url_parameter(name).map(|value| (value, self.origin)).or_else(|| {
            self.tls_variables.iter().find(|v| v.parameter == name).map(|v| (v.value.clone(), v.origin))
        })
    }

    /// The TLS parameters set by variables rather than by the URL.
    pub(crate) fn tls_variables(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.tls_variables.iter().map(|v| (v.parameter, v.value.as_str()))
    }

    /// The effective `sslmode`: as set, else `disable` on this machine (TLS protects nothing on
    /// loopback and costs ~80 ms a connection in a debug build) and libpq's `prefer` elsewhere.
    /// `require` with an `sslrootcert` is `verify-ca`, as in libpq.
    pub fn ssl_mode(&self) -> PgSslMode {
        let set = self.tls_parameter("sslmode").and_then(|(value, _)| value.parse().ok());
        match set {
            Some(PgSslMode::Require) if self.tls_parameter("sslrootcert").is_some() => PgSslMode::VerifyCa,
            Some(mode) => mode,
            None if self.is_local() => PgSslMode::Disable,
            None => PgSslMode::Prefer,
        }
    }

    /// `sslmode=MODE (where it was set)`, or how the default was chosen, for messages.
    pub fn ssl_mode_source(&self) -> String {
        let mode = ssl_mode_name(self.ssl_mode());
        match self.tls_parameter("sslmode") {
            Some((_, origin)) => format!("sslmode={mode} from {origin}"),
            None if self.is_local() => format!("sslmode={mode}, the default on this machine"),
            None => format!("sslmode={mode}, the default"),
        }
    }

    /// What the server's certificate is checked against, for messages.
    pub fn trusted_roots(&self) -> String {
        match self.tls_parameter("sslrootcert") {
            Some((path, origin)) => format!("sslrootcert {path} from {origin}, and {BUILT_IN_ROOTS}"),
            None => format!("{BUILT_IN_ROOTS} only (no sslrootcert set)"),
        }
    }

    /// How much a TLS connection with these settings proves about the server, for `doctor`.
    pub fn verification(&self) -> String {
        match self.ssl_mode() {
            PgSslMode::VerifyFull => {
                format!("certificate and host name verified against {}", self.trusted_roots())
            }
            PgSslMode::VerifyCa => {
                format!("certificate verified against {}; host name not checked", self.trusted_roots())
            }
            _ => "certificate not verified (use sslmode=verify-full to check it)".to_owned(),
        }
    }

    /// Refuses certificate and key files that cannot be read, a client certificate without its
    /// key (or the reverse), and, as libpq does, a key file that others may read.
    pub fn check_tls_files(&self) -> Result<(), ConfigError> {
        if matches!(self.ssl_mode(), PgSslMode::Disable | PgSslMode::Allow) {
            return Ok(());
        }
        match (self.tls_parameter("sslcert"), self.tls_parameter("sslkey")) {
            (Some((_, origin)), None) => {
                return Err(ConfigError::HalfClientCertificate {
                    present: "sslcert",
                    missing: "sslkey",
                    origin,
                });
            }
            (None, Some((_, origin))) => {
                return Err(ConfigError::HalfClientCertificate {
                    present: "sslkey",
                    missing: "sslcert",
                    origin,
                });
            }
            _ => {}
        }
        for parameter in ["sslrootcert", "sslcert", "sslkey"] {
            let Some((path, origin)) = self.tls_parameter(parameter) else { continue };
            let unreadable = |reason: std::io::Error| ConfigError::UnreadableTlsFile {
                parameter,
                path: path.clone(),
                origin,
                reason,
            };
            fs::File::open(&path).map_err(unreadable)?;
            if parameter == "sslkey" {
                check_key_permissions(Path::new(&path), origin)?;
            }
        }
        Ok(())
    }

    /// One line naming the cause when `err` is a TLS failure, else `None`.
    pub fn explain_tls_error(&self, err: &sqlx::Error) -> Option<String> {
        let server = self.server();
        let rustls = match err {
            sqlx::Error::Io(io) => io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()),
            sqlx::Error::Tls(inner) => inner.downcast_ref::<rustls::Error>(),
            _ => None,
        };
        use rustls::{CertificateError as Cert, Error as Tls};
        let line = match (err, rustls) {
            (sqlx::Error::Tls(inner), None) if inner.to_string() == NO_TLS_ON_SERVER => format!(
                "PostgreSQL at {server} does not offer TLS, but {} requires it: turn on `ssl` in the \
                 server's postgresql.conf, or use sslmode=prefer to accept an unencrypted connection",
                self.ssl_mode_source()
            ),
            (
                _,
                Some(Tls::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. })),
            ) => {
                format!(
                    "the certificate of {server} is not issued for host name `{}` ({}): connect with a \
                     name the certificate lists, or use sslmode=verify-ca to skip the name check",
                    self.connect_options().get_host(),
                    self.ssl_mode_source()
                )
            }
            (_, Some(Tls::InvalidCertificate(Cert::UnknownIssuer | Cert::BadSignature))) => format!(
                "the certificate of {server} is not signed by a trusted root (checked against {}): set \
                 sslrootcert to the CA file that signed it (e.g. your provider's bundle, such as RDS's \
                 global-bundle.pem), or use sslmode=require to skip verification",
                self.trusted_roots()
            ),
            (_, Some(Tls::InvalidCertificate(other))) => format!(
                "the certificate of {server} was refused ({other:?}, checked against {}; {})",
                self.trusted_roots(),
                self.ssl_mode_source()
            ),
            (_, Some(other)) => {
                format!("TLS with {server} failed ({other}; {})", self.ssl_mode_source())
            }
            (sqlx::Error::Tls(inner), None) => {
                format!("TLS with {server} failed ({inner}; {})", self.ssl_mode_source())
            }
            _ => return None,
        };
        Some(line)
    }
}

/// libpq's rule: a key file owned by its user must be `0600` or less; one owned by root may also
/// be group-readable (`0640`).
#[cfg(unix)]
fn check_key_permissions(path: &Path, origin: Origin) -> Result<(), ConfigError> {
    use std::os::unix::fs::MetadataExt;
    let metadata = fs::metadata(path).map_err(|reason| ConfigError::UnreadableTlsFile {
        parameter: "sslkey",
        path: path.display().to_string(),
        origin,
        reason,
    })?;
    let mode = metadata.mode() & 0o777;
    let forbidden = if metadata.uid() == 0 { 0o037 } else { 0o077 };
    if mode & forbidden != 0 {
        return Err(ConfigError::InsecureKeyFile { path: path.display().to_string(), origin, mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_key_permissions(_path: &Path, _origin: Origin) -> Result<(), ConfigError> {
    Ok(())
}
