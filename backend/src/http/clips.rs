//! `GET /clips/{id}`: one clip's video file, for the owner of its action only.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use super::{ApiError, AppState, AuthUser};

/// The clip's bytes as uploaded, served as `video/mp4` (the schema keeps no content type; the
/// app uploads MP4); another user's clip is 404.
pub async fn get(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    id: Result<Path<i64>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Path(id) = id?;
    let clip = state.repo.clip_for_owner(user, id).await.map_err(ApiError::not_found("clip not found"))?;
    let headers = [
        (header::CONTENT_TYPE, "video/mp4"),
        // Per user: no shared cache may keep it.
        (header::CACHE_CONTROL, "private, no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    Ok((headers, clip.content))
}
