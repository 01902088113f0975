//! New migration files: a timestamped, snake_case-named up/down pair, written both or neither.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Source;
use crate::utc;

/// The version for a new migration: now, in UTC; refused when the folder already has one that is
/// not older.
pub fn next_version(source: &Source) -> Result<i64> {
    let version = utc::version(utc::now().as_secs());
    if let Some(newest) = source.head().filter(|&head| head >= version) {
        bail!(
            "refusing to create version {version}: {} already has {newest}, which is not older; \
             wait a second, or check the clock and any future-dated migration",
            source.dir.display()
        );
    }
    Ok(version)
}

/// Turns a free-form name into the file name's snake_case part, refusing anything unsafe.
pub fn snake_name(message: &str) -> Result<String> {
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
pub fn write_pair(
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

/// Writes every file or none; never overwrites.
pub fn write_all(files: &[(PathBuf, String)]) -> Result<()> {
    for (i, (path, contents)) in files.iter().enumerate() {
        if let Err(err) = create(path, contents) {
            for (written, _) in &files[..i] {
                let _ = std::fs::remove_file(written);
            }
            return Err(err);
        }
    }
    Ok(())
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
