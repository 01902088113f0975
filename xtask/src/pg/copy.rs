//! A copy of a whole database beside it, for proofs on real rows.
//!
//! `CREATE DATABASE … TEMPLATE` copies the files, which is fast, but PostgreSQL allows it only
//! while no other session is connected to the source. When someone is (the backend, psql), the
//! copy is made by pg_dump and pg_restore instead: pg_dump reads one snapshot and takes only
//! ACCESS SHARE locks, so the source's sessions carry on undisturbed.

use std::fs;
use std::path::PathBuf;

use anyhow::{Result, bail};
use sqlx::{Executor, PgConnection};
use xshell::{Shell, cmd};

use super::{
    close, connect_maintenance, create_database, drop_database, message, quote_ident, scratch, sqlstate,
    tools,
};
use crate::project::private_file;
use dburl::DbUrl;

/// How [`copy_into`] made the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyMethod {
    /// A file-level copy by `CREATE DATABASE … TEMPLATE`.
    Template,
    /// pg_dump, then pg_restore: someone else was connected to the source.
    DumpAndRestore,
}

impl CopyMethod {
    /// How the copy was made, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            CopyMethod::Template => "by CREATE DATABASE … TEMPLATE",
            CopyMethod::DumpAndRestore => "by pg_dump and pg_restore (it is in use, or not ours to template)",
        }
    }
}

/// Replaces the scratch database `copy` (on the same server as `source`, and already marked by
/// [`scratch`]) with a copy of `source`'s database, marked as scratch again.
pub async fn copy_into(source: &DbUrl, copy: &DbUrl) -> Result<CopyMethod> {
    let mut maintenance = connect_maintenance(copy).await?;
    let result = copy_with(&mut maintenance, source, copy).await;
    close(maintenance).await;
    result
}

async fn copy_with(maintenance: &mut PgConnection, source: &DbUrl, copy: &DbUrl) -> Result<CopyMethod> {
    let (from, to) = (source.database(), copy.database());
    drop_database(maintenance, copy, true).await?;
    let statement = format!("CREATE DATABASE {} TEMPLATE {}", quote_ident(&to), quote_ident(&from));
    let method = match maintenance.execute(sqlx::AssertSqlSafe(statement)).await {
        Ok(_) => CopyMethod::Template,
        // 55006: "source database is being accessed by other users"; 42501: only its owner (or
        // a superuser) may use it as a template. pg_dump needs neither.
        Err(err) if matches!(sqlstate(&err).as_deref(), Some("55006" | "42501")) => {
            create_database(maintenance, copy).await?;
            CopyMethod::DumpAndRestore
        }
        Err(err) => bail!("cannot copy database `{from}` on {}: {}", source.server(), message(&err)),
    };
    // The comment that marks a scratch database belongs to the database it was set on.
    scratch::mark(maintenance, &to).await?;
    if method == CopyMethod::DumpAndRestore {
        let major: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int / 10000")
            .fetch_one(&mut *maintenance)
            .await?;
        let (source, copy) = (source.clone(), copy.clone());
        tokio::task::spawn_blocking(move || dump_and_restore(&source, &copy, major.unsigned_abs())).await??;
    }
    Ok(method)
}

/// A private folder for the dump, removed with everything in it when dropped (also on error and
/// on Ctrl-C, which reaches here as an error from the killed program).
struct DumpFolder(PathBuf);

impl Drop for DumpFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn dump_and_restore(source: &DbUrl, copy: &DbUrl, server_major: u32) -> Result<()> {
    let sh = Shell::new()?;
    tools::ensure_at_least(&sh, "pg_dump", server_major)?;
    tools::ensure_at_least(&sh, "pg_restore", server_major)?;
    let folder = DumpFolder(std::env::temp_dir().join(format!("xtask-copy-{}", std::process::id())));
    let _ = fs::remove_dir_all(&folder.0);
    private_file::create_dir(&folder.0)?;
    let file = folder.0.join("copy.dump");
    let dump = cmd!(sh, "pg_dump --format=custom --no-owner --no-privileges --file={file}");
    tools::run(tools::with_connection(dump, source), "pg_dump")?;
    // pg_restore needs the name to restore into (without it, it prints SQL); the rest of the
    // connection, password included, is in its environment.
    let database = copy.database();
    let restore =
        cmd!(sh, "pg_restore --no-owner --no-privileges --exit-on-error --dbname={database} {file}");
    tools::run(tools::with_connection(restore, copy), "pg_restore")
}
