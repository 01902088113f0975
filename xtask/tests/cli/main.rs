//! End-to-end tests of `cargo xtask`: the real binary against a real PostgreSQL server, each test
//! in its own freshly created database that is dropped afterwards.

mod autogenerate;
mod autogenerate_cases;
mod backup;
mod connection;
mod downgrade;
mod help;
mod history;
mod layers;
mod local_server;
mod migrate;
mod revision;
mod seed;
mod setup;
mod support;
