//! The API's one error type: each variant is a status and a message sent as `{"error": "..."}`.
//! Internal details (database errors, hashing failures) go to stderr, never to the client.

use axum::Json;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::constraint;

/// Everything a handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    /// 401, with `WWW-Authenticate: Bearer`: no token, a bad one, or wrong credentials.
    Unauthorized(&'static str),
    /// 404: no such row, or it belongs to someone else (the two are not told apart).
    NotFound(&'static str),
    /// 409: e.g. the email is taken.
    Conflict(&'static str),
    /// 413: an upload over the configured limit.
    PayloadTooLarge(String),
    /// 415: a body in another format than the endpoint reads, or a clip that is not a video.
    UnsupportedMediaType(String),
    /// 429, with `Retry-After`: too many failed logins; try again after that many seconds.
    TooManyRequests {
        /// Seconds until the lock ends.
        retry_after: u64,
    },
    /// 422: a well-formed request whose content is refused (weak password, 5 clips, ...).
    Unprocessable(String),
    /// 400: a request that could not be read at all.
    BadRequest(String),
    /// 503: the database cannot be reached, or its schema is not this build's.
    Unavailable(String),
    /// 500: a bug or an unexpected failure; the detail is logged, the client gets no detail.
    Internal(String),
}

impl ApiError {
    /// The status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Maps [`crate::Error::NotFound`] to a 404 saying `what` was not found, and any other
    /// repository error as `From` does.
    pub fn not_found(what: &'static str) -> impl Fn(crate::Error) -> ApiError {
        move |err| match err {
            crate::Error::NotFound => ApiError::NotFound(what),
            err => err.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after } => Some(*retry_after),
            _ => None,
        };
        let message = match self {
            ApiError::Unauthorized(message) | ApiError::NotFound(message) | ApiError::Conflict(message) => {
                message.to_owned()
            }
            ApiError::PayloadTooLarge(message)
            | ApiError::UnsupportedMediaType(message)
            | ApiError::Unprocessable(message)
            | ApiError::BadRequest(message)
            | ApiError::Unavailable(message) => message,
            ApiError::TooManyRequests { retry_after } => {
                format!("too many failed logins; try again in {retry_after} s")
            }
            ApiError::Internal(detail) => {
                eprintln!("error: {detail}");
                "internal server error".to_owned()
            }
        };
        let body = Json(json!({ "error": message }));
        if status == StatusCode::UNAUTHORIZED {
            (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
        } else if let Some(seconds) = retry_after {
            (status, [(header::RETRY_AFTER, seconds.to_string())], body).into_response()
        } else {
            (status, body).into_response()
        }
    }
}

impl From<crate::Error> for ApiError {
    fn from(err: crate::Error) -> Self {
        use crate::Error;
        match err {
            Error::EmailTaken => ApiError::Conflict("a user with this email already exists"),
            Error::InvalidCredentials => ApiError::Unauthorized("wrong email or password"),
            err @ (Error::EmailTooLong | Error::InvalidText) => ApiError::Unprocessable(err.to_string()),
            err @ Error::ClipCount { .. } => ApiError::Unprocessable(err.to_string()),
            err @ Error::NotAVideo { .. } => ApiError::UnsupportedMediaType(err.to_string()),
            Error::NotFound => ApiError::NotFound("not found"),
            Error::PredictionExists => ApiError::Conflict("this action already has a prediction"),
            // A valid token for a user deleted since: the account is gone, not the server broken.
            Error::ForeignKeyViolation { constraint: Some(name) }
                if name == constraint::ACTION_USER_ID_FKEY =>
            {
                ApiError::Unauthorized("this account no longer exists")
            }
            Error::Database(err) if is_unavailable(&err) => {
                eprintln!("error: database unavailable: {}", chain(&err));
                ApiError::Unavailable("database unavailable, try again later".to_owned())
            }
            err => ApiError::Internal(chain(&err)),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("expected a JSON body (Content-Type: application/json)".into())
            }
            // Unparseable JSON is malformed input like a missing field: both are 422 here.
            JsonRejection::JsonSyntaxError(_) | JsonRejection::JsonDataError(_) => {
                ApiError::Unprocessable(rejection.body_text())
            }
            other => from_status(other.status(), other.body_text()),
        }
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(rejection: MultipartRejection) -> Self {
        match rejection {
            MultipartRejection::InvalidBoundary(_) => ApiError::UnsupportedMediaType(
                "expected a multipart/form-data body with one file part per clip".into(),
            ),
            other => from_status(other.status(), other.body_text()),
        }
    }
}

impl From<MultipartError> for ApiError {
    fn from(err: MultipartError) -> Self {
        // 413 when the whole body passes the route's limit; 400 for a broken multipart body.
        from_status(err.status(), err.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        // `/actions/abc`: ids are numbers, so no such resource.
        ApiError::NotFound("not found")
    }
}

fn from_status(status: StatusCode, message: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(message),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(message),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::Unprocessable(message),
        status if status.is_client_error() => ApiError::BadRequest(message),
        _ => ApiError::Internal(message),
    }
}

/// Whether the database failed for want of resources or availability, which passes: no
/// connection in time, a broken connection, or SQLSTATE class 53 (out of memory, disk, lock
/// table or connections) or 57P01-57P03 (shutting down, starting up).
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("53") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// An error and its sources on one line, for the log.
fn chain(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_errors_map_to_statuses() {
        let cases = [
            (crate::Error::EmailTaken, StatusCode::CONFLICT),
            (crate::Error::InvalidCredentials, StatusCode::UNAUTHORIZED),
            (crate::Error::ClipCount { count: 5 }, StatusCode::UNPROCESSABLE_ENTITY),
            (crate::Error::NotFound, StatusCode::NOT_FOUND),
            (crate::Error::Database(sqlx::Error::PoolTimedOut), StatusCode::SERVICE_UNAVAILABLE),
            (crate::Error::Database(sqlx::Error::Protocol("bug".into())), StatusCode::INTERNAL_SERVER_ERROR),
            (
                crate::Error::ForeignKeyViolation {
                    constraint: Some(constraint::ACTION_USER_ID_FKEY.into()),
                },
                StatusCode::UNAUTHORIZED,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status(), status);
        }
    }

    #[tokio::test]
    async fn internal_details_never_reach_the_client() {
        let err = ApiError::from(crate::Error::Database(sqlx::Error::Protocol("secret detail".into())));
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"error":"internal server error"}"#);
    }
}
