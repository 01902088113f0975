//! Every command's flags and help text. Each command is declared once, as a `Spec`: its flags
//! (name, short form, value name, help line, kind), its description, and how its flags fill its
//! struct. The pico-args parsing and the help text both come from that declaration, so a flag
//! cannot be accepted without being documented, or documented without being accepted.

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use pico_args::Arguments;

use crate::engine::{self, DdlLimits, Target};
use crate::schema::real_rows;

/// `cargo xtask help`, generated (at compile time) from the declarations below.
pub const HELP: &str = TOP_HELP.as_str();

/// Every command's name, in the order `cargo xtask help` lists them.
pub fn command_names() -> impl Iterator<Item = &'static str> {
    specs().map(|spec| spec.name)
}

/// One parsed command line.
#[derive(Debug)]
pub struct Cli {
    /// `--source DIR`, when given.
    pub source: Option<PathBuf>,
    /// `--backups DIR`, when given.
    pub backups: Option<PathBuf>,
    /// `--database-url URL` (`-D`), when given: overrides DB_URL for this command.
    pub database_url: Option<String>,
    /// `--connect-timeout SECONDS`: how long to wait for an unreachable server.
    pub connect_timeout: Duration,
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
    /// `rebase`.
    Rebase(Rebase),
    /// `schema-doc`.
    SchemaDoc(SchemaDoc),
    /// `check`.
    Check(Check),
    /// `adopt`.
    Adopt(Adopt),
    /// `baseline`.
    Baseline(Baseline),
    /// `lint`.
    Lint(Lint),
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

/// Flags of `doctor`.
#[derive(Debug)]
pub struct Doctor {
    /// Drops the scratch databases interrupted runs left behind.
    pub drop_leftovers: bool,
}

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
    /// Apply a pending migration older than the newest applied one instead of refusing.
    pub allow_out_of_order: bool,
    /// How long each migration's statements may wait for table locks, and the retries.
    pub ddl: DdlLimits,
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
    /// How long each down file's statements may wait for table locks, and the retries.
    pub ddl: DdlLimits,
}

/// Flags of `history`.
#[derive(Debug)]
pub struct History {
    /// Add files, applied-at, execution time and checksum.
    pub verbose: bool,
    /// Text for people or JSON for scripts.
    pub format: Format,
}

/// Flags of `status`.
#[derive(Debug)]
pub struct Status {
    /// Text for people or JSON for scripts.
    pub format: Format,
}

/// How a report is printed: `--format text|json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// Lines for people (the default).
    #[default]
    Text,
    /// One JSON object for scripts, documented in docs/DATABASE_MIGRATION.md.
    Json,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!("--format takes text or json, not `{other}`")),
        }
    }
}

/// Flags of `rebase`.
#[derive(Debug)]
pub struct Rebase {
    /// The versions to move; empty: every out-of-order migration on the configured database.
    pub versions: Vec<i64>,
}

/// Flags of `schema-doc`.
#[derive(Debug)]
pub struct SchemaDoc {
    /// Write nothing; fail when docs/SCHEMA.md is stale.
    pub check: bool,
}

/// Flags of `revision`.
#[derive(Debug)]
pub struct Revision {
    /// The migration's name, e.g. "add clip duration".
    pub message: String,
    /// Generate the SQL from the difference between `backend/schema.sql` and `migrations/`.
    pub autogenerate: bool,
    /// The largest configured database (in MB) copied to prove the generated scripts on its rows.
    pub copy_limit_mb: u64,
}

/// Flags of `check`.
#[derive(Debug)]
pub struct Check {
    /// Text for people or JSON for scripts.
    pub format: Format,
}

/// Flags of `adopt`.
#[derive(Debug)]
pub struct Adopt {
    /// Carry the plan out; without it, only inspect and print the plan.
    pub apply: bool,
    /// Bridge to this version instead of the first migration, when no version matches.
    pub version: Option<i64>,
    /// Drop Alembic's `alembic_version` table in the same transaction.
    pub drop_alembic_version: bool,
    /// Accept a bridge whose statements may lose data.
    pub allow_data_loss: bool,
    /// A file of `-- renamed from:` notes for the bridge, written as in `backend/schema.sql`.
    pub renames: Option<PathBuf>,
    /// How long to wait for another migration to finish.
    pub lock_timeout: Duration,
    /// How long the bridge's statements wait for table locks, and how often they are retried.
    pub ddl: DdlLimits,
}

/// Flags of `baseline`.
#[derive(Debug)]
pub struct Baseline {
    /// The version to record, with every earlier one, as applied.
    pub version: i64,
    /// Skip checking that the live schema equals that version's.
    pub force: bool,
}

/// Flags of `lint`.
#[derive(Debug)]
pub struct Lint {
    /// The migration files or folders to lint; none: the migrations folder.
    pub paths: Vec<PathBuf>,
}

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

// ---------------------------------------------------------------------------------------------
// The declarations: one `Spec` per command, under its heading in `cargo xtask help`.
// ---------------------------------------------------------------------------------------------

/// Every command, grouped and ordered as `cargo xtask help` lists them.
const GROUPS: &[(&str, &[&Spec])] = &[
    ("SET UP", &[&DB_SETUP, &PG, &DOCTOR, &DB_CREATE, &DB_DROP, &DB_RESET]),
    (
        "MIGRATIONS",
        &[&MIGRATE, &DOWNGRADE, &HISTORY, &STATUS, &REVISION, &REBASE, &CHECK, &LINT, &SCHEMA_DOC],
    ),
    ("EXISTING DATABASES", &[&ADOPT, &BASELINE]),
    ("DATA", &[&SEED, &BACKUP, &RESTORE]),
    ("DEVELOPMENT", &[&PREPARE, &TEST]),
];

/// Accepted by every command (read before the command's own flags), listed in every help.
const GLOBAL_FLAGS: &[Flag] = &[
    value("--source", "DIR", "The migrations folder (default: migrations/ at the workspace root)"),
    value("--backups", "DIR", "Where backups go (default: backups/ at the workspace root, git-ignored)"),
    value("--database-url", "URL", "The database for this command, instead of DB_URL/DATABASE_URL")
        .short("-D"),
    value("--connect-timeout", "SECS", "Give up on an unreachable server after SECS seconds (default 10)"),
    switch("--help", "Help for the command").short("-h"),
];

// Flags several commands share, with the same meaning and the same help.
const LOCAL: Flag = switch("--local", "Use the project-local server even if another one answers");
const NO_SEED: Flag = switch("--no-seed", "Do not load seed data");
const NO_BACKUP: Flag = switch("--no-backup", "Do not back up before a destructive migration");
const LOCK_TIMEOUT: Flag =
    value("--lock-timeout", "SECS", "Wait this long for another migration to finish (default 300)");
const DDL_LOCK_TIMEOUT: Flag = value(
    "--ddl-lock-timeout",
    "DURATION",
    "How long each statement may wait for a table lock (default 5s; a file's\n\
     `-- ddl-lock-timeout: 30s` line overrides it)",
);
const STATEMENT_TIMEOUT: Flag = value(
    "--statement-timeout",
    "DURATION",
    "Cancel any statement running longer (default none; `-- statement-timeout:` in a file)",
);
const DDL_RETRIES: Flag =
    value("--ddl-retries", "N", "After a lock timeout, retry N times, waiting 1s, 2s, 4s... (default 3)");
const YES_TO_DROP: Flag = switch("--yes", "Confirm: without it the command refuses").required();
const FORMAT: Flag =
    value("--format", "text|json", "json: one object for scripts (see docs/DATABASE_MIGRATION.md)");
const FORCE: Flag = switch("--force", "Disconnect other sessions on the database instead of failing");

const DB_SETUP: Spec = Spec {
    name: "db-setup",
    summary: "Create the database if missing, migrate it to head and seed it\n\
              (with no server answering locally, it sets up a project-local one)",
    about: "\
Creates the database named in DB_URL if it is missing, applies every pending migration and loads
the seed data, then prints a summary. Safe to run again: a second run changes nothing. With no
DB_URL anywhere and no .env, it first copies .env.example to .env. When DB_URL names this machine
and nothing answers there, it initialises and starts a project-local PostgreSQL server (initdb,
pg_ctl; see `cargo xtask pg --help`) and points DB_URL in .env at it.",
    flags: &[LOCAL, NO_SEED, NO_BACKUP, LOCK_TIMEOUT],
    parse: |p| Ok(Command::DbSetup(db_setup(p)?)),
};

const PG: Spec = Spec {
    name: "pg",
    summary: "The project-local server: start, stop, status, logs",
    about: "\
Manages the project-local PostgreSQL server that `db-setup` creates when no server answers (its
data lives in target/pg, or under /var/tmp when the server's user cannot enter the checkout).
Starting a running server or stopping a stopped one is not an error.",
    flags: &[
        action("start", "Start it and wait until it accepts connections"),
        action("stop", "Stop it (fast shutdown: open sessions are disconnected)"),
        action("status", "Running or not, port, data folder, version, log file"),
        action("logs", "The end of its log"),
    ],
    parse: |p| {
        let action = match p.action()? {
            "start" => PgAction::Start,
            "stop" => PgAction::Stop,
            "status" => PgAction::Status,
            "logs" => PgAction::Logs,
            other => unreachable!("`pg {other}` is declared but not parsed"),
        };
        Ok(Command::Pg(Pg { action }))
    },
};

const DOCTOR: Spec = Spec {
    name: "doctor",
    summary: "Check every precondition, with the fix for each failure",
    about: "\
Checks, one line each: the Rust toolchain; psql, pg_dump and pg_restore and their versions against
the server's; .env and DB_URL; the server and the login; the database; its migrations (none
pending, modified or missing); backend/schema.sql against migrations/; and .sqlx/ against the
code. Each failure comes with the command that fixes it; exits non-zero when any check fails.",
    flags: &[switch(
        "--drop-leftovers",
        "Drop the scratch databases that killed runs left behind\n\
         (15 minutes old or more, with no session on them)",
    )],
    parse: |p| Ok(Command::Doctor(Doctor { drop_leftovers: p.switch("--drop-leftovers") })),
};

const DB_CREATE: Spec = Spec {
    name: "db-create",
    summary: "Create the database if missing",
    about: "Creates the database named in DB_URL if it does not exist yet.",
    flags: &[],
    parse: |_| Ok(Command::DbCreate(DbCreate)),
};

const DB_DROP: Spec = Spec {
    name: "db-drop",
    summary: "Drop the database (needs --yes)",
    about: "Drops the database named in DB_URL, with all its data. Does nothing if it does not exist.",
    flags: &[YES_TO_DROP, FORCE],
    parse: |p| Ok(Command::DbDrop(DbDrop { yes: p.switch("--yes"), force: p.switch("--force") })),
};

const DB_RESET: Spec = Spec {
    name: "db-reset",
    summary: "Drop the database, then db-setup (needs --yes)",
    about: "Drops the database, then runs db-setup: a fresh, migrated (and seeded) database.",
    flags: &[YES_TO_DROP, FORCE, LOCAL, NO_SEED, NO_BACKUP, LOCK_TIMEOUT],
    parse: |p| {
        Ok(Command::DbReset(DbReset {
            yes: p.switch("--yes"),
            force: p.switch("--force"),
            setup: db_setup(p)?,
        }))
    },
};

const MIGRATE: Spec = Spec {
    name: "migrate",
    summary: "Apply pending migrations (to head or --target)",
    about: "\
Applies pending migrations in version order, each in its own transaction (unless its file starts
with `-- no-transaction`), under sqlx's advisory lock: concurrent runs apply each migration once.
When a pending migration may destroy data (DROP, TRUNCATE, DELETE, ALTER ... TYPE), the database
is backed up into backups/ first. A pending migration older than the newest applied one (out of
order, usually from a merged branch) is refused unless --allow-out-of-order. The version printed
is always the newest applied one. Each statement waits at most --ddl-lock-timeout for a table
lock; on a timeout the migration rolls back, the sessions that blocked it are printed, and it is
retried after 1s, 2s, 4s... (--ddl-retries). See \"Migrations on a live database\" in
docs/DATABASE_MIGRATION.md.",
    flags: &[
        value("--target", "VERSION", "Stop after VERSION instead of the newest migration"),
        switch("--dry-run", "List the migrations that would run; change nothing"),
        switch("--sql", "Print the SQL script that would run, bookkeeping included; change nothing"),
        NO_BACKUP,
        LOCK_TIMEOUT,
        switch(
            "--allow-out-of-order",
            "Apply a pending migration older than the newest applied one (refused by default;\n\
             `cargo xtask rebase` gives it a new version instead)",
        ),
        DDL_LOCK_TIMEOUT,
        STATEMENT_TIMEOUT,
        DDL_RETRIES,
    ],
    parse: |p| {
        Ok(Command::Migrate(Migrate {
            target: p.value("--target")?,
            dry_run: p.switch("--dry-run"),
            sql: p.switch("--sql"),
            no_backup: p.switch("--no-backup"),
            lock_timeout: lock_timeout(p)?,
            allow_out_of_order: p.switch("--allow-out-of-order"),
            ddl: ddl_limits(p)?,
        }))
    },
};

const DOWNGRADE: Spec = Spec {
    name: "downgrade",
    summary: "Revert the newest migration, --steps N, or down to --target",
    about: "\
Reverts applied migrations with their .down.sql files, the last applied first (the order of
installed_on, then version, in _sqlx_migrations): one by default. If any of them has no .down.sql,
nothing is reverted. The database is backed up into backups/ first.",
    flags: &[
        value("--steps", "N", "Revert the N newest migrations"),
        value(
            "--target",
            "VERSION|base",
            "Revert every migration newer than VERSION (VERSION stays applied);\n\
             with base, revert every migration",
        ),
        switch("--dry-run", "List the migrations that would be reverted; change nothing"),
        switch("--no-backup", "Do not back up first"),
        LOCK_TIMEOUT,
        DDL_LOCK_TIMEOUT,
        STATEMENT_TIMEOUT,
        DDL_RETRIES,
    ],
    parse: |p| {
        Ok(Command::Downgrade(Downgrade {
            steps: steps(p)?,
            target: p.value("--target")?,
            dry_run: p.switch("--dry-run"),
            no_backup: p.switch("--no-backup"),
            lock_timeout: lock_timeout(p)?,
            ddl: ddl_limits(p)?,
        }))
    },
};

const HISTORY: Spec = Spec {
    name: "history",
    summary: "Every migration with its state (--verbose for details)",
    about: "\
Lists every migration, oldest first: version, state (applied, pending, out of order, modified
since applied, applied but file missing) and name. Out of order: pending but older than the
newest applied migration, usually from a merged branch; `cargo xtask rebase` fixes it.",
    flags: &[
        switch("--verbose", "Add the files, when each was applied, how long it took, and its checksum")
            .short("-v"),
        FORMAT,
    ],
    parse: |p| Ok(Command::History(History { verbose: p.switch("--verbose"), format: format(p)? })),
};

const STATUS: Spec = Spec {
    name: "status",
    summary: "Current version and drift; exits non-zero when behind or drifted",
    about: "\
Prints the database's version, the number of pending migrations, out-of-order ones and any drift.
Exits with 3 when migrations are pending (in order or not) or an applied migration was modified
or removed; 0 when up to date.",
    flags: &[FORMAT],
    parse: |p| Ok(Command::Status(Status { format: format(p)? })),
};

const REVISION: Spec = Spec {
    name: "revision",
    summary: "Create a new timestamped up/down migration pair (--autogenerate: from\n\
              backend/schema.sql, proven on scratch databases)",
    about: "\
Creates <UTC timestamp>_<name>.up.sql and .down.sql in the migrations folder. NAME holds letters,
digits, spaces, `_` or `-`; it becomes snake_case. Never overwrites a file.

With --autogenerate, the files hold the statements that take the schema built by migrations/ to the
one declared in backend/schema.sql: both are built in scratch databases on the configured server,
compared, and the up and down scripts proven there before anything is written. Statements that can
lose data are listed as warnings and marked in the file. Renames are never guessed: mark one in
backend/schema.sql with `-- renamed from: old_name` on the renamed table or column.

When the configured database is reachable and at the migrations' head, the files are then also run
up and down on a copy of it, to prove them on its rows (CREATE DATABASE ... TEMPLATE when no one
else is connected, else pg_dump and pg_restore); the copy is dropped afterwards. The row counts
per table are printed; a statement that fails on the rows is reported and marked in the file.",
    flags: &[
        value("--message", "NAME", "What the migration does, e.g. \"add clip duration\"")
            .short("-m")
            .required(),
        switch("--autogenerate", "Generate the SQL from backend/schema.sql"),
        value(
            "--copy-limit-mb",
            "MB",
            "Largest database copied to prove --autogenerate on its rows [default: 1024; 0: skip]",
        ),
    ],
    parse: |p| {
        Ok(Command::Revision(Revision {
            autogenerate: p.switch("--autogenerate"),
            copy_limit_mb: p.value("--copy-limit-mb")?.unwrap_or(real_rows::DEFAULT_COPY_LIMIT_MB),
            message: p.value("--message")?.ok_or_else(|| {
                anyhow!("`revision` needs a name: cargo xtask revision -m \"add clip duration\"")
            })?,
        }))
    },
};

const CHECK: Spec = Spec {
    name: "check",
    summary: "Fail when backend/schema.sql and migrations/ disagree (for CI)",
    about: "\
Builds migrations/ and backend/schema.sql in two scratch databases on the configured server and
compares them; exits with 3, printing the statements that would reconcile them, when they differ,
or when docs/SCHEMA.md is stale. Also flags out-of-order migrations on the configured database.",
    flags: &[FORMAT],
    parse: |p| Ok(Command::Check(Check { format: format(p)? })),
};

const REBASE: Spec = Spec {
    name: "rebase",
    summary: "Give migrations new versions after the newest (default: the out-of-order ones)",
    about: "\
Renames the up and down files of each VERSION to new versions after the newest migration in the
folder or the database, keeping their order. Without VERSION, takes every migration that is out of
order on the configured database (pending but older than its newest applied one, as after merging
a branch). Refuses a migration applied to the configured database. Never rename a migration that
another database (a teammate's, CI, production) has applied: its version is recorded there.",
    flags: &[free("VERSION", "A migration to move; repeat for several")],
    parse: |p| Ok(Command::Rebase(Rebase { versions: p.free_versions("VERSION")? })),
};

const SCHEMA_DOC: Spec = Spec {
    name: "schema-doc",
    summary: "Write docs/SCHEMA.md from the migrated schema (--check: verify it)",
    about: "\
Builds migrations/ on a scratch database and writes docs/SCHEMA.md: a Mermaid erDiagram of the
tables and their foreign keys, one table per database table (columns, types, nullability,
defaults, constraints, comments), then enums and views. `revision --autogenerate` regenerates it
and `check` fails when it is stale.",
    flags: &[switch("--check", "Write nothing; fail when docs/SCHEMA.md is stale")],
    parse: |p| Ok(Command::SchemaDoc(SchemaDoc { check: p.switch("--check") })),
};

const ADOPT: Spec = Spec {
    name: "adopt",
    summary: "Take over a database another tool made (Alembic): inspect and plan;\n\
              --apply carries the plan out",
    about: "\
For a database with tables but no sqlx bookkeeping, such as one Alembic made. It names what it
finds (alembic_version and its revision, or unmanaged), backs the database up into backups/ and
restores that backup on a scratch database (which verifies it), and builds every migration version
on another. When a version's schema equals the live one, the plan is a baseline: record it and
every earlier version as applied, without running them. Otherwise the plan is a bridge from the live
schema to the first version (or --version), written by the autogenerate differ and run on the
restored copy first: it must reach that version's schema with every table's row count unchanged,
and identity columns and sequences continue past the highest existing id. Without --apply nothing
changes. --apply runs the bridge and writes sqlx's bookkeeping rows in one transaction: on any
failure or Ctrl-C the database is as it was. alembic_version stays unless --drop-alembic-version.",
    flags: &[
        switch("--apply", "Carry the plan out (default: inspect and print it; change nothing)"),
        value("--version", "VERSION", "Bridge to VERSION instead of the first migration"),
        value(
            "--renames",
            "FILE",
            "Renames for the bridge, as `-- renamed from: old` notes on CREATE TABLE\n\
             lines and columns, the way backend/schema.sql states them",
        ),
        switch("--allow-data-loss", "Accept a bridge with statements that may lose data"),
        switch("--drop-alembic-version", "Drop Alembic's alembic_version table in the same transaction"),
        LOCK_TIMEOUT,
        DDL_LOCK_TIMEOUT,
        STATEMENT_TIMEOUT,
        DDL_RETRIES,
    ],
    parse: |p| {
        Ok(Command::Adopt(Adopt {
            apply: p.switch("--apply"),
            version: p.value("--version")?,
            renames: p.path("--renames")?,
            allow_data_loss: p.switch("--allow-data-loss"),
            drop_alembic_version: p.switch("--drop-alembic-version"),
            lock_timeout: lock_timeout(p)?,
            ddl: ddl_limits(p)?,
        }))
    },
};

const BASELINE: Spec = Spec {
    name: "baseline",
    summary: "Record VERSION and every earlier migration as applied, without running\n\
              them (Alembic's stamp)",
    about: "\
Records VERSION and every earlier migration as applied in _sqlx_migrations, with the rows sqlx
writes, without running them. It first checks that the live schema equals the one VERSION builds
(on a scratch database), unless --force. It refuses, naming them, when _sqlx_migrations already has
rows that disagree: a newer version, or a migration modified since it was applied.",
    flags: &[
        free("VERSION", "The migration version to record, with every earlier one").required(),
        switch("--force", "Do not compare the live schema with VERSION's"),
    ],
    parse: |p| {
        let force = p.switch("--force");
        let version = p.free_value::<i64>("VERSION")?.ok_or_else(|| {
            anyhow!("`baseline` needs the version to record: cargo xtask baseline VERSION (`cargo xtask history` lists them)")
        })?;
        Ok(Command::Baseline(Baseline { version, force }))
    },
};

const LINT: Spec = Spec {
    name: "lint",
    summary: "Report migrations' hazards on a live database (locks, rewrites, renames)",
    about: "\
Reads migration files (default: every .up.sql and .down.sql in the migrations folder) and reports
each statement that would block or break a database in use: file:line, rule id, the lock it takes
and what that blocks, and the safe rewrite. Statements on a table created earlier in the same file
are exempt. When the configured database answers, each finding shows the table's estimated rows
and size. Silence a finding deliberately with `-- lint: allow <rule>` on the line above the
statement, or at the top of the file for the whole file. Exits non-zero when anything is found.",
    flags: &[free("PATH", "Migration files or folders to lint (several allowed)")],
    parse: |p| Ok(Command::Lint(Lint { paths: p.free_paths("PATH")? })),
};

const SEED: Spec = Spec {
    name: "seed",
    summary: "Load data/ fixtures (--reset reloads them; --fake N adds fake users)",
    about: "\
Loads the fixtures in data/*.toml (users, their actions, clip files and predictions) in one
transaction. Safe to run again: users are matched by email and actions by user and upload time,
so nothing is duplicated. Any mistake in the fixtures is reported as file:line:column and nothing
is written. The format is described in data/README.md.",
    flags: &[
        switch("--reset", "Delete the fixtures' users and everything they own first, then load them again"),
        value("--fake", "N", "Also add N fake users, each with one action of 2 to 4 clips and a prediction"),
        value("--rng-seed", "S", "Generate the fake data from seed S: the same S gives the same data"),
        value("--data", "DIR", "Read fixtures from DIR instead of data/"),
    ],
    parse: |p| {
        Ok(Command::Seed(Seed {
            reset: p.switch("--reset"),
            fake: p.value_with("--fake", fake_count)?,
            rng_seed: p.value_with("--rng-seed", |s| {
                s.parse::<u64>().map_err(|_| format!("--rng-seed takes a whole number, not `{s}`"))
            })?,
            data: p.path("--data")?,
        }))
    },
};

const BACKUP: Spec = Spec {
    name: "backup",
    summary: "pg_dump the database into backups/, with a manifest to verify restores",
    about: "\
Dumps the configured database with pg_dump into backups/<db>-<UTC time>-<migration version>.dump
(mode 0600), with a manifest beside it (<backup>.manifest.json: server and migration version, and
a row count and checksum per table) that `restore` verifies against. The password reaches pg_dump
through its environment, never its command line.",
    flags: &[
        value(
            "--format",
            "FORMAT",
            "custom (default, one file), directory (a folder; allows --jobs) or plain (SQL)",
        ),
        value("--jobs", "N", "Dump N tables at once (directory format)"),
        value("--output", "PATH", "Write here instead of a new name in backups/"),
        value("--keep", "N", "Afterwards, delete all but the newest N backups of this database"),
    ],
    parse: |p| {
        Ok(Command::Backup(Backup {
            format: p.value("--format")?.unwrap_or(crate::backups::Format::Custom),
            jobs: jobs(p)?,
            output: p.path("--output")?,
            keep: p.value_with("--keep", |s| {
                s.parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(format!("--keep takes a number from 1 up, not `{s}`"))
            })?,
        }))
    },
};

const RESTORE: Spec = Spec {
    name: "restore",
    summary: "Restore a backup into a new database (--yes: replace the database)",
    about: "\
Restores a backup (pg_restore, or psql for a plain .sql dump) into a new database, then checks it
against the backup's manifest and says \"verified\" or which table differs. By default the new
database is <db>_restored_<time>; an existing database is never overwritten unless --yes.",
    flags: &[
        free("PATH", "The backup: a .dump file, a directory dump, or a plain .sql script").required(),
        value("--into", "NAME", "Restore into the database NAME (must not exist, unless --yes)"),
        switch(
            "--yes",
            "Replace the configured database (or NAME): it is backed up first, the backup is\n\
             restored beside it, and the names are swapped only once that succeeded",
        ),
        value("--jobs", "N", "Restore N tables at once (custom and directory formats)"),
    ],
    parse: |p| {
        Ok(Command::Restore(Restore {
            into: p.value("--into")?,
            yes: p.switch("--yes"),
            jobs: jobs(p)?,
            // Last: the positional argument is whatever the flags above did not take.
            path: p.free_path("PATH")?.ok_or_else(|| {
                anyhow!("`restore` needs the backup to restore: cargo xtask restore backups/<file>.dump")
            })?,
        }))
    },
};

const PREPARE: Spec = Spec {
    name: "prepare",
    summary: "Regenerate .sqlx/, the backend's offline query data (--check: verify it)",
    about: "\
Regenerates .sqlx/, the offline query data the backend builds from without a database, the way
`cargo sqlx prepare` does (sqlx-cli is not needed): the backend is type-checked against a freshly
migrated scratch database, which is dropped afterwards. Commit .sqlx/ with the queries.",
    flags: &[switch("--check", "Write nothing; fail, naming the query, when .sqlx/ is stale")],
    parse: |p| Ok(Command::Prepare(Prepare { check: p.switch("--check") })),
};

const TEST: Spec = Spec {
    name: "test",
    summary: "fmt --check, prepare --check, clippy -D warnings, then every test",
    about: "\
Runs what CI runs: cargo fmt --check, prepare --check, cargo clippy -D warnings, and cargo test
for the whole workspace. Tests need a PostgreSQL server on which they create (and drop) one
database each: TEST_DB_URL, else the server of DB_URL/DATABASE_URL or .env.",
    flags: &[],
    parse: |_| Ok(Command::Test(Test)),
};

/// The default `--connect-timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default `--lock-timeout`.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------------------------
// What a declaration is made of.
// ---------------------------------------------------------------------------------------------

/// One command: everything its parsing and its help need.
struct Spec {
    /// What follows `cargo xtask`.
    name: &'static str,
    /// Its entry in `cargo xtask help`; a `\n` continues it on an indented line.
    summary: &'static str,
    /// The description between the usage line and the flags in its `--help`.
    about: &'static str,
    /// Its flags and positional arguments, in usage order.
    flags: &'static [Flag],
    /// Reads the flags into the command's struct. It may ask the [`Parser`] only for flags in
    /// `flags` (anything else panics, which the tests catch), and it must ask for all of them.
    parse: fn(&mut Parser) -> Result<Command>,
}

/// One flag or positional argument of a command.
#[derive(Debug)]
struct Flag {
    /// `--dry-run`; for a positional argument, the word shown (`PATH`, `start`).
    name: &'static str,
    /// `-v`, when the flag has a short form.
    short: Option<&'static str>,
    /// How it is given on the command line.
    kind: Kind,
    /// Shown without brackets in the usage line. The command's `parse` (or its `run`) enforces it.
    required: bool,
    /// Its help; a `\n` continues it on a line aligned under the first.
    help: &'static str,
}

/// How a [`Flag`] is given on the command line.
#[derive(Debug)]
enum Kind {
    /// `--dry-run`: present or absent.
    Switch,
    /// `--target VERSION`: takes a value, named in the help.
    Value(&'static str),
    /// `PATH`: a positional argument.
    Free,
    /// `start`: one of a set of words saying what the command does; the first argument.
    Action,
}

const fn switch(name: &'static str, help: &'static str) -> Flag {
    Flag { name, short: None, kind: Kind::Switch, required: false, help }
}

const fn value(name: &'static str, value_name: &'static str, help: &'static str) -> Flag {
    Flag { name, short: None, kind: Kind::Value(value_name), required: false, help }
}

const fn free(name: &'static str, help: &'static str) -> Flag {
    Flag { name, short: None, kind: Kind::Free, required: false, help }
}

const fn action(name: &'static str, help: &'static str) -> Flag {
    Flag { name, short: None, kind: Kind::Action, required: true, help }
}

impl Flag {
    /// The same flag with a short form too.
    const fn short(mut self, short: &'static str) -> Flag {
        self.short = Some(short);
        self
    }

    /// The same flag, shown as required.
    const fn required(mut self) -> Flag {
        self.required = true;
        self
    }

    /// What pico-args looks for: `-v` or `--verbose`, or only `--dry-run`.
    fn keys(&self) -> pico_args::Keys {
        match self.short {
            Some(short) => [short, self.name].into(),
            None => self.name.into(),
        }
    }
}

/// Every command, in help order.
fn specs() -> impl Iterator<Item = &'static Spec> {
    GROUPS.iter().flat_map(|(_, specs)| specs.iter().copied())
}

// ---------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------

impl Cli {
    /// Parses the process's arguments; `Err` carries a one-line usage error.
    pub fn from_env() -> Result<Cli> {
        Cli::parse(Arguments::from_env())
    }

    /// Parses `args`.
    pub fn parse(mut args: Arguments) -> Result<Cli> {
        // The global flags may come anywhere, so they go first, `--help` included: that leaves
        // the command's name (or `help`'s topic) as the first argument.
        let mut globals = Parser { args: &mut args, command: "", flags: GLOBAL_FLAGS };
        let source = globals.path("--source")?;
        let backups = globals.path("--backups")?;
        let database_url = globals.value("--database-url")?;
        let connect_timeout = match globals.value::<u64>("--connect-timeout")? {
            Some(0) => bail!("--connect-timeout must be at least 1 second"),
            Some(seconds) => Duration::from_secs(seconds),
            None => DEFAULT_CONNECT_TIMEOUT,
        };
        let help = globals.switch("--help");
        let name = args.subcommand()?.unwrap_or_else(|| "help".to_owned());
        let command = if name == "help" {
            Command::Help(match args.subcommand()? {
                Some(topic) => help_for(&topic)?,
                None => HELP,
            })
        } else {
            let index = specs().position(|spec| spec.name == name).ok_or_else(|| unknown_command(&name))?;
            if help {
                // Whatever else is on the line, `--help` only shows the help.
                let command = Command::Help(COMMAND_HELP[index].as_str());
                return Ok(Cli { source, backups, database_url, connect_timeout, command });
            }
            let spec = specs().nth(index).expect("found above");
            (spec.parse)(&mut Parser { args: &mut args, command: spec.name, flags: spec.flags })?
        };
        let rest = args.finish();
        if let Some(extra) = rest.first() {
            bail!(
                "unexpected argument `{}` for `{name}`; see `cargo xtask {name} --help`",
                extra.to_string_lossy()
            );
        }
        Ok(Cli { source, backups, database_url, connect_timeout, command })
    }
}

/// `cargo xtask <command> --help`.
fn help_for(command: &str) -> Result<&'static str> {
    let index = specs().position(|spec| spec.name == command).ok_or_else(|| unknown_command(command))?;
    Ok(COMMAND_HELP[index].as_str())
}

fn unknown_command(name: &str) -> anyhow::Error {
    anyhow!("unknown command `{name}`; `cargo xtask help` lists the commands")
}

/// The command line, read only through one command's declared flags.
struct Parser<'a> {
    args: &'a mut Arguments,
    /// The command, for messages.
    command: &'static str,
    flags: &'static [Flag],
}

impl Parser<'_> {
    /// The declaration of `name`. Reading an undeclared flag is a bug in this file: it panics,
    /// and the tests parse every command, so it cannot ship.
    fn declared(&self, name: &str, kind: fn(&Kind) -> bool) -> &'static Flag {
        let flag = self.flags.iter().find(|flag| flag.name == name);
        match flag {
            Some(flag) if kind(&flag.kind) => flag,
            Some(flag) => {
                panic!("`{name}` of `{}` is read as another kind than its {:?}", self.command, flag.kind)
            }
            None => panic!("`{name}` is read but not declared for `{}`", self.command),
        }
    }

    /// Whether the switch `name` is present.
    fn switch(&mut self, name: &str) -> bool {
        let keys = self.declared(name, |kind| matches!(kind, Kind::Switch)).keys();
        self.args.contains(keys)
    }

    /// The value of `name`, parsed with `FromStr`.
    fn value<T>(&mut self, name: &str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        let keys = self.declared(name, |kind| matches!(kind, Kind::Value(_))).keys();
        Ok(self.args.opt_value_from_str(keys)?)
    }

    /// The value of `name`, parsed by `parse` (whose error is the whole message).
    fn value_with<T>(&mut self, name: &str, parse: fn(&str) -> Result<T, String>) -> Result<Option<T>> {
        let keys = self.declared(name, |kind| matches!(kind, Kind::Value(_))).keys();
        Ok(self.args.opt_value_from_fn(keys, parse)?)
    }

    /// The value of `name` as a path (any bytes, not only UTF-8).
    fn path(&mut self, name: &str) -> Result<Option<PathBuf>> {
        let keys = self.declared(name, |kind| matches!(kind, Kind::Value(_))).keys();
        Ok(self.args.opt_value_from_os_str(keys, path)?)
    }

    /// The positional argument `name`, as a path; read it after every flag.
    fn free_path(&mut self, name: &str) -> Result<Option<PathBuf>> {
        self.declared(name, |kind| matches!(kind, Kind::Free));
        Ok(self.args.opt_free_from_os_str(path)?)
    }

    /// The positional argument `name`, parsed with `FromStr`; read it after every flag.
    fn free_value<T>(&mut self, name: &str) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.declared(name, |kind| matches!(kind, Kind::Free));
        Ok(self.args.opt_free_from_str()?)
    }

    /// Every remaining positional argument `name`, as migration versions; read it after every flag.
    fn free_versions(&mut self, name: &str) -> Result<Vec<i64>> {
        self.declared(name, |kind| matches!(kind, Kind::Free));
        let mut versions = Vec::new();
        while let Some(word) = self.args.opt_free_from_str::<String>()? {
            versions.push(word.parse().map_err(|_| {
                anyhow!("`{}` takes migration versions such as 20261125144500, not `{word}`", self.command)
            })?);
        }
        Ok(versions)
    }

    /// Every remaining positional argument, as paths; read them after every flag.
    fn free_paths(&mut self, name: &str) -> Result<Vec<PathBuf>> {
        self.declared(name, |kind| matches!(kind, Kind::Free));
        let mut paths = Vec::new();
        while let Some(path) = self.args.opt_free_from_os_str(path)? {
            paths.push(path);
        }
        Ok(paths)
    }

    /// The first argument, one of the declared actions.
    fn action(&mut self) -> Result<&'static str> {
        let actions: Vec<&str> = self
            .flags
            .iter()
            .filter(|flag| matches!(flag.kind, Kind::Action))
            .map(|flag| flag.name)
            .collect();
        let word = self.args.subcommand()?;
        if let Some(&action) = actions.iter().find(|&&action| Some(action) == word.as_deref()) {
            return Ok(action);
        }
        let (last, others) = actions.split_last().expect("a command that reads an action declares some");
        bail!(
            "`{}` takes {} or {last}{}",
            self.command,
            others.join(", "),
            word.map(|word| format!(", not `{word}`")).unwrap_or_default()
        )
    }
}

fn db_setup(p: &mut Parser) -> Result<DbSetup> {
    Ok(DbSetup {
        local: p.switch("--local"),
        no_seed: p.switch("--no-seed"),
        no_backup: p.switch("--no-backup"),
        lock_timeout: lock_timeout(p)?,
    })
}

fn format(p: &mut Parser) -> Result<Format> {
    Ok(p.value("--format")?.unwrap_or_default())
}

fn jobs(p: &mut Parser) -> Result<Option<u32>> {
    p.value_with("--jobs", |s| {
        s.parse::<u32>().ok().filter(|&n| n > 0).ok_or(format!("--jobs takes a number from 1 up, not `{s}`"))
    })
}

fn lock_timeout(p: &mut Parser) -> Result<Duration> {
    let seconds: Option<u64> = p.value("--lock-timeout")?;
    match seconds {
        Some(0) => bail!("--lock-timeout must be at least 1 second"),
        Some(seconds) => Ok(Duration::from_secs(seconds)),
        None => Ok(DEFAULT_LOCK_TIMEOUT),
    }
}

fn ddl_limits(p: &mut Parser) -> Result<DdlLimits> {
    Ok(DdlLimits {
        lock_timeout: p
            .value_with("--ddl-lock-timeout", |s| {
                engine::parse_duration(s).map_err(|e| format!("--ddl-lock-timeout: {e}"))
            })?
            .unwrap_or(engine::DEFAULT_DDL_LOCK_TIMEOUT),
        statement_timeout: p.value_with("--statement-timeout", |s| {
            engine::parse_duration(s).map_err(|e| format!("--statement-timeout: {e}"))
        })?,
        retries: p
            .value_with("--ddl-retries", |s| {
                s.parse::<u32>().map_err(|_| format!("--ddl-retries takes a number from 0 up, not `{s}`"))
            })?
            .unwrap_or(engine::DEFAULT_DDL_RETRIES),
        maintenance_workers: None,
    })
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

fn steps(p: &mut Parser) -> Result<Option<u32>> {
    let steps: Option<u32> = p.value("--steps")?;
    if steps == Some(0) {
        bail!("--steps must be at least 1");
    }
    Ok(steps)
}

// ---------------------------------------------------------------------------------------------
// Help, rendered from the declarations at compile time: `HELP` stays a constant, every help is
// a `&'static str`, and a text that outgrows its buffer is a compile error, not a run-time one.
// ---------------------------------------------------------------------------------------------

/// Room for one command's help; raise it when a help outgrows it (the build says so).
const COMMAND_HELP_BYTES: usize = 3072;

/// Every command's `--help`, in the order of [`specs`].
static COMMAND_HELP: [Text<COMMAND_HELP_BYTES>; COMMAND_COUNT] = {
    let mut helps = [const { Text::new() }; COMMAND_COUNT];
    let (mut group, mut index) = (0, 0);
    while group < GROUPS.len() {
        let mut i = 0;
        while i < GROUPS[group].1.len() {
            helps[index] = command_help(GROUPS[group].1[i]);
            index += 1;
            i += 1;
        }
        group += 1;
    }
    helps
};

const COMMAND_COUNT: usize = {
    let (mut group, mut count) = (0, 0);
    while group < GROUPS.len() {
        count += GROUPS[group].1.len();
        group += 1;
    }
    count
};

const TOP_HELP: Text<4096> = {
    let mut text = Text::new();
    text.push(
        "\
cargo xtask: ReferAI's database workflow

USAGE:
    cargo xtask <COMMAND> [FLAGS]
    cargo xtask <COMMAND> --help
    cargo xtask help <COMMAND>
",
    );
    let mut width = 0;
    let mut group = 0;
    while group < GROUPS.len() {
        let mut i = 0;
        while i < GROUPS[group].1.len() {
            width = max(width, GROUPS[group].1[i].name.len() + 2);
            i += 1;
        }
        group += 1;
    }
    group = 0;
    while group < GROUPS.len() {
        let (title, commands) = GROUPS[group];
        text.push("\n");
        text.push(title);
        text.push("\n");
        let mut i = 0;
        while i < commands.len() {
            text.push("    ");
            text.push(commands[i].name);
            text.spaces(width - commands[i].name.len());
            text.push_indented(commands[i].summary, 4 + width);
            text.push("\n");
            i += 1;
        }
        group += 1;
    }
    text.push("\nGLOBAL FLAGS\n");
    push_flag_lines(&mut text, GLOBAL_FLAGS, column_width(GLOBAL_FLAGS));
    text.push("\nThe database comes from DB_URL (else DATABASE_URL), in the environment or in .env.\n");
    text
};

/// `cargo xtask <command> --help`: usage line, description, the command's flags, global flags.
const fn command_help(spec: &Spec) -> Text<COMMAND_HELP_BYTES> {
    let mut text = Text::new();
    text.push("cargo xtask ");
    text.push(spec.name);
    let mut i = 0;
    while i < spec.flags.len() {
        let flag = &spec.flags[i];
        let after_action = i > 0 && matches!(spec.flags[i - 1].kind, Kind::Action);
        // Actions are alternatives: `start|stop|status|logs`.
        text.push(if matches!(flag.kind, Kind::Action) && after_action { "|" } else { " " });
        if !flag.required {
            text.push("[");
        }
        text.push(flag.name);
        if let Kind::Value(value_name) = flag.kind {
            text.push(" ");
            text.push(value_name);
        }
        if !flag.required {
            text.push("]");
        }
        i += 1;
    }
    text.push("\n\n");
    text.push(spec.about);
    text.push("\n\n");
    // One column for both lists, so the global flags line up with the command's.
    let width = max(column_width(spec.flags), column_width(GLOBAL_FLAGS));
    if !spec.flags.is_empty() {
        push_flag_lines(&mut text, spec.flags, width);
        text.push("\n");
    }
    text.push("GLOBAL FLAGS\n");
    push_flag_lines(&mut text, GLOBAL_FLAGS, width);
    text
}

/// One line per flag: its left column padded to `width`, then its help.
const fn push_flag_lines<const N: usize>(text: &mut Text<N>, flags: &[Flag], width: usize) {
    let mut i = 0;
    while i < flags.len() {
        let flag = &flags[i];
        text.push("    ");
        if let Some(short) = flag.short {
            text.push(short);
            text.push(", ");
        }
        text.push(flag.name);
        if let Kind::Value(value_name) = flag.kind {
            text.push(" ");
            text.push(value_name);
        }
        text.spaces(width - left_column_len(flag));
        text.push_indented(flag.help, 4 + width);
        text.push("\n");
        i += 1;
    }
}

/// The width of the left column for `flags`: the longest `-v, --verbose` or `--target VERSION`,
/// plus two spaces.
const fn column_width(flags: &[Flag]) -> usize {
    let (mut i, mut width) = (0, 0);
    while i < flags.len() {
        width = max(width, left_column_len(&flags[i]) + 2);
        i += 1;
    }
    width
}

const fn left_column_len(flag: &Flag) -> usize {
    let short = match flag.short {
        Some(short) => short.len() + ", ".len(),
        None => 0,
    };
    let value = match flag.kind {
        Kind::Value(value_name) => 1 + value_name.len(),
        _ => 0,
    };
    short + flag.name.len() + value
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// A string built in a const context, in a fixed buffer.
struct Text<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    const fn new() -> Self {
        Text { bytes: [0; N], len: 0 }
    }

    const fn push_byte(&mut self, byte: u8) {
        assert!(self.len < N, "a help text outgrew its buffer: raise its size");
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    const fn push(&mut self, s: &str) {
        self.push_indented(s, 0);
    }

    /// Pushes `s`, indenting every line after its first by `indent` spaces.
    const fn push_indented(&mut self, s: &str, indent: usize) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            self.push_byte(bytes[i]);
            if bytes[i] == b'\n' && i + 1 < bytes.len() {
                self.spaces(indent);
            }
            i += 1;
        }
    }

    const fn spaces(&mut self, count: usize) {
        let mut i = 0;
        while i < count {
            self.push_byte(b' ');
            i += 1;
        }
    }

    const fn as_str(&self) -> &str {
        match std::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(text) => text,
            Err(_) => panic!("help text is not UTF-8"),
        }
    }
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
            "rebase",
            "check",
            "schema-doc",
            "lint",
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

    /// A value its flag's parser accepts, by the value's name in the help.
    fn sample(value_name: &str) -> &'static str {
        match value_name {
            "VERSION" | "VERSION|base" => "20261125144500",
            "text|json" => "json",
            "URL" => "postgres://u@h/d",
            "SECS" | "N" | "S" | "MB" => "3",
            "DURATION" => "200ms",
            "NAME" => "add_clip_duration",
            "DIR" | "PATH" | "FILE" => "some/where",
            "FORMAT" => "directory",
            other => panic!("no sample value for `{other}`: add one to `sample`"),
        }
    }

    /// The command line giving every declared flag of `spec` (short forms when `short`), once
    /// per action for a command that takes one.
    fn lines_with_every_flag(spec: &Spec, short: bool) -> Vec<String> {
        let mut words = vec![spec.name.to_owned()];
        for flag in spec.flags {
            let key = if short { flag.short.unwrap_or(flag.name) } else { flag.name };
            match flag.kind {
                Kind::Switch => words.push(key.to_owned()),
                Kind::Value(value_name) => words.extend([key.to_owned(), sample(value_name).to_owned()]),
                Kind::Free => words.push(sample(flag.name).to_owned()),
                Kind::Action => {}
            }
        }
        let actions: Vec<&str> = spec
            .flags
            .iter()
            .filter(|flag| matches!(flag.kind, Kind::Action))
            .map(|flag| flag.name)
            .collect();
        if actions.is_empty() {
            return vec![words.join(" ")];
        }
        actions.iter().map(|action| format!("{} {action} {}", words[0], words[1..].join(" "))).collect()
    }

    #[test]
    fn every_declared_flag_is_in_the_help_and_parses() {
        for spec in specs() {
            let help = help_for(spec.name).unwrap();
            for flag in spec.flags.iter().chain(GLOBAL_FLAGS) {
                let mut shown = flag.short.map(|short| format!("{short}, ")).unwrap_or_default();
                shown.push_str(flag.name);
                if let Kind::Value(value_name) = flag.kind {
                    shown = format!("{shown} {value_name}");
                }
                assert!(help.contains(&format!("    {shown}  ")), "`{shown}` not in:\n{help}");
                assert!(!flag.help.is_empty() && help.contains(flag.help.lines().next().unwrap()), "{shown}");
            }
            assert!(
                HELP.contains(&format!("    {}  ", spec.name)),
                "{} missing from the main help",
                spec.name
            );

            // Parsing reads the flags only through `Parser`, which panics on an undeclared one, and
            // every read happens whatever the line holds: this reaches every read. A declared
            // flag that is never read stays on the line and fails as unexpected.
            for short in [false, true] {
                for line in lines_with_every_flag(spec, short) {
                    let command = parse(&line).unwrap_or_else(|e| panic!("{line}: {e:#}")).command;
                    assert!(!matches!(command, Command::Help(_)), "{line}");
                }
            }
        }
    }

    #[test]
    fn flag_names_are_unique_within_a_command() {
        for spec in specs() {
            let mut keys: Vec<&str> = spec
                .flags
                .iter()
                .chain(GLOBAL_FLAGS)
                .flat_map(|flag| flag.short.into_iter().chain([flag.name]))
                .collect();
            keys.sort_unstable();
            let count = keys.len();
            keys.dedup();
            assert_eq!(keys.len(), count, "`{}` declares a flag twice", spec.name);
        }
    }

    #[test]
    #[should_panic(expected = "`--bogus` is read but not declared for `migrate`")]
    fn reading_an_undeclared_flag_panics() {
        let mut args = Arguments::from_vec(Vec::new());
        Parser { args: &mut args, command: MIGRATE.name, flags: MIGRATE.flags }.switch("--bogus");
    }

    #[test]
    fn every_way_of_asking_for_help_gives_it() {
        for line in ["", "help", "--help", "-h", "help --help", "--source dir --help"] {
            let Command::Help(help) = parse(line).unwrap().command else { panic!("`{line}` is not help") };
            assert_eq!(help, HELP, "{line}");
        }
        let migrate = help_for("migrate").unwrap();
        for line in
            ["help migrate", "migrate --help", "migrate -h", "-h migrate", "migrate --target x --help"]
        {
            let Command::Help(help) = parse(line).unwrap().command else { panic!("`{line}` is not help") };
            assert_eq!(help, migrate, "{line}");
        }
        let err = format!("{:#}", parse("help bogus").unwrap_err());
        assert_eq!(err, "unknown command `bogus`; `cargo xtask help` lists the commands");
    }

    #[test]
    fn help_lists_the_global_flags_and_db_resets_setup_flags() {
        for spec in specs() {
            let help = help_for(spec.name).unwrap();
            assert!(help.contains("GLOBAL FLAGS\n    --source DIR "), "{help}");
            assert!(help.contains("\n    --backups DIR "), "{help}");
        }
        let reset = help_for("db-reset").unwrap();
        assert!(reset.contains("--local") && reset.contains("--no-backup"), "{reset}");
        assert!(
            reset.starts_with(
                "cargo xtask db-reset --yes [--force] [--local] [--no-seed] [--no-backup] [--lock-timeout SECS]\n"
            ),
            "{reset}"
        );
        assert!(help_for("pg").unwrap().starts_with("cargo xtask pg start|stop|status|logs\n"));
        assert!(help_for("restore").unwrap().starts_with("cargo xtask restore PATH [--into NAME]"));
    }
}
