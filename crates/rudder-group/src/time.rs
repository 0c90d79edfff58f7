//! Timestamps: the one wire format (`2022-02-01T19:14:18.381Z`) and the forms accepted as input.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// Formats a UTC instant as the wire format: ISO-8601, UTC, milliseconds, `Z`.
pub fn format_millis(t: DateTime<Utc>) -> String {
    let (date, time) = (t.date_naive(), t.time());
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    // Every event is stamped: digits written directly, without chrono's formatting machinery.
    let millis = (time.nanosecond() % 1_000_000_000) / 1_000_000;
    let fields: [(u32, usize); 7] = [
        (year as u32, 4),
        (date.month(), 2),
        (date.day(), 2),
        (time.hour(), 2),
        (time.minute(), 2),
        (time.second(), 2),
        (millis, 3),
    ];
    let mut out = [0u8; 24];
    let seps = [b'-', b'-', b'T', b':', b':', b'.', b'Z'];
    let mut at = 0;
    for ((value, width), sep) in fields.into_iter().zip(seps) {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out[at + width] = sep;
        at += width + 1;
    }
    // Digits and separators only: ASCII.
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// The current time in the wire format.
pub fn now() -> String {
    format_millis(Utc::now())
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
