//! `test`: everything CI checks, in the order that fails fastest.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exit::NotCurrent;
use crate::project::Project;
use crate::schema::autogenerate;
use crate::schema::doc::{self, Freshness};
use crate::{flags, query_data};

impl flags::Test {
    /// Runs `cargo xtask test`: fmt, the offline-data and declared-schema checks, clippy, then the
    /// workspace's tests.
    pub async fn run(self, project: &Project) -> Result<()> {
        let server = project.test_server()?;
        let sh = Shell::new()?;
        sh.change_dir(&project.root);
        // Builds use the committed .sqlx/ only, exactly as on a machine without a database.
        let _offline = sh.push_env("SQLX_OFFLINE", "true");
        cmd!(sh, "cargo fmt --all -- --check").run().context("unformatted code: run `cargo fmt --all`")?;
        println!("{}", query_data::prepare(project, &server, true).await?);
        println!("{}", autogenerate::check(project, &server).await?);
        if doc::freshness(project, &server).await? == Some(Freshness::Stale) {
            return Err(NotCurrent(doc::stale_message()).into());
        }
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
