//! Applying pending migrations with sqlx's own machinery: its table, checksums, advisory lock
//! and one transaction per migration (unless the file says `-- no-transaction`).

use std::time::Duration;

use anyhow::{Result, anyhow};
use sqlx::PgConnection;
use sqlx::migrate::{Migrate, MigrateError};

use super::ddl_lock::{self, DdlLimits, Way};
use super::ledger::Standing;
use super::session::RunSession;
use super::{MigrationFiles, Script, Source, TABLE, lock};
use crate::pg;
use dburl::DbUrl;

/// What one `migrate` run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Versions applied by this run, oldest first, with their descriptions.
    pub applied: Vec<(i64, String)>,
    /// Those of them applied out of order (older than a version applied before them).
    pub out_of_order: Vec<i64>,
    /// The database's version afterwards: the newest applied, whatever the order of applying.
    pub version: Option<i64>,
}

/// The migrations a database lacks, read on an open connection that [`Pending::apply`] goes on
/// using: an up-to-date database costs one connection and one query, and takes no lock.
pub struct Pending<'s> {
    conn: PgConnection,
    url: DbUrl,
    standing: Standing<'s>,
    target: Option<i64>,
    allow_out_of_order: bool,
}

impl<'s> Pending<'s> {
    /// Reads what `url`'s database lacks of `source`, up to `target` (`None`: head); fails when
    /// an applied migration has drifted, or when a pending one is older than the newest applied
    /// one unless `allow_out_of_order`.
    pub async fn read(
        url: &DbUrl,
        source: &'s Source,
        target: Option<i64>,
        allow_out_of_order: bool,
    ) -> Result<Pending<'s>> {
        let mut conn = pg::connect(url).await?;
        let standing = Standing::read(&mut conn, source, &url.database()).await?;
        let checked = standing.ensure_no_drift().and_then(|()| match allow_out_of_order {
            true => Ok(()),
            false => standing.ensure_in_order(target),
        });
        if let Err(err) = checked {
            pg::close(conn).await;
            return Err(err);
        }
        if standing.applied.is_empty() {
            super::ensure_not_foreign(&mut conn, &url.database()).await?;
        }
        Ok(Pending { conn, url: url.clone(), standing, target, allow_out_of_order })
    }

    /// The migrations to apply, oldest first.
    pub fn migrations(&self) -> Vec<&'s MigrationFiles> {
        self.standing.pending(self.target)
    }

    /// Closes the connection without applying anything.
    pub async fn close(self) {
        pg::close(self.conn).await;
    }

    /// The database's version before applying, if any migration is applied.
    pub fn version(&self) -> Option<i64> {
        self.standing.version()
    }

    /// Applies them under sqlx's advisory lock (waiting up to `lock_wait` for another process
    /// holding it), each migration's statements waiting for their table locks within `ddl`,
    /// calling `on_applied` after each. What it applied is durable when it returns, even if a
    /// file failed (one WAL flush at the end: see [`super::session`]).
    ///
    /// Safe to run concurrently: the second caller waits for the lock, then finds nothing to do.
    pub async fn apply(
        self,
        lock_wait: Duration,
        ddl: DdlLimits,
        mut on_applied: impl FnMut(&MigrationFiles, Duration),
    ) -> Result<Outcome> {
        let Pending { mut conn, url, standing, target, allow_out_of_order } = self;
        if standing.pending(target).is_empty() {
            pg::close(conn).await;
            return Ok(Outcome { version: standing.version(), ..Outcome::default() });
        }
        let database = standing.database.clone();
        lock::lock(&mut conn, &database, lock_wait).await?;
        conn.ensure_migrations_table(TABLE).await?;
        // Read again under the lock: another process may have migrated while we waited.
        let standing = Standing::read(&mut conn, standing.source, &database).await?;
        standing.ensure_no_drift()?;
        if !allow_out_of_order {
            standing.ensure_in_order(target)?;
        }
        let mut outcome = Outcome { version: standing.version(), ..Outcome::default() };
        let mut session = RunSession::default();
        let run = async {
            for files in standing.pending(target) {
                let took = ddl_lock::run(&mut conn, &mut session, &url, &files.up, Way::Apply, ddl)
                    .await?
                    .map_err(|err| explain(err, &files.up, &database, outcome.version))?;
                on_applied(files, took);
                outcome.applied.push((files.version(), files.description().to_owned()));
                if outcome.version.is_some_and(|newest| newest > files.version()) {
                    outcome.out_of_order.push(files.version());
                }
                outcome.version = outcome.version.max(Some(files.version()));
            }
            anyhow::Ok(())
        }
        .await;
        // Also when a file failed: the error names the version the database stays at, durably.
        let finished = session.finish(&mut conn).await;
        let _ = conn.unlock().await;
        pg::close(conn).await;
        run.and(finished).map(|()| outcome)
    }
}

/// Migrates `url`'s database to head, quietly: for scratch databases that other work builds on.
pub async fn migrate_to_head(url: &DbUrl, source: &Source, lock_wait: Duration) -> Result<Outcome> {
    Pending::read(url, source, None, false).await?.apply(lock_wait, DdlLimits::default(), |_, _| ()).await
}

/// One line for a failed migration: which file, what the server said, where, and the state left.
pub(super) fn explain(
    err: MigrateError,
    script: &Script,
    database: &str,
    version_before: Option<i64>,
) -> anyhow::Error {
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
            let (message, location) = pg::located(&err, script.migration.sql.as_str(), 0);
            anyhow!(
                "{} failed{location}: {message}; {stays}. Fix the file and run the command again",
                script.path.display()
            )
        }
        other => anyhow!("{} could not be recorded: {other}; {stays}", script.path.display()),
    }
}
