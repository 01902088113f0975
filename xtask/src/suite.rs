//! `test`: everything CI checks, in the order that fails fastest.

use anyhow::{Context, Result};
use dburl::{DbUrl, Origin};
use xshell::{Shell, cmd};

use crate::prepare::prepare;
use crate::project::Project;
use crate::{autogenerate, flags};

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

/// The server tests create their databases on: `TEST_DB_URL`, else the configured database's.
pub fn test_server(project: &Project) -> Result<DbUrl> {
    let server = match std::env::var("TEST_DB_URL") {
        Ok(url) if !url.trim().is_empty() => DbUrl::parse(&url, Origin::Environment("TEST_DB_URL"))?,
        _ => project.db_url().context("the tests need a PostgreSQL server: set TEST_DB_URL")?,
    };
    Ok(server.with_database("postgres"))
}
