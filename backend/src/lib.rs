//! ReferAI's backend data layer: users, the actions (incidents) they upload with 2 to 4 camera
//! clips each, and the models' prediction for each action, on PostgreSQL through sqlx queries
//! checked against the schema in `migrations/` at compile time.
//!
//! Start with [`Settings::read`] (every setting, from one [`dburl::Settings`]), [`connect`] and
//! [`Repository`]; [`Hasher`] runs argon2 within its own concurrency bound, and [`accounts`]
//! combines the two for registration and login. The HTTP API on top of them
//! (`cargo run -p backend`) is in [`http`].

pub mod accounts;
mod db;
mod error;
pub mod http;
pub mod media;
mod models;
pub mod password;
mod repository;
pub mod settings;
pub mod throttle;

pub use db::{ACQUIRE_TIMEOUT, connect};
pub use dburl::{ConfigError, DbUrl, Origin};
pub use error::{Error, Result, constraint};
pub use models::{
    Action, ActionId, ActionOverview, ActionWithClips, CLIPS_PER_ACTION, Clip, ClipInfo, FoulModelResults,
    FoulProbabilities, ModelInfo, ModelResults, Prediction, SeverityModelResults, SeverityProbabilities,
    User, UserId, Verdict,
};
pub use password::Hasher;
pub use repository::{Admission, ChargedAttempt, MIGRATOR, Repository, SchemaStatus};
pub use settings::{Settings, SettingsError};
