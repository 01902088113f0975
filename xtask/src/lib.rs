//! `cargo xtask`: ReferAI's database workflow. `main.rs` parses and dispatches; each command
//! lives in the module named after what it does. The library form lets the integration tests
//! reuse the project's layout and helpers.

pub mod autogenerate;
pub mod backup;
pub mod config;
pub mod db;
pub mod doctor;
pub mod fake_data;
pub mod flags;
pub mod history;
pub mod local_server;
pub mod manifest;
pub mod migrate;
pub mod migrations;
pub mod pg_tools;
pub mod prepare;
pub mod project;
pub mod restore;
pub mod revision;
pub mod schema;
pub mod scratch;
pub mod seed;
pub mod setup;
pub mod suite;
pub mod utc;
