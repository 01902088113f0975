//! The command layer: one module per command, each an `impl flags::X { fn run }` that parses
//! nothing and decides little, calling the libraries beneath. Commands never call each other;
//! what two of them share lives below (or, for printing, here).

mod adopt;
mod backup;
mod baseline;
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
mod rebase;
mod restore;
mod revision;
mod schema_doc;
mod seed;
mod status;
mod test;

use std::time::Duration;

use anyhow::{Result, bail};

use serde_json::{Value, json};

use crate::engine::{Entry, MigrationFiles, Standing, State};
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

/// The advice `status`, `history` and `check` give about out-of-order migrations.
const OUT_OF_ORDER_ADVICE: &str = "pending but older than the newest applied migration, probably from a merged \
     branch: `cargo xtask rebase` gives it a new version";

/// The object `status --format json` and `history --format json` print (documented in
/// docs/DATABASE_MIGRATION.md; field names are sqlx's `_sqlx_migrations` columns where it has one).
fn standing_json(standing: &Standing<'_>, url: &DbUrl) -> Value {
    let entries = standing.entries();
    let count = |state: State| entries.iter().filter(|e| e.state == state).count();
    let drifted =
        entries.iter().filter(|e| !matches!(e.state, State::Applied) && !e.state.is_pending()).count();
    let migrations: Vec<Value> = entries.iter().map(entry_json).collect();
    json!({
        "database": standing.database,
        "server": url.server(),
        "version": standing.version(),
        "pending": count(State::Pending) + count(State::OutOfOrder),
        "out_of_order": count(State::OutOfOrder),
        "drifted": drifted,
        "up_to_date": entries.iter().all(|e| e.state == State::Applied),
        "migrations": migrations,
    })
}

fn entry_json(entry: &Entry<'_>) -> Value {
    let checksum = match (entry.applied, entry.files) {
        (Some(row), _) => Some(hex(&row.checksum)),
        (None, Some(files)) => Some(hex(&files.up.migration.checksum)),
        (None, None) => None,
    };
    json!({
        "version": entry.version,
        "description": entry.description,
        "state": entry.state.key(),
        "installed_on": entry.applied.map(|row| &row.installed_on),
        "execution_time": entry.applied.map(|row| row.execution_time),
        "checksum": checksum,
        "applied_out_of_order": entry.applied_out_of_order,
        "file": entry.files.map(|files| files.up.file_name()),
    })
}

/// Bytes as lowercase hex, as checksums are shown.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
