//! Backups: pg_dump with a per-table manifest, and restores verified against it.

mod dump;
pub mod manifest;
mod restore;

use std::path::Path;

use anyhow::Result;

use crate::engine::{self, Pending};
use dburl::DbUrl;

pub use dump::{Request, Taken, human_size, prune, take};
pub use restore::{restore, restore_into_empty};

/// pg_dump's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One compressed archive for pg_restore (the default).
    Custom,
    /// A folder of compressed files; the only format pg_dump can write in parallel.
    Directory,
    /// A SQL script for psql.
    Plain,
}

impl Format {
    /// pg_dump's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Custom => "custom",
            Format::Directory => "directory",
            Format::Plain => "plain",
        }
    }

    /// The backup file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Custom => "dump",
            Format::Directory => "dir",
            Format::Plain => "sql",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(value: &str) -> Result<Format, String> {
        match value {
            "custom" => Ok(Format::Custom),
            "directory" => Ok(Format::Directory),
            "plain" => Ok(Format::Plain),
            other => Err(format!("--format takes custom, directory or plain, not `{other}`")),
        }
    }
}

/// Backs the database up into `folder` when one of the `pending` migrations may destroy data;
/// a database with nothing applied yet has nothing a migration could destroy.
pub async fn before_destructive(url: &DbUrl, folder: &Path, pending: &Pending<'_>) -> Result<()> {
    // A database at base has nothing to lose: no need to read the files.
    if pending.version().is_none() {
        return Ok(());
    }
    let migrations = pending.migrations();
    if let Some(files) = migrations.iter().find(|m| engine::is_destructive(m.up.migration.sql.as_str())) {
        let taken = take(url, folder, &Request::safety()).await?;
        println!(
            "backed up `{}` to {} first: {} may destroy data (--no-backup skips this)",
            url.database(),
            taken.path.display(),
            files.up.file_name()
        );
    }
    Ok(())
}
