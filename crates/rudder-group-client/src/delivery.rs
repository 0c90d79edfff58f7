//! One batch to a terminal outcome: build the body, send, classify the answer, retry by the
//! rules of [`crate::retry`], split on 413, and report.
//!
//! A panic anywhere in here (a bug, or a library's) fails the events it concerned, with the
//! panic's message as the reason; the worker goes on with the next batch.

use crate::logging::{self, LogKind, LogLevel};
use crate::outcome::{events, Counters, Outcome, OutcomeKind};
use crate::queue::Queued;
use crate::retry::{self, Next};
use crate::state::{Claim, Shared};
use crate::transport::Answer;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::VecDeque;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Reused buffers for request bodies.
#[derive(Default)]
pub(crate) struct Bodies {
    raw: Vec<u8>,
    gz: Vec<u8>,
}

/// Delivers `batch` (and the halves a 413 splits it into) to terminal outcomes, each reported
/// exactly once.
pub(crate) fn deliver(shared: &Shared, lane: usize, batch: Vec<Queued>, bodies: &mut Bodies) {
    // Parts not yet reported, the one being sent at the front.
    let mut pending = VecDeque::from([batch]);
    while let Some(part) = pending.front() {
        let ending = catch_unwind(AssertUnwindSafe(|| send_part(shared, part, bodies)));
        let Some(mut part) = pending.pop_front() else {
            break;
        };
        match ending {
            Ok(Ending::Split) => {
                let second = part.split_off(part.len() / 2);
                let (a, b) = (part.len(), second.len());
                logging::emit(
                    shared.config.on_log.as_ref(),
                    LogLevel::Debug,
                    LogKind::Split,
                    (a + b) as u64,
                    0,
                    Some(413),
                    || {
                        format!(
                            "status 413 for {}: sending them again as two batches of {a} and {b}",
                            events((a + b) as u64)
                        )
                    },
                );
                pending.push_front(second);
                pending.push_front(part);
            }
            Ok(Ending::Outcome {
                kind,
                reason,
                answer,
                attempts,
            }) => report(shared, lane, &part, kind, answer, reason, attempts),
            Err(panic) => {
                let reason = format!(
                    "sending failed unexpectedly ({}); the worker goes on",
                    panic_message(&*panic)
                );
                logging::emit(
                    shared.config.on_log.as_ref(),
                    LogLevel::Error,
                    LogKind::Internal,
                    part.len() as u64,
                    0,
                    None,
                    || reason.clone(),
                );
                *bodies = Bodies::default();
                report(shared, lane, &part, OutcomeKind::Failed, None, reason, 0);
            }
        }
    }
}

/// How sending a part ended.
enum Ending {
    /// A terminal outcome, with the last answer's status and body.
    Outcome {
        kind: OutcomeKind,
        reason: String,
        answer: Option<(u16, String)>,
        attempts: u32,
    },
    /// 413 on a part of two events or more: send each half.
    Split,
}

/// Sends one part until it is delivered, failed, dropped by a timed-out close, or to be split.
fn send_part(shared: &Shared, batch: &[Queued], bodies: &mut Bodies) -> Ending {
    let cfg = &shared.config;
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let Some(permit) = acquire(shared) else {
            return Ending::Outcome {
                kind: OutcomeKind::Dropped,
                reason: "the client was closed while these events waited to be sent".to_owned(),
                answer: None,
                attempts: attempt - 1,
            };
        };
        let sent = Instant::now();
        let (answer, bytes) = attempt_once(shared, batch, bodies);
        let status = answer.as_ref().ok().map(|a| a.status);
        let what = match &answer {
            Ok(a) => format!("status {}", a.status),
            Err(e) => e.clone(),
        };
        logging::emit(
            cfg.on_log.as_ref(),
            LogLevel::Debug,
            LogKind::Request,
            batch.len() as u64,
            attempt,
            status,
            || {
                format!(
                    "POST /v1/batch: {}, {bytes} bytes, attempt {attempt}: {what} in {}",
                    events(batch.len() as u64),
                    logging::took(sent.elapsed())
                )
            },
        );
        let retry_after = answer
            .as_ref()
            .ok()
            .and_then(|a| a.retry_after.as_deref())
            .and_then(|v| retry::parse_retry_after(v, chrono::Utc::now()));
        permit.release(status, retry_after);
        let verdict = status.map_or(Verdict::Retry, classify);
        let end = |kind, reason| Ending::Outcome {
            kind,
            reason,
            answer: answer.as_ref().ok().map(|a| (a.status, a.body.clone())),
            attempts: attempt,
        };
        match verdict {
            Verdict::Delivered => return end(OutcomeKind::Delivered, "delivered".to_owned()),
            Verdict::Split if batch.len() > 1 => return Ending::Split,
            Verdict::Split | Verdict::Terminal => {
                let reason =
                    format!("the data plane refused the events with {what}; retrying cannot help");
                return end(OutcomeKind::Failed, reason);
            }
            Verdict::Retry => {}
        }
        let elapsed = started.elapsed();
        let wait = match retry::next(
            &cfg.retry,
            attempt,
            elapsed,
            retry_after,
            retry::full_jitter,
        ) {
            Next::Wait(wait) => wait,
            Next::GiveUp => {
                let reason = format!(
                    "gave up after {} in {}; last: {what}",
                    crate::outcome::count(u64::from(attempt), "attempt"),
                    logging::took(elapsed)
                );
                return end(OutcomeKind::Failed, reason);
            }
        };
        logging::emit(
            cfg.on_log.as_ref(),
            LogLevel::Debug,
            LogKind::Retry,
            batch.len() as u64,
            attempt,
            status,
            || {
                format!(
                    "retrying {} in {} (attempt {attempt}: {what})",
                    events(batch.len() as u64),
                    logging::took(wait)
                )
            },
        );
        Counters::add(&shared.counters.retried, 1);
        if wait_or_abandon(shared, wait) {
            let reason = format!("the client was closed while retrying; last: {what}");
            return end(OutcomeKind::Dropped, reason);
        }
    }
}

/// Waits for a send permit: fewer requests in flight than the current limit, and no pause from
/// a 429's `Retry-After`. `None` when a timed-out close asks the lanes to stop.
fn acquire(shared: &Shared) -> Option<Permit<'_>> {
    let mut st = shared.lock();
    loop {
        if st.abandon {
            return None;
        }
        let now = Instant::now();
        let paused = st.paused_until.filter(|t| *t > now);
        if paused.is_none() && st.in_flight < st.limit {
            st.in_flight += 1;
            return Some(Permit(shared));
        }
        st = shared.wait_on_progress(st, paused.map(|until| until - now));
    }
}

/// One request in flight; given back when dropped, even by a panic while sending.
struct Permit<'a>(&'a Shared);

impl Permit<'_> {
    /// Gives the permit back and adapts: a 429 halves the requests allowed in flight (down to
    /// one) and, with a `Retry-After`, pauses every lane for that long (up to 60 s, and never
    /// past the retry budget `retry.max_elapsed`); a success
    /// allows one more, up to `max_concurrent_requests`. So a burst of 429s never turns into a
    /// retry storm.
    fn release(self, status: Option<u16>, retry_after: Option<Duration>) {
        let shared = self.0;
        let mut st = shared.lock();
        match status {
            Some(429) => {
                st.limit = (st.limit / 2).max(1);
                if let Some(wait) = retry_after {
                    // Never longer than one batch may wait by the retry rules.
                    let pause = wait
                        .min(retry::MAX_RETRY_AFTER)
                        .min(shared.config.retry.max_elapsed);
                    let until = Instant::now().checked_add(pause);
                    st.paused_until = st.paused_until.max(until);
                }
                Counters::add(&shared.counters.throttled, 1);
            }
            Some(200..=299) => st.limit = (st.limit + 1).min(shared.config.max_concurrent_requests),
            _ => {}
        }
        // The drop gives the request back.
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
        self.0.progress_made(st);
    }
}

/// One request for `batch`, with a fresh `sentAt`.
/// Also the body's size as sent.
fn attempt_once(
    shared: &Shared,
    batch: &[Queued],
    bodies: &mut Bodies,
) -> (Result<Answer, String>, usize) {
    let cfg = &shared.config;
    let sent_at = rudder_group::time::now();
    let gzip = cfg.gzip && shared.sender.compresses();
    build_body(batch, &sent_at, gzip, cfg.gzip_level, bodies);
    let body = if gzip { &bodies.gz } else { &bodies.raw };
    Counters::add(&shared.counters.batches, 1);
    Counters::add(&shared.counters.bytes, body.len() as u64);
    let answer = shared.sender.send(body, gzip, &bodies.raw).map_err(|e| e.0);
    (answer, body.len())
}

/// Reports a part's outcome (its events are the next of the lane's `sending`) and, with a
/// spool, marks its events finished there. Nothing at all once a close gave up on them: it
/// reported them itself (or kept them in the spool), and the spool may be another client's now.
fn report(
    shared: &Shared,
    lane: usize,
    part: &[Queued],
    kind: OutcomeKind,
    answer: Option<(u16, String)>,
    reason: String,
    attempts: u32,
) {
    let Some(mut claimed) = shared.claim(Claim::Next(lane, part.len())) else {
        return;
    };
    if let Some(log) = &shared.spool {
        let finished: Vec<_> = part
            .iter()
            .filter_map(|q| q.spooled.as_deref().copied())
            .collect();
        log.done(&finished);
    }
    let (status, body) = answer.unzip();
    shared.report(&Outcome {
        kind,
        message_ids: std::mem::take(&mut claimed.ids),
        status,
        body,
        reason,
        attempts,
    });
}

enum Verdict {
    Delivered,
    Split,
    Retry,
    Terminal,
}

fn classify(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        413 => Verdict::Split,
        408 | 429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Terminal,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_owned()
    }
}

/// Sleeps `wait` unless a timed-out close asks the worker to stop; true when it does.
fn wait_or_abandon(shared: &Shared, wait: Duration) -> bool {
    // A wait too long for the clock to represent has no deadline; the retry rules cap waits
    // far below that, but no arithmetic here may panic.
    let deadline = Instant::now().checked_add(wait);
    let mut st = shared.lock();
    loop {
        if st.abandon {
            return true;
        }
        let left = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => wait,
        };
        if left.is_zero() {
            return false;
        }
        st = shared.wait_on_progress(st, Some(left));
    }
}

/// `{"batch":[…],"sentAt":"…"}` with every event's `sentAt` set to the attempt's time.
fn build_body(batch: &[Queued], sent_at: &str, gzip: bool, level: u32, bodies: &mut Bodies) {
    let raw = &mut bodies.raw;
    raw.clear();
    raw.extend_from_slice(b"{\"batch\":[");
    for (i, q) in batch.iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        q.wire.write_with_sent_at(raw, sent_at);
    }
    raw.extend_from_slice(b"],\"sentAt\":\"");
    raw.extend_from_slice(sent_at.as_bytes());
    raw.extend_from_slice(b"\"}");
    if gzip {
        bodies.gz.clear();
        let mut enc = GzEncoder::new(std::mem::take(&mut bodies.gz), Compression::new(level));
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(raw);
        bodies.gz = enc.finish().unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Transport};
    use crate::outcome::{Counters, OutcomeKind};
    use crate::state::State;
    use crate::transport::Sender;
    use rudder_group::GroupEvent;
    use std::sync::{Arc, Condvar, Mutex};

    /// The shared state of a client with `lanes` lanes whose sender panics (no lane runs).
    fn shared_of(config: Config, lanes: usize) -> Shared {
        Shared {
            state: Mutex::new(State::new(lanes)),
            work: (0..lanes).map(|_| Condvar::new()).collect(),
            progress: Condvar::new(),
            counters: Counters::default(),
            config,
            sender: Sender::Panicking,
            spool: None,
            spool_owner: Mutex::new(None),
            last_flush: Mutex::new((0, 0, 0)),
        }
    }

    /// `n` events taken into lane 0's batch, as a lane takes them: their ids in its `sending`.
    fn queued(shared: &Shared, n: usize) -> Vec<Queued> {
        let mut st = shared.state.lock().unwrap();
        (0..n)
            .map(|i| {
                let e = GroupEvent::builder("g")
                    .user_id(format!("u{i}"))
                    .build()
                    .unwrap();
                st.lanes[0].sending.push_back(e.message_id().to_owned());
                Queued {
                    wire: e.into_wire(),
                    spooled: None,
                }
            })
            .collect()
    }

    /// A panic while sending fails that batch alone, reported with its reason and counted, and
    /// the next batch is handled the same way: nothing is left without an outcome.
    #[test]
    fn a_panic_while_sending_fails_that_batch_alone() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let mut config = Config::new("k", "http://127.0.0.1:9");
        config.transport = Transport::Memory;
        config.on_outcome = Some(Arc::new(move |o: &Outcome| {
            sink.lock().unwrap().push(o.clone())
        }));
        let shared = shared_of(config, 1);
        let mut bodies = Bodies::default();
        let batch = queued(&shared, 3);
        deliver(&shared, 0, batch, &mut bodies);
        let batch = queued(&shared, 2);
        deliver(&shared, 0, batch, &mut bodies);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|o| o.kind == OutcomeKind::Failed));
        assert_eq!(seen[0].message_ids.len(), 3);
        assert!(
            seen[0].reason.contains("the transport broke"),
            "{}",
            seen[0].reason
        );
        assert_eq!(shared.counters.snapshot(0).failed, 5);
    }

    /// A 429 halves the requests allowed in flight (never below one) and a success grows them
    /// back one at a time, up to `max_concurrent_requests`; a panic while sending still gives
    /// its permit back.
    #[test]
    fn concurrency_adapts_to_429s_and_successes() {
        let mut config = Config::new("k", "http://127.0.0.1:9");
        config.transport = Transport::Memory;
        config.max_concurrent_requests = 8;
        let shared = shared_of(config, 8);
        let limit = || shared.state.lock().unwrap().limit;
        let answer = |status| acquire(&shared).unwrap().release(Some(status), None);
        answer(429);
        assert_eq!(limit(), 4);
        answer(429);
        answer(429);
        answer(429);
        answer(429);
        assert_eq!(limit(), 1);
        answer(200);
        answer(503);
        assert_eq!(limit(), 2);
        for _ in 0..20 {
            answer(200);
        }
        assert_eq!(limit(), 8);
        assert_eq!(shared.counters.snapshot(0).throttled, 5);
        // Four permits out, then a panic while holding a fifth: all come back.
        let held: Vec<_> = (0..4).map(|_| acquire(&shared).unwrap()).collect();
        assert_eq!(shared.state.lock().unwrap().in_flight, 4);
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _p = acquire(&shared).unwrap();
            panic!("while sending");
        }));
        drop(held);
        assert_eq!(shared.state.lock().unwrap().in_flight, 0);
    }

    /// A lane waiting for a send permit is counted as a waiter, and a permit given back wakes
    /// it: the notification, made only when someone waits, is not lost.
    #[test]
    fn a_permit_given_back_wakes_the_lane_that_waits_for_one() {
        let mut config = Config::new("k", "http://127.0.0.1:9");
        config.transport = Transport::Memory;
        config.max_concurrent_requests = 1;
        let shared = shared_of(config, 1);
        let held = acquire(&shared).unwrap();
        assert_eq!(shared.state.lock().unwrap().progress_waiters, 0);
        let (done, finished) = std::sync::mpsc::channel();
        let woken = std::thread::scope(|s| {
            s.spawn(|| {
                // `None` when abandoned below.
                let permit = acquire(&shared);
                let in_flight = shared.state.lock().unwrap().in_flight;
                done.send(permit.map(|_| in_flight)).unwrap();
            });
            while shared.state.lock().unwrap().progress_waiters == 0 {
                std::thread::yield_now();
            }
            drop(held);
            // Only a guard that turns a lost wake-up into a failure rather than a hang; it
            // never decides a pass.
            let got = finished.recv_timeout(std::time::Duration::from_secs(60));
            if got.is_err() {
                shared.state.lock().unwrap().abandon = true;
                shared.progress.notify_all();
            }
            got
        });
        assert_eq!(woken, Ok(Some(1)), "the waiting lane was not woken");
        let st = shared.state.lock().unwrap();
        assert_eq!((st.in_flight, st.progress_waiters), (0, 0));
    }
}
