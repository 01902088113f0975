//! End-to-end tests of `cargo xtask`: the real binary against a real PostgreSQL server, each test
//! in its own freshly created database that is dropped afterwards.

mod autogenerate;
mod backup;
mod connection;
mod downgrade;
mod fingerprint;
mod help;
mod history;
mod layers;
mod local_server;
mod migrate;
mod revision;
mod seed;
mod setup;
mod stairway;
mod support;
