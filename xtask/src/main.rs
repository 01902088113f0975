//! `cargo xtask <command>`: parse the command line, dispatch, and report any failure in one line.

use std::process::ExitCode;

use xtask::exit;
use xtask::flags::{Cli, Command};
use xtask::project::Project;

fn main() -> ExitCode {
    let cli = match Cli::from_env() {
        Ok(cli) => cli,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let result = run(cli);
    if let Err(err) = &result {
        // `{:#}` joins the causes on one line: "what failed: why".
        eprintln!("error: {err:#}");
    }
    ExitCode::from(exit::code(&result))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let project =
        Project::new(cli.source, cli.backups).with_connection(cli.database_url, cli.connect_timeout);
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
            Command::Rebase(flags) => flags.run(&project).await,
            Command::SchemaDoc(flags) => flags.run(&project).await,
            Command::Check(flags) => flags.run(&project).await,
            Command::Seed(flags) => flags.run(&project).await,
            Command::Backup(flags) => flags.run(&project).await,
            Command::Restore(flags) => flags.run(&project).await,
            Command::Prepare(flags) => flags.run(&project).await,
            Command::Test(flags) => flags.run(&project).await,
        }
    })
}
