//! `test`: everything CI checks, in the order that fails fastest.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::flags;
use crate::project::Project;

impl flags::Test {
    /// Runs `cargo xtask test`: fmt, clippy, then the workspace's tests.
    pub fn run(self, project: &Project) -> Result<()> {
        let sh = Shell::new()?;
        sh.change_dir(&project.root);
        cmd!(sh, "cargo fmt --all -- --check")
            .run()
            .context("cargo fmt found unformatted code: run `cargo fmt --all`")?;
        cmd!(sh, "cargo clippy --workspace --all-targets --quiet -- -D warnings")
            .run()
            .context("clippy found problems (listed above)")?;
        cmd!(sh, "cargo test --workspace").run().context("tests failed (listed above)")?;
        Ok(())
    }
}
