//! The exit codes every command uses, in one place (documented in docs/DATABASE_MIGRATION.md):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done, or up to date |
//! | 1 | failed: the one `error:` line says what and what to do |
//! | 2 | usage: an unknown command or flag, or a flag's value refused |
//! | 3 | not current: the database is behind (pending or out-of-order migrations) or has drifted, or a generated file (`.sqlx/`, `docs/SCHEMA.md`, `backend/schema.sql` against `migrations/`) is stale |

use std::fmt;

/// Done.
pub const OK: u8 = 0;
/// Failed.
pub const FAILED: u8 = 1;
/// The command line was wrong.
pub const USAGE: u8 = 2;
/// The database is behind or drifted, or a generated file is stale.
pub const NOT_CURRENT: u8 = 3;

/// An error that means "not current" (exit code 3) rather than "failed": the command worked, and
/// what it checked is behind, drifted or stale. Its message is the one `error:` line.
#[derive(Debug)]
pub struct NotCurrent(pub String);

impl fmt::Display for NotCurrent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotCurrent {}

/// The exit code for a command's result.
pub fn code(result: &anyhow::Result<()>) -> u8 {
    match result {
        Ok(()) => OK,
        Err(err) if err.chain().any(|cause| cause.is::<NotCurrent>()) => NOT_CURRENT,
        Err(_) => FAILED,
    }
}
