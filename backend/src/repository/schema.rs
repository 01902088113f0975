//! Whether the database's schema is the one this build's queries were checked against.

use sqlx::migrate::Migrator;

use super::Repository;
use crate::error::Result;

/// The migrations in `migrations/`, embedded at compile time (`build.rs` reruns the embedding
/// when the folder changes).
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// PostgreSQL's SQLSTATE for a table that does not exist.
const UNDEFINED_TABLE: &str = "42P01";

/// How the database's applied migrations compare with the ones this build embeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The newest migration applied to the database, if any.
    pub applied: Option<i64>,
    /// The newest migration this build knows.
    pub expected: Option<i64>,
    /// Migrations of this build the database lacks, oldest first.
    pub pending: Vec<i64>,
    /// Migrations applied to the database that this build does not know (a newer build migrated
    /// it), oldest first.
    pub unknown: Vec<i64>,
}

impl SchemaStatus {
    /// Whether the database has exactly this build's migrations, the schema its queries were
    /// checked against at compile time.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty()
    }

    /// Compares the versions applied to a database with the ones this build embeds.
    pub fn compare(applied: &[i64], embedded: &[i64]) -> SchemaStatus {
        SchemaStatus {
            applied: applied.iter().copied().max(),
            expected: embedded.iter().copied().max(),
            pending: embedded.iter().copied().filter(|v| !applied.contains(v)).collect(),
            unknown: applied.iter().copied().filter(|v| !embedded.contains(v)).collect(),
        }
    }
}

impl Repository {
    /// The database's migrations against [`MIGRATOR`]'s: a database never migrated (no
    /// `_sqlx_migrations` table) has every migration pending.
    ///
    /// Fails only when the database cannot be queried, e.g. it is unreachable.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let applied =
            sqlx::query_scalar!("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(&self.pool)
                .await;
        let applied = match applied {
            Ok(applied) => applied,
            Err(sqlx::Error::Database(err)) if err.code().as_deref() == Some(UNDEFINED_TABLE) => Vec::new(),
            Err(err) => return Err(err.into()),
        };
        let mut embedded: Vec<i64> = MIGRATOR
            .iter()
            .filter(|migration| migration.migration_type.is_up_migration())
            .map(|migration| migration.version)
            .collect();
        embedded.sort_unstable();
        Ok(SchemaStatus::compare(&applied, &embedded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_build_embeds_the_migrations_folder() {
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations")).unwrap();
        let mut on_disk: Vec<i64> = files
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".up.sql"))
            .map(|name| name.split('_').next().unwrap().parse().unwrap())
            .collect();
        on_disk.sort_unstable();
        let embedded: Vec<i64> =
            MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).map(|m| m.version).collect();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn pending_and_unknown_migrations_are_told_apart() {
        let current = SchemaStatus::compare(&[1, 2], &[1, 2]);
        assert!(current.is_current());
        assert_eq!((current.applied, current.expected), (Some(2), Some(2)));

        let behind = SchemaStatus::compare(&[1], &[1, 2, 3]);
        assert!(!behind.is_current());
        assert_eq!((behind.applied, behind.pending, behind.unknown), (Some(1), vec![2, 3], vec![]));

        let never_migrated = SchemaStatus::compare(&[], &[1]);
        assert_eq!((never_migrated.applied, never_migrated.pending), (None, vec![1]));

        let ahead = SchemaStatus::compare(&[1, 2, 9], &[1, 2]);
        assert!(!ahead.is_current());
        assert_eq!((ahead.pending, ahead.unknown), (vec![], vec![9]));
    }
}
