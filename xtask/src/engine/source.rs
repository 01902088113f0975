//! The migrations folder as sqlx resolves it: one [`MigrationFiles`] per version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use sqlx::migrate::{Migration, MigrationType};

/// One migration script as found on disk.
#[derive(Debug)]
pub struct Script {
    /// The migration exactly as sqlx resolved it (SQL, checksum, `-- no-transaction`).
    pub migration: Migration,
    /// Where it lives.
    pub path: PathBuf,
}

impl Script {
    /// The file name, e.g. `20261125144500_initial_schema.up.sql`.
    pub fn file_name(&self) -> String {
        self.path.file_name().unwrap_or_default().to_string_lossy().into_owned()
    }
}

/// One version in the folder: its up script and, when reversible, its down script.
#[derive(Debug)]
pub struct MigrationFiles {
    /// The up (or only) script.
    pub up: Script,
    /// The matching `.down.sql`, if any.
    pub down: Option<Script>,
}

impl MigrationFiles {
    /// The version, the file name's numeric prefix.
    pub fn version(&self) -> i64 {
        self.up.migration.version
    }

    /// sqlx's description: the name after the version, `_` turned into spaces.
    pub fn description(&self) -> &str {
        &self.up.migration.description
    }
}

/// The migrations folder, resolved by sqlx and sorted by version.
#[derive(Debug)]
pub struct Source {
    /// The folder, as the user named it.
    pub dir: PathBuf,
    /// Every version, oldest first.
    pub migrations: Vec<MigrationFiles>,
}

impl Source {
    /// Resolves `dir` with sqlx's own resolver, so versions, descriptions and checksums are
    /// exactly what `sqlx::migrate!()` and sqlx-cli compute.
    pub fn load(dir: &Path) -> Result<Source> {
        if !dir.is_dir() {
            bail!(
                "migrations folder {} not found; pass --source DIR or run from the repository",
                dir.display()
            );
        }
        // `resolve_blocking` is what `migrate!()` itself uses; unlike `Migrator::new` it keeps the paths.
        let resolved = sqlx::migrate::resolve_blocking(dir)
            .map_err(|err| anyhow!("cannot read migrations in {}: {err}", dir.display()))?;
        let mut ups: BTreeMap<i64, Script> = BTreeMap::new();
        let mut downs: BTreeMap<i64, Script> = BTreeMap::new();
        for (migration, path) in resolved {
            let version = migration.version;
            let slot =
                if migration.migration_type == MigrationType::ReversibleDown { &mut downs } else { &mut ups };
            let script = Script { migration, path };
            if let Some(previous) = slot.insert(version, script) {
                bail!(
                    "two migrations share version {version}: {} and {}; give one a new version \
                     (`cargo xtask revision` makes a fresh one) and move its SQL there",
                    previous.file_name(),
                    slot[&version].file_name()
                );
            }
        }
        if let Some((_, orphan)) = downs.iter().find(|(version, _)| !ups.contains_key(version)) {
            bail!(
                "{} has no matching .up.sql in {}; restore the up file or delete it",
                orphan.file_name(),
                dir.display()
            );
        }
        let migrations = ups
            .into_iter()
            .map(|(version, up)| MigrationFiles { up, down: downs.remove(&version) })
            .collect();
        Ok(Source { dir: dir.to_owned(), migrations })
    }

    /// The migration with this version, if the folder has it.
    pub fn get(&self, version: i64) -> Option<&MigrationFiles> {
        self.migrations
            .binary_search_by_key(&version, MigrationFiles::version)
            .ok()
            .map(|i| &self.migrations[i])
    }

    /// The newest version in the folder.
    pub fn head(&self) -> Option<i64> {
        self.migrations.last().map(MigrationFiles::version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, sql: &str) {
        std::fs::write(dir.join(name), sql).unwrap();
    }

    #[test]
    fn source_pairs_up_and_down_and_rejects_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a.up.sql", "SELECT 1;");
        write(dir.path(), "1_a.down.sql", "SELECT 2;");
        write(dir.path(), "2_b.sql", "SELECT 3;");
        let source = Source::load(dir.path()).unwrap();
        assert_eq!(source.migrations.len(), 2);
        assert!(source.get(1).unwrap().down.is_some());
        assert!(source.get(2).unwrap().down.is_none());
        assert_eq!(source.head(), Some(2));

        write(dir.path(), "2_other.sql", "SELECT 4;");
        let err = Source::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("two migrations share version 2"), "{err}");
    }

    #[test]
    fn a_down_without_an_up_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "3_c.down.sql", "SELECT 1;");
        let err = Source::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("3_c.down.sql has no matching .up.sql"), "{err}");
    }
}
