//! New migration files: a timestamped, snake_case-named up/down pair, written both or neither.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Source;
use crate::utc;

/// How far ahead of the clock the newest migration may be before a new version is refused:
/// revisions made in a burst take one second each past the clock, a bigger lead means a
/// future-dated file or a wrong clock.
const MAX_LEAD_SECONDS: u64 = 300;

/// The version for a new migration: now, in UTC, or the next free second after the newest
/// migration when that is not older (two revisions within a second both succeed). Refused when
/// the newest migration is more than a few minutes in the future.
pub fn next_version(source: &Source) -> Result<i64> {
    let now = utc::now().as_secs();
    let version = version_after(source.head(), now);
    if version > utc::version(now + MAX_LEAD_SECONDS) {
        bail!(
            "refusing to create version {version}: {} has {}, which is in the future; \
             check the clock and any future-dated migration",
            source.dir.display(),
            source.head().unwrap_or_default()
        );
    }
    Ok(version)
}

/// The first version after `newest` that is not older than `now` (Unix seconds): now's version,
/// or the second after `newest` (plus one, for a version that is not a timestamp).
pub fn version_after(newest: Option<i64>, now: u64) -> i64 {
    let now_version = utc::version(now);
    match newest {
        Some(newest) if newest >= now_version => match utc::seconds_of_version(newest) {
            Some(seconds) => utc::version(seconds + 1),
            None => newest + 1,
        },
        _ => now_version,
    }
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
    fn a_new_version_follows_the_newest_even_within_the_same_second() {
        let now = 1_795_617_900; // 2026-11-25 14:45:00
        assert_eq!(version_after(None, now), 20261125144500);
        assert_eq!(version_after(Some(3), now), 20261125144500);
        assert_eq!(version_after(Some(20261125144500), now), 20261125144501);
        assert_eq!(version_after(Some(20261125145959), now), 20261125150000);
        assert_eq!(version_after(Some(20261231235959), now), 20270101000000);
    }

    #[test]
    fn names_become_snake_case_and_unsafe_ones_are_refused() {
        assert_eq!(snake_name("Add clip duration").unwrap(), "add_clip_duration");
        assert_eq!(snake_name("  drop--legacy__table ").unwrap(), "drop_legacy_table");
        for bad in ["", "   ", "x; DROP TABLE y", "../escape", "2fast", "ñame"] {
            assert!(snake_name(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
