//! UTC calendar arithmetic for migration versions and seed timestamps.
//!
//! Eight lines of Howard Hinnant's `civil_from_days` instead of a date crate, which every
//! developer would pay for in compile time.

/// `YYYYMMDDhhmmss` in UTC, the migration version format sqlx-cli writes.
pub fn version(unix_seconds: u64) -> i64 {
    let (year, month, day, hour, minute, second) = civil(unix_seconds);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}").parse().expect("fourteen digits")
}

/// The Unix time a `YYYYMMDDhhmmss` version names; `None` when it is not such a timestamp.
pub fn seconds_of_version(wanted: i64) -> Option<u64> {
    let digits = format!("{wanted:014}");
    if digits.len() != 14 {
        return None;
    }
    let part = |range: std::ops::Range<usize>| digits[range].parse::<i64>().ok();
    let (year, month, day) = (part(0..4)?, part(4..6)?, part(6..8)?);
    let (hour, minute, second) = (part(8..10)?, part(10..12)?, part(12..14)?);
    if year < 1970
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let seconds = u64::try_from(seconds).ok()?;
    // A day past the month's end (Feb 30) would name another date: refuse it.
    (version(seconds) == wanted).then_some(seconds)
}

/// `YYYY-MM-DD hh:mm:ss+00`, a `timestamptz` literal PostgreSQL reads in any `DateStyle`.
pub fn timestamp(unix_seconds: u64) -> String {
    let (year, month, day, hour, minute, second) = civil(unix_seconds);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}+00")
}

/// `YYYYMMDDThhmmss.mmmZ` for `since_epoch`: sortable and safe in file names.
pub fn file_stamp(since_epoch: std::time::Duration) -> String {
    let (year, month, day, hour, minute, second) = civil(since_epoch.as_secs());
    let millis = since_epoch.subsec_millis();
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}.{millis:03}Z")
}

/// Time since the Unix epoch; a clock before 1970 reads as the epoch itself.
pub fn now() -> std::time::Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

fn civil(unix_seconds: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (year, month, day) = civil_from_days((unix_seconds / 86_400) as i64);
    let seconds = unix_seconds % 86_400;
    (year, month, day, seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
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

/// A proleptic Gregorian (year, month, day) to days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_timestamps_are_utc() {
        assert_eq!(version(0), 19700101000000);
        // 2000-02-29, a leap day in a century leap year.
        assert_eq!(version(951_827_696), 20000229123456);
        assert_eq!(version(1_795_617_900), 20261125144500);
        assert_eq!(timestamp(1_795_617_900), "2026-11-25 14:45:00+00");
        assert_eq!(timestamp(4_107_542_399), "2100-02-28 23:59:59+00");
        assert_eq!(file_stamp(std::time::Duration::from_millis(1_795_617_900_042)), "20261125T144500.042Z");
        for seconds in [0, 951_827_696, 1_795_617_900, 4_107_542_399] {
            assert_eq!(seconds_of_version(version(seconds)), Some(seconds));
        }
        for not_a_time in [3, 20260230120000, 20261125246000, 99_999_999_999_999_999] {
            assert_eq!(seconds_of_version(not_a_time), None, "{not_a_time}");
        }
    }
}
