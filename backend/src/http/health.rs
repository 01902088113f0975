//! `GET /health`: whether the database answers and has exactly this build's migrations.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::{ApiError, AppState};

/// How long the check may take before the database counts as unreachable.
const TIMEOUT: Duration = Duration::from_secs(3);

/// 200 with the applied migration version; 503 when the database is unreachable, or behind (or
/// ahead of) the migrations this build's queries were checked against.
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let status = match tokio::time::timeout(TIMEOUT, state.repo.schema_status()).await {
        Ok(Ok(status)) => status,
        Ok(Err(err)) => {
            eprintln!("error: health check: {err}: {}", source_of(&err));
            return Err(ApiError::Unavailable("database unreachable".into()));
        }
        Err(_) => return Err(ApiError::Unavailable("database unreachable (no answer within 3 s)".into())),
    };
    let shown = |version: Option<i64>| version.map_or("none".to_owned(), |v| v.to_string());
    if let Some(next) = status.pending.first() {
        return Err(ApiError::Unavailable(format!(
            "database is behind: migration {} applied, {} pending from {next} to {}; run `cargo xtask migrate`",
            shown(status.applied),
            status.pending.len(),
            shown(status.expected),
        )));
    }
    if let Some(unknown) = status.unknown.last() {
        return Err(ApiError::Unavailable(format!(
            "database has migration {unknown}, which this build does not know; deploy the build that added it"
        )));
    }
    Ok(Json(json!({ "status": "ok", "migration": status.applied })))
}

fn source_of(err: &crate::Error) -> String {
    std::error::Error::source(err).map_or_else(String::new, ToString::to_string)
}
