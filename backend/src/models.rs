//! The rows of ReferAI's tables as Rust types, serialisable for an API.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

// How many camera clips an action has, defined with the fixture format so that the seed data and
// the API enforce one rule.
pub use fixtures::CLIPS_PER_ACTION;

/// The id of a `user_account` row.
///
/// A newtype so that a user id and an action id, both `bigint`, cannot be swapped at a call site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UserId(pub i64);

/// The id of an `action` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct ActionId(pub i64);

/// A registered user.
///
/// Carries no password hash at all, so no serialisation or log line can leak it; the hash is read
/// only by [`Repository::find_user_with_password_hash`](crate::Repository::find_user_with_password_hash),
/// for [`accounts::login`](crate::accounts::login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The login email, unique across users, stored as given.
    pub email: String,
    /// When the account was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An incident a user uploaded, without its clips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// The action's id.
    pub id: ActionId,
    /// The user who uploaded it.
    pub user_id: UserId,
    /// When it was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One camera's view of an action: the uploaded video file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    /// The clip's id; clips of an action are returned in upload order, which is id order.
    pub id: i64,
    /// The action it belongs to.
    pub action_id: ActionId,
    /// The video file, byte for byte.
    pub content: Vec<u8>,
}

/// An action together with its 2 to 4 clips, in upload order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionWithClips {
    /// The action.
    #[serde(flatten)]
    pub action: Action,
    /// Its clips, in upload order.
    pub clips: Vec<Clip>,
}

/// A clip's id and size without its bytes: what a listing of an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipInfo {
    /// The clip's id.
    pub id: i64,
    /// The video file's size in bytes.
    pub size: i64,
}

impl From<&Clip> for ClipInfo {
    fn from(clip: &Clip) -> Self {
        // A clip is at most 1 GiB (PostgreSQL's bytea limit), far below i64::MAX.
        ClipInfo { id: clip.id, size: clip.content.len() as i64 }
    }
}

/// An action with its clips' ids and sizes (never their bytes) and its prediction, if the models
/// have answered: what a user sees of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionOverview {
    /// The action.
    #[serde(flatten)]
    pub action: Action,
    /// Its clips, in upload order.
    pub clips: Vec<ClipInfo>,
    /// The models' verdict; `None` until they have answered.
    pub prediction: Option<Prediction>,
}

/// Which model produced a result, so stored predictions stay interpretable after a model update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name, e.g. `"vars-foul"`.
    pub name: String,
    /// The model's version, e.g. a release tag or a weights checksum.
    pub version: String,
}

/// The foul model's per-class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FoulProbabilities {
    /// Probability that the action is a foul.
    pub foul: f64,
    /// Probability that it is not.
    pub no_foul: f64,
}

/// The severity model's per-class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeverityProbabilities {
    /// Probability that no card is deserved.
    pub no_card: f64,
    /// Probability of a yellow card.
    pub yellow_card: f64,
    /// Probability of a red card.
    pub red_card: f64,
}

/// One model's raw output as stored in a `jsonb` column: which model, and what it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResults<P> {
    /// The model that produced `probabilities`.
    pub model: ModelInfo,
    /// Its per-class probabilities.
    pub probabilities: P,
}

/// The content of `prediction.foul_model_results`.
pub type FoulModelResults = ModelResults<FoulProbabilities>;

/// The content of `prediction.severity_model_results`.
pub type SeverityModelResults = ModelResults<SeverityProbabilities>;

/// What the models concluded about an action: the part of a prediction the caller supplies.
///
/// The confidences are not checked here: the schema's CHECK constraints are the one place that
/// bounds them to [0, 1], and a violation comes back as
/// [`Error::CheckViolation`](crate::Error::CheckViolation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The verdict: foul or no foul.
    pub is_foul: bool,
    /// Confidence in "foul", in [0, 1].
    pub foul_confidence: f64,
    /// Confidence in "no foul", in [0, 1].
    pub no_foul_confidence: f64,
    /// Confidence in "no card", in [0, 1].
    pub no_card_confidence: f64,
    /// Confidence in "red card", in [0, 1].
    pub red_card_confidence: f64,
    /// Confidence in "yellow card", in [0, 1].
    pub yellow_card_confidence: f64,
    /// The foul model's raw output.
    pub foul_model_results: FoulModelResults,
    /// The severity model's raw output.
    pub severity_model_results: SeverityModelResults,
}

/// A stored prediction: at most one per action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The prediction's id.
    pub id: i64,
    /// The action it judges.
    pub action_id: ActionId,
    /// What the models concluded.
    #[serde(flatten)]
    pub verdict: Verdict,
}
