//! `POST /auth/register`, `POST /auth/login`, and [`AuthUser`], the bearer-token extractor every
//! other endpoint takes.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ApiError, AppState};
use crate::{Admission, Error, User, UserId, accounts};

/// The body of both endpoints.
#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

impl Credentials {
    /// 422 for a NUL character in either field: PostgreSQL's text cannot hold one, and no
    /// account could have it.
    fn check_no_nul(&self) -> Result<(), ApiError> {
        if self.email.contains('\0') || self.password.contains('\0') {
            return Err(ApiError::Unprocessable("email and password must not contain NUL characters".into()));
        }
        Ok(())
    }
}

/// What a login returns.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The bearer token for `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    /// When the token expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Who logged in.
    pub user: User,
}

/// The shortest password accepted at registration.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest: argon2 would hash more, but no one types more, and the body stays small.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// `user_account.email` is `varchar(255)`.
const MAX_EMAIL_CHARS: usize = 255;

/// Registers a user: 201 with the user; 409 when the email is taken; 422 for a malformed email
/// or a weak password.
pub async fn register(
    State(state): State<AppState>,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let Json(credentials) = body?;
    credentials.check_no_nul()?;
    let Credentials { email, password } = credentials;
    check_email(&email).map_err(|why| ApiError::Unprocessable(why.into()))?;
    check_password(&email, &password).map_err(|why| ApiError::Unprocessable(why.into()))?;
    let user = accounts::register(&state.repo, &state.hasher, &email, &password).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Logs a user in: 200 with a token; a wrong password and an unknown email get the same 401
/// after the same argon2 work; 422 for a NUL character or an email over 255 characters.
///
/// Failed logins are throttled per email and per client address (see
/// [`ThrottlePolicy`](crate::throttle::ThrottlePolicy)): once either is locked, 429 with
/// `Retry-After`, before any password is checked, whether or not it is right (else the answer
/// would still tell a right guess from a wrong one). A successful login waits for nothing and
/// clears its email's failures.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Result<Json<LoginResponse>, ApiError> {
    let Json(credentials) = body?;
    credentials.check_no_nul()?;
    let Credentials { email, password } = credentials;
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(ApiError::Unprocessable("email must be at most 255 characters".into()));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        // No such password was ever accepted; skipping argon2 tells nothing about the email.
        return Err(ApiError::Unauthorized("wrong email or password"));
    }
    let policy = &state.login_throttle;
    let attempt = match state.repo.admit_login(policy, &email, peer.ip()).await? {
        Admission::Admitted(attempt) => attempt,
        Admission::Refused { retry_after } => {
            return Err(ApiError::TooManyRequests { retry_after: retry_after.as_secs() });
        }
    };
    let user = match accounts::login(&state.repo, &state.hasher, &email, &password).await {
        Ok(user) => user,
        Err(err) => {
            if matches!(err, Error::InvalidCredentials) {
                // Housekeeping on the failure path only, which attackers pay for; its failure
                // must not change the answer.
                if let Err(prune) = state.repo.forget_login_failures(policy).await {
                    eprintln!("warning: cannot forget old login failures: {prune}");
                }
            }
            return Err(err.into());
        }
    };
    state.repo.login_succeeded(policy, &attempt).await?;
    let now = OffsetDateTime::now_utc();
    let token = state.keys.issue(user.id, now, state.token_ttl);
    Ok(Json(LoginResponse {
        token,
        token_type: "Bearer".into(),
        expires_in: state.token_ttl.as_secs(),
        expires_at: now + state.token_ttl,
        user,
    }))
}

/// The user a request's `Authorization: Bearer <token>` names; missing, malformed, tampered or
/// expired tokens are all the same 401.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header =
            parts.headers.get(header::AUTHORIZATION).ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or(ApiError::Unauthorized("expected Authorization: Bearer <token>"))?;
        let user = state
            .keys
            .verify(token, OffsetDateTime::now_utc())
            .map_err(|_| ApiError::Unauthorized("invalid or expired token"))?;
        Ok(AuthUser(user))
    }
}

/// Whether `email` looks like an address: `local@domain.tld`, no spaces, at most 255 characters.
/// Deliberately loose (the only real check is a mail that arrives); it catches typos and junk.
fn check_email(email: &str) -> Result<(), &'static str> {
    let malformed = "email must look like name@example.com";
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err("email must be at most 255 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(malformed);
    }
    let (local, domain) = email.split_once('@').ok_or(malformed)?;
    let labels_ok = domain.split('.').count() >= 2 && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || domain.contains('@') || !labels_ok {
        return Err(malformed);
    }
    Ok(())
}

/// Whether `password` is acceptable for a new account: 8 to 128 characters, not all blank, not
/// the email itself.
fn check_password(email: &str, password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err("password must be at least 8 characters");
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err("password must be at most 128 characters");
    }
    if password.trim().is_empty() {
        return Err("password must not be blank");
    }
    if password.eq_ignore_ascii_case(email) {
        return Err("password must not be the email");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_emails_pass_and_junk_does_not() {
        for ok in ["a@b.co", "referee.one+var@club.example.org", "ÿ@例え.jp"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@b.",
            "a@.b",
            "a@@b.co",
            "a b@c.de",
            " a@b.co",
            &long,
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(check_password("a@b.co", "correct horse"), Ok(()));
        assert_eq!(check_password("a@b.co", "1234567"), Err("password must be at least 8 characters"));
        assert_eq!(check_password("a@b.co", "        "), Err("password must not be blank"));
        assert_eq!(check_password("ref@club.org", "REF@club.org"), Err("password must not be the email"));
        assert!(check_password("a@b.co", &"x".repeat(129)).is_err());
        // Characters, not bytes: eight accented letters are enough.
        assert_eq!(check_password("a@b.co", "éééééééé"), Ok(()));
    }
}
