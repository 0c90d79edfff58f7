//! Outcomes, log records and counters as JS objects; their way to the main thread (the client
//! crate's bounded, merging `OutcomeQueue`, and a wake-up), with the messageIds that have a
//! callback; and the bounded close of collected clients.

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use rudder_group_client::{Client, LogRecord, MergedOutcome, OutcomeQueue, Stats, Waiting};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// One terminal outcome, as the `onOutcome` callback receives it.
#[napi(object)]
pub struct OutcomeInfo {
    /// `delivered`, `failed` or `dropped`.
    pub kind: String,
    /// The events concerned: all of them, except in a merged outcome (`merged` > 1), which
    /// keeps 1,000 of them and every one that has a `group()` or `enqueue()` callback; `count`
    /// is always the number of events.
    pub message_ids: Vec<String>,
    /// The last HTTP status, if an answer came.
    pub status: Option<u32>,
    /// The last answer's body, if an answer came.
    pub body: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
    /// Requests made for these events (of a merged outcome, in all).
    pub attempts: u32,
    /// How many events this outcome concerns (`messageIds.length` unless merged).
    pub count: f64,
    /// How many outcomes were merged into this one: 1 unless the main thread fell behind.
    pub merged: f64,
}

impl From<MergedOutcome> for OutcomeInfo {
    fn from(m: MergedOutcome) -> Self {
        let o = m.outcome;
        OutcomeInfo {
            kind: o.kind.as_str().to_owned(),
            message_ids: o.message_ids,
            status: o.status.map(u32::from),
            body: o.body,
            reason: o.reason,
            attempts: o.attempts,
            count: m.count as f64,
            merged: m.merged as f64,
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

/// One log record of the client (a request, a retry, a split batch, a failure while sending, a
/// close out of time), as the JS logger receives it.
#[napi(object)]
pub struct LogInfo {
    /// `debug`, `info`, `warn` or `error`.
    pub level: String,
    /// `request`, `retry`, `split`, `internal` or `close` (a close that ran out of time).
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

impl LogInfo {
    fn new(r: LogRecord, dropped_before: u64) -> LogInfo {
        LogInfo {
            level: r.level.as_str().to_owned(),
            kind: r.kind.as_str().to_owned(),
            message: r.message,
            events: r.events as f64,
            attempt: r.attempt,
            status: r.status.map(u32::from),
            dropped_before: dropped_before as f64,
        }
    }
}

/// One item taken from the queue: an outcome or a log record.
#[napi(object)]
pub struct QueuedInfo {
    /// An outcome, or
    pub outcome: Option<OutcomeInfo>,
    /// a log record.
    pub log: Option<LogInfo>,
}

impl From<Waiting> for QueuedInfo {
    fn from(w: Waiting) -> Self {
        match w {
            Waiting::Outcome(m) => QueuedInfo {
                outcome: Some(m.into()),
                log: None,
            },
            Waiting::Log {
                record,
                dropped_before,
            } => QueuedInfo {
                outcome: None,
                log: Some(LogInfo::new(record, dropped_before)),
            },
        }
    }
}

/// Unref'd (it never keeps the process alive), no argument.
type WakeFn = ThreadsafeFunction<(), (), (), napi::Status, false, true>;

/// The messageIds a merged outcome keeps, beyond those with a callback; it counts the others.
/// So memory stays bounded however far the main thread falls behind, but for one id per event
/// whose callback JS holds anyway.
const MERGED_IDS_MAX: usize = 1000;

/// The messageIds of events enqueued with a callback whose outcome JS has not taken yet: a
/// merged outcome keeps them past `MERGED_IDS_MAX`, so that each callback is found by id and
/// called. A count per id, since a caller may give two events one messageId.
#[derive(Default)]
pub(crate) struct CallbackIds {
    ids: Mutex<HashMap<String, usize>>,
}

thread_local! {
    /// The messageId this thread is enqueueing with a callback. An outcome for it pushed on
    /// this thread during that call is the call's own refusal (a full queue or spool drops the
    /// event and reports it on the caller's thread; the call throws and its callback is never
    /// registered): that id is not kept.
    static ENQUEUING: RefCell<String> = const { RefCell::new(String::new()) };
}

impl CallbackIds {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `enqueue` for the event `id` with its id marked as having a callback: marked
    /// before, so that no outcome of it can be merged unmarked; unmarked again if it fails.
    pub(crate) fn enqueue<T, E>(
        &self,
        id: &str,
        enqueue: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        *self.lock().entry(id.to_owned()).or_default() += 1;
        ENQUEUING.with_borrow_mut(|e| id.clone_into(e));
        let r = enqueue();
        ENQUEUING.with_borrow_mut(String::clear);
        if r.is_err() {
            let mut ids = self.lock();
            if let Some(n) = ids.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    ids.remove(id);
                }
            }
        }
        r
    }

    /// Whether a merged outcome keeps `id` (the queue's `keep_ids`).
    fn keeps(&self, id: &str) -> bool {
        self.lock().contains_key(id) && ENQUEUING.with_borrow(|e| e != id)
    }

    /// The outcome of these events reached JS, which calls every callback of their ids.
    pub(crate) fn taken(&self, message_ids: &[String]) {
        let mut ids = self.lock();
        if ids.is_empty() {
            return;
        }
        for id in message_ids {
            ids.remove(id);
        }
    }
}

/// The queue for one client: outcomes (and, with `with_logs`, log records) wait in it, and
/// `wake` is called on the main thread when it stops being empty; the JS side then takes what
/// waits with `takeOutcomes`. At most one wake-up is pending at a time in the usual case, so
/// the thread-safe function's own queue stays small.
pub(crate) fn outcome_queue(
    wake: &Function<(), ()>,
    callbacks: &Arc<CallbackIds>,
) -> napi::Result<Arc<OutcomeQueue>> {
    let tsfn: WakeFn = wake
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .callee_handled::<false>()
        .build()?;
    let callbacks = Arc::clone(callbacks);
    let queue = OutcomeQueue::new(
        MERGED_IDS_MAX,
        Some(Box::new(move || {
            // A closing environment refuses the call; the outcomes are still counted.
            let _ = tsfn.call((), ThreadsafeFunctionCallMode::NonBlocking);
        })),
    )
    .keep_ids(Box::new(move |id| callbacks.keeps(id)));
    queue.activate();
    Ok(Arc::new(queue))
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
