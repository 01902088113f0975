//! The JSON manifest beside each backup: what was dumped, with a row count and checksum per
//! table, so that a restore can prove it brought back exactly that.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection};

use crate::engine;
use crate::pg::{self, quote_ident};

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The database that was dumped.
    pub database: String,
    /// The server's version, e.g. "15.19 (Debian 15.19-0+deb12u1)".
    pub server_version: String,
    /// The newest applied migration, if any.
    pub migration_version: Option<i64>,
    /// When the backup was taken (UTC).
    pub created_at: String,
    /// pg_dump's format: custom, directory or plain.
    pub format: String,
    /// How the tables' checksums were computed; manifests from before it existed used MD5s.
    #[serde(default)]
    pub checksum: Checksum,
    /// Every table of the `public` schema, by name.
    pub tables: Vec<TableSum>,
}

/// How a table's rows are summed into its checksum; all are independent of physical row order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    /// MD5 over the sorted MD5s of the rows' text forms: what the first manifests hold (sorting
    /// every row's hash made it cost as much as a third of the dump).
    #[default]
    Md5Sorted,
    /// The sum of a 64-bit hash (`hashtextextended`, stable across PostgreSQL versions since
    /// hash partitioning relies on it) of each row's text form: no sort, ~6x cheaper.
    Hash64Sum,
    /// The sum of each row's 64-bit record hash (`hash_record_extended`, PostgreSQL 14 and
    /// later: every column hashed by its type's own hash function, the one hash partitioning
    /// uses, and combined in column order). No text form is made, so a bytea is hashed as its
    /// bytes rather than as hex: ~4x cheaper than [`Checksum::Hash64Sum`], which tables with a
    /// column of a type without hashing (json, point, ...) keep using.
    Hash64Record,
}

impl Checksum {
    /// The kind new manifests use.
    pub const CURRENT: Checksum = Checksum::Hash64Record;

    /// The query giving `count(*)` and the checksum of `table`.
    fn query(self, table: &str) -> String {
        let table = quote_ident(table);
        match self {
            // Hashing each row first keeps the aggregate small however large the rows (clips) are.
            Checksum::Md5Sorted => format!(
                "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), ''))
                 FROM (SELECT md5(t::text) AS h FROM public.{table} t) rows"
            ),
            // `sum` of a bigint is exact (a numeric, accumulated in 128 bits).
            Checksum::Hash64Sum => format!(
                "SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0)::text FROM public.{table} t"
            ),
            Checksum::Hash64Record => format!(
                "SELECT count(*), coalesce(sum(hash_record_extended(t, 0)), 0)::text FROM public.{table} t"
            ),
        }
    }

    /// The kind `table` is summed with when this kind cannot sum it: a record hash needs a hash
    /// function for every column's type.
    fn fallback(self) -> Option<Checksum> {
        match self {
            Checksum::Hash64Record => Some(Checksum::Hash64Sum),
            Checksum::Md5Sorted | Checksum::Hash64Sum => None,
        }
    }
}

/// One table's contents in two numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSum {
    /// The table's name.
    pub name: String,
    /// How many rows it has.
    pub rows: i64,
    /// The rows' checksum, by the manifest's [`Checksum`] kind.
    pub checksum: String,
}

/// Row counts and checksums (of `kind`) of every table in `public`, as the connection's snapshot
/// sees them.
pub async fn table_sums(conn: &mut PgConnection, kind: Checksum) -> Result<Vec<TableSum>> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            .fetch_all(&mut *conn)
            .await?;
    let mut sums = Vec::with_capacity(names.len());
    for name in names {
        let (rows, checksum) =
            table_sum(conn, &name, kind).await.with_context(|| format!("cannot checksum table {name}"))?;
        sums.push(TableSum { name, rows, checksum });
    }
    Ok(sums)
}

/// `table`'s row count and checksum of `kind`, or of its fallback when its rows cannot be summed
/// by `kind`; the same schema makes the same choice, so the dump and the restore agree.
async fn table_sum(conn: &mut PgConnection, table: &str, kind: Checksum) -> Result<(i64, String)> {
    let Some(fallback) = kind.fallback() else {
        return Ok(sum(conn, table, kind).await?);
    };
    // A savepoint, so that a failure does not abort the dump's snapshot transaction.
    let mut attempt = conn.begin().await?;
    match sum(&mut attempt, table, kind).await {
        Ok(sum) => {
            attempt.commit().await?;
            Ok(sum)
        }
        // "could not identify an extended hash function for type json"
        Err(err) if pg::sqlstate(&err).as_deref() == Some("42883") => {
            attempt.rollback().await?;
            Ok(sum(conn, table, fallback).await?)
        }
        Err(err) => Err(err.into()),
    }
}

async fn sum(conn: &mut PgConnection, table: &str, kind: Checksum) -> sqlx::Result<(i64, String)> {
    sqlx::query_as(sqlx::AssertSqlSafe(kind.query(table))).fetch_one(conn).await
}

/// The current migration version, read without creating the bookkeeping table.
pub async fn migration_version(conn: &mut PgConnection) -> Result<Option<i64>> {
    engine::applied_version(conn).await
}

impl Manifest {
    /// Where the manifest of the backup at `backup` lives: beside it, `.manifest.json` appended.
    pub fn path_for(backup: &Path) -> PathBuf {
        let mut name = backup.file_name().unwrap_or_default().to_os_string();
        name.push(".manifest.json");
        backup.with_file_name(name)
    }

    /// Reads the manifest of the backup at `backup`, if there is one.
    pub fn read_for(backup: &Path) -> Result<Option<Manifest>> {
        let path = Manifest::path_for(backup);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let manifest = serde_json::from_str(&text).with_context(|| {
            format!("{} is not a backup manifest; delete it to restore without verification", path.display())
        })?;
        Ok(Some(manifest))
    }

    /// Fails naming the first table (or the migration version) where `actual` differs.
    pub fn verify(&self, actual_tables: &[TableSum], actual_version: Option<i64>) -> Result<()> {
        if actual_version != self.migration_version {
            bail!(
                "the restored database is at migration version {} but the backup was at {}",
                show_version(actual_version),
                show_version(self.migration_version)
            );
        }
        for expected in &self.tables {
            match actual_tables.iter().find(|t| t.name == expected.name) {
                None => bail!("table {} is in the backup but missing after the restore", expected.name),
                Some(actual) if actual != expected => bail!(
                    "table {} differs: {} rows (checksum {}) after the restore, {} rows (checksum {}) in the backup",
                    expected.name,
                    actual.rows,
                    actual.checksum,
                    expected.rows,
                    expected.checksum
                ),
                Some(_) => {}
            }
        }
        if let Some(extra) = actual_tables.iter().find(|t| !self.tables.iter().any(|e| e.name == t.name)) {
            bail!("table {} exists after the restore but is not in the backup", extra.name);
        }
        Ok(())
    }
}

/// A version for messages: the number, or "base".
pub fn show_version(version: Option<i64>) -> String {
    version.map_or_else(|| "base".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(tables: &[(&str, i64, &str)]) -> Manifest {
        Manifest {
            database: "referaidb".into(),
            server_version: "15".into(),
            migration_version: Some(1),
            created_at: "2026-11-25 15:00:00+00".into(),
            format: "custom".into(),
            checksum: Checksum::CURRENT,
            tables: tables
                .iter()
                .map(|(name, rows, sum)| TableSum {
                    name: (*name).into(),
                    rows: *rows,
                    checksum: (*sum).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn verification_names_the_table_that_differs() {
        let backup = manifest(&[("clip", 2, "aa"), ("user_account", 1, "bb")]);
        assert!(backup.verify(&backup.tables, Some(1)).is_ok());
        let changed = manifest(&[("clip", 1, "cc"), ("user_account", 1, "bb")]);
        let err = backup.verify(&changed.tables, Some(1)).unwrap_err().to_string();
        assert!(err.contains("table clip differs: 1 rows") && err.contains("2 rows"), "{err}");
        let missing = manifest(&[("user_account", 1, "bb")]);
        assert!(
            backup
                .verify(&missing.tables, Some(1))
                .unwrap_err()
                .to_string()
                .contains("clip is in the backup")
        );
        let err = backup.verify(&backup.tables, None).unwrap_err().to_string();
        assert!(err.contains("version base but the backup was at 1"), "{err}");
    }

    #[test]
    fn manifests_from_before_the_checksum_kind_are_read_as_md5() {
        let mut json = serde_json::to_value(manifest(&[("clip", 2, "aa")])).unwrap();
        assert_eq!(json["checksum"], "hash64-record");
        json.as_object_mut().unwrap().remove("checksum");
        let old: Manifest = serde_json::from_value(json).unwrap();
        assert_eq!(old.checksum, Checksum::Md5Sorted);
    }

    #[test]
    fn the_manifest_sits_beside_its_backup() {
        let path = Manifest::path_for(Path::new("backups/referaidb-20261125T150000.000Z-1.dump"));
        assert_eq!(path, Path::new("backups/referaidb-20261125T150000.000Z-1.dump.manifest.json"));
    }
}
