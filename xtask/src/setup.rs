//! `db-setup`, `db-create`, `db-drop` and `db-reset`: the database itself, from nothing to head.

use anyhow::{Result, bail};

use crate::flags;
use crate::migrate;
use crate::migrations::Source;
use crate::{db, project::Project};
use crate::{local_server, seed};
use dburl::DbUrl;

impl flags::DbSetup {
    /// Runs `cargo xtask db-setup`: create if missing, migrate to head, seed, summarise.
    pub async fn run(self, project: &Project) -> Result<()> {
        let config = project.db_url_or_create_dotenv()?;
        let config = local_server::take_over_if_needed(project, &config, self.local).await?.unwrap_or(config);
        let source = project.source()?;
        setup(&config, &source, project, &self).await
    }
}

async fn setup(config: &DbUrl, source: &Source, project: &Project, flags: &flags::DbSetup) -> Result<()> {
    let database = config.database();
    let backups = (!flags.no_backup).then_some(project.backups_dir.as_path());
    let created = create(config).await?;
    let outcome =
        migrate::apply_pending(config, source, None, flags.lock_timeout, backups, migrate::print_applied)
            .await?;
    let seeded = if flags.no_seed {
        None
    } else {
        Some(seed::seed(config, &project.root.join("data"), false, None).await?)
    };

    println!();
    println!(
        "database:  `{database}` on {} ({})",
        config.server(),
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

/// Creates the configured database if missing, saying which; returns whether it created it.
async fn create(config: &DbUrl) -> Result<bool> {
    let mut maintenance = db::connect_maintenance(config).await?;
    let created = db::create_database(&mut maintenance, config).await?;
    db::close(maintenance).await;
    Ok(created)
}

impl flags::DbCreate {
    /// Runs `cargo xtask db-create`.
    pub async fn run(self, config: &DbUrl) -> Result<()> {
        let database = config.database();
        if create(config).await? {
            println!("created database `{database}` on {}", config.server());
        } else {
            println!("database `{database}` already exists on {}; nothing to do", config.server());
        }
        Ok(())
    }
}

impl flags::DbDrop {
    /// Runs `cargo xtask db-drop`.
    pub async fn run(self, config: &DbUrl) -> Result<()> {
        drop(config, self.yes, self.force, "db-drop").await
    }
}

/// Drops the configured database after the `--yes` check.
async fn drop(config: &DbUrl, yes: bool, force: bool, command: &str) -> Result<()> {
    let database = config.database();
    if !yes {
        bail!(
            "`{command}` deletes database `{database}` on {} and all its data; \
             run `cargo xtask {command} --yes` if that is what you want",
            config.server()
        );
    }
    let mut maintenance = db::connect_maintenance(config).await?;
    let dropped = db::drop_database(&mut maintenance, config, force).await?;
    db::close(maintenance).await;
    if dropped {
        println!("dropped database `{database}` on {}", config.server());
    } else {
        println!("database `{database}` does not exist on {}; nothing to drop", config.server());
    }
    Ok(())
}

impl flags::DbReset {
    /// Runs `cargo xtask db-reset`: drop, then set up from scratch.
    pub async fn run(self, project: &Project) -> Result<()> {
        let config = project.db_url()?;
        let source = project.source()?;
        drop(&config, self.yes, self.force, "db-reset").await?;
        setup(&config, &source, project, &self.setup).await
    }
}
