//! Timestamps: the one wire format (`2022-02-01T19:14:18.381Z`) and the forms accepted as input.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Formats a UTC instant as the wire format: ISO-8601, UTC, milliseconds, `Z`.
pub fn format_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
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
