//! Bounded lock waits for a migration's own statements: PostgreSQL's `lock_timeout` (and, when
//! asked, `statement_timeout`) around each migration, a report of who blocked it collected from a
//! second connection while it waits, and retries with backoff. A statement stuck behind a long
//! transaction would otherwise queue every later query on its table behind it.
//!
//! sqlx still runs the file and writes its bookkeeping: this module only has the session's
//! timeouts set ([`super::session`]) before calling it, and calls it again after a lock timeout
//! rolled the try back.

use std::cell::RefCell;
use std::fmt;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use sqlx::migrate::{Migrate, MigrateError};
use sqlx::{Executor, PgConnection};
use tokio::sync::Notify;

use super::session::{RunSession, Settings};
use super::{Script, TABLE};
use crate::pg;
use dburl::DbUrl;

/// How long a migration's statements may wait for their locks, and how often to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DdlLimits {
    /// PostgreSQL's `lock_timeout` for every statement of the migration.
    pub lock_timeout: Duration,
    /// PostgreSQL's `statement_timeout`, when one is set.
    pub statement_timeout: Option<Duration>,
    /// Tries after the first one that timed out waiting for a lock.
    pub retries: u32,
    /// PostgreSQL's `max_parallel_maintenance_workers` for the file, when it sets one: 0 builds
    /// an index on one core and leaves the others to the app.
    pub maintenance_workers: Option<u32>,
}

/// The default `--ddl-lock-timeout`.
pub const DEFAULT_DDL_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// The default `--ddl-retries`.
pub const DEFAULT_DDL_RETRIES: u32 = 3;

impl Default for DdlLimits {
    fn default() -> Self {
        DdlLimits {
            lock_timeout: DEFAULT_DDL_LOCK_TIMEOUT,
            statement_timeout: None,
            retries: DEFAULT_DDL_RETRIES,
            maintenance_workers: None,
        }
    }
}

/// The header line that sets a file's own lock timeout.
pub const LOCK_TIMEOUT_HEADER: &str = "-- ddl-lock-timeout:";
/// The header line that sets a file's own statement timeout.
pub const STATEMENT_TIMEOUT_HEADER: &str = "-- statement-timeout:";
/// The header line that bounds the parallel workers of the file's index builds.
pub const MAINTENANCE_WORKERS_HEADER: &str = "-- max-parallel-maintenance-workers:";

impl DdlLimits {
    /// These limits with the file's header lines (`-- ddl-lock-timeout: 30s`,
    /// `-- statement-timeout: 10min`, `-- max-parallel-maintenance-workers: 0`) applied; header
    /// lines are the leading comment lines.
    pub fn for_file(self, sql: &str, file: &str) -> Result<DdlLimits> {
        let mut limits = self;
        for line in sql.lines().map(str::trim).take_while(|l| l.is_empty() || l.starts_with("--")) {
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix(LOCK_TIMEOUT_HEADER) {
                limits.lock_timeout = parse_duration(value.trim()).map_err(|err| {
                    anyhow!("{file}: `{line}`: {err}; write e.g. `{LOCK_TIMEOUT_HEADER} 30s`")
                })?;
            } else if let Some(value) = lower.strip_prefix(STATEMENT_TIMEOUT_HEADER) {
                limits.statement_timeout = Some(parse_duration(value.trim()).map_err(|err| {
                    anyhow!("{file}: `{line}`: {err}; write e.g. `{STATEMENT_TIMEOUT_HEADER} 10min`")
                })?);
            } else if let Some(value) = lower.strip_prefix(MAINTENANCE_WORKERS_HEADER) {
                limits.maintenance_workers = Some(value.trim().parse().map_err(|_| {
                    anyhow!("{file}: `{line}` takes a number of workers; write e.g. `{MAINTENANCE_WORKERS_HEADER} 0`")
                })?);
            }
        }
        Ok(limits)
    }
}

/// `200ms`, `5s`, `2min`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 200ms, 5s or 2min"))?;
    let duration = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "min" | "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return Err(format!("`{text}` is not a duration like 200ms, 5s or 2min")),
    };
    if duration.is_zero() {
        return Err(format!("`{text}` must be more than zero"));
    }
    Ok(duration)
}

/// A duration as PostgreSQL's settings and people read it.
pub fn show_duration(duration: Duration) -> String {
    match duration.as_millis() {
        ms if ms % 1000 != 0 => format!("{ms}ms"),
        ms => format!("{}s", ms / 1000),
    }
}

/// Which way a migration runs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Way {
    /// Its up file, with sqlx's `apply`.
    Apply,
    /// Its down file, with sqlx's `revert`.
    Revert,
}

/// Runs `script` with sqlx on `conn` under `limits` (and the file's header lines), as one step of
/// `session`'s run. A try that times out waiting for a lock is rolled back, reported with its
/// blockers, and retried with backoff; the outer error is the last lock timeout, the inner one
/// anything else sqlx reports.
pub(super) async fn run(
    conn: &mut PgConnection,
    session: &mut RunSession,
    url: &DbUrl,
    script: &Script,
    way: Way,
    limits: DdlLimits,
) -> Result<Result<Duration, MigrateError>> {
    let file = script.file_name();
    let limits = limits.for_file(script.migration.sql.as_str(), &file)?;
    let settings = Settings { limits, defer_flush: matches!(way, Way::Apply) && !script.migration.no_tx };
    let result = retrying(conn, session, &file, settings, async |conn, pid| {
        // A `CREATE INDEX CONCURRENTLY` that timed out (in an earlier try or run) left an INVALID
        // index behind, which would make this try fail with "already exists".
        if script.migration.no_tx
            && let Some(wait) = drop_leftover_indexes(conn, script).await?
        {
            return Ok(Try::TimedOut(wait));
        }
        let migration = async {
            match way {
                Way::Apply => conn.apply(TABLE, &script.migration).await,
                Way::Revert => conn.revert(TABLE, &script.migration).await,
            }
        };
        let (result, wait) = watched(url, pid, limits.lock_timeout, migration).await;
        Ok(match result {
            Err(MigrateError::ExecuteMigration(err, _)) if is_lock_timeout(&err) => {
                Try::TimedOut(wait.unwrap_or_default())
            }
            other => Try::Done(other),
        })
    })
    .await;
    session.ran(script.migration.sql.as_str());
    match result {
        Err(Failed::Exhausted(last)) => {
            let leftover =
                if script.migration.no_tx { leftover_indexes(conn, script).await? } else { Vec::new() };
            let leftover = match leftover.as_slice() {
                [] => String::new(),
                names => format!(
                    " It left the INVALID index {} behind; the next `migrate` drops it first.",
                    names.join(", ")
                ),
            };
            Err(last.error(&file, &leftover))
        }
        Err(Failed::Other(err)) => Err(err),
        Ok(result) => Ok(result),
    }
}

/// Runs `work` (one try: a transaction that rolls back on failure) on `conn` under `limits`, as
/// a migration runs: on a lock timeout (55P03, anywhere in its error) it is retried with
/// backoff, each wait reported with its blockers, who are watched from a second connection
/// while it waits; fails in one line naming `what`, the lock and the blocker after the last try.
pub async fn retry_on_lock_timeout<T>(
    conn: &mut PgConnection,
    url: &DbUrl,
    what: &str,
    limits: DdlLimits,
    mut work: impl AsyncFnMut(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    let mut session = RunSession::default();
    let settings = Settings { limits, defer_flush: false };
    let result = retrying(conn, &mut session, what, settings, async |conn, pid| {
        let (result, wait) = watched(url, pid, limits.lock_timeout, work(conn)).await;
        match result {
            Err(err) if err.chain().any(is_lock_timeout_cause) => Ok(Try::TimedOut(wait.unwrap_or_default())),
            other => other.map(Try::Done),
        }
    })
    .await;
    // The work's own failure comes first: a broken connection fails both.
    let finished = session.finish(conn).await;
    let value = match result {
        Ok(value) => value,
        Err(Failed::Exhausted(last)) => return Err(last.error(what, "")),
        Err(Failed::Other(err)) => return Err(err),
    };
    finished.map(|()| value)
}

/// One try's outcome.
enum Try<T> {
    /// It ran (and perhaps failed for another reason).
    Done(T),
    /// It timed out waiting for a lock, and was rolled back.
    TimedOut(Wait),
}

/// Why [`retrying`] gave up.
enum Failed {
    /// Every try timed out waiting for a lock; the last wait.
    Exhausted(Exhausted),
    /// Something else went wrong.
    Other(anyhow::Error),
}

/// The last lock timeout of a piece of work that used up its retries.
struct Exhausted {
    wait: Wait,
    limits: DdlLimits,
}

impl Exhausted {
    /// The one-line error naming `what`, the lock, the blocker and the way on; `extra` is added
    /// after "nothing of it was applied".
    fn error(&self, what: &str, extra: &str) -> anyhow::Error {
        let limits = self.limits;
        anyhow!(
            "{what} could not get {} within {} ({}, {}); nothing of it was applied.{extra} \
             Let the blocking session finish or end it (SELECT pg_terminate_backend(pid)), or retry with a \
             longer --ddl-lock-timeout or more --ddl-retries",
            self.wait.wanted(),
            show_duration(limits.lock_timeout),
            if limits.retries == 0 { "1 try".to_owned() } else { format!("{} tries", limits.retries + 1) },
            self.wait.blockers_line(),
        )
    }
}

/// The retry loop: the session set up for `settings`, then `try_once` called with the session's
/// pid until it does not time out or the retries are used up, waiting 1 s, 2 s, 4 s... between
/// tries.
async fn retrying<T>(
    conn: &mut PgConnection,
    session: &mut RunSession,
    what: &str,
    settings: Settings,
    mut try_once: impl AsyncFnMut(&mut PgConnection, i32) -> Result<Try<T>>,
) -> Result<T, Failed> {
    let limits = settings.limits;
    let pid = session.enter(conn, settings).await.map_err(Failed::Other)?;
    let mut backoff = Duration::from_secs(1);
    let mut attempt = 0;
    loop {
        let wait = match try_once(conn, pid).await {
            Ok(Try::Done(value)) => return Ok(value),
            Ok(Try::TimedOut(wait)) => wait,
            Err(err) => return Err(Failed::Other(err)),
        };
        if attempt == limits.retries {
            return Err(Failed::Exhausted(Exhausted { wait, limits }));
        }
        attempt += 1;
        eprintln!(
            "{what}: no {} within {}, {}; rolled back, retrying in {}s ({attempt}/{})",
            wait.wanted(),
            show_duration(limits.lock_timeout),
            wait.blockers_line(),
            backoff.as_secs(),
            limits.retries
        );
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// Runs `work` (which uses the session `pid`) while a second connection looks, every so often,
/// at what it waits for and who holds it: that is gone once the timeout fires. The second
/// connection opens only when the work outlasts the first look, so a quick one costs nothing.
async fn watched<T>(
    url: &DbUrl,
    pid: i32,
    lock_timeout: Duration,
    work: impl Future<Output = T>,
) -> (T, Option<Wait>) {
    let done = Notify::new();
    let seen: RefCell<Option<Wait>> = RefCell::new(None);
    let every = (lock_timeout / 4).clamp(Duration::from_millis(20), Duration::from_millis(500));
    let work = async {
        let result = work.await;
        done.notify_one();
        result
    };
    let watch = async {
        let mut watcher: Option<PgConnection> = None;
        // The first look comes early enough for the second connection to open well within the
        // wait, and late enough that a quick migration (most are) never opens it at all.
        let mut pause = (lock_timeout / 8).clamp(Duration::from_millis(10), Duration::from_millis(200));
        loop {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = done.notified() => break,
            }
            pause = every;
            if watcher.is_none() {
                watcher = pg::connect(url).await.ok();
            }
            if let Some(watcher) = watcher.as_mut()
                && let Ok(Some(wait)) = Wait::look(watcher, pid).await
            {
                // A look with no blocker (it just left, or another one is coming) keeps the last one seen.
                let mut seen = seen.borrow_mut();
                if !wait.blockers.is_empty() || seen.is_none() {
                    *seen = Some(wait);
                }
            }
        }
        if let Some(watcher) = watcher {
            pg::close(watcher).await;
        }
    };
    let (result, ()) = tokio::join!(work, watch);
    (result, seen.into_inner())
}

/// What a waiting migration wanted, and who held it.
#[derive(Debug, Default, Clone)]
struct Wait {
    /// The lock mode it waited for, e.g. `AccessExclusiveLock`.
    mode: String,
    /// The table (or lock type) it waited on.
    object: String,
    blockers: Vec<Blocker>,
}

/// One session blocking the migration.
#[derive(Debug, Clone)]
struct Blocker {
    pid: i32,
    user: String,
    application: String,
    state: String,
    /// How long its transaction has been open.
    transaction_secs: f64,
    query: String,
}

impl Wait {
    /// What `pid` waits for now, when it waits for a lock someone holds.
    async fn look(watcher: &mut PgConnection, pid: i32) -> Result<Option<Wait>> {
        // One query, one snapshot: the wait and its blockers seen at the same moment.
        type Row = (
            String,
            String,
            Option<i32>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<f64>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT w.mode, coalesce(w.relation::regclass::text, w.locktype),
                    a.pid, a.usename::text, a.application_name, a.state,
                    extract(epoch FROM now() - a.xact_start)::float8,
                    left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80)
             FROM (SELECT mode, relation, locktype FROM pg_locks WHERE pid = $1 AND NOT granted LIMIT 1) w
             LEFT JOIN pg_stat_activity a ON a.pid = ANY (pg_blocking_pids($1))
             ORDER BY a.xact_start",
        )
        .bind(pid)
        .fetch_all(&mut *watcher)
        .await?;
        let Some((mode, object, ..)) = rows.first().cloned() else { return Ok(None) };
        let blockers = rows
            .into_iter()
            .filter_map(|(_, _, pid, user, application, state, transaction_secs, query)| {
                Some(Blocker {
                    pid: pid?,
                    user: user.unwrap_or_default(),
                    application: application.unwrap_or_default(),
                    state: state.unwrap_or_default(),
                    transaction_secs: transaction_secs.unwrap_or_default(),
                    query: query.unwrap_or_default(),
                })
            })
            .collect();
        Ok(Some(Wait { mode, object, blockers }))
    }

    fn wanted(&self) -> String {
        if self.mode.is_empty() {
            "its lock".to_owned()
        } else if self.object.is_empty() {
            self.mode.clone()
        } else {
            format!("{} on {}", self.mode, self.object)
        }
    }

    fn blockers_line(&self) -> String {
        match self.blockers.as_slice() {
            [] => "blocker not seen".to_owned(),
            blockers => {
                let all: Vec<String> = blockers.iter().map(Blocker::to_string).collect();
                format!("blocked by {}", all.join("; "))
            }
        }
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let application = if self.application.is_empty() { "no application name" } else { &self.application };
        write!(
            f,
            "pid {} (user {}, {application}, {}, transaction open {:.1}s, query `{}`)",
            self.pid, self.user, self.state, self.transaction_secs, self.query
        )
    }
}

fn is_lock_timeout(err: &sqlx::Error) -> bool {
    pg::sqlstate(err).as_deref() == Some("55P03")
}

/// Whether one cause in an error's chain is a lock timeout: the server's own error, or its
/// message where a layer kept only the text.
fn is_lock_timeout_cause(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause.downcast_ref::<sqlx::Error>().is_some_and(is_lock_timeout)
        || cause.to_string().contains("canceling statement due to lock timeout")
}

/// The INVALID indexes whose names the file mentions: what a timed-out `CREATE INDEX
/// CONCURRENTLY` of this file left behind. Other INVALID indexes are none of its business.
async fn leftover_indexes(conn: &mut PgConnection, script: &Script) -> Result<Vec<String>> {
    let invalid: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, format('%I.%I', n.nspname, c.relname) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT i.indisvalid ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let sql = script.migration.sql.as_str().to_lowercase();
    Ok(invalid.into_iter().filter(|(name, _)| mentions(&sql, &name.to_lowercase())).map(|(_, q)| q).collect())
}

/// Whether `sql` holds `name` as a whole word.
fn mentions(sql: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    sql.match_indices(name)
        .any(|(at, _)| !word(sql[..at].chars().next_back()) && !word(sql[at + name.len()..].chars().next()))
}

/// Drops this file's leftover INVALID indexes; `Some` (what it waited for) when a drop timed out
/// waiting for its lock, which counts as a try.
async fn drop_leftover_indexes(conn: &mut PgConnection, script: &Script) -> Result<Option<Wait>> {
    let file = script.file_name();
    for index in leftover_indexes(conn, script).await? {
        match conn.execute(sqlx::AssertSqlSafe(format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))).await {
            Ok(_) => {
                eprintln!("{file}: dropped the INVALID index {index} a timed-out CONCURRENTLY left behind")
            }
            Err(err) if is_lock_timeout(&err) => {
                return Ok(Some(Wait {
                    mode: "the lock to drop its INVALID index".to_owned(),
                    object: index,
                    blockers: Vec::new(),
                }));
            }
            Err(err) => bail!(
                "{file} left the INVALID index {index} behind and it could not be dropped: {err}; \
                 run `DROP INDEX CONCURRENTLY {index}` before migrating again"
            ),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_show() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert!(
            parse_duration("soon").is_err() && parse_duration("0s").is_err() && parse_duration("5d").is_err()
        );
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(show_duration(Duration::from_secs(5)), "5s");
    }

    #[test]
    fn header_lines_override_the_flags() {
        let sql = "-- no-transaction\n-- ddl-lock-timeout: 30s\n-- statement-timeout: 1min\n\
                   -- max-parallel-maintenance-workers: 0\nSELECT 1;\n-- ddl-lock-timeout: 1s\n";
        let limits = DdlLimits::default().for_file(sql, "x.up.sql").unwrap();
        assert_eq!(limits.lock_timeout, Duration::from_secs(30));
        assert_eq!(limits.statement_timeout, Some(Duration::from_secs(60)));
        assert_eq!(limits.maintenance_workers, Some(0));
        assert!(DdlLimits::default().for_file("-- max-parallel-maintenance-workers: all\n", "x").is_err());
        let err = DdlLimits::default().for_file("-- ddl-lock-timeout: soon\n", "x.up.sql").unwrap_err();
        assert!(err.to_string().contains("x.up.sql"), "{err}");
    }
}
