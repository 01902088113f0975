//! The session settings a run of migrations works under: the bounds on its lock waits, and
//! whether its commits wait for the disk. Each is sent only when it changes, and all are reset
//! once, when the run ends: a run of 200 migrations spends three round trips on them, not 600.
//!
//! **One flush per run.** A transactional migration being applied commits with
//! `synchronous_commit = off`: its commit returns before the WAL reaches disk, yet stays atomic
//! with its bookkeeping row, so a server crash can lose only the last whole migrations, which the
//! next `migrate` applies again. The run ends with one synchronous commit, which flushes all the
//! WAL before it (and waits for synchronous standbys): once `migrate` reports a version, that
//! version is durable. A file that opts out of the transaction, and every revert, commits
//! synchronously: their statements and their bookkeeping are separate commits.

use anyhow::Result;
use sqlx::{AssertSqlSafe, Executor, PgConnection};

use super::ddl_lock::DdlLimits;

/// What one step of the run needs of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Settings {
    /// Its bounds on lock waits, statement time and index-build workers.
    pub limits: DdlLimits,
    /// Whether its commits may return before the WAL is flushed.
    pub defer_flush: bool,
}

/// A connection's session during a run of migrations.
#[derive(Debug, Default)]
pub(super) struct RunSession {
    pid: Option<i32>,
    sent: Option<Settings>,
    deferred: bool,
    /// The last step's file may have changed the settings itself (a plain `SET` outlives its
    /// transaction): the next step sends them again.
    touched: bool,
}

impl RunSession {
    /// Sets the session up for the next step (one round trip when its settings differ from the
    /// last step's); returns the server process's pid, read once, for watching its lock waits.
    pub(super) async fn enter(&mut self, conn: &mut PgConnection, wanted: Settings) -> Result<i32> {
        if self.sent != Some(wanted) || self.touched {
            let DdlLimits { lock_timeout, statement_timeout, maintenance_workers, .. } = wanted.limits;
            conn.execute(AssertSqlSafe(format!(
                "SET lock_timeout = {}; SET statement_timeout = {}; SET max_parallel_maintenance_workers = {}; \
                 SET synchronous_commit = {}",
                lock_timeout.as_millis().max(1),
                statement_timeout.map_or(0, |d| d.as_millis()),
                maintenance_workers.map_or("DEFAULT".to_owned(), |n| n.to_string()),
                // Turned back on, the next commit flushes the deferred ones before it as well.
                if wanted.defer_flush { "off" } else { "DEFAULT" },
            )))
            .await?;
            self.sent = Some(wanted);
            self.deferred |= wanted.defer_flush;
            self.touched = false;
        }
        match self.pid {
            Some(pid) => Ok(pid),
            None => {
                let pid = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *conn).await?;
                Ok(*self.pid.insert(pid))
            }
        }
    }

    /// Notes a step's file once it ran: one that could have changed the settings itself has
    /// them sent again before the next step.
    pub(super) fn ran(&mut self, sql: &str) {
        self.touched |= may_change_settings(sql);
    }

    /// Ends the run, whether it finished or stopped at a failure: the settings are reset and, if
    /// any commit was deferred, one synchronous commit of a transaction with an id (which a commit
    /// record needs) flushes the WAL up to it.
    pub(super) async fn finish(self, conn: &mut PgConnection) -> Result<()> {
        if self.sent.is_some() {
            let flush = if self.deferred { "; SELECT pg_current_xact_id()" } else { "" };
            conn.execute(AssertSqlSafe(format!(
                "RESET lock_timeout; RESET statement_timeout; RESET max_parallel_maintenance_workers; \
                 RESET synchronous_commit{flush}"
            )))
            .await?;
        }
        Ok(())
    }
}

/// Whether `sql` could change the session's settings: it names one of them (`SET`, `set_config`),
/// or resets or discards the session's state. A false alarm costs one round trip.
fn may_change_settings(sql: &str) -> bool {
    const WORDS: [&str; 6] = [
        "lock_timeout",
        "statement_timeout",
        "max_parallel_maintenance_workers",
        "synchronous_commit",
        "reset",
        "discard",
    ];
    let sql = sql.to_ascii_lowercase();
    WORDS.iter().any(|word| sql.contains(word))
}

#[cfg(test)]
mod tests {
    use super::may_change_settings;

    #[test]
    fn files_that_could_change_the_settings_are_noticed() {
        for sql in [
            "SET lock_timeout = '1min';",
            "select set_config('statement_timeout', '0', false);",
            "RESET ALL;",
            "DISCARD ALL;",
            "SET SESSION synchronous_commit TO on;",
        ] {
            assert!(may_change_settings(sql), "{sql}");
        }
        for sql in ["-- ddl-lock-timeout: 30s\nCREATE TABLE t (id int);", "SET search_path = app;"] {
            assert!(!may_change_settings(sql), "{sql}");
        }
    }
}
