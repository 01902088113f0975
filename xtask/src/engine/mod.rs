//! The migration engine: the migrations folder as sqlx resolves it, how a database stands against
//! it, and applying or reverting migrations under sqlx's lock. sqlx owns the bookkeeping
//! (`_sqlx_migrations`, checksums, the advisory lock); this module decides what to run and
//! explains failures.

mod apply;
mod destructive;
mod ledger;
mod lock;
mod offline;
mod revert;
pub mod scaffold;
mod source;
pub mod step;
mod target;

pub use apply::{Outcome, Pending, migrate_to_head};
pub use destructive::is_destructive;
pub use ledger::{AppliedRow, Entry, Standing, State, applied_version};
pub use offline::offline_script;
pub use revert::{Range, Reversal, Reverter};
pub use source::{MigrationFiles, Script, Source};
pub use target::Target;

/// sqlx's bookkeeping table; its layout and contents belong to sqlx's migrate module.
pub const TABLE: &str = "_sqlx_migrations";
