//! Throwaway databases, throwaway migration folders, and a typed way to run the xtask binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use dburl::DbUrl;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use tokio::runtime::Runtime;
use xtask::project::Project;

/// The server tests run on: TEST_DB_URL, else the project's DB_URL/DATABASE_URL, each from the
/// environment, else `.env`.
pub fn server() -> DbUrl {
    Project::new(None, None).test_server().expect("a PostgreSQL server for the tests")
}

/// A database of its own for one test, dropped (with any sessions on it) when the test ends.
pub struct TestDb {
    /// The test database's configuration.
    pub config: DbUrl,
    /// The `--backups` folder of every xtask run on this database, so no test writes to backups/.
    pub backups: tempfile::TempDir,
    runtime: Runtime,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh, empty database.
    pub fn new() -> TestDb {
        let db = TestDb::reserved();
        db.maintenance(&format!("CREATE DATABASE \"{}\"", db.name()));
        db
    }

    /// A unique database name on the test server; the database is not created.
    pub fn reserved() -> TestDb {
        TestDb::reserved_with("")
    }

    /// Like [`TestDb::reserved`], with `suffix` (which may make the name odd or long) appended.
    pub fn reserved_with(suffix: &str) -> TestDb {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        // Fixed-width parts: a test that pads a name to PostgreSQL's 63 bytes relies on the length.
        let name = format!(
            "xtask_test_{}_{:05}_{nanos:09}{suffix}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        TestDb { config: server().with_database(&name), backups: tempfile::tempdir().unwrap(), runtime }
    }

    /// The database's name.
    pub fn name(&self) -> String {
        self.config.database()
    }

    fn maintenance(&self, sql: &str) {
        let options = self.config.maintenance_options();
        self.runtime.block_on(async {
            let mut conn = options.connect().await.expect("test server reachable");
            conn.execute(sqlx::AssertSqlSafe(sql.to_owned())).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        });
    }

    /// How many databases on the server have a name `LIKE` the pattern (`_` matches any character).
    pub fn count_databases_like(&self, pattern: &str) -> i64 {
        let options = self.config.maintenance_options();
        self.runtime.block_on(async {
            let mut conn = options.connect().await.unwrap();
            sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
                .bind(pattern)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        })
    }

    /// Whether the database exists on the server.
    pub fn exists(&self) -> bool {
        // Escaped, so that `_` in the name matches only itself.
        self.count_databases_like(&self.name().replace('_', "\\_")) == 1
    }

    /// Runs `f` with a connection to the test database.
    pub fn with_conn<T>(&self, f: impl AsyncFnOnce(&mut PgConnection) -> T) -> T {
        self.runtime.block_on(async {
            let mut conn = self.config.connect_options().connect().await.unwrap();
            let result = f(&mut conn).await;
            // The test may have dropped the database under this session.
            let _ = conn.close().await;
            result
        })
    }

    /// Runs SQL statements on the test database, panicking on failure.
    pub fn execute(&self, sql: &str) {
        self.with_conn(async |conn| {
            conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
    }

    /// One `bigint`/`count(*)` value.
    pub fn count(&self, sql: &'static str) -> i64 {
        self.with_conn(async |conn| {
            sqlx::query_scalar(sql).fetch_one(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
        })
    }

    /// Whether a table of this name exists in the test database.
    pub fn has_table(&self, table: &str) -> bool {
        let table = table.to_owned();
        self.with_conn(async |conn| {
            sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                .bind(table)
                .fetch_one(conn)
                .await
                .unwrap()
        })
    }

    /// Versions recorded in `_sqlx_migrations`, oldest first.
    pub fn applied_versions(&self) -> Vec<i64> {
        if !self.has_table("_sqlx_migrations") {
            return Vec::new();
        }
        self.with_conn(async |conn| {
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(conn)
                .await
                .unwrap()
        })
    }

    /// One digest of every row of ReferAI's tables, to compare two databases' content.
    pub fn content_digest(&self) -> String {
        self.with_conn(async |conn| {
            sqlx::query_scalar(
                "SELECT md5(
                    (SELECT coalesce(string_agg(t::text, '|' ORDER BY id), '') FROM user_account t) ||
                    (SELECT coalesce(string_agg(t::text, '|' ORDER BY id), '') FROM action t) ||
                    (SELECT coalesce(string_agg(t::text, '|' ORDER BY id), '') FROM clip t) ||
                    (SELECT coalesce(string_agg(t::text, '|' ORDER BY id), '') FROM prediction t))",
            )
            .fetch_one(conn)
            .await
            .unwrap()
        })
    }

    /// Every user column of the public schema as `table.column type`, to compare schemas.
    pub fn schema(&self) -> Vec<String> {
        self.with_conn(async |conn| {
            sqlx::query_scalar(
                "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                 FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(conn)
            .await
            .unwrap()
        })
    }

    /// Runs a script with psql, stopping at the first error; the password goes by environment.
    pub fn psql(&self, script: &str) {
        let mut child = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .envs(self.config.libpq_env())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql is installed (PostgreSQL's client programs)");
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
        drop(child.stdin.take());
        let run = Run::from(child.wait_with_output().unwrap());
        assert!(run.ok, "psql failed: {run:?}");
    }

    /// The xtask binary, pointed at this database through DB_URL only.
    pub fn xtask(&self, args: &[&str]) -> Command {
        let mut command = xtask_with_url(self.config.secret_url(), &["--backups", self.backups_path()]);
        command.args(args);
        command
    }

    /// The folder this database's backups go to.
    pub fn backups_path(&self) -> &str {
        self.backups.path().to_str().unwrap()
    }

    /// The backups (not manifests) in [`TestDb::backups`], oldest first.
    pub fn backup_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.backups.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with(".manifest.json"))
            .collect();
        files.sort();
        files
    }

    /// Runs the xtask against this database and returns what it did.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.xtask(args).output().expect("xtask runs"))
    }

    /// Starts the xtask against this database without waiting.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.xtask(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("xtask starts")
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Sends `signal` ("TERM", "INT", ...) to process `pid` with kill(1).
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Whether process `pid` is still alive (and not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| !stat.rsplit(')').next().unwrap_or_default().trim_start().starts_with('Z'))
}

/// A folder with a stand-in for a PostgreSQL client program that reports version 15, writes
/// its pid to `<folder>/<program>.pid`, creates whatever `--file=` names, and then sleeps: a
/// backup or restore that is still running when the test signals the xtask.
pub struct SlowProgram {
    dir: tempfile::TempDir,
    program: &'static str,
}

impl SlowProgram {
    /// A slow `program`.
    pub fn new(program: &'static str) -> SlowProgram {
        let dir = tempfile::tempdir().unwrap();
        let script = format!(
            "#!/bin/sh\n\
             if [ \"$1\" = --version ]; then echo '{program} (PostgreSQL) 15.0'; exit 0; fi\n\
             echo $$ > '{pid}.tmp' && mv '{pid}.tmp' '{pid}'\n\
             for arg in \"$@\"; do case \"$arg\" in --file=*) echo partial > \"${{arg#--file=}}\";; esac; done\n\
             exec sleep 60\n",
            pid = dir.path().join(format!("{program}.pid")).display()
        );
        let path = dir.path().join(program);
        std::fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        SlowProgram { dir, program }
    }

    /// `PATH` with this folder first.
    pub fn path_env(&self) -> String {
        format!("{}:{}", self.dir.path().display(), std::env::var("PATH").unwrap_or_default())
    }

    /// Waits until the program has started and returns its pid.
    pub fn wait_started(&self, xtask: &mut Child) -> u32 {
        let pid_file = self.dir.path().join(format!("{}.pid", self.program));
        loop {
            if let Ok(text) = std::fs::read_to_string(&pid_file) {
                return text.trim().parse().unwrap();
            }
            if let Some(status) = xtask.try_wait().unwrap() {
                panic!("xtask ended ({status}) before {} started", self.program);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.maintenance(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name()));
    }
}

/// The xtask binary with `DB_URL` set to `url` and nothing inherited that could redirect it.
pub fn xtask_with_url(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    // A real JWT_SECRET, so that `db-setup` leaves the checkout's `.env` alone.
    command
        .args(args)
        .env("DB_URL", url)
        .env("JWT_SECRET", "a-test-secret-that-is-long-enough-0123456789")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    command
}

/// The result of one xtask run.
#[derive(Debug)]
pub struct Run {
    /// Whether it exited with status 0.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            ok: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn success(self) -> String {
        assert!(self.ok, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self.stdout
    }

    /// Asserts failure with a one-line `error:` that contains every one of `needles`.
    #[track_caller]
    pub fn failure(self, needles: &[&str]) -> String {
        assert!(!self.ok, "expected failure\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        let error = self
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("no `error:` line\nstderr:\n{}", self.stderr));
        for needle in needles {
            assert!(error.contains(needle), "`{needle}` not in: {error}");
        }
        error.to_owned()
    }
}

/// A migrations folder of the test's own.
pub struct Migrations {
    dir: tempfile::TempDir,
}

impl Migrations {
    /// An empty folder.
    pub fn new() -> Migrations {
        Migrations { dir: tempfile::tempdir().unwrap() }
    }

    /// Its path, for `--source`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `--source <dir>` followed by `args`.
    pub fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["--source", self.path().to_str().unwrap()];
        all.extend_from_slice(args);
        all
    }

    /// Adds a reversible migration.
    pub fn reversible(&self, version: i64, name: &str, up: &str, down: &str) -> &Self {
        self.write(&format!("{version}_{name}.up.sql"), up);
        self.write(&format!("{version}_{name}.down.sql"), down);
        self
    }

    /// Adds a simple (irreversible) migration.
    pub fn simple(&self, version: i64, name: &str, up: &str) -> &Self {
        self.write(&format!("{version}_{name}.sql"), up);
        self
    }

    /// Writes (or overwrites) a file in the folder.
    pub fn write(&self, file: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Three reversible migrations creating tables `one`, `two` and `three`.
    pub fn three_tables() -> Migrations {
        let migrations = Migrations::new();
        for (version, table) in [(1, "one"), (2, "two"), (3, "three")] {
            migrations.reversible(
                version,
                &format!("create_{table}"),
                &format!("CREATE TABLE {table} (id int PRIMARY KEY, label text NOT NULL);\n"),
                &format!("DROP TABLE {table};\n"),
            );
        }
        migrations
    }
}

/// The repository's own migrations folder.
pub fn repo_migrations() -> PathBuf {
    Project::new(None, None).migrations_dir
}
