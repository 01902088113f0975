//! pg_restore (or psql, for plain dumps) into a new database, verified against the backup's
//! manifest; a replacement is restored beside the original and swapped in only once verified.

use std::fs;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use dburl::DbUrl;
use sqlx::{Executor, PgConnection};
use xshell::{Shell, cmd};

use super::manifest::{self, Manifest};
use super::{Format, Request, take};
use crate::interrupt;
use crate::pg::{self, quote_ident, tools};
use crate::project::{db_name, shown_path};

/// Restores the backup at `path` into the database `target` names, verifies it against the
/// backup's manifest, and returns what it verified, in a few words.
///
/// An existing database is replaced only with `replace`: it is backed up into `backups_dir`
/// first, and the backup is restored beside it under another name; the names are swapped only
/// once that succeeded. On any failure the staging database is dropped and the original is
/// untouched.
pub async fn restore(
    target: &DbUrl,
    path: &Path,
    jobs: Option<u32>,
    replace: bool,
    backups_dir: &Path,
) -> Result<String> {
    let format = detect_format(path)?;
    let manifest = Manifest::read_for(path)?;
    let name = target.database();
    let mut maintenance = pg::connect_maintenance(target).await?;
    let replacing = pg::database_exists(&mut maintenance, &name).await?;
    if replacing && !replace {
        bail!(
            "database `{name}` already exists and restore never overwrites one unasked: pass --into NEWNAME, \
             or --yes to replace it (a backup of it is taken first)"
        );
    }
    if replacing {
        let safety = take(target, backups_dir, &Request::safety()).await?;
        println!("backed up the current `{name}` to {}", safety.path.display());
    }

    // A replacement is restored beside the original, which is only touched by the final swap.
    let staging = if replacing {
        db_name::derived(&name, &format!("_restoring_{}", std::process::id()))
    } else {
        name.clone()
    };
    let staging_url = target.with_database(&staging);
    // From here on a signal stops the restore program and the staging database is dropped.
    let _guard = interrupt::guard();
    pg::drop_database(&mut maintenance, &staging_url, true).await?;
    let create = format!("CREATE DATABASE {} TEMPLATE template0", quote_ident(&staging));
    let created = match maintenance.execute(sqlx::AssertSqlSafe(create)).await {
        Err(err) => Err(anyhow::anyhow!("cannot create `{staging}`: {}", pg::message(&err))),
        Ok(_) => Ok(()),
    };
    let outcome = match created {
        Err(err) => Err(err),
        Ok(()) => {
            let restored = tokio::select! {
                restored = restore_and_verify(&staging_url, path, format, jobs, manifest.as_ref()) => restored,
                interrupted = interrupt::cancelled() => Err(interrupted.into()),
            };
            // The last chance to stop: once the swap starts it runs to the end.
            match restored.and_then(|summary| interrupt::check().map(|()| summary).map_err(Into::into)) {
                Ok(summary) if replacing => swap(&mut maintenance, &staging, &name).await.map(|()| summary),
                other => other,
            }
        }
    };
    let dropped = outcome.is_err() && {
        // Nothing half-done: the staging database goes, the original (if any) is untouched.
        pg::drop_database(&mut maintenance, &staging_url, true).await.is_ok()
    };
    pg::close(maintenance).await;
    outcome.map_err(|err| {
        let untouched = if replacing { format!("; `{name}` is untouched") } else { String::new() };
        let path = shown_path(path);
        match (interrupt::cause(&err), dropped) {
            (Some(_), true) => {
                err.context(format!("restoring {path} stopped; `{staging}` was dropped{untouched}"))
            }
            (Some(_), false) => err.context(format!(
                "restoring {path} stopped, and `{staging}` could not be dropped: drop it by hand{untouched}"
            )),
            (None, _) => err.context(format!("restoring {path} failed{untouched}")),
        }
    })
}

/// Restores the backup at `path` into the existing, empty database at `url` (a scratch one
/// its caller owns) and verifies it against the backup's manifest.
pub async fn restore_into_empty(url: &DbUrl, path: &Path) -> Result<String> {
    let format = detect_format(path)?;
    let manifest = Manifest::read_for(path)?;
    restore_and_verify(url, path, format, None, manifest.as_ref()).await
}

/// Restores `path` into the (empty) database at `url` and checks it against the manifest.
///
/// An archive is restored in two steps: its tables with their data, then what pg_restore calls
/// post-data (keys, indexes, foreign keys, triggers), which never changes a row. The checksums
/// read the tables while that second step runs, instead of after it: each of its statements
/// commits alone (or is one of `--jobs`), so a checksum waits at most for one key's build.
async fn restore_and_verify(
    url: &DbUrl,
    path: &Path,
    format: Format,
    jobs: Option<u32>,
    manifest: Option<&Manifest>,
) -> Result<String> {
    let Some(manifest) = manifest else {
        restore_part(url, path, format, jobs, Part::Whole).await?;
        return Ok("not verified (no manifest beside the backup)".to_owned());
    };
    if format == Format::Plain {
        restore_part(url, path, format, jobs, Part::Whole).await?;
        verify(url, manifest).await?;
    } else {
        restore_part(url, path, format, jobs, Part::Data).await?;
        let (built, verified) =
            tokio::join!(restore_part(url, path, format, jobs, Part::PostData), verify(url, manifest));
        built?;
        verified?;
    }
    Ok(format!(
        "verified: {} tables match the manifest, migration version {}",
        manifest.tables.len(),
        manifest::show_version(manifest.migration_version)
    ))
}

/// Checks the database at `url` against `manifest`, on a connection of its own.
async fn verify(url: &DbUrl, manifest: &Manifest) -> Result<()> {
    let mut conn = pg::connect(url).await?;
    let tables = manifest::table_sums(&mut conn, manifest.checksum).await;
    let version = manifest::migration_version(&mut conn).await;
    pg::close(conn).await;
    manifest.verify(&tables?, version?)
}

/// Which part of an archive one pg_restore run restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// All of it (the only way a plain SQL dump restores).
    Whole,
    /// The tables and their data, in one transaction unless parallel.
    Data,
    /// Keys, indexes, foreign keys and triggers, a statement at a time unless parallel.
    PostData,
}

/// Runs the restore program for `part` of `path` on a blocking thread.
async fn restore_part(url: &DbUrl, path: &Path, format: Format, jobs: Option<u32>, part: Part) -> Result<()> {
    let (path, url) = (path.to_owned(), url.clone());
    tokio::task::spawn_blocking(move || run_restore_program(&url, &path, format, jobs, part)).await?
}

fn run_restore_program(
    url: &DbUrl,
    path: &Path,
    format: Format,
    jobs: Option<u32>,
    part: Part,
) -> Result<()> {
    let sh = Shell::new()?;
    let (program, command) = match format {
        Format::Plain => {
            tools::major_version(&sh, "psql")?;
            ("psql", cmd!(sh, "psql -X -q -v ON_ERROR_STOP=1 --single-transaction --file={path}"))
        }
        Format::Custom | Format::Directory => {
            tools::major_version(&sh, "pg_restore")?;
            // One transaction unless parallel: then a failure still leaves only the staging
            // database. Post-data alone commits each statement, so that the checksums running
            // beside it are never locked out until its end.
            let mode = match (jobs, part) {
                (Some(jobs), _) => vec![format!("--jobs={jobs}")],
                (None, Part::Whole | Part::Data) => vec!["--single-transaction".to_owned()],
                (None, Part::PostData) => Vec::new(),
            };
            let sections = match part {
                Part::Whole => &[][..],
                Part::Data => &["--section=pre-data", "--section=data"][..],
                Part::PostData => &["--section=post-data"][..],
            };
            // pg_restore needs the name to restore into (without it, it prints SQL); the rest of
            // the connection, the password included, is in the environment.
            let database = url.database();
            let command = cmd!(
                sh,
                "pg_restore --no-owner --no-privileges --exit-on-error {mode...} {sections...} --dbname={database} {path}"
            );
            ("pg_restore", command)
        }
    };
    tools::run(tools::with_connection(command, url), program)
}

/// Renames `staging` to `target`, dropping the old `target`: the only moment the original changes.
async fn swap(maintenance: &mut PgConnection, staging: &str, target: &str) -> Result<()> {
    let retired = db_name::derived(target, &format!("_replaced_{}", std::process::id()));
    let rename =
        |from: &str, to: &str| format!("ALTER DATABASE {} RENAME TO {}", quote_ident(from), quote_ident(to));
    maintenance.execute(sqlx::AssertSqlSafe(rename(target, &retired))).await.map_err(|err| {
        anyhow::anyhow!("cannot replace `{target}`: {err}; close its sessions (the backend, psql) and retry")
    })?;
    if let Err(err) = maintenance.execute(sqlx::AssertSqlSafe(rename(staging, target))).await {
        maintenance.execute(sqlx::AssertSqlSafe(rename(&retired, target))).await?;
        bail!("cannot rename the restored database to `{target}`: {err}");
    }
    let drop = format!("DROP DATABASE {} WITH (FORCE)", quote_ident(&retired));
    maintenance.execute(sqlx::AssertSqlSafe(drop)).await?;
    Ok(())
}

/// Custom archives start with `PGDMP`; directories are directory dumps; anything else is SQL.
fn detect_format(path: &Path) -> Result<Format> {
    if path.is_dir() {
        return Ok(Format::Directory);
    }
    let mut magic = [0u8; 5];
    let mut file = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let read = file.read(&mut magic).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(if read == 5 && &magic == b"PGDMP" { Format::Custom } else { Format::Plain })
}
