//! Parsers for the numeric options: each value is checked against its option's documented range
//! while the command line is read, so an out-of-range value is a usage error (exit status 2, with
//! a message naming the option), never a panic later.

use std::ops::RangeInclusive;
use std::time::Duration;

/// The longest wait any option accepts: one day. Far from what `Duration` and `Instant`
/// arithmetic can hold, and longer than any delivery is worth waiting for.
pub const MAX_WAIT_SECONDS: f64 = 86_400.0;

/// A wait given in seconds, fractions allowed: finite, not negative, at most one day.
pub fn wait_seconds(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("must be a number of seconds, got {s:?}"))?;
    if !seconds.is_finite() {
        return Err(format!("must be a finite number of seconds, got {s:?}"));
    }
    if seconds < 0.0 {
        return Err(format!("must not be negative, got {s:?}"));
    }
    if seconds > MAX_WAIT_SECONDS {
        return Err(format!(
            "must be at most {MAX_WAIT_SECONDS} seconds (one day), got {s:?}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A whole number within `range`.
pub fn count(s: &str, range: RangeInclusive<usize>) -> Result<usize, String> {
    let out_of_range = || {
        format!(
            "must be a whole number from {} to {}, got {s:?}",
            range.start(),
            range.end()
        )
    };
    let n: usize = s.trim().parse().map_err(|_| out_of_range())?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(out_of_range())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_finite_non_negative_and_at_most_a_day() {
        assert_eq!(wait_seconds("0"), Ok(Duration::ZERO));
        assert_eq!(wait_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(wait_seconds("86400"), Ok(Duration::from_secs(86_400)));
        for bad in [
            "inf", "-inf", "infinity", "nan", "NaN", "-1", "-0.001", "86400.5", "1e300", "", "x",
        ] {
            assert!(wait_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counts_stay_in_their_range() {
        assert_eq!(count("1", 1..=10), Ok(1));
        assert_eq!(count("10", 1..=10), Ok(10));
        for bad in ["0", "11", "-1", "1.5", "nan", "", "99999999999999999999999"] {
            let err = count(bad, 1..=10).unwrap_err();
            assert!(err.contains("from 1 to 10"), "{bad}: {err}");
        }
    }
}
