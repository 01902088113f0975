//! The configured database from nothing to head, seeded: what `db-setup` and `db-reset` share.

use anyhow::Result;

use crate::backups;
use crate::data::seed;
use crate::engine::{DdlLimits, MigrationFiles, Pending, Source};
use crate::pg;
use crate::project::Project;
use dburl::DbUrl;

/// What `db-setup` may skip, and how long it waits for another migration.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Skip loading the seed data.
    pub no_seed: bool,
    /// Skip the backup before a destructive migration.
    pub no_backup: bool,
    /// How long to wait for another process's migration lock.
    pub lock_timeout: std::time::Duration,
}

/// Creates the database at `url` if missing, migrates it to head (backing it up first when a
/// pending migration may destroy data, unless `--no-backup`), seeds it unless `--no-seed`, and
/// prints a summary.
pub async fn setup(
    url: &DbUrl,
    project: &Project,
    options: Options,
    on_applied: impl FnMut(&MigrationFiles, std::time::Duration),
) -> Result<()> {
    let source = Source::load(&project.migrations_dir)?;
    let database = url.database();
    let created = pg::create_if_missing(url).await?;
    let pending = Pending::read(url, &source, None, false).await?;
    if !options.no_backup {
        backups::before_destructive(url, &project.backups_dir, &pending).await?;
    }
    let outcome = pending.apply(options.lock_timeout, DdlLimits::default(), on_applied).await?;
    let seeded = if options.no_seed {
        None
    } else {
        Some(seed::seed(url, &project.root.join("data"), false, None).await?)
    };

    println!();
    println!(
        "database:  `{database}` on {} ({})",
        url.server(),
        if created { "created" } else { "already existed" }
    );
    match (outcome.applied.len(), outcome.version) {
        (0, Some(version)) => println!("schema:    already at head (version {version})"),
        (0, None) => println!("schema:    no migrations in {}", source.dir.display()),
        (n, Some(version)) => println!("schema:    applied {n} migration(s), now at version {version}"),
        (_, None) => unreachable!("applying a migration sets a version"),
    }
    match &seeded {
        None => println!("seed data: skipped (--no-seed)"),
        Some(seeded) if seeded.fixtures.users + seeded.fixtures.actions == 0 => {
            println!("seed data: already loaded")
        }
        Some(seeded) => println!(
            "seed data: added {} user(s), {} action(s), {} clip(s), {} prediction(s) from data/",
            seeded.fixtures.users,
            seeded.fixtures.actions,
            seeded.fixtures.clips,
            seeded.fixtures.predictions
        ),
    }
    if let Some(login) = seeded.as_ref().and_then(|s| s.login.as_ref()) {
        println!("log in:    {login} (its password is in data/fixtures.toml)");
    }
    let seeded_nothing = seeded.as_ref().is_none_or(|s| s.fixtures.users + s.fixtures.actions == 0);
    if !created && outcome.applied.is_empty() && seeded_nothing {
        println!("nothing to do: `{database}` was already set up");
    }
    println!("next:      `cargo xtask status` shows where the database stands");
    Ok(())
}
