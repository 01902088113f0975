//! The one error type of the repository, with database errors sorted by SQLSTATE and constraint
//! name into variants a caller can match on.

use sqlx::error::ErrorKind;

use crate::models::CLIPS_PER_ACTION;

/// The names of the schema's constraints that show up in errors, for matching on
/// [`Error::CheckViolation`], [`Error::UniqueViolation`] and [`Error::ForeignKeyViolation`].
pub mod constraint {
    /// Unique email across users once normalised (NFKC, lower case); surfaces as
    /// [`Error::EmailTaken`](super::Error::EmailTaken).
    pub const USER_EMAIL_NORMALIZED_KEY: &str = "user_account_email_normalized_key";
    /// The normalised email fits an index entry; surfaces as
    /// [`Error::EmailTooLong`](super::Error::EmailTooLong).
    pub const USER_EMAIL_NORMALIZED_LENGTH: &str = "user_account_email_normalized_length";
    /// One prediction per action; surfaces as
    /// [`Error::PredictionExists`](super::Error::PredictionExists).
    pub const PREDICTION_ACTION_ID_KEY: &str = "prediction_action_id_key";
    /// An action's user must exist.
    pub const ACTION_USER_ID_FKEY: &str = "action_user_id_fkey";
    /// A prediction's action must exist.
    pub const PREDICTION_ACTION_ID_FKEY: &str = "prediction_action_id_fkey";
    /// `foul_confidence` in [0, 1].
    pub const FOUL_CONFIDENCE_RANGE: &str = "prediction_foul_confidence_range";
    /// `no_foul_confidence` in [0, 1].
    pub const NO_FOUL_CONFIDENCE_RANGE: &str = "prediction_no_foul_confidence_range";
    /// `no_card_confidence` in [0, 1].
    pub const NO_CARD_CONFIDENCE_RANGE: &str = "prediction_no_card_confidence_range";
    /// `red_card_confidence` in [0, 1].
    pub const RED_CARD_CONFIDENCE_RANGE: &str = "prediction_red_card_confidence_range";
    /// `yellow_card_confidence` in [0, 1].
    pub const YELLOW_CARD_CONFIDENCE_RANGE: &str = "prediction_yellow_card_confidence_range";
}

/// What a repository operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another user already has this email.
    #[error("a user with this email already exists")]
    EmailTaken,
    /// The email grows past 1024 bytes once normalised (NFKC expands a few characters 18-fold).
    #[error("email is too long once normalised")]
    EmailTooLong,
    /// A text value PostgreSQL cannot store (SQLSTATE 22021), e.g. one with a NUL character.
    #[error("text with a NUL character or another invalid sequence")]
    InvalidText,
    /// Unknown email or wrong password: deliberately one variant, so a caller cannot tell which.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// An action was given too few or too many clips; nothing was written.
    #[error(
        "an action needs {} to {} clips, got {count}",
        CLIPS_PER_ACTION.start(),
        CLIPS_PER_ACTION.end()
    )]
    ClipCount {
        /// How many clips were given.
        count: usize,
    },
    /// A clip is not a video container the API accepts; nothing was written.
    #[error("clip {number} is not an MP4/MOV or WebM/Matroska video (checked by its first bytes)")]
    NotAVideo {
        /// The clip's position in the upload, from 1.
        number: usize,
    },
    /// The row does not exist, or belongs to another user (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The action already has its prediction; predictions are never overwritten.
    #[error("this action already has a prediction")]
    PredictionExists,
    /// A UNIQUE constraint other than the ones above (SQLSTATE 23505).
    #[error("duplicate value for {}", shown(constraint))]
    UniqueViolation {
        /// The constraint's name, as PostgreSQL reported it.
        constraint: Option<String>,
    },
    /// A CHECK constraint rejected a value (SQLSTATE 23514), e.g. a confidence outside [0, 1];
    /// the names are in [`constraint`].
    #[error("value rejected by {}", shown(constraint))]
    CheckViolation {
        /// The constraint's name, as PostgreSQL reported it.
        constraint: Option<String>,
    },
    /// A referenced row does not exist (SQLSTATE 23503), e.g. an action for a deleted user.
    #[error("referenced row missing for {}", shown(constraint))]
    ForeignKeyViolation {
        /// The constraint's name, as PostgreSQL reported it.
        constraint: Option<String>,
    },
    /// Argon2 failed, or a stored password hash is not a valid PHC string.
    #[error("password hashing failed: {0}")]
    PasswordHash(argon2::password_hash::Error),
    /// Any other database error: connection, protocol, or a bug in a query.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

/// The result of a repository operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The violated constraint's name, for the three constraint variants.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Error::UniqueViolation { constraint }
            | Error::CheckViolation { constraint }
            | Error::ForeignKeyViolation { constraint } => constraint.as_deref(),
            _ => None,
        }
    }
}

fn shown(constraint: &Option<String>) -> &str {
    constraint.as_deref().unwrap_or("an unnamed constraint")
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        let sqlx::Error::Database(db) = &err else {
            return match err {
                sqlx::Error::RowNotFound => Error::NotFound,
                err => Error::Database(err),
            };
        };
        // PostgreSQL names the constraint for every violation it raises itself; only a trigger's
        // `RAISE ... USING ERRCODE` could leave it out.
        let name = db.constraint();
        let constraint = name.map(str::to_owned);
        match db.kind() {
            ErrorKind::UniqueViolation => match name {
                Some(constraint::USER_EMAIL_NORMALIZED_KEY) => Error::EmailTaken,
                Some(constraint::PREDICTION_ACTION_ID_KEY) => Error::PredictionExists,
                _ => Error::UniqueViolation { constraint },
            },
            ErrorKind::CheckViolation if name == Some(constraint::USER_EMAIL_NORMALIZED_LENGTH) => {
                Error::EmailTooLong
            }
            ErrorKind::CheckViolation => Error::CheckViolation { constraint },
            // character_not_in_repertoire: PostgreSQL's text never holds a NUL, whatever the field.
            _ if db.code().as_deref() == Some("22021") => Error::InvalidText,
            ErrorKind::ForeignKeyViolation => Error::ForeignKeyViolation { constraint },
            _ => Error::Database(err),
        }
    }
}

impl From<argon2::password_hash::Error> for Error {
    fn from(err: argon2::password_hash::Error) -> Self {
        Error::PasswordHash(err)
    }
}
