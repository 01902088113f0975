//! `test`: everything CI checks, in the order that fails fastest.

use anyhow::{Context, Result};
use dburl::DbUrl;
use xshell::{Shell, cmd};

use crate::prepare::prepare;
use crate::project::Project;
use crate::{autogenerate, config, flags};

impl flags::Test {
    /// Runs `cargo xtask test`: fmt, the offline-data and declared-schema checks, clippy, then the
    /// workspace's tests.
    pub async fn run(self, project: &Project) -> Result<()> {
        let server = test_server(project)?;
        let sh = Shell::new()?;
        sh.change_dir(&project.root);
        // Builds use the committed .sqlx/ only, exactly as on a machine without a database.
        let _offline = sh.push_env("SQLX_OFFLINE", "true");
        cmd!(sh, "cargo fmt --all -- --check").run().context("unformatted code: run `cargo fmt --all`")?;
        println!("{}", prepare(project, &server, true).await?);
        println!("{}", autogenerate::check(project, &server).await?);
        cmd!(sh, "cargo clippy --quiet --workspace --all-targets -- -D warnings")
            .run()
            .context("clippy found problems (listed above)")?;
        // `#[sqlx::test]` creates its databases on the server DATABASE_URL names; ours read TEST_DB_URL.
        cmd!(sh, "cargo test --workspace")
            .env("TEST_DB_URL", server.secret_url())
            .env("DATABASE_URL", server.secret_url())
            .run()
            .context("tests failed (listed above)")?;
        Ok(())
    }
}

/// The server tests create their databases on: `TEST_DB_URL`, else the configured database's,
/// each from the environment, else `.env`.
pub fn test_server(project: &Project) -> Result<DbUrl> {
    let settings = config::settings(&project.root);
    let server = match settings.get("TEST_DB_URL")? {
        Some((url, origin)) => DbUrl::parse(&url, origin)?,
        None => config::db_url(&settings).context("the tests need a PostgreSQL server: set TEST_DB_URL")?,
    };
    Ok(server.with_database("postgres"))
}
