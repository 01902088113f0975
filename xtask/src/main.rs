//! `cargo xtask <command>`: parse the command line, dispatch, and report any failure in one line.

use std::process::ExitCode;

use xtask::flags::{Cli, Command};
use xtask::project::Project;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` joins the causes on one line: "what failed: why".
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::from_env()?;
    let project = Project::new(cli.source, cli.backups);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
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
            Command::Check(flags) => flags.run(&project).await,
            Command::Lint(flags) => flags.run(&project).await,
            Command::Seed(flags) => flags.run(&project).await,
            Command::Backup(flags) => flags.run(&project).await,
            Command::Restore(flags) => flags.run(&project).await,
            Command::Prepare(flags) => flags.run(&project).await,
            Command::Test(flags) => flags.run(&project).await,
        }
    })
}
