//! The migration engine: the migrations folder as sqlx resolves it, how a database stands against
//! it, and applying or reverting migrations under sqlx's lock. sqlx owns the bookkeeping
//! (`_sqlx_migrations`, checksums, the advisory lock); this module decides what to run and
//! explains failures.

mod apply;
pub mod baseline;
mod ddl_lock;
mod destructive;
mod ledger;
pub mod lock;
mod offline;
pub mod rebase;
mod revert;
pub mod scaffold;
mod session;
mod source;
pub mod step;
mod target;

pub use apply::{Outcome, Pending, migrate_to_head};
pub use ddl_lock::{
    DEFAULT_DDL_LOCK_TIMEOUT, DEFAULT_DDL_RETRIES, DdlLimits, LOCK_TIMEOUT_HEADER,
    MAINTENANCE_WORKERS_HEADER, STATEMENT_TIMEOUT_HEADER, parse_duration, retry_on_lock_timeout,
    show_duration,
};
pub use destructive::is_destructive;
pub use ledger::{
    AppliedRow, Entry, Standing, State, applied_version, ensure_not_foreign, foreign_tables, has_table,
};
pub use offline::offline_script;
pub use revert::{Range, Reversal, Reverter};
pub use source::{MigrationFiles, Script, Source};
pub use target::Target;

/// sqlx's bookkeeping table; its layout and contents belong to sqlx's migrate module.
pub const TABLE: &str = "_sqlx_migrations";
