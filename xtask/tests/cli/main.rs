//! End-to-end tests of `cargo xtask`: the real binary against a real PostgreSQL server, each test
//! in its own freshly created database that is dropped afterwards.

mod adopt;
mod autogenerate;
mod autogenerate_cases;
mod backup;
mod concurrency;
mod connection;
mod downgrade;
mod fingerprint;
mod hardening;
mod help;
mod history;
mod layers;
mod lint;
mod local_server;
mod lock_waits;
mod migrate;
mod quickstart;
mod real_rows;
mod revision;
mod seed;
mod setup;
mod stairway;
mod support;
mod team;
mod tls;
mod tls_server;
