//! ReferAI's backend. Its data layer (compile-time-checked sqlx queries against the schema in
//! `migrations/`) lands with the backend issue; for now the crate only anchors the workspace.
