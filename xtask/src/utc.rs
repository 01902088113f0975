//! UTC calendar arithmetic for migration versions and seed timestamps.
//!
//! Eight lines of Howard Hinnant's `civil_from_days` instead of a date crate, which every
//! developer would pay for in compile time.

/// `YYYYMMDDhhmmss` in UTC, the migration version format sqlx-cli writes.
pub fn version(unix_seconds: u64) -> i64 {
    let (year, month, day, hour, minute, second) = civil(unix_seconds);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}").parse().expect("fourteen digits")
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
    }
}
