//! Timestamps: the one wire format (`2022-02-01T19:14:18.381Z`) and the forms accepted as input.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use std::time::{SystemTime, UNIX_EPOCH};

/// Formats a UTC instant as the wire format: ISO-8601, UTC, milliseconds, `Z`.
pub fn format_millis(t: DateTime<Utc>) -> String {
    let (date, time) = (t.date_naive(), t.time());
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let millis = (time.nanosecond() % 1_000_000_000) / 1_000_000;
    fields_string([
        year as u32,
        date.month(),
        date.day(),
        time.hour(),
        time.minute(),
        time.second(),
        millis,
    ])
}

/// Year, month, day, hour, minute, second and millisecond (year 0 to 9999) in the wire format,
/// the digits written directly, without chrono's formatting machinery: every event is stamped.
fn fields_string(values: [u32; 7]) -> String {
    // Digits and separators only: ASCII.
    String::from_utf8(fields_bytes(values).to_vec()).unwrap_or_default()
}

/// [`fields_string`]'s bytes.
fn fields_bytes(values: [u32; 7]) -> [u8; 24] {
    let widths = [4, 2, 2, 2, 2, 2, 3];
    let seps = [b'-', b'-', b'T', b':', b':', b'.', b'Z'];
    let mut out = [0u8; 24];
    let mut at = 0;
    for ((value, width), sep) in values.into_iter().zip(widths).zip(seps) {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out[at + width] = sep;
        at += width + 1;
    }
    out
}

/// Seconds from the Unix epoch to 10000-01-01T00:00:00Z: the clock path below covers the
/// years before.
const YEAR_10000: u64 = 253_402_300_800;

/// The current time in the wire format.
pub fn now() -> String {
    let mut out = Vec::with_capacity(24);
    write_now(&mut out);
    // Digits and separators only: ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the current time in the wire format to `out` (every event is stamped: no string is
/// made for it).
pub(crate) fn write_now(out: &mut Vec<u8>) {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) if d.as_secs() < YEAR_10000 => {
            out.extend_from_slice(&unix_millis_bytes(d.as_secs(), d.subsec_millis()))
        }
        _ => out.extend_from_slice(format_millis(Utc::now()).as_bytes()),
    }
}

/// `secs` (before [`YEAR_10000`]) and `millis` after the Unix epoch in the wire format, by
/// days-to-civil arithmetic (the proleptic Gregorian calendar, as chrono's).
fn unix_millis_bytes(secs: u64, millis: u32) -> [u8; 24] {
    let (days, rest) = (secs / 86_400, (secs % 86_400) as u32);
    // Days from 0000-03-01, so that a leap day ends its 400-year era's year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = (year_of_era + era * 400 + u64::from(month <= 2)) as u32;
    fields_bytes([
        year,
        month,
        day,
        rest / 3_600,
        rest / 60 % 60,
        rest % 60,
        millis,
    ])
}

/// Parses an RFC 3339 date-time with an offset (`Z`, `+01:00`; `T`, `t` or a space between
/// date and time; any number of fraction digits) into UTC. Date-only and offset-less forms are
/// refused here: an event's time must be an instant.
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim_end())
        .ok()
        .filter(|_| s.trim_end() == s)
        .map(|t| t.with_timezone(&Utc))
}

/// Whether `s` is an ISO-8601 calendar date (`2020-01-31`) or date-time, with or without an
/// offset (`2020-01-31T10:00:00`, `2020-01-31T10:00:00.5+02:00`). Used for the `createdAt` trait,
/// which is kept as given.
pub fn is_iso_date_or_datetime(s: &str) -> bool {
    if parse_instant(s).is_some() {
        return true;
    }
    if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10 {
        return true;
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok()
}

#[cfg(test)]
mod tests {
    fn unix_millis_string(secs: u64, millis: u32) -> String {
        String::from_utf8(super::unix_millis_bytes(secs, millis).to_vec()).unwrap()
    }

    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        let t = parse_instant("2022-02-01T20:14:18.3814+01:00").unwrap();
        assert_eq!(format_millis(t), "2022-02-01T19:14:18.381Z");
        assert_eq!(now().len(), 24);
        for s in [
            "0001-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "2024-02-29T12:05:09.007Z",
        ] {
            let t = parse_instant(s).unwrap();
            assert_eq!(format_millis(t), s);
            assert_eq!(
                format_millis(t),
                t.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
        }
    }

    #[test]
    fn the_clock_path_agrees_with_chrono() {
        // Nearly every day from 1970 to 9999, at a moving time of day, and the ends of the range.
        let mut secs = 0u64;
        let mut n = 0u64;
        while secs < YEAR_10000 {
            let millis = (n % 1000) as u32;
            let t = DateTime::from_timestamp(secs as i64, millis * 1_000_000).unwrap();
            assert_eq!(unix_millis_string(secs, millis), format_millis(t), "{secs}");
            n += 1;
            secs += 86_400 + 3_599 * (n % 7);
        }
        let last = DateTime::from_timestamp(YEAR_10000 as i64 - 1, 999_000_000).unwrap();
        assert_eq!(unix_millis_string(YEAR_10000 - 1, 999), format_millis(last));
        assert_eq!(
            unix_millis_string(YEAR_10000 - 1, 999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(unix_millis_string(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            unix_millis_string(951_782_400, 5),
            "2000-02-29T00:00:00.005Z"
        );
    }

    #[test]
    fn refuses_non_instants() {
        for s in [
            "",
            "2022-02-01",
            "2022-02-01T19:14:18",
            "yesterday",
            "2022-13-01T00:00:00Z",
            " 2022-02-01T19:14:18Z",
            "2022-02-01T19:14:18Z ",
        ] {
            assert!(parse_instant(s).is_none(), "{s}");
        }
    }

    #[test]
    fn dates_for_created_at() {
        for s in [
            "2020-01-31",
            "2020-01-31T10:00:00",
            "2020-01-31T10:00:00.5+02:00",
            "2020-01-31T10:00:00Z",
            "2020-01-31T10:00",
        ] {
            assert!(is_iso_date_or_datetime(s), "{s}");
        }
        for s in ["2020-1-31", "2020-02-30", "31/01/2020", "", "now"] {
            assert!(!is_iso_date_or_datetime(s), "{s}");
        }
    }
}
