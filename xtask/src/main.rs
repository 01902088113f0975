//! `cargo xtask <command>`: parse the command line, dispatch, and report any failure in one line.

use std::process::ExitCode;

use sqlx::postgres::PgDatabaseError;
use xtask::exit;
use xtask::flags::{Cli, Command};
use xtask::interrupt;
use xtask::project::{Project, shown};

fn main() -> ExitCode {
    end_quietly_on_closed_stdout();
    let cli = match Cli::from_env() {
        Ok(cli) => cli,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            return ExitCode::from(exit::USAGE);
        }
    };
    let result = run(cli);
    if let Err(err) = &result {
        eprintln!("error: {}", one_line(err));
        if let Some(signal) = interrupt::cause(err) {
            return ExitCode::from(signal.exit_code());
        }
    }
    ExitCode::from(exit::code(&result))
}

/// The causes of `err` on one line, "what failed: why", as anyhow's `{:#}` joins them, but with
/// the server's own message for a database error (sqlx appends the server's source position,
/// "at line 664", which means nothing to a reader) and control characters other than the line
/// breaks of a multi-line message escaped, so that no input can forge a line (names holding one
/// are refused on input).
fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut causes = err.chain();
    while let Some(cause) = causes.next() {
        match (cause.downcast_ref::<sqlx::Error>(), cause.downcast_ref::<PgDatabaseError>()) {
            (Some(sqlx), _) => {
                if let Some(server) = xtask::pg::pg_error(sqlx) {
                    parts.push(server.message().to_owned());
                    // The next cause is the server's error itself, which sqlx just summarised.
                    causes.next();
                } else {
                    parts.push(cause.to_string());
                }
            }
            (None, Some(pg)) => parts.push(pg.message().to_owned()),
            (None, None) => parts.push(cause.to_string()),
        }
    }
    // Multi-line messages (the statements `check` proposes) keep their lines; every other control
    // character is escaped. Names holding one are refused before they get this far.
    parts.join(": ").split('\n').map(shown).collect::<Vec<_>>().join("\n")
}

/// `cargo xtask pg status | head -1`: a reader that stops early is a normal end, not a panic.
/// Rust ignores SIGPIPE, so `println!` panics on the closed pipe instead of the process ending as
/// C programs do; restoring SIGPIPE would need `unsafe`, which the workspace forbids.
fn end_quietly_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let project =
        Project::new(cli.source, cli.backups).with_connection(cli.database_url, cli.connect_timeout);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        interrupt::listen()?;
        match cli.command {
            Command::Help(text) => {
                print!("{text}");
                Ok(())
            }
            Command::DbSetup(flags) => flags.run(&project).await,
            Command::DbCreate(flags) => flags.run(&project).await,
            Command::DbDrop(flags) => flags.run(&project).await,
            Command::Pg(flags) => flags.run(&project),
            Command::Doctor(flags) => flags.run(&project).await,
            Command::DbReset(flags) => flags.run(&project).await,
            Command::Migrate(flags) => flags.run(&project).await,
            Command::Downgrade(flags) => flags.run(&project).await,
            Command::History(flags) => flags.run(&project).await,
            Command::Status(flags) => flags.run(&project).await,
            Command::Revision(flags) => flags.run(&project).await,
            Command::Rebase(flags) => flags.run(&project).await,
            Command::SchemaDoc(flags) => flags.run(&project).await,
            Command::Check(flags) => flags.run(&project).await,
            Command::Adopt(flags) => flags.run(&project).await,
            Command::Baseline(flags) => flags.run(&project).await,
            Command::Lint(flags) => flags.run(&project).await,
            Command::Seed(flags) => flags.run(&project).await,
            Command::Backup(flags) => flags.run(&project).await,
            Command::Restore(flags) => flags.run(&project).await,
            Command::Prepare(flags) => flags.run(&project).await,
            Command::Test(flags) => flags.run(&project).await,
        }
    })
}
