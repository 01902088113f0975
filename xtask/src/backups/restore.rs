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
use crate::pg::{self, quote_ident, tools};

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
    let staging = if replacing { format!("{name}_restoring_{}", std::process::id()) } else { name.clone() };
    let staging_url = target.with_database(&staging);
    pg::drop_database(&mut maintenance, &staging_url, true).await?;
    let create = format!("CREATE DATABASE {} TEMPLATE template0", quote_ident(&staging));
    maintenance
        .execute(sqlx::AssertSqlSafe(create))
        .await
        .with_context(|| format!("cannot create `{staging}`"))?;
    let restored = restore_and_verify(&staging_url, path, format, jobs, manifest.as_ref()).await;
    let outcome = match restored {
        Ok(summary) if replacing => swap(&mut maintenance, &staging, &name).await.map(|()| summary),
        other => other,
    };
    if outcome.is_err() {
        // Nothing half-done: the staging database goes, the original (if any) is untouched.
        let _ = pg::drop_database(&mut maintenance, &staging_url, true).await;
    }
    pg::close(maintenance).await;
    outcome.map_err(|err| {
        let untouched = if replacing { format!("; `{name}` is untouched") } else { String::new() };
        err.context(format!("restoring {} failed{untouched}", path.display()))
    })
}

/// Restores `path` into the (empty) database at `url` and checks it against the manifest.
async fn restore_and_verify(
    url: &DbUrl,
    path: &Path,
    format: Format,
    jobs: Option<u32>,
    manifest: Option<&Manifest>,
) -> Result<String> {
    let (path_owned, url_owned) = (path.to_owned(), url.clone());
    tokio::task::spawn_blocking(move || run_restore_program(&url_owned, &path_owned, format, jobs)).await??;
    let Some(manifest) = manifest else {
        return Ok("not verified (no manifest beside the backup)".to_owned());
    };
    let mut conn = pg::connect(url).await?;
    let verified = verify(&mut conn, manifest).await;
    pg::close(conn).await;
    verified?;
    Ok(format!(
        "verified: {} tables match the manifest, migration version {}",
        manifest.tables.len(),
        manifest::show_version(manifest.migration_version)
    ))
}

async fn verify(conn: &mut PgConnection, manifest: &Manifest) -> Result<()> {
    let tables = manifest::table_sums(conn, manifest.checksum).await?;
    let version = manifest::migration_version(conn).await?;
    manifest.verify(&tables, version)
}

fn run_restore_program(url: &DbUrl, path: &Path, format: Format, jobs: Option<u32>) -> Result<()> {
    let sh = Shell::new()?;
    let (program, command) = match format {
        Format::Plain => {
            tools::major_version(&sh, "psql")?;
            ("psql", cmd!(sh, "psql -X -q -v ON_ERROR_STOP=1 --single-transaction --file={path}"))
        }
        Format::Custom | Format::Directory => {
            tools::major_version(&sh, "pg_restore")?;
            // One transaction unless parallel: then a failure still leaves only the staging database.
            let mode = match jobs {
                Some(jobs) => format!("--jobs={jobs}"),
                None => "--single-transaction".to_owned(),
            };
            // pg_restore needs the name to restore into (without it, it prints SQL); the rest of
            // the connection, the password included, is in the environment.
            let database = url.database();
            let command = cmd!(
                sh,
                "pg_restore --no-owner --no-privileges --exit-on-error {mode} --dbname={database} {path}"
            );
            ("pg_restore", command)
        }
    };
    tools::run(tools::with_connection(command, url), program)
}

/// Renames `staging` to `target`, dropping the old `target`: the only moment the original changes.
async fn swap(maintenance: &mut PgConnection, staging: &str, target: &str) -> Result<()> {
    let retired = format!("{target}_replaced_{}", std::process::id());
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
