//! pg_dump of a database into the backups folder, with a manifest to verify restores against.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use dburl::DbUrl;
use sqlx::{Connection, Executor};
use xshell::{Shell, cmd};

use super::Format;
use super::manifest::{self, Checksum, Manifest};
use crate::pg::{self, tools};
use crate::project::private_file;
use crate::utc;

/// How to take one backup.
#[derive(Debug, Clone)]
pub struct Request {
    /// pg_dump's format.
    pub format: Format,
    /// Parallel jobs (directory format only).
    pub jobs: Option<u32>,
    /// Where to write it, instead of a new name in the backups folder.
    pub output: Option<PathBuf>,
}

impl Request {
    /// A custom-format backup under a new name: what the automatic backups take.
    pub fn safety() -> Request {
        Request { format: Format::Custom, jobs: None, output: None }
    }
}

/// A backup that was written.
#[derive(Debug)]
pub struct Taken {
    /// The dump (a file, or a folder for the directory format).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How long it took.
    pub took: Duration,
}

/// Dumps the database at `url` with pg_dump, from the same snapshot its manifest describes.
///
/// The dump is written under a temporary name and renamed when complete, so a failure (pg_dump
/// error, disk full) leaves no partial file behind.
pub async fn take(url: &DbUrl, backups_dir: &Path, request: &Request) -> Result<Taken> {
    let started = Instant::now();
    let database = url.database();
    let mut conn = pg::connect(url).await?;
    let (server_version, server_major): (String, i32) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('server_version_num')::int / 10000",
    )
    .fetch_one(&mut conn)
    .await?;
    tools::ensure_at_least(&Shell::new()?, "pg_dump", server_major.unsigned_abs())?;

    // One snapshot for the manifest and pg_dump: rows written meanwhile are in neither.
    let mut tx = conn.begin().await?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
    let now = utc::now();
    let migration_version = manifest::migration_version(&mut tx).await?;
    let path = match &request.output {
        Some(path) => path.clone(),
        None => backups_dir.join(format!(
            "{database}-{}-{}.{}",
            utc::file_stamp(now),
            manifest::show_version(migration_version),
            request.format.extension()
        )),
    };
    if path.exists() {
        bail!("{} already exists; choose another --output or move it away", path.display());
    }
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(folder)
        .with_context(|| format!("cannot create the backup folder {}", folder.display()))?;
    let partial = folder.join(format!(".{}.partial", path.file_name().unwrap_or_default().to_string_lossy()));

    let dumping = {
        let (url, partial, request) = (url.clone(), partial.clone(), request.clone());
        tokio::task::spawn_blocking(move || dump(&url, &partial, &snapshot, &request))
    };
    // The checksums read the same snapshot while pg_dump writes it out, instead of after it.
    let tables = manifest::table_sums(&mut tx, Checksum::CURRENT).await;
    let dumped = dumping.await?;
    tx.rollback().await?;
    pg::close(conn).await;
    let manifest = tables.map(|tables| Manifest {
        database: database.clone(),
        server_version,
        migration_version,
        created_at: utc::timestamp(now.as_secs()),
        format: request.format.name().to_owned(),
        checksum: Checksum::CURRENT,
        tables,
    });
    if let Err(err) = dumped.and(manifest).and_then(|manifest| write_manifest(&partial, &path, &manifest)) {
        remove(&partial);
        return Err(err);
    }
    let bytes = size(&path);
    Ok(Taken { path, bytes, took: started.elapsed() })
}

/// Runs pg_dump into `partial`, created private (0600 file or 0700 folder) first.
fn dump(url: &DbUrl, partial: &Path, snapshot: &str, request: &Request) -> Result<()> {
    let sh = Shell::new()?;
    if request.format == Format::Directory {
        private_file::create_dir(partial)?;
    } else {
        private_file::create(partial)?;
    }
    let format = format!("--format={}", request.format.name());
    let jobs = match (request.format, request.jobs) {
        (Format::Directory, Some(jobs)) => vec![format!("--jobs={jobs}")],
        (_, Some(_)) => {
            bail!("--jobs works only with --format directory (pg_dump writes one file otherwise)")
        }
        (_, None) => Vec::new(),
    };
    // Owners and grants are left out: a developer restores as whatever role they have.
    let command = cmd!(
        sh,
        "pg_dump {format} {jobs...} --no-owner --no-privileges --snapshot={snapshot} --file={partial}"
    );
    tools::run(tools::with_connection(command, url), "pg_dump")
}

/// Moves the finished dump into place and writes its manifest beside it.
fn write_manifest(partial: &Path, path: &Path, manifest: &Manifest) -> Result<()> {
    fs::rename(partial, path).with_context(|| format!("cannot move the dump to {}", path.display()))?;
    let manifest_path = Manifest::path_for(path);
    let written = private_file::create(&manifest_path).and_then(|()| {
        let json = serde_json::to_string_pretty(manifest)? + "\n";
        fs::write(&manifest_path, json).with_context(|| format!("cannot write {}", manifest_path.display()))
    });
    if written.is_err() {
        remove(path);
        remove(&manifest_path);
    }
    written
}

/// Deletes all but the newest `keep` backups of `database` in `folder`; returns what it removed.
pub fn prune(folder: &Path, database: &str, keep: usize) -> Result<Vec<PathBuf>> {
    let prefix = format!("{database}-");
    let mut backups: Vec<PathBuf> = fs::read_dir(folder)
        .with_context(|| format!("cannot list {}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            // `<db>-<timestamp>...`, and not another database whose name starts alike.
            name.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                && !name.ends_with(".manifest.json")
        })
        .collect();
    // The timestamp in the name sorts oldest first.
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for path in &removed {
        remove(path);
        remove(&Manifest::path_for(path));
    }
    Ok(removed)
}

/// Removes a file or folder if it is there; cleanup that has nothing to clean is fine.
pub(super) fn remove(path: &Path) {
    let _ = if path.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) };
}

fn size(path: &Path) -> u64 {
    match fs::read_dir(path) {
        Ok(entries) => entries.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum(),
        Err(_) => fs::metadata(path).map_or(0, |m| m.len()),
    }
}

/// Bytes for people: "1.2 MB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_newest_backups_of_that_database_only() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "referaidb-20261101T000000.000Z-1.dump",
            "referaidb-20261102T000000.000Z-1.dump",
            "referaidb-20261103T000000.000Z-2.dump",
            "referaidb-old-20261101T000000.000Z-1.dump",
            "other-20261101T000000.000Z-1.dump",
        ];
        for name in names {
            fs::write(dir.path().join(name), "x").unwrap();
            fs::write(Manifest::path_for(&dir.path().join(name)), "{}").unwrap();
        }
        let removed = prune(dir.path(), "referaidb", 2).unwrap();
        assert_eq!(removed, [dir.path().join(names[0])]);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), 8, "{left:?}");
        assert!(!left.iter().any(|n| n.starts_with("referaidb-20261101")), "{left:?}");
    }

    #[test]
    fn sizes_read_like_a_person_would_say_them() {
        assert_eq!(human_size(512), "512 bytes");
        assert_eq!(human_size(1_234_567), "1.2 MB");
    }
}
