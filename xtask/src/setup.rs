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
        let url = project.db_url_or_create_dotenv()?;
        let url = local_server::take_over_if_needed(project, &url, self.local).await?.unwrap_or(url);
        let source = project.source()?;
        setup(&url, &source, project, &self).await
    }
}

async fn setup(url: &DbUrl, source: &Source, project: &Project, flags: &flags::DbSetup) -> Result<()> {
    let database = url.database();
    let backups = (!flags.no_backup).then_some(project.backups_dir.as_path());
    let created = create(url).await?;
    let outcome =
        migrate::apply_pending(url, source, None, flags.lock_timeout, backups, migrate::print_applied)
            .await?;
    let seeded = if flags.no_seed {
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

/// Creates the configured database if missing, saying which; returns whether it created it.
async fn create(url: &DbUrl) -> Result<bool> {
    let mut maintenance = db::connect_maintenance(url).await?;
    let created = db::create_database(&mut maintenance, url).await?;
    db::close(maintenance).await;
    Ok(created)
}

impl flags::DbCreate {
    /// Runs `cargo xtask db-create`.
    pub async fn run(self, url: &DbUrl) -> Result<()> {
        let database = url.database();
        if create(url).await? {
            println!("created database `{database}` on {}", url.server());
        } else {
            println!("database `{database}` already exists on {}; nothing to do", url.server());
        }
        Ok(())
    }
}

impl flags::DbDrop {
    /// Runs `cargo xtask db-drop`.
    pub async fn run(self, url: &DbUrl) -> Result<()> {
        drop(url, self.yes, self.force, "db-drop").await
    }
}

/// Drops the configured database after the `--yes` check.
async fn drop(url: &DbUrl, yes: bool, force: bool, command: &str) -> Result<()> {
    let database = url.database();
    if !yes {
        bail!(
            "`{command}` deletes database `{database}` on {} and all its data; \
             run `cargo xtask {command} --yes` if that is what you want",
            url.server()
        );
    }
    let mut maintenance = db::connect_maintenance(url).await?;
    let dropped = db::drop_database(&mut maintenance, url, force).await?;
    db::close(maintenance).await;
    if dropped {
        println!("dropped database `{database}` on {}", url.server());
    } else {
        println!("database `{database}` does not exist on {}; nothing to drop", url.server());
    }
    Ok(())
}

impl flags::DbReset {
    /// Runs `cargo xtask db-reset`: drop, then set up from scratch.
    pub async fn run(self, project: &Project) -> Result<()> {
        let url = project.db_url()?;
        let source = project.source()?;
        drop(&url, self.yes, self.force, "db-reset").await?;
        setup(&url, &source, project, &self.setup).await
    }
}
