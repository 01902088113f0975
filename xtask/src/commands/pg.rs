//! `pg start|stop|status|logs`: the project-local server that `db-setup` creates.

use anyhow::{Result, bail};
use xshell::Shell;

use crate::flags;
use crate::pg::local_server;
use crate::project::Project;

impl flags::Pg {
    /// Runs `cargo xtask pg start|stop|status|logs`.
    pub fn run(self, project: &Project) -> Result<()> {
        let sh = Shell::new()?;
        let programs = local_server::Programs::find(&sh)?;
        let cluster = local_server::Cluster::locate(&sh, project)?;
        if !cluster.exists() {
            bail!(
                "this checkout has no local server yet: `cargo xtask db-setup --local` creates one in {}",
                cluster.dir.display()
            );
        }
        match self.action {
            flags::PgAction::Start => {
                cluster.start(&sh, &programs)?;
                println!("local server running on port {}", cluster.port()?);
            }
            flags::PgAction::Stop => {
                cluster.stop(&sh, &programs)?;
                println!("local server stopped");
            }
            flags::PgAction::Status => {
                let running = cluster.is_running(&sh, &programs);
                println!("state:       {}", if running { "running" } else { "stopped" });
                println!("port:        {}", cluster.port()?);
                println!("data folder: {}", cluster.data().display());
                println!(
                    "version:     PostgreSQL {}",
                    cluster.data_version().map_or("?".to_owned(), |v| v.to_string())
                );
                println!("programs:    {}", programs.bin.display());
                println!("log:         {}", cluster.log().display());
            }
            flags::PgAction::Logs => println!("{}", cluster.log_tail(50)),
        }
        Ok(())
    }
}
