//! `GET /clips/{id}`: one clip's video file, for the owner of its action only.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use super::{ApiError, AppState, AuthUser};
use crate::media::VideoType;

/// The clip's bytes as uploaded, served as the type its magic bytes say (derived here rather than
/// stored: the bytes are read anyway, and a stored type could disagree with them); another user's
/// clip is 404. A clip stored before uploads were checked that is no video is served as an
/// attachment of `application/octet-stream`, so a browser never renders it.
pub async fn get(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Path(id) = id?;
    let clip = state.repo.clip_for_owner(user, id).await.map_err(ApiError::not_found("clip not found"))?;
    let (content_type, disposition) = match VideoType::detect(&clip.content) {
        Some(video) => (video.mime(), "inline"),
        None => ("application/octet-stream", "attachment"),
    };
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        // Per user: no shared cache may keep it.
        (header::CACHE_CONTROL, "private, no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    Ok((headers, clip.content))
}
