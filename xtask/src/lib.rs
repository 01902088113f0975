//! `cargo xtask`: ReferAI's database workflow. `main.rs` parses and dispatches; each command
//! lives in the module named after what it does. The library form lets the integration tests
//! reuse the configuration rules.

pub mod config;
pub mod db;
pub mod flags;
pub mod history;
pub mod migrate;
pub mod migrations;
pub mod project;
pub mod revision;
pub mod setup;
pub mod suite;
