//! `POST /actions` (the upload), `GET /actions/last`, `GET /actions/{id}` and
//! `GET /actions/{id}/prediction`: always the caller's own actions.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState, AuthUser};
use crate::{ActionId, ActionOverview, CLIPS_PER_ACTION, ClipInfo, Prediction};

/// Stores an upload of 2 to 4 clips, one file part each (field names are free; every part must
/// be a file): 201 with the action and a `Location`; 422 for another count, an empty clip or a
/// part that is not a file; 413 for a clip over the limit; 415 for a clip that is not an MP4/MOV
/// or WebM/Matroska file by its magic bytes (the part's declared type is ignored).
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart?;
    let limit = state.max_clip_bytes;
    let mut clips: Vec<Vec<u8>> = Vec::new();
    while let Some(mut field) = multipart.next_field().await? {
        let number = clips.len() + 1;
        if field.file_name().is_none() {
            let name = field.name().unwrap_or("").to_owned();
            return Err(ApiError::Unprocessable(format!(
                "part {number} (`{name}`) is not a file: send each clip as a file part"
            )));
        }
        if number > *CLIPS_PER_ACTION.end() {
            // Refused before reading on: a fifth clip is never buffered.
            return Err(ApiError::Unprocessable(format!(
                "an action needs {} to {} clips, got more than {}",
                CLIPS_PER_ACTION.start(),
                CLIPS_PER_ACTION.end(),
                CLIPS_PER_ACTION.end()
            )));
        }
        let mut content = Vec::new();
        while let Some(chunk) = field.chunk().await? {
            if content.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(format!(
                    "clip {number} is larger than the limit of {limit} bytes"
                )));
            }
            content.extend_from_slice(&chunk);
        }
        if content.is_empty() {
            return Err(ApiError::Unprocessable(format!("clip {number} is empty")));
        }
        clips.push(content);
    }
    let created = state.repo.create_action(user, clips).await?;
    let location = format!("/actions/{}", created.action.id.0);
    let body = ActionOverview {
        clips: created.clips.iter().map(ClipInfo::from).collect(),
        action: created.action,
        prediction: None,
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let location = HeaderValue::from_str(&location).expect("a path of digits is a valid header");
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// The caller's most recent action with its clips' ids and sizes and its prediction (`null`
/// until the models answer); 404 when they have uploaded nothing.
pub async fn last(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<ActionOverview>, ApiError> {
    let overview = state.repo.latest_action_overview(user).await?;
    overview.map(Json).ok_or(ApiError::NotFound("no action uploaded yet"))
}

/// One of the caller's actions, as `GET /actions/last` shows it; anyone else's is 404.
pub async fn get(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ActionOverview>, ApiError> {
    let Path(id) = id?;
    let overview = state
        .repo
        .action_overview_for_owner(user, ActionId(id))
        .await
        .map_err(ApiError::not_found("action not found"))?;
    Ok(Json(overview))
}

/// The stored prediction for one of the caller's actions; 404 when the models have not answered
/// yet, and for anyone else's action.
pub async fn prediction(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Prediction>, ApiError> {
    let Path(id) = id?;
    let prediction = state
        .repo
        .prediction_for_owner(user, ActionId(id))
        .await
        .map_err(ApiError::not_found("action not found"))?;
    prediction.map(Json).ok_or(ApiError::NotFound("no prediction for this action yet"))
}
