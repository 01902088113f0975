//! The connection pool.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::Settings;

/// How long a query waits for a free connection before failing (the API answers 503), instead
/// of sqlx's 30 s.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a pool on the configured database, failing now rather than at the first query if the
/// database cannot be reached.
pub async fn connect(settings: &Settings) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(settings.database.connect_options())
        .await
}
