//! Reverting applied migrations with their `.down.sql` files, under sqlx's lock, in the reverse
//! of the order they were applied (`installed_on`, then version): after an out-of-order
//! migration, the one that ran last is reverted first, whatever its version.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use sqlx::PgConnection;
use sqlx::migrate::Migrate;

use super::apply::explain;
use super::ddl_lock::{self, DdlLimits, Way};
use super::ledger::{Standing, State};
use super::session::RunSession;
use super::{Script, Source, Target, lock};
use crate::pg;
use dburl::DbUrl;

/// How many migrations to revert: `--steps N` or `--target V|base`.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Revert this many, last applied first (1 when neither is given).
    pub steps: Option<u32>,
    /// Revert every migration newer than this.
    pub target: Option<Target>,
}

/// One migration to revert.
#[derive(Debug)]
pub struct Reversal<'s> {
    /// Its version.
    pub version: i64,
    /// Its description.
    pub description: String,
    /// The up file's name, when the file changed since it was applied (reverted with a note).
    pub modified_up: Option<String>,
    /// The down script that reverts it.
    pub down: &'s Script,
}

/// A database held under sqlx's migration lock while migrations are reverted.
pub struct Reverter<'s> {
    conn: PgConnection,
    url: DbUrl,
    ddl: DdlLimits,
    session: RunSession,
    standing: Standing<'s>,
}

impl<'s> Reverter<'s> {
    /// Connects to `url`'s database, takes the migration lock (waiting up to `lock_wait`) and
    /// reads where it stands; each down file's statements wait for their table locks within `ddl`.
    pub async fn lock(
        url: &DbUrl,
        source: &'s Source,
        lock_wait: Duration,
        ddl: DdlLimits,
    ) -> Result<Reverter<'s>> {
        let database = url.database();
        let mut conn = pg::connect(url).await?;
        lock::lock(&mut conn, &database, lock_wait).await?;
        let standing = Standing::read(&mut conn, source, &database).await?;
        Ok(Reverter { conn, url: url.clone(), ddl, session: RunSession::default(), standing })
    }

    /// The migrations `range` reverts, last applied first, each with its down script; fails
    /// before anything is reverted if one of them cannot be.
    pub fn plan(&self, range: Range) -> Result<Vec<Reversal<'s>>> {
        let (source, database) = (self.standing.source, self.standing.database.as_str());
        self.standing.ensure_none_failed()?;
        let entries = self.standing.entries();
        let mut applied: Vec<_> = entries.iter().filter(|e| e.applied.is_some()).collect();
        applied.sort_by_key(|e| std::cmp::Reverse(e.applied.map(|row| row.applied_order)));
        let chosen: Vec<_> = match (range.steps, range.target) {
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
                let files = source.get(entry.version);
                match (files, files.and_then(|f| f.down.as_ref())) {
                    (_, Some(down)) => Ok(Reversal {
                        version: entry.version,
                        description: entry.description.clone(),
                        modified_up: (entry.state == State::Modified)
                            .then(|| files.map(|f| f.up.file_name()).unwrap_or_default()),
                        down,
                    }),
                    (Some(files), None) => Err(anyhow!(
                        "{} has no .down.sql, so it cannot be reverted; nothing was reverted. \
                         Undo it with a new migration (`cargo xtask revision -m ...`) instead",
                        files.up.file_name()
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

    /// Reverts one planned migration in its own transaction; returns how long it took.
    pub async fn revert(&mut self, reversal: &Reversal<'s>) -> Result<Duration> {
        ddl_lock::run(&mut self.conn, &mut self.session, &self.url, reversal.down, Way::Revert, self.ddl)
            .await?
            .map_err(|err| explain(err, reversal.down, &self.standing.database, Some(reversal.version)))
    }

    /// Releases the lock and closes; returns the database's version afterwards.
    pub async fn finish(mut self) -> Result<Option<i64>> {
        self.session.finish(&mut self.conn).await?;
        let standing = Standing::read(&mut self.conn, self.standing.source, &self.standing.database).await?;
        let _ = self.conn.unlock().await;
        pg::close(self.conn).await;
        Ok(standing.version())
    }
}
