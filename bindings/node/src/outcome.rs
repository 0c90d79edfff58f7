//! Outcomes and counters as JS objects; the outcome callback's way to the main thread; the log
//! records' way there (bounded); and the bounded close of collected clients.

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rudder_group_client::{
    Client, LogCallback, LogKind, LogRecord, Outcome, OutcomeCallback, Stats,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// One terminal outcome, as the `onOutcome` callback receives it.
#[napi(object)]
pub struct OutcomeInfo {
    /// `delivered`, `failed` or `dropped`.
    pub kind: String,
    /// The events concerned.
    pub message_ids: Vec<String>,
    /// The last HTTP status, if an answer came.
    pub status: Option<u32>,
    /// The last answer's body, if an answer came.
    pub body: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// Requests made for these events.
    pub attempts: u32,
}

impl From<&Outcome> for OutcomeInfo {
    fn from(o: &Outcome) -> Self {
        OutcomeInfo {
            kind: o.kind.as_str().to_owned(),
            message_ids: o.message_ids.clone(),
            status: o.status.map(u32::from),
            body: o.body.clone(),
            reason: o.reason.clone(),
            attempts: o.attempts,
        }
    }
}

/// Counters since the client started.
#[napi(object)]
pub struct StatsInfo {
    /// Events accepted into the queue.
    pub enqueued: f64,
    /// Events delivered.
    pub delivered: f64,
    /// Events that failed for good.
    pub failed: f64,
    /// Events dropped.
    pub dropped: f64,
    /// Requests retried.
    pub retried: f64,
    /// Requests sent.
    pub batches: f64,
    /// Body bytes sent.
    pub bytes: f64,
    /// Events waiting or in flight.
    pub queued: f64,
    /// Events an earlier client left in the spool, queued again at start.
    pub recovered: f64,
    /// Torn or damaged places skipped while reading the spool at start.
    pub spool_skipped: f64,
    /// 429 answers (each halved the requests allowed in flight).
    pub throttled: f64,
}

impl From<Stats> for StatsInfo {
    fn from(s: Stats) -> Self {
        StatsInfo {
            enqueued: s.enqueued as f64,
            delivered: s.delivered as f64,
            failed: s.failed as f64,
            dropped: s.dropped as f64,
            retried: s.retried as f64,
            batches: s.batches as f64,
            bytes: s.bytes as f64,
            queued: s.queued as f64,
            recovered: s.recovered as f64,
            spool_skipped: s.spool_skipped as f64,
            throttled: s.throttled as f64,
        }
    }
}

/// Unref'd (it never keeps the process alive), errors not passed as a first argument.
type OutcomeFn = ThreadsafeFunction<OutcomeInfo, (), OutcomeInfo, napi::Status, false, true>;

/// Carries outcomes from the worker thread to a JS function on the main thread.
pub(crate) struct OutcomeSink {
    tsfn: OutcomeFn,
}

impl OutcomeSink {
    /// A sink for `f`; `f` must not throw (the JS layer wraps the caller's callback).
    pub(crate) fn new(f: &Function<OutcomeInfo, ()>) -> napi::Result<OutcomeSink> {
        let tsfn = f
            .build_threadsafe_function::<OutcomeInfo>()
            .weak::<true>()
            .callee_handled::<false>()
            .build()?;
        Ok(OutcomeSink { tsfn })
    }

    /// The client's callback: queue the outcome for the main thread, never wait.
    pub(crate) fn callback(self) -> OutcomeCallback {
        Arc::new(move |o: &Outcome| {
            // A closing environment (worker thread ending, process exiting) refuses the call;
            // the outcome is still counted in the stats.
            let _ = self.tsfn.call(
                OutcomeInfo::from(o),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        })
    }
}

/// One log record of the client (a request, a retry, a split batch, a failure while sending),
/// as the JS logger receives it.
#[napi(object)]
pub struct LogInfo {
    /// `debug`, `info`, `warn` or `error`.
    pub level: String,
    /// `request`, `retry`, `split` or `internal`.
    pub kind: String,
    /// The sentence.
    pub message: String,
    /// The events concerned.
    pub events: f64,
    /// The attempt (1 for a batch's first request; 0 when none was made).
    pub attempt: u32,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u32>,
    /// Records dropped just before this one (the main thread fell behind).
    pub dropped_before: f64,
}

/// Log records waiting for the main thread at most; past it new ones are dropped and counted.
const LOGS_MAX: usize = 256;

type LogFn = ThreadsafeFunction<LogInfo, (), LogInfo, napi::Status, false, true, LOGS_MAX>;

/// Carries log records from the lanes to a JS function on the main thread, at most `LOGS_MAX`
/// waiting: past that a record is dropped, and the next one that gets through says how many.
/// Failed and dropped outcomes are logged from the outcomes themselves, so their records are
/// not sent.
pub(crate) struct LogSink {
    tsfn: LogFn,
    dropped: Arc<AtomicU64>,
}

impl LogSink {
    /// A sink for `f`; `f` must not throw (the JS layer wraps the logger).
    pub(crate) fn new(f: &Function<LogInfo, ()>) -> napi::Result<LogSink> {
        let tsfn = f
            .build_threadsafe_function::<LogInfo>()
            .weak::<true>()
            .callee_handled::<false>()
            .max_queue_size::<LOGS_MAX>()
            .build()?;
        Ok(LogSink {
            tsfn,
            dropped: Arc::default(),
        })
    }

    /// The count of records dropped and not yet reported, shared with the client: the JS side
    /// takes it with each outcome, so drops with no record after them are reported too.
    pub(crate) fn dropped(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.dropped)
    }

    /// The client's log callback: queue the record for the main thread, never wait.
    pub(crate) fn callback(self) -> LogCallback {
        Arc::new(move |r: &LogRecord| {
            if r.kind == LogKind::Outcome {
                return;
            }
            // Taken with the record; the JS side also takes it with each outcome.
            let dropped_before = self.dropped.swap(0, Ordering::Relaxed);
            let info = LogInfo {
                level: r.level.as_str().to_owned(),
                kind: r.kind.as_str().to_owned(),
                message: r.message.clone(),
                events: r.events as f64,
                attempt: r.attempt,
                status: r.status.map(u32::from),
                dropped_before: dropped_before as f64,
            };
            if self
                .tsfn
                .call(info, ThreadsafeFunctionCallMode::NonBlocking)
                != napi::Status::Ok
            {
                // Full (or the environment is closing): this record and the ones it carried
                // the count of are dropped.
                self.dropped
                    .fetch_add(dropped_before + 1, Ordering::Relaxed);
            }
        })
    }
}

/// Clients being closed in the background, for `wait_background_closes`.
static BACKGROUND: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// Closes a collected client on a thread of its own (its drop waits up to its shutdown
/// timeout to deliver what is queued).
pub(crate) fn close_in_background(client: Arc<Client>) {
    let (count, _) = &BACKGROUND;
    *count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    let spawned = std::thread::Builder::new()
        .name("rudder-group-close".to_owned())
        .spawn(move || {
            drop(client);
            let (count, done) = &BACKGROUND;
            *count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            done.notify_all();
        });
    if spawned.is_err() {
        *count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
    }
}

/// Waits up to `timeout_ms` for clients collected earlier to finish closing (process exit);
/// whether none is left.
#[napi(catch_unwind)]
pub fn wait_background_closes(timeout_ms: f64) -> bool {
    let deadline = Instant::now() + crate::config::millis(timeout_ms);
    let (count, done) = &BACKGROUND;
    let mut n = count.lock().unwrap_or_else(|p| p.into_inner());
    while *n > 0 {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        n = done
            .wait_timeout(n, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    true
}
