//! `migrate` and `downgrade`: apply and revert migrations through sqlx's own migrate machinery.
//!
//! sqlx owns the bookkeeping (the `_sqlx_migrations` table, checksums, the advisory lock key,
//! one transaction per migration); this module decides what to run and explains failures.

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use sqlx::migrate::{Migrate, MigrateError, Migration};
use sqlx::{Executor, PgConnection};

use crate::flags;
use crate::migrations::{self, Entry, Revision, Script, Source, State, TABLE, Target};
use crate::{backup, db};
use dburl::DbUrl;

/// What one `migrate` run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Versions applied by this run, oldest first, with their descriptions.
    pub applied: Vec<(i64, String)>,
    /// The database's version afterwards, if any migration is applied.
    pub version: Option<i64>,
}

impl flags::Migrate {
    /// Runs `cargo xtask migrate`.
    pub async fn run(self, url: &DbUrl, source: &Source, backups_dir: &Path) -> Result<()> {
        let backups = (!self.no_backup).then_some(backups_dir);
        let target = self.target.map(|t| migrate_target(t, source)).transpose()?.flatten();
        let database = url.database();
        if self.dry_run || self.sql {
            let mut conn = db::connect(url).await?;
            let applied = migrations::read_applied(&mut conn).await?;
            db::close(conn).await;
            let entries = migrations::reconcile(source, &applied);
            migrations::ensure_no_drift(&entries, source, &database)?;
            let pending = pending(&entries, target);
            if self.sql {
                print!("{}", offline_script(&pending, &database));
            } else if pending.is_empty() {
                println!("`{database}` is up to date; nothing would run");
            } else {
                println!("would apply to `{database}`:");
                for revision in pending {
                    println!("  {}", revision.up.file_name());
                }
            }
            return Ok(());
        }
        let outcome = apply_pending(url, source, target, self.lock_timeout, backups, print_applied).await?;
        match (outcome.applied.is_empty(), outcome.version) {
            (true, Some(version)) => println!("`{database}` is already at version {version}; nothing to do"),
            (true, None) => println!("`{database}` has no migrations to apply; nothing to do"),
            (false, version) => println!(
                "`{database}` is now at version {}",
                version.map_or("none".to_owned(), |v| v.to_string())
            ),
        }
        Ok(())
    }
}

impl flags::Downgrade {
    /// Runs `cargo xtask downgrade`; unless `--no-backup`, backs the database up first.
    pub async fn run(self, url: &DbUrl, source: &Source, backups_dir: &Path) -> Result<()> {
        let database = url.database();
        let mut conn = db::connect(url).await?;
        lock(&mut conn, &database, self.lock_timeout).await?;
        let applied = migrations::read_applied(&mut conn).await?;
        let entries = migrations::reconcile(source, &applied);
        let plan = self.plan(&entries, source, &database)?;
        if plan.is_empty() {
            println!("`{database}` has no applied migrations; nothing to revert");
            return Ok(());
        }
        if self.dry_run {
            println!("would revert in `{database}`:");
            for (_, down) in &plan {
                println!("  {}", down.file_name());
            }
            return Ok(());
        }
        if !self.no_backup {
            let taken = backup::take(url, backups_dir, &backup::Request::safety()).await?;
            println!("backed up `{database}` to {} first (--no-backup skips this)", taken.path.display());
        }
        for (entry, down) in &plan {
            if entry.state == State::Modified {
                eprintln!(
                    "note: {} changed since it was applied; reverting with the current {}",
                    entry.revision.map(|r| r.up.file_name()).unwrap_or_default(),
                    down.file_name()
                );
            }
            let took = conn
                .revert(TABLE, &down.migration)
                .await
                .map_err(|err| explain(err, down, &database, Some(entry.version)))?;
            println!("reverted {} {} ({})", entry.version, entry.description, millis(took));
        }
        let version = current_version(&mut conn).await?;
        let _ = conn.unlock().await;
        db::close(conn).await;
        println!(
            "`{database}` is now at version {}",
            version.map_or("base (nothing applied)".to_owned(), |v| v.to_string())
        );
        Ok(())
    }

    /// The migrations to revert, newest first, each with its down script; fails before anything
    /// is reverted if one of them cannot be.
    fn plan<'a>(
        &self,
        entries: &'a [Entry<'a>],
        source: &Source,
        database: &str,
    ) -> Result<Vec<(&'a Entry<'a>, &'a Script)>> {
        if let Some(failed) = entries.iter().find(|e| e.state == State::Failed) {
            migrations::ensure_no_drift(std::slice::from_ref(failed), source, database)?;
        }
        let applied: Vec<&Entry<'_>> = entries.iter().rev().filter(|e| e.applied.is_some()).collect();
        let chosen: Vec<&Entry<'_>> = match (self.steps, self.target) {
            (Some(_), Some(_)) => bail!("give either --steps or --target, not both"),
            (_, Some(Target::Base)) => applied,
            (_, Some(Target::Version(version))) => {
                if source.get(version).is_none() && !applied.iter().any(|e| e.version == version) {
                    bail!(
                        "unknown --target {version}: no migration in {} or `{database}` has that version; `cargo xtask history` lists them",
                        source.dir.display()
                    );
                }
                applied.into_iter().filter(|e| e.version > version).collect()
            }
            (steps, None) => {
                let steps = steps.unwrap_or(1) as usize;
                if steps > applied.len() && !applied.is_empty() {
                    bail!(
                        "cannot revert {steps} migrations: only {} are applied to `{database}`; use --target base to revert them all",
                        applied.len()
                    );
                }
                applied.into_iter().take(steps).collect()
            }
        };
        chosen
            .into_iter()
            .map(|entry| {
                let down = entry.revision.and_then(|r| r.down.as_ref());
                match (entry.revision, down) {
                    (_, Some(down)) => Ok((entry, down)),
                    (Some(revision), None) => Err(anyhow!(
                        "{} has no .down.sql, so it cannot be reverted; nothing was reverted. \
                         Undo it with a new migration (`cargo xtask revision -m ...`) instead",
                        revision.up.file_name()
                    )),
                    (None, None) => Err(anyhow!(
                        "migration {} ({}) is applied to `{database}` but its files are missing from {}; \
                         nothing was reverted. Restore them from git first",
                        entry.version,
                        entry.description,
                        source.dir.display()
                    )),
                }
            })
            .collect()
    }
}

/// Applies pending migrations up to `target` (or head) under sqlx's advisory lock, calling
/// `on_applied` after each. With `backups`, a database that already has migrations applied is
/// backed up into that folder first when a pending migration is destructive.
///
/// Safe to run concurrently: the second caller waits for the lock, then finds nothing to do.
pub async fn apply_pending(
    url: &DbUrl,
    source: &Source,
    target: Option<i64>,
    lock_wait: Duration,
    backups: Option<&Path>,
    mut on_applied: impl FnMut(&Revision, Duration),
) -> Result<Outcome> {
    let database = url.database();
    let mut conn = db::connect(url).await?;

    // Fast path: an up-to-date database costs one query and takes no lock.
    let applied = migrations::read_applied(&mut conn).await?;
    let entries = migrations::reconcile(source, &applied);
    migrations::ensure_no_drift(&entries, source, &database)?;
    let to_apply = pending(&entries, target);
    if to_apply.is_empty() {
        let version = applied.last().map(|row| row.version);
        db::close(conn).await;
        return Ok(Outcome { applied: Vec::new(), version });
    }
    let destructive = to_apply.iter().find(|r| migrations::is_destructive(r.up.migration.sql.as_str()));
    // A database with nothing applied yet has nothing a migration could destroy.
    if let (Some(folder), Some(revision), false) = (backups, destructive, applied.is_empty()) {
        let taken = backup::take(url, folder, &backup::Request::safety()).await?;
        println!(
            "backed up `{database}` to {} first: {} may destroy data (--no-backup skips this)",
            taken.path.display(),
            revision.up.file_name()
        );
    }

    lock(&mut conn, &database, lock_wait).await?;
    conn.ensure_migrations_table(TABLE).await?;
    // Read again under the lock: another process may have migrated while we waited.
    let applied = migrations::read_applied(&mut conn).await?;
    let entries = migrations::reconcile(source, &applied);
    migrations::ensure_no_drift(&entries, source, &database)?;
    let mut outcome = Outcome { applied: Vec::new(), version: applied.last().map(|row| row.version) };
    for revision in pending(&entries, target) {
        let took = conn
            .apply(TABLE, &revision.up.migration)
            .await
            .map_err(|err| explain(err, &revision.up, &database, outcome.version))?;
        on_applied(revision, took);
        outcome.applied.push((revision.version(), revision.description().to_owned()));
        outcome.version = Some(revision.version());
    }
    let _ = conn.unlock().await;
    db::close(conn).await;
    Ok(outcome)
}

/// The pending revisions up to `target`, oldest first.
fn pending<'a>(entries: &[Entry<'a>], target: Option<i64>) -> Vec<&'a Revision> {
    entries
        .iter()
        .filter(|e| e.state == State::Pending && target.is_none_or(|t| e.version <= t))
        .filter_map(|e| e.revision)
        .collect()
}

/// Checks a `migrate --target`: `None` means head.
fn migrate_target(target: Target, source: &Source) -> Result<Option<i64>> {
    match target {
        Target::Base => bail!(
            "`migrate --target base` would apply nothing; to revert everything use `cargo xtask downgrade --target base`"
        ),
        Target::Version(version) if source.get(version).is_some() => Ok(Some(version)),
        Target::Version(version) => bail!(
            "unknown --target {version}: no migration in {} has that version; `cargo xtask history` lists them",
            source.dir.display()
        ),
    }
}

/// The highest applied version.
async fn current_version(conn: &mut PgConnection) -> Result<Option<i64>> {
    Ok(migrations::read_applied(conn).await?.last().map(|row| row.version))
}

/// How long to wait at first before saying that another migration holds the lock.
const LOCK_PATIENCE: &str = "SET lock_timeout = '200ms'";

/// Takes sqlx's migration lock on `database`, saying so when another process holds it.
async fn lock(conn: &mut PgConnection, database: &str, wait: Duration) -> Result<()> {
    // sqlx's lock waits forever; a short `lock_timeout` lets us notice a holder and say so.
    conn.execute(LOCK_PATIENCE).await?;
    let result = match conn.lock().await {
        Err(err) if is_lock_timeout(&err) => {
            let holder = lock_holder(conn).await;
            eprintln!("waiting for another migration of `{database}` to finish ({holder}) ...");
            conn.execute(sqlx::AssertSqlSafe(format!("SET lock_timeout = {}", wait.as_millis().max(1))))
                .await?;
            match conn.lock().await {
                Err(err) if is_lock_timeout(&err) => Err(anyhow!(
                    "another migration of `{database}` ({holder}) still holds the migration lock after {}s; \
                     let it finish or stop it, then retry (--lock-timeout SECS waits longer)",
                    wait.as_secs()
                )),
                other => other.map_err(anyhow::Error::from),
            }
        }
        other => other.map_err(anyhow::Error::from),
    };
    conn.execute("RESET lock_timeout").await?;
    result
}

fn is_lock_timeout(err: &MigrateError) -> bool {
    matches!(err, MigrateError::Execute(err) if db::sqlstate(err).as_deref() == Some("55P03"))
}

/// Who holds an advisory lock in this database, for the waiting message.
async fn lock_holder(conn: &mut PgConnection) -> String {
    let holder: Option<(i32, Option<String>)> = sqlx::query_as(
        "SELECT a.pid, nullif(a.application_name, '')
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .ok()
    .flatten();
    match holder {
        Some((pid, Some(app))) => format!("pid {pid}, {app}"),
        Some((pid, None)) => format!("pid {pid}"),
        None => "holder unknown".to_owned(),
    }
}

/// One line for a failed migration: which file, what the server said, where, and the state left.
fn explain(err: MigrateError, script: &Script, database: &str, version_before: Option<i64>) -> anyhow::Error {
    let stays = match version_before {
        Some(version) => format!("`{database}` stays at version {version}"),
        None => format!("`{database}` stays at base (nothing applied)"),
    };
    let stays = if script.migration.no_tx {
        format!(
            "{stays}, but this file opted out of the transaction (`-- no-transaction`): check for partial changes"
        )
    } else {
        stays
    };
    match err {
        MigrateError::ExecuteMigration(err, _) => {
            let (message, location) = match db::pg_error(&err) {
                Some(pg) => {
                    let location = match pg.position() {
                        Some(sqlx::postgres::PgErrorPosition::Original(position)) => {
                            let (line, column) =
                                migrations::line_and_column(script.migration.sql.as_str(), position);
                            format!(" at line {line}, column {column}")
                        }
                        _ => String::new(),
                    };
                    (pg.message().to_owned(), location)
                }
                None => (err.to_string(), String::new()),
            };
            anyhow!(
                "{} failed{location}: {message}; {stays}. Fix the file and run the command again",
                script.path.display()
            )
        }
        other => anyhow!("{} could not be recorded: {other}; {stays}", script.path.display()),
    }
}

/// sqlx-postgres 0.9's `ensure_migrations_table`, word for word, for the offline script.
const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
";

/// The SQL `migrate` would send for `pending`, bookkeeping included, as one psql-ready script.
///
/// sqlx's later `UPDATE ... SET execution_time` is left out: offline there is no time to record,
/// so rows keep sqlx's own placeholder of -1.
fn offline_script(pending: &[&Revision], database: &str) -> String {
    let mut script = format!(
        "-- Migrations for `{database}`, written by `cargo xtask migrate --sql`.\n\
         -- Run with: psql -v ON_ERROR_STOP=1 -d {database} -f <this file>\n\n{CREATE_TABLE}"
    );
    for revision in pending {
        let migration: &Migration = &revision.up.migration;
        let mut sql = migration.sql.as_str().trim_end().to_owned();
        // A missing final semicolon would glue the bookkeeping insert onto the last statement.
        if !sql.ends_with(';') {
            sql.push_str("\n;");
        }
        let checksum: String = migration.checksum.iter().map(|b| format!("{b:02x}")).collect();
        let record = format!(
            "INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time )\n\
             VALUES ( {}, '{}', TRUE, '\\x{checksum}', -1 );",
            migration.version,
            migration.description.replace('\'', "''")
        );
        let body = format!("{sql}\n{record}\n");
        let body = if migration.no_tx { body } else { format!("BEGIN;\n{body}COMMIT;\n") };
        script.push_str(&format!("\n-- {}\n{body}", revision.up.file_name()));
    }
    script
}

/// The progress line `migrate` and `db-setup` print for each applied migration.
pub fn print_applied(revision: &Revision, took: Duration) {
    println!("applied {} {} ({})", revision.version(), revision.description(), millis(took));
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
