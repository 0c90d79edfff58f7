//! Scalars: JS numbers and dates as JSON numbers and timestamps.

use rudder_group::serde_json::Number;
use std::str::FromStr;

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A finite JS number as a JSON number with the digits JS itself would print.
///
/// Integers are written without a fraction (so `12345` as an id becomes `"12345"`), beyond 2^53
/// with the shortest digits that round-trip padded with zeros, as `Number.prototype.toString`
/// does below 1e21. Other numbers keep their shortest round-trip form.
pub(crate) fn number(x: f64) -> Option<Number> {
    if !x.is_finite() {
        return None;
    }
    if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER {
        // Exact: |x| < 2^53, and -0 becomes 0 as in JSON.stringify.
        return Some(Number::from(x as i64));
    }
    if x.fract() == 0.0 && x.abs() < 1e21 {
        return Number::from_str(&integer_digits(x)).ok();
    }
    Number::from_f64(x)
}

/// The decimal digits of an integral `x` with `2^53 <= |x| < 1e21`, as JS prints them.
fn integer_digits(x: f64) -> String {
    let mut buf = ryu::Buffer::new();
    let shortest = buf.format_finite(x.abs());
    let (mantissa, exponent) = match shortest.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (shortest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let frac_part = frac_part.trim_end_matches('0');
    let mut digits = String::with_capacity(24);
    if x < 0.0 {
        digits.push('-');
    }
    digits.push_str(int_part);
    digits.push_str(frac_part);
    // The value is integral, so the exponent covers every fraction digit.
    let zeros = exponent - frac_part.len() as i32;
    for _ in 0..zeros.max(0) {
        digits.push('0');
    }
    digits
}

/// The time values (milliseconds since the epoch) of 0000-01-01T00:00:00.000Z and
/// 9999-12-31T23:59:59.999Z: the instants an RFC 3339 timestamp can write.
const FIRST_MILLIS: f64 = -62_167_219_200_000.0;
const LAST_MILLIS: f64 = 253_402_300_799_999.0;

/// Why a JS `Date` has no timestamp form.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoTimestamp {
    /// An invalid date (its time value is NaN).
    Invalid,
    /// A year outside 0000 to 9999 (JS dates reach years -271821 to 275760).
    OutOfRange,
}

/// A JS `Date`'s time value (milliseconds since the epoch) in the wire format.
pub(crate) fn date(millis: f64) -> Result<String, NoTimestamp> {
    if millis.is_nan() {
        return Err(NoTimestamp::Invalid);
    }
    if !(FIRST_MILLIS..=LAST_MILLIS).contains(&millis) {
        return Err(NoTimestamp::OutOfRange);
    }
    // Within the range, a time value is a whole number of milliseconds that chrono holds.
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(millis as i64)
        .map(rudder_group::time::format_millis)
        .ok_or(NoTimestamp::OutOfRange)
}
