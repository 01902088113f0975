//! `cargo xtask`: ReferAI's database workflow, in layers whose imports point one way:
//!
//! - `main.rs` parses ([`flags`]) and dispatches to [`commands`], one thin module per command;
//! - beneath them, libraries grouped by what they are about: [`provision`] (db-setup's flow),
//!   [`engine`] (migrations), [`schema`] (autogenerate), [`lint`] (migration hazards), [`data`]
//!   (seeding), [`backups`] and [`query_data`] (`.sqlx/`); above them [`adopt`] (taking over a
//!   database another tool made);
//! - beneath those, [`pg`] (connections, databases, client programs, the local server);
//! - at the bottom, [`project`] (paths, settings, private files), [`interrupt`] (Ctrl-C and
//!   SIGTERM), [`utc`] and [`exit`] (the exit codes).
//!
//! The library form lets the integration tests reuse the project's layout and helpers.

pub mod adopt;
pub mod backups;
pub mod commands;
pub mod data;
pub mod engine;
pub mod exit;
pub mod flags;
pub mod interrupt;
pub mod lint;
pub mod pg;
pub mod project;
pub mod provision;
pub mod query_data;
pub mod schema;
pub mod utc;
