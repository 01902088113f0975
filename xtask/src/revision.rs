//! `revision -m NAME [--autogenerate]`: a new timestamped up/down pair in the migrations folder,
//! empty or generated from `backend/schema.sql`.

use anyhow::{Context, Result, bail};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::project::Project;
use crate::{autogenerate, flags, utc};

impl flags::Revision {
    /// Runs `cargo xtask revision`.
    pub async fn run(self, project: &Project) -> Result<()> {
        let source = project.source()?;
        let name = snake_name(&self.message)?;
        let version = utc::version(utc::now().as_secs());
        if let Some(newest) = source.head().filter(|&head| head >= version) {
            bail!(
                "refusing to create version {version}: {} already has {newest}, which is not older; \
                 wait a second, or check the clock and any future-dated migration",
                source.dir.display()
            );
        }
        let (up_body, down_body) = if self.autogenerate {
            let Some(plan) = autogenerate::autogenerate(project, &project.db_url()?).await? else {
                println!(
                    "{} already matches {}; nothing written",
                    autogenerate::SCHEMA_FILE,
                    source.dir.display()
                );
                return Ok(());
            };
            for warning in &plan.warnings {
                eprintln!("warning: {warning}");
            }
            (plan.up, plan.down)
        } else {
            (String::new(), String::new())
        };
        let (up, down) = write_pair(&source.dir, version, &name, self.message.trim(), &up_body, &down_body)?;
        println!("created {}", up.display());
        println!("created {}", down.display());
        Ok(())
    }
}

impl flags::Check {
    /// Runs `cargo xtask check`: the read-only twin of `revision --autogenerate`.
    pub async fn run(self, project: &Project) -> Result<()> {
        println!("{}", autogenerate::check(project, &project.db_url()?).await?);
        Ok(())
    }
}

/// Turns a free-form name into the file name's snake_case part, refusing anything unsafe.
fn snake_name(message: &str) -> Result<String> {
    let message = message.trim();
    if message.is_empty() {
        bail!("the revision name is empty; give one, e.g. -m \"add clip duration\"");
    }
    if let Some(bad) = message.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '-')))
    {
        bail!("the revision name may hold only letters, digits, spaces, `_` and `-`; `{bad}` is not allowed");
    }
    if !message.starts_with(|c: char| c.is_ascii_alphabetic()) {
        bail!("the revision name must start with a letter, e.g. -m \"add clip duration\"");
    }
    let words: Vec<String> =
        message.split([' ', '_', '-']).filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect();
    Ok(words.join("_"))
}

/// Writes both files (a short header, then the bodies) or neither; never overwrites.
fn write_pair(
    dir: &Path,
    version: i64,
    name: &str,
    title: &str,
    up_body: &str,
    down_body: &str,
) -> Result<(PathBuf, PathBuf)> {
    let up = dir.join(format!("{version}_{name}.up.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    create(
        &up,
        &format!("-- {title}\n-- Applied in one transaction by `cargo xtask migrate`.\n\n{up_body}"),
    )?;
    let down_header = format!("-- Reverts {version}_{name}.up.sql; run by `cargo xtask downgrade`.\n\n");
    if let Err(err) = create(&down, &format!("{down_header}{down_body}")) {
        let _ = std::fs::remove_file(&up);
        return Err(err);
    }
    Ok((up, down))
}

fn create(path: &Path, contents: &str) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_snake_case_and_unsafe_ones_are_refused() {
        assert_eq!(snake_name("Add clip duration").unwrap(), "add_clip_duration");
        assert_eq!(snake_name("  drop--legacy__table ").unwrap(), "drop_legacy_table");
        for bad in ["", "   ", "x; DROP TABLE y", "../escape", "2fast", "ñame"] {
            assert!(snake_name(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
