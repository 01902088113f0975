//! ReferAI's backend data layer: users, the actions (incidents) they upload with 2 to 4 camera
//! clips each, and the models' prediction for each action, on PostgreSQL through sqlx queries
//! checked against the schema in `migrations/` at compile time.
//!
//! Start with [`Config::from_env`], [`connect`] and [`Repository`]; the HTTP API on top of them
//! (`cargo run -p backend`) is in [`http`].

mod config;
mod db;
mod error;
pub mod http;
mod models;
mod password;
mod repository;

pub use config::{Config, ConfigError, Origin};
pub use db::connect;
pub use error::{Error, Result, constraint};
pub use models::{
    Action, ActionId, ActionOverview, ActionWithClips, CLIPS_PER_ACTION, Clip, ClipInfo, FoulModelResults,
    FoulProbabilities, ModelInfo, ModelResults, Prediction, SeverityModelResults, SeverityProbabilities,
    User, UserId, Verdict,
};
pub use repository::{MIGRATOR, Repository, SchemaStatus};
