//! `restore`: pg_restore (or psql, for plain dumps) into a new database, verified against the
//! backup's manifest; with `--yes`, a replacement that swaps names only once all that succeeded.

use std::fs;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use dburl::DbUrl;
use sqlx::{Executor, PgConnection};
use xshell::{Shell, cmd};

use crate::backup::{self, Format};
use crate::db::{self, quote_ident};
use crate::manifest::{self, Manifest};
use crate::project::Project;
use crate::{flags, pg_tools, utc};

impl flags::Restore {
    /// Runs `cargo xtask restore`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        if !self.path.exists() {
            bail!(
                "no backup at {}; `ls {}` lists the backups",
                self.path.display(),
                project.backups_dir.display()
            );
        }
        let format = detect_format(&self.path)?;
        let manifest = Manifest::read_for(&self.path)?;
        let stamp = utc::file_stamp(utc::now()).replace('.', "_").to_lowercase();
        let target = match (&self.into, self.yes) {
            (Some(name), _) => name.clone(),
            (None, true) => url.database(),
            (None, false) => format!("{}_restored_{stamp}", url.database()),
        };
        let target_url = url.with_database(&target);
        let mut maintenance = db::connect_maintenance(&target_url).await?;
        let replacing = db::database_exists(&mut maintenance, &target).await?;
        if replacing && !self.yes {
            bail!(
                "database `{target}` already exists and restore never overwrites one unasked: pass --into NEWNAME, \
                 or --yes to replace it (a backup of it is taken first)"
            );
        }
        if replacing {
            let safety = backup::take(&target_url, &project.backups_dir, &backup::Request::safety()).await?;
            println!("backed up the current `{target}` to {}", safety.path.display());
        }

        // A replacement is restored beside the original, which is only touched by the final swap.
        let staging =
            if replacing { format!("{target}_restoring_{}", std::process::id()) } else { target.clone() };
        let staging_url = url.with_database(&staging);
        db::drop_database(&mut maintenance, &staging_url, true).await?;
        let create = format!("CREATE DATABASE {} TEMPLATE template0", quote_ident(&staging));
        maintenance
            .execute(sqlx::AssertSqlSafe(create))
            .await
            .with_context(|| format!("cannot create `{staging}`"))?;
        let restored =
            restore_and_verify(&staging_url, &self.path, format, self.jobs, manifest.as_ref()).await;
        let outcome = match restored {
            Ok(summary) if replacing => swap(&mut maintenance, &staging, &target).await.map(|()| summary),
            other => other,
        };
        match outcome {
            Ok(summary) => {
                println!("restored {} into `{target}`: {summary}", self.path.display());
                db::close(maintenance).await;
                Ok(())
            }
            Err(err) => {
                // Nothing half-done: the staging database goes, the original (if any) is untouched.
                let _ = db::drop_database(&mut maintenance, &staging_url, true).await;
                db::close(maintenance).await;
                let untouched = if replacing { format!("; `{target}` is untouched") } else { String::new() };
                Err(err.context(format!("restoring {} failed{untouched}", self.path.display())))
            }
        }
    }
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
    let mut conn = db::connect(url).await?;
    let verified = verify(&mut conn, manifest).await;
    db::close(conn).await;
    verified?;
    Ok(format!(
        "verified: {} tables match the manifest, migration version {}",
        manifest.tables.len(),
        manifest::show_version(manifest.migration_version)
    ))
}

async fn verify(conn: &mut PgConnection, manifest: &Manifest) -> Result<()> {
    let tables = manifest::table_sums(conn).await?;
    let version = manifest::migration_version(conn).await?;
    manifest.verify(&tables, version)
}

fn run_restore_program(url: &DbUrl, path: &Path, format: Format, jobs: Option<u32>) -> Result<()> {
    let sh = Shell::new()?;
    let (program, command) = match format {
        Format::Plain => {
            pg_tools::major_version(&sh, "psql")?;
            ("psql", cmd!(sh, "psql -X -q -v ON_ERROR_STOP=1 --single-transaction --file={path}"))
        }
        Format::Custom | Format::Directory => {
            pg_tools::major_version(&sh, "pg_restore")?;
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
    pg_tools::run(pg_tools::with_connection(command, url), program)
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
