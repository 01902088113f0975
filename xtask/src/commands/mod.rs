//! The command layer: one module per command, each an `impl flags::X { fn run }` that parses
//! nothing and decides little, calling the libraries beneath. Commands never call each other;
//! what two of them share lives below (or, for printing, here).

mod backup;
mod check;
mod db_create;
mod db_drop;
mod db_reset;
mod db_setup;
mod doctor;
mod downgrade;
mod history;
mod lint;
mod migrate;
mod pg;
mod prepare;
mod restore;
mod revision;
mod seed;
mod status;
mod test;

use std::time::Duration;

use anyhow::{Result, bail};

use crate::engine::MigrationFiles;
use crate::{flags, provision};
use dburl::DbUrl;

/// The progress line `migrate`, `db-setup` and `db-reset` print for each applied migration.
fn print_applied(files: &MigrationFiles, took: Duration) {
    println!("applied {} {} ({})", files.version(), files.description(), millis(took));
}

/// A duration as `12.3 ms`.
fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// What `db-setup` (and the setup half of `db-reset`) asks of the shared setup.
fn setup_options(flags: &flags::DbSetup) -> provision::Options {
    provision::Options {
        no_seed: flags.no_seed,
        no_backup: flags.no_backup,
        lock_timeout: flags.lock_timeout,
    }
}

/// Drops the configured database after the `--yes` check (`db-drop`, `db-reset`).
async fn drop_database(url: &DbUrl, yes: bool, force: bool, command: &str) -> Result<()> {
    let database = url.database();
    if !yes {
        bail!(
            "`{command}` deletes database `{database}` on {} and all its data; \
             run `cargo xtask {command} --yes` if that is what you want",
            url.server()
        );
    }
    if crate::pg::drop_if_exists(url, force).await? {
        println!("dropped database `{database}` on {}", url.server());
    } else {
        println!("database `{database}` does not exist on {}; nothing to drop", url.server());
    }
    Ok(())
}
