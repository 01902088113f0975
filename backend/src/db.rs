//! The connection pool.

use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::Config;

/// Opens a pool on the configured database, failing now rather than at the first query if the
/// database cannot be reached.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new().connect_with(config.connect_options()).await
}
