//! Every command's flags and help text, parsed with pico-args.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use pico_args::Arguments;

use crate::engine::Target;

/// `cargo xtask help`.
pub const HELP: &str = "\
cargo xtask: ReferAI's database workflow

USAGE:
    cargo xtask <COMMAND> [FLAGS]
    cargo xtask <COMMAND> --help

SET UP
    db-setup      Create the database if missing, migrate it to head and seed it
                  (with no server answering locally, it sets up a project-local one)
    pg            The project-local server: start, stop, status, logs
    doctor        Check every precondition, with the fix for each failure
    db-create     Create the database if missing
    db-drop       Drop the database (needs --yes)
    db-reset      Drop the database, then db-setup (needs --yes)

MIGRATIONS
    migrate       Apply pending migrations (to head or --target)
    downgrade     Revert the newest migration, --steps N, or down to --target
    history       Every migration with its state (--verbose for details)
    status        Current version and drift; exits non-zero when behind or drifted
    revision      Create a new timestamped up/down migration pair (--autogenerate: from
                  backend/schema.sql, proven on scratch databases)
    check         Fail when backend/schema.sql and migrations/ disagree (for CI)

DATA
    seed          Load data/ fixtures (--reset reloads them; --fake N adds fake users)
    backup        pg_dump the database into backups/, with a manifest to verify restores
    restore       Restore a backup into a new database (--yes: replace the database)

DEVELOPMENT
    prepare       Regenerate .sqlx/, the backend's offline query data (--check: verify it)
    test          fmt --check, prepare --check, clippy -D warnings, then every test

GLOBAL FLAGS
    --source DIR   The migrations folder (default: migrations/ at the workspace root)
    --backups DIR  Where backups go (default: backups/ at the workspace root, git-ignored)
    -h, --help     Help for the command

The database comes from DB_URL (else DATABASE_URL), in the environment or in .env.
";

/// One parsed command line.
#[derive(Debug)]
pub struct Cli {
    /// `--source DIR`, when given.
    pub source: Option<PathBuf>,
    /// `--backups DIR`, when given.
    pub backups: Option<PathBuf>,
    /// The command and its flags.
    pub command: Command,
}

/// The commands, each with its own flags.
#[derive(Debug)]
pub enum Command {
    /// `help`, no command at all, or `<command> --help`: the text to print.
    Help(&'static str),
    /// `db-setup`.
    DbSetup(DbSetup),
    /// `db-create`.
    DbCreate(DbCreate),
    /// `pg`.
    Pg(Pg),
    /// `doctor`.
    Doctor(Doctor),
    /// `db-drop`.
    DbDrop(DbDrop),
    /// `db-reset`.
    DbReset(DbReset),
    /// `migrate`.
    Migrate(Migrate),
    /// `downgrade`.
    Downgrade(Downgrade),
    /// `history`.
    History(History),
    /// `status`.
    Status(Status),
    /// `revision`.
    Revision(Revision),
    /// `check`.
    Check(Check),
    /// `seed`.
    Seed(Seed),
    /// `backup`.
    Backup(Backup),
    /// `restore`.
    Restore(Restore),
    /// `prepare`.
    Prepare(Prepare),
    /// `test`.
    Test(Test),
}

/// Flags of `db-setup`.
#[derive(Debug)]
pub struct DbSetup {
    /// Use (and if needed create) the project-local server even if another one answers.
    pub local: bool,
    /// Skip loading the seed data.
    pub no_seed: bool,
    /// Skip the backup before a destructive migration.
    pub no_backup: bool,
    /// How long to wait for another process's migration lock.
    pub lock_timeout: Duration,
}

/// Flags of `pg`.
#[derive(Debug)]
pub struct Pg {
    /// What to do with the project-local server.
    pub action: PgAction,
}

/// The `pg` subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgAction {
    /// Start it (running already is fine).
    Start,
    /// Stop it (stopped already is fine).
    Stop,
    /// Port, data folder, version, running or not.
    Status,
    /// The end of its log.
    Logs,
}

/// Flags of `doctor` (none).
#[derive(Debug)]
pub struct Doctor;

/// Flags of `db-create` (none).
#[derive(Debug)]
pub struct DbCreate;

/// Flags of `db-drop`.
#[derive(Debug)]
pub struct DbDrop {
    /// Confirms that the data may go.
    pub yes: bool,
    /// Disconnects other sessions instead of failing.
    pub force: bool,
}

/// Flags of `db-reset`.
#[derive(Debug)]
pub struct DbReset {
    /// Confirms that the data may go.
    pub yes: bool,
    /// Disconnects other sessions instead of failing.
    pub force: bool,
    /// The `db-setup` that follows the drop.
    pub setup: DbSetup,
}

/// Flags of `migrate`.
#[derive(Debug)]
pub struct Migrate {
    /// Stop after this version instead of head.
    pub target: Option<Target>,
    /// List what would run; change nothing.
    pub dry_run: bool,
    /// Print the SQL that would run; change nothing.
    pub sql: bool,
    /// Skip the backup before a destructive migration.
    pub no_backup: bool,
    /// How long to wait for another process's migration lock.
    pub lock_timeout: Duration,
}

/// Flags of `downgrade`.
#[derive(Debug)]
pub struct Downgrade {
    /// Revert this many migrations.
    pub steps: Option<u32>,
    /// Revert every migration newer than this version (`base`: all).
    pub target: Option<Target>,
    /// List what would be reverted; change nothing.
    pub dry_run: bool,
    /// Skip the backup taken before reverting.
    pub no_backup: bool,
    /// How long to wait for another process's migration lock.
    pub lock_timeout: Duration,
}

/// Flags of `history`.
#[derive(Debug)]
pub struct History {
    /// Add files, applied-at, execution time and checksum.
    pub verbose: bool,
}

/// Flags of `status` (none).
#[derive(Debug)]
pub struct Status;

/// Flags of `revision`.
#[derive(Debug)]
pub struct Revision {
    /// The migration's name, e.g. "add clip duration".
    pub message: String,
    /// Generate the SQL from the difference between `backend/schema.sql` and `migrations/`.
    pub autogenerate: bool,
}

/// Flags of `check` (none).
#[derive(Debug)]
pub struct Check;

/// Flags of `seed`.
#[derive(Debug)]
pub struct Seed {
    /// Delete the fixtures' users (and all they own) first, then load them again.
    pub reset: bool,
    /// Also add this many fake users.
    pub fake: Option<u32>,
    /// The seed for fake data; random (and printed) when absent.
    pub rng_seed: Option<u64>,
    /// The fixtures folder, when not `data/`.
    pub data: Option<PathBuf>,
}

/// Flags of `backup`.
#[derive(Debug)]
pub struct Backup {
    /// pg_dump's format.
    pub format: crate::backups::Format,
    /// Parallel jobs (directory format).
    pub jobs: Option<u32>,
    /// Where to write the backup instead of a new name in the backups folder.
    pub output: Option<PathBuf>,
    /// Afterwards, delete all but the newest N backups of this database.
    pub keep: Option<usize>,
}

/// Flags of `restore`.
#[derive(Debug)]
pub struct Restore {
    /// The backup: a `.dump` file, a directory dump, or a plain `.sql` script.
    pub path: PathBuf,
    /// Restore into this (new) database.
    pub into: Option<String>,
    /// Allow replacing an existing database (the configured one without `--into`).
    pub yes: bool,
    /// Parallel jobs for pg_restore.
    pub jobs: Option<u32>,
}

/// Flags of `prepare`.
#[derive(Debug)]
pub struct Prepare {
    /// Only verify that `.sqlx/` is current; write nothing.
    pub check: bool,
}

/// Flags of `test` (none).
#[derive(Debug)]
pub struct Test;

const DB_SETUP_HELP: &str = "\
cargo xtask db-setup [--local] [--no-seed] [--no-backup] [--lock-timeout SECS]

Creates the database named in DB_URL if it is missing, applies every pending migration and loads
the seed data, then prints a summary. Safe to run again: a second run changes nothing. With no
DB_URL anywhere and no .env, it first copies .env.example to .env. When DB_URL names this machine
and nothing answers there, it initialises and starts a project-local PostgreSQL server (initdb,
pg_ctl; see `cargo xtask pg --help`) and points DB_URL in .env at it.

    --local              Use the project-local server even if another one answers
    --no-seed            Do not load seed data
    --no-backup          Do not back up before a destructive migration
    --lock-timeout SECS  Wait this long for another migration to finish (default 300)
";

const PG_HELP: &str = "\
cargo xtask pg start|stop|status|logs

Manages the project-local PostgreSQL server that `db-setup` creates when no server answers (its
data lives in target/pg, or under /var/tmp when the server's user cannot enter the checkout).
Starting a running server or stopping a stopped one is not an error.

    start   Start it and wait until it accepts connections
    stop    Stop it (fast shutdown: open sessions are disconnected)
    status  Running or not, port, data folder, version, log file
    logs    The end of its log
";

const DOCTOR_HELP: &str = "\
cargo xtask doctor

Checks, one line each: the Rust toolchain; psql, pg_dump and pg_restore and their versions against
the server's; .env and DB_URL; the server and the login; the database; its migrations (none
pending, modified or missing); backend/schema.sql against migrations/; and .sqlx/ against the code. Each failure comes with the command
that fixes it; exits non-zero when any check fails.
";

const DB_CREATE_HELP: &str = "\
cargo xtask db-create

Creates the database named in DB_URL if it does not exist yet.
";

const DB_DROP_HELP: &str = "\
cargo xtask db-drop --yes [--force]

Drops the database named in DB_URL, with all its data. Does nothing if it does not exist.

    --yes    Confirm: without it the command refuses
    --force  Disconnect other sessions on the database instead of failing
";

const DB_RESET_HELP: &str = "\
cargo xtask db-reset --yes [--force] [--no-seed] [--lock-timeout SECS]

Drops the database, then runs db-setup: a fresh, migrated (and seeded) database.

    --yes                Confirm: without it the command refuses
    --force              Disconnect other sessions on the database instead of failing
    --no-seed            Do not load seed data
    --lock-timeout SECS  Wait this long for another migration to finish (default 300)
";

const MIGRATE_HELP: &str = "\
cargo xtask migrate [--target VERSION] [--dry-run] [--sql] [--no-backup] [--lock-timeout SECS]

Applies pending migrations in version order, each in its own transaction (unless its file starts
with `-- no-transaction`), under sqlx's advisory lock: concurrent runs apply each migration once.
When a pending migration may destroy data (DROP, TRUNCATE, DELETE, ALTER ... TYPE), the database
is backed up into backups/ first.

    --target VERSION     Stop after VERSION instead of the newest migration
    --dry-run            List the migrations that would run; change nothing
    --sql                Print the SQL script that would run, bookkeeping included; change nothing
    --no-backup          Do not back up before a destructive migration
    --lock-timeout SECS  Wait this long for another migration to finish (default 300)
";

const DOWNGRADE_HELP: &str = "\
cargo xtask downgrade [--steps N | --target VERSION|base] [--dry-run] [--no-backup] [--lock-timeout SECS]

Reverts applied migrations newest first with their .down.sql files: one by default. If any of
them has no .down.sql, nothing is reverted. The database is backed up into backups/ first.

    --steps N            Revert the N newest migrations
    --target VERSION     Revert every migration newer than VERSION (VERSION stays applied)
    --target base        Revert every migration
    --dry-run            List the migrations that would be reverted; change nothing
    --no-backup          Do not back up first
    --lock-timeout SECS  Wait this long for another migration to finish (default 300)
";

const HISTORY_HELP: &str = "\
cargo xtask history [--verbose]

Lists every migration, oldest first: version, state (applied, pending, modified since applied,
applied but file missing) and name.

    -v, --verbose  Add the files, when each was applied, how long it took, and its checksum
";

const STATUS_HELP: &str = "\
cargo xtask status

Prints the database's version, the number of pending migrations and any drift. Exits non-zero
when migrations are pending or an applied migration was modified or removed.
";

const REVISION_HELP: &str = "\
cargo xtask revision -m NAME [--autogenerate]

Creates <UTC timestamp>_<name>.up.sql and .down.sql in the migrations folder. NAME holds letters,
digits, spaces, `_` or `-`; it becomes snake_case. Never overwrites a file.

With --autogenerate, the files hold the statements that take the schema built by migrations/ to the
one declared in backend/schema.sql: both are built in scratch databases on the configured server,
compared, and the up and down scripts proven there before anything is written. Statements that can
lose data are listed as warnings and marked in the file. Renames are never guessed: mark one in
backend/schema.sql with `-- renamed from: old_name` on the renamed table or column.

    -m, --message NAME  What the migration does, e.g. \"add clip duration\"
    --autogenerate      Generate the SQL from backend/schema.sql
";

const CHECK_HELP: &str = "\
cargo xtask check

Builds migrations/ and backend/schema.sql in two scratch databases on the configured server and
compares them; exits non-zero, printing the statements that would reconcile them, when they differ.
";

const SEED_HELP: &str = "\
cargo xtask seed [--reset] [--fake N [--rng-seed S]] [--data DIR]

Loads the fixtures in data/*.toml (users, their actions, clip files and predictions) in one
transaction. Safe to run again: users are matched by email and actions by user and upload time,
so nothing is duplicated. Any mistake in the fixtures is reported as file:line:column and nothing
is written. The format is described in data/README.md.

    --reset          Delete the fixtures' users and everything they own first, then load them again
    --fake N         Also add N fake users, each with one action of 2 to 4 clips and a prediction
    --rng-seed S     Generate the fake data from seed S: the same S gives the same data
    --data DIR       Read fixtures from DIR instead of data/
";

const BACKUP_HELP: &str = "\
cargo xtask backup [--format custom|directory|plain] [--jobs N] [--output PATH] [--keep N]

Dumps the configured database with pg_dump into backups/<db>-<UTC time>-<migration version>.dump
(mode 0600), with a manifest beside it (<backup>.manifest.json: server and migration version, and
a row count and checksum per table) that `restore` verifies against. The password reaches pg_dump
through its environment, never its command line.

    --format F     custom (default, one file), directory (a folder; allows --jobs) or plain (SQL)
    --jobs N       Dump N tables at once (directory format)
    --output PATH  Write here instead of a new name in backups/
    --keep N       Afterwards, delete all but the newest N backups of this database
";

const RESTORE_HELP: &str = "\
cargo xtask restore PATH [--into NAME] [--yes] [--jobs N]

Restores a backup (pg_restore, or psql for a plain .sql dump) into a new database, then checks it
against the backup's manifest and says \"verified\" or which table differs. By default the new
database is <db>_restored_<time>; an existing database is never overwritten unless --yes.

    --into NAME  Restore into the database NAME (must not exist, unless --yes)
    --yes        Replace the configured database (or NAME): it is backed up first, the backup is
                 restored beside it, and the names are swapped only once that succeeded
    --jobs N     Restore N tables at once (custom and directory formats)
";

const PREPARE_HELP: &str = "\
cargo xtask prepare [--check]

Regenerates .sqlx/, the offline query data the backend builds from without a database, the way
`cargo sqlx prepare` does (sqlx-cli is not needed): the backend is type-checked against a freshly
migrated scratch database, which is dropped afterwards. Commit .sqlx/ with the queries.

    --check  Write nothing; fail, naming the query, when .sqlx/ is stale
";

const TEST_HELP: &str = "\
cargo xtask test

Runs what CI runs: cargo fmt --check, prepare --check, cargo clippy -D warnings, and cargo test
for the whole workspace. Tests need a PostgreSQL server on which they create (and drop) one
database each: TEST_DB_URL, else the server of DB_URL/DATABASE_URL or .env.
";

/// The default `--lock-timeout`.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

impl Cli {
    /// Parses the process's arguments; `Err` carries a one-line usage error.
    pub fn from_env() -> Result<Cli> {
        Cli::parse(Arguments::from_env())
    }

    /// Parses `args`.
    pub fn parse(mut args: Arguments) -> Result<Cli> {
        let source = args.opt_value_from_os_str("--source", path)?;
        let backups = args.opt_value_from_os_str("--backups", path)?;
        let name = args.subcommand()?.unwrap_or_else(|| "help".to_owned());
        let command = match name.as_str() {
            "help" | "-h" | "--help" => Command::Help(HELP),
            _ if args.contains(["-h", "--help"]) => Command::Help(help_for(&name)?),
            "db-setup" => Command::DbSetup(db_setup(&mut args)?),
            "db-create" => Command::DbCreate(DbCreate),
            "pg" => Command::Pg(Pg {
                action: match args.subcommand()?.as_deref() {
                    Some("start") => PgAction::Start,
                    Some("stop") => PgAction::Stop,
                    Some("status") => PgAction::Status,
                    Some("logs") => PgAction::Logs,
                    other => bail!(
                        "`pg` takes start, stop, status or logs{}",
                        other.map(|o| format!(", not `{o}`")).unwrap_or_default()
                    ),
                },
            }),
            "doctor" => Command::Doctor(Doctor),
            "db-drop" => {
                Command::DbDrop(DbDrop { yes: args.contains("--yes"), force: args.contains("--force") })
            }
            "db-reset" => Command::DbReset(DbReset {
                yes: args.contains("--yes"),
                force: args.contains("--force"),
                setup: db_setup(&mut args)?,
            }),
            "migrate" => Command::Migrate(Migrate {
                target: args.opt_value_from_str("--target")?,
                dry_run: args.contains("--dry-run"),
                sql: args.contains("--sql"),
                no_backup: args.contains("--no-backup"),
                lock_timeout: lock_timeout(&mut args)?,
            }),
            "downgrade" => Command::Downgrade(Downgrade {
                steps: steps(&mut args)?,
                target: args.opt_value_from_str("--target")?,
                dry_run: args.contains("--dry-run"),
                no_backup: args.contains("--no-backup"),
                lock_timeout: lock_timeout(&mut args)?,
            }),
            "history" => Command::History(History { verbose: args.contains(["-v", "--verbose"]) }),
            "status" => Command::Status(Status),
            "revision" => Command::Revision(Revision {
                autogenerate: args.contains("--autogenerate"),
                message: args.opt_value_from_str(["-m", "--message"])?.ok_or_else(|| {
                    anyhow!("`revision` needs a name: cargo xtask revision -m \"add clip duration\"")
                })?,
            }),
            "check" => Command::Check(Check),
            "seed" => Command::Seed(Seed {
                reset: args.contains("--reset"),
                fake: args.opt_value_from_fn("--fake", fake_count)?,
                rng_seed: args.opt_value_from_fn("--rng-seed", |s| {
                    s.parse::<u64>().map_err(|_| format!("--rng-seed takes a whole number, not `{s}`"))
                })?,
                data: args.opt_value_from_os_str("--data", path)?,
            }),
            "backup" => Command::Backup(Backup {
                format: args.opt_value_from_str("--format")?.unwrap_or(crate::backups::Format::Custom),
                jobs: jobs(&mut args)?,
                output: args.opt_value_from_os_str("--output", path)?,
                keep: args.opt_value_from_fn("--keep", |s| {
                    s.parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--keep takes a number from 1 up, not `{s}`"))
                })?,
            }),
            "restore" => Command::Restore(Restore {
                into: args.opt_value_from_str("--into")?,
                yes: args.contains("--yes"),
                jobs: jobs(&mut args)?,
                path: args.opt_free_from_os_str(path)?.ok_or_else(|| {
                    anyhow!("`restore` needs the backup to restore: cargo xtask restore backups/<file>.dump")
                })?,
            }),
            "prepare" => Command::Prepare(Prepare { check: args.contains("--check") }),
            "test" => Command::Test(Test),
            other => bail!("unknown command `{other}`; `cargo xtask help` lists the commands"),
        };
        let rest = args.finish();
        if let Some(extra) = rest.first() {
            bail!(
                "unexpected argument `{}` for `{name}`; see `cargo xtask {name} --help`",
                extra.to_string_lossy()
            );
        }
        Ok(Cli { source, backups, command })
    }
}

fn help_for(command: &str) -> Result<&'static str> {
    Ok(match command {
        "db-setup" => DB_SETUP_HELP,
        "db-create" => DB_CREATE_HELP,
        "pg" => PG_HELP,
        "doctor" => DOCTOR_HELP,
        "db-drop" => DB_DROP_HELP,
        "db-reset" => DB_RESET_HELP,
        "migrate" => MIGRATE_HELP,
        "downgrade" => DOWNGRADE_HELP,
        "history" => HISTORY_HELP,
        "status" => STATUS_HELP,
        "revision" => REVISION_HELP,
        "check" => CHECK_HELP,
        "seed" => SEED_HELP,
        "backup" => BACKUP_HELP,
        "restore" => RESTORE_HELP,
        "prepare" => PREPARE_HELP,
        "test" => TEST_HELP,
        other => bail!("unknown command `{other}`; `cargo xtask help` lists the commands"),
    })
}

fn db_setup(args: &mut Arguments) -> Result<DbSetup> {
    Ok(DbSetup {
        local: args.contains("--local"),
        no_seed: args.contains("--no-seed"),
        no_backup: args.contains("--no-backup"),
        lock_timeout: lock_timeout(args)?,
    })
}

fn jobs(args: &mut Arguments) -> Result<Option<u32>> {
    Ok(args.opt_value_from_fn("--jobs", |s| {
        s.parse::<u32>().ok().filter(|&n| n > 0).ok_or(format!("--jobs takes a number from 1 up, not `{s}`"))
    })?)
}

fn lock_timeout(args: &mut Arguments) -> Result<Duration> {
    let seconds: Option<u64> = args.opt_value_from_str("--lock-timeout")?;
    match seconds {
        Some(0) => bail!("--lock-timeout must be at least 1 second"),
        Some(seconds) => Ok(Duration::from_secs(seconds)),
        None => Ok(DEFAULT_LOCK_TIMEOUT),
    }
}

fn path(value: &std::ffi::OsStr) -> Result<PathBuf, String> {
    Ok(PathBuf::from(value))
}

fn fake_count(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) | Err(_) => {
            Err(format!("--fake takes a number of users from 1 to {}, not `{value}`", u32::MAX))
        }
        Ok(count) => Ok(count),
    }
}

fn steps(args: &mut Arguments) -> Result<Option<u32>> {
    let steps: Option<u32> = args.opt_value_from_str("--steps")?;
    if steps == Some(0) {
        bail!("--steps must be at least 1");
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Cli> {
        Cli::parse(Arguments::from_vec(line.split_whitespace().map(Into::into).collect()))
    }

    #[test]
    fn commands_and_flags_parse() {
        let cli = parse("migrate --target 20261125144500 --dry-run --source other").unwrap();
        assert_eq!(cli.source, Some(PathBuf::from("other")));
        let Command::Migrate(migrate) = cli.command else { panic!("not migrate") };
        assert_eq!(migrate.target, Some(Target::Version(20261125144500)));
        assert!(migrate.dry_run && !migrate.sql);

        let Command::Downgrade(down) = parse("downgrade --target base").unwrap().command else { panic!() };
        assert_eq!(down.target, Some(Target::Base));
        assert!(matches!(parse("").unwrap().command, Command::Help(HELP)));
    }

    #[test]
    fn mistakes_are_reported_in_one_line() {
        for (line, expected) in [
            ("frobnicate", "unknown command `frobnicate`"),
            ("migrate --bogus", "unexpected argument `--bogus`"),
            ("downgrade --steps 0", "--steps must be at least 1"),
            ("migrate --target soon", "neither a migration version nor `base`"),
            ("revision", "needs a name"),
            ("seed --fake abc", "--fake takes a number of users from 1"),
            ("seed --fake 0", "not `0`"),
            ("seed --fake 10 --rng-seed -1", "--rng-seed takes a whole number"),
        ] {
            let err = format!("{:#}", parse(line).unwrap_err());
            assert!(err.contains(expected), "{line}: {err}");
            assert!(!err.contains('\n'), "{line}: {err}");
        }
    }

    #[test]
    fn every_command_has_help() {
        for command in [
            "db-setup",
            "db-create",
            "pg",
            "doctor",
            "db-drop",
            "db-reset",
            "migrate",
            "downgrade",
            "history",
            "status",
            "revision",
            "check",
            "seed",
            "backup",
            "restore",
            "prepare",
            "test",
        ] {
            let Command::Help(help) = parse(&format!("{command} --help")).unwrap().command else {
                panic!("{command} --help is not help")
            };
            assert!(help.starts_with(&format!("cargo xtask {command}")), "{command}");
            assert!(HELP.contains(command), "{command} missing from the main help");
        }
    }
}
