//! `revision -m NAME`: a new, empty, timestamped up/down pair in the migrations folder.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::flags;
use crate::migrations::Source;

impl flags::Revision {
    /// Runs `cargo xtask revision`.
    pub fn run(self, source: &Source) -> Result<()> {
        let name = snake_name(&self.message)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).context("the system clock is before 1970")?;
        let version = utc_version(now.as_secs());
        if let Some(newest) = source.head().filter(|&head| head >= version) {
            bail!(
                "refusing to create version {version}: {} already has {newest}, which is not older; \
                 wait a second, or check the clock and any future-dated migration",
                source.dir.display()
            );
        }
        let (up, down) = write_pair(&source.dir, version, &name, self.message.trim())?;
        println!("created {}", up.display());
        println!("created {}", down.display());
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

/// Writes both files or neither; never overwrites.
fn write_pair(dir: &Path, version: i64, name: &str, title: &str) -> Result<(PathBuf, PathBuf)> {
    let up = dir.join(format!("{version}_{name}.up.sql"));
    let down = dir.join(format!("{version}_{name}.down.sql"));
    create(&up, &format!("-- {title}\n-- Applied in one transaction by `cargo xtask migrate`.\n\n"))?;
    if let Err(err) =
        create(&down, &format!("-- Reverts {version}_{name}.up.sql; run by `cargo xtask downgrade`.\n\n"))
    {
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

/// `YYYYMMDDhhmmss` in UTC, the version format sqlx-cli writes.
fn utc_version(unix_seconds: u64) -> i64 {
    let days = (unix_seconds / 86_400) as i64;
    let seconds = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}").parse().expect("fourteen digits")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`);
/// a date crate would cost every developer compile time for these eight lines.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_utc_timestamps() {
        assert_eq!(utc_version(0), 19700101000000);
        // 2000-02-29 (a leap day in a century leap year) 12:34:56 UTC.
        assert_eq!(utc_version(951_827_696), 20000229123456);
        // 2026-11-25 14:45:00 UTC.
        assert_eq!(utc_version(1_795_617_900), 20261125144500);
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
