//! The operations the ReferAI app performs on its data, one submodule per entity.

use sqlx::PgPool;

mod actions;
mod clips;
mod login_throttle;
mod overview;
mod predictions;
mod schema;
mod users;

pub use login_throttle::{Admission, ChargedAttempt};
pub use schema::{MIGRATOR, SchemaStatus};

/// ReferAI's data operations on a connection pool; cheap to clone, as the pool is shared.
#[derive(Debug, Clone)]
pub struct Repository {
    pool: PgPool,
}

impl Repository {
    /// Wraps a pool, e.g. from [`crate::connect`].
    pub fn new(pool: PgPool) -> Self {
        Repository { pool }
    }

    /// The underlying pool, for health checks or work this repository does not cover.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
