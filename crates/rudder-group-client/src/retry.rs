//! The retry rules, as one pure function of the attempt, the elapsed time and the answer, so
//! that they are tested against an injected clock instead of the wall clock.
//!
//! - Capped exponential backoff with full jitter: a random wait between zero and
//!   `min(max_backoff, initial_backoff * 2^(attempt-1))`.
//! - A `Retry-After` (delta-seconds or an HTTP date) is a floor under that wait, honoured up to
//!   [`MAX_RETRY_AFTER`]; a longer one waits that long.
//! - The budget is time: `max_elapsed` ends retries. A wait that would pass the budget is
//!   shortened to end with it, and the batch is tried once more then, so a `Retry-After` or a
//!   long backoff never fails a batch early. An attempt cap applies only when set.
//! - No arithmetic here can overflow or panic, whatever the answer or the settings say.

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

use crate::config::RetryPolicy;

/// The longest `Retry-After` honoured; a longer one waits this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait this long, then try again.
    Wait(Duration),
    /// The budget is spent (time, or the attempt cap when set): the batch fails.
    GiveUp,
}

/// The decision after `attempt` failed attempts (1-based), `elapsed` after the first one began.
/// `jitter` draws a wait between zero and the cap it is given.
pub(crate) fn next(
    policy: &RetryPolicy,
    attempt: u32,
    elapsed: Duration,
    retry_after: Option<Duration>,
    jitter: impl FnOnce(Duration) -> Duration,
) -> Next {
    if policy.max_attempts.is_some_and(|max| attempt >= max) || elapsed >= policy.max_elapsed {
        return Next::GiveUp;
    }
    let exp = attempt.saturating_sub(1).min(30);
    let cap = policy
        .initial_backoff
        .saturating_mul(1u32 << exp)
        .min(policy.max_backoff);
    let mut wait = jitter(cap).min(cap);
    if let Some(floor) = retry_after {
        wait = wait.max(floor.min(MAX_RETRY_AFTER));
    }
    Next::Wait(wait.min(policy.max_elapsed - elapsed))
}

/// Full jitter: uniform between zero and `cap`.
pub(crate) fn full_jitter(cap: Duration) -> Duration {
    let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rand::rng().random_range(0..=nanos))
}

/// `Retry-After`: delta-seconds, or an HTTP date. Any value, however large, gives a duration
/// (capped by [`next`]); a value that is neither gives `None`.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() {
        // Too many digits for u64: far past any cap.
        return Some(Duration::MAX);
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..RetryPolicy::default()
        }
    }

    fn wait(n: Next) -> Duration {
        match n {
            Next::Wait(d) => d,
            Next::GiveUp => panic!("gave up"),
        }
    }

    #[test]
    fn full_jitter_stays_under_the_cap_and_retry_after_is_a_floor() {
        let p = policy();
        for attempt in 1..40 {
            let cap = Duration::from_millis(100 * (1u64 << (attempt - 1).min(3)));
            let w = wait(next(&p, attempt, Duration::ZERO, None, full_jitter));
            assert!(w <= cap.min(Duration::from_millis(800)));
            let two = Duration::from_secs(2);
            let w = wait(next(&p, attempt, Duration::ZERO, Some(two), full_jitter));
            assert!(w >= two);
        }
        // The largest draw is the cap itself.
        let w = wait(next(&p, 3, Duration::ZERO, None, |cap| cap));
        assert_eq!(w, Duration::from_millis(400));
    }

    #[test]
    fn retry_after_is_honoured_up_to_sixty_seconds() {
        let p = RetryPolicy::default();
        for v in [
            "61",
            "3600",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let ra = parse_retry_after(v, Utc::now());
            assert_eq!(ra.map(|d| d >= MAX_RETRY_AFTER), Some(true), "{v}");
            let w = wait(next(&p, 1, Duration::ZERO, ra, full_jitter));
            assert_eq!(w, MAX_RETRY_AFTER, "{v}");
        }
    }

    #[test]
    fn a_wait_past_the_budget_is_shortened_never_fatal() {
        let p = RetryPolicy {
            max_elapsed: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let ra = Some(Duration::from_secs(30));
        // 4 s into the budget: the 30 s Retry-After is cut to the 6 s that are left.
        let w = wait(next(&p, 1, Duration::from_secs(4), ra, full_jitter));
        assert_eq!(w, Duration::from_secs(6));
        // At the end of the budget, the attempt made then was the last.
        assert_eq!(
            next(&p, 2, Duration::from_secs(10), ra, full_jitter),
            Next::GiveUp
        );
        // Extreme settings and answers: no overflow.
        let huge = RetryPolicy {
            max_attempts: None,
            max_elapsed: Duration::MAX,
            initial_backoff: Duration::MAX,
            max_backoff: Duration::MAX,
        };
        let w = wait(next(
            &huge,
            u32::MAX,
            Duration::ZERO,
            Some(Duration::MAX),
            |c| c,
        ));
        assert_eq!(w, Duration::MAX);
    }

    #[test]
    fn the_attempt_cap_applies_only_when_set() {
        let mut p = RetryPolicy::default();
        assert_eq!(p.max_attempts, None);
        assert!(matches!(
            next(&p, 10_000, Duration::ZERO, None, full_jitter),
            Next::Wait(_)
        ));
        p.max_attempts = Some(4);
        assert!(matches!(
            next(&p, 3, Duration::ZERO, None, full_jitter),
            Next::Wait(_)
        ));
        assert_eq!(next(&p, 4, Duration::ZERO, None, full_jitter), Next::GiveUp);
    }

    /// An outage against an injected clock: each attempt takes `request` and fails while the
    /// clock is before `outage`; returns the attempts made, or `None` if the batch gave up.
    fn ride(p: &RetryPolicy, outage: Duration, request: Duration) -> Option<u32> {
        let mut now = Duration::ZERO;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let began = now;
            now += request;
            if began >= outage {
                return Some(attempt);
            }
            match next(p, attempt, now, None, full_jitter) {
                Next::Wait(w) => now += w,
                Next::GiveUp => return None,
            }
        }
    }

    /// With the defaults (120 s budget, backoff capped at 10 s), every outage shorter than the
    /// budget is ridden through, whatever the jitter draws: the time budget binds, not a count of
    /// attempts. (With 20 attempts of full jitter, a 60 s outage beat the retries in about a
    /// quarter of the cases.) An outage past the budget fails, after one attempt at its end.
    #[test]
    fn outages_shorter_than_the_budget_are_ridden_through_whatever_the_jitter() {
        let p = RetryPolicy::default();
        let request = Duration::from_millis(5);
        for secs in [1, 20, 60, 90, 119] {
            for _ in 0..500 {
                let attempts = ride(&p, Duration::from_secs(secs), request);
                assert!(attempts.is_some(), "a {secs} s outage beat the retries");
            }
        }
        // The same draws at their extremes: always the cap, always zero.
        for jitter in [|c: Duration| c, |_: Duration| Duration::ZERO] {
            let mut now = Duration::ZERO;
            let mut attempt = 0;
            while let Next::Wait(w) = next(&p, attempt + 1, now, None, jitter) {
                attempt += 1;
                now += request + w;
            }
            assert!(now >= p.max_elapsed, "gave up {now:?} into the budget");
        }
        assert_eq!(ride(&p, Duration::from_secs(200), request), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("1e300", now),
            Some(Duration::from_secs(86_400))
        );
    }
}
