//! ReferAI's HTTP API on axum: the router, its shared state, and `serve`.
//!
//! Read [`router`] for the endpoints, then one module per resource: [`auth`] (register, login,
//! the bearer-token extractor), `actions`, `clips`, `health`; [`ApiError`] is every failure's
//! status and `{"error": "..."}` body. Handlers reach the database only through
//! [`Repository`](crate::Repository), and passwords only through [`accounts`](crate::accounts).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::throttle::ThrottlePolicy;
use crate::{CLIPS_PER_ACTION, Hasher, Repository, Settings};

mod actions;
pub mod auth;
mod clips;
mod error;
mod health;
pub mod token;

pub use auth::AuthUser;
pub use error::ApiError;
pub use token::TokenKeys;

/// The largest JSON body accepted (credentials): far more than any real one.
const JSON_BODY_LIMIT: usize = 16 * 1024;
/// Room for the multipart boundaries and part headers around the clips.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    repo: Repository,
    keys: Arc<TokenKeys>,
    token_ttl: Duration,
    max_clip_bytes: usize,
    /// Bounds concurrent argon2 runs itself; one per process, shared by every request.
    hasher: Hasher,
    /// The limits on failed logins; the counters are in the database.
    login_throttle: ThrottlePolicy,
}

impl AppState {
    /// The state for `repo` and `hasher` with `settings`' secret and limits.
    pub fn new(repo: Repository, hasher: Hasher, settings: &Settings) -> AppState {
        AppState {
            repo,
            keys: Arc::new(TokenKeys::new(&settings.jwt_secret)),
            token_ttl: settings.token_ttl,
            max_clip_bytes: settings.max_clip_bytes,
            hasher,
            login_throttle: settings.login_throttle,
        }
    }
}

/// Every endpoint, with body limits: 16 KiB of JSON, or up to 4 clips under the clip limit.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.max_clip_bytes.saturating_mul(*CLIPS_PER_ACTION.end()) + MULTIPART_OVERHEAD;
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/actions", post(actions::create).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/actions/last", get(actions::last))
        .route("/actions/{id}", get(actions::get))
        .route("/actions/{id}/prediction", get(actions::prediction))
        .route("/clips/{id}", get(clips::get))
        .route("/health", get(health::health))
        .fallback(async || ApiError::NotFound("no such endpoint"))
        .method_not_allowed_fallback(async || MethodNotAllowed)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then lets the requests in
/// flight finish. Each request knows its peer's address (the login throttle counts by it).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// 405 in the API's error format.
struct MethodNotAllowed;

impl axum::response::IntoResponse for MethodNotAllowed {
    fn into_response(self) -> axum::response::Response {
        let body = axum::Json(serde_json::json!({ "error": "method not allowed on this endpoint" }));
        (axum::http::StatusCode::METHOD_NOT_ALLOWED, body).into_response()
    }
}
