//! [`OutcomeQueue`]: how outcomes and log records reach a language's own thread.
//!
//! A binding whose language must not be called from the lanes (Python, Node) sets the client's
//! `on_outcome` and `on_log` to [`OutcomeQueue::push`] and [`OutcomeQueue::push_log`], and pops
//! on its own thread. The lanes never wait on that thread; memory stays bounded however far it
//! falls behind:
//! - past [`MERGE_AT`] outcomes waiting, a new outcome merges into the latest waiting one of its
//!   kind: its events are counted (`count`), its messageIds kept up to the queue's `ids_max`
//!   (and beyond it those the binding asks to keep, [`OutcomeQueue::keep_ids`]), its attempts
//!   added; status, body and reason stay the first outcome's. The counters stay exact;
//! - past [`LOGS_MAX`] log records waiting, a new one is dropped and counted; the next record
//!   popped carries the count (`dropped_before`), and [`OutcomeQueue::take_logs_dropped`] gives
//!   the rest, so a binding can say how many it lost.
//!
//! Outcomes and records come out in the order they were pushed. Failed and dropped outcomes are
//! logged by the bindings from the outcomes themselves (merged ones included), so their log
//! records are not queued. Debug records are queued only while the binding says its logger
//! wants them ([`OutcomeQueue::set_debug_logs`]): a program that does not log at debug neither
//! pays for them nor hears that some were dropped.

use crate::logging::{LogKind, LogLevel, LogRecord};
use crate::outcome::Outcome;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Outcomes waiting at most.
pub const OUTCOMES_MAX: usize = 1024;
/// Past this many waiting, a new outcome merges into the latest waiting one of its kind. Two
/// short of the bound: a kind with nothing to merge into is queued, and there are three kinds.
pub const MERGE_AT: usize = OUTCOMES_MAX - 2;
/// Log records waiting at most; past it new ones are dropped and counted.
pub const LOGS_MAX: usize = 256;

/// An outcome, perhaps several of one kind merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedOutcome {
    /// The first outcome, with the merged ones' ids (up to the queue's `ids_max`) and attempts.
    pub outcome: Outcome,
    /// Events concerned (`outcome.message_ids` holds some of them once merged).
    pub count: u64,
    /// Outcomes merged into this one (1 when alone).
    pub merged: u64,
}

impl MergedOutcome {
    fn new(outcome: &Outcome) -> Self {
        MergedOutcome {
            count: outcome.message_ids.len() as u64,
            outcome: outcome.clone(),
            merged: 1,
        }
    }

    fn merge(&mut self, other: &Outcome, ids_max: usize, keep: Option<&KeepId>) {
        let ids = &mut self.outcome.message_ids;
        let room = ids_max.saturating_sub(ids.len());
        ids.extend(other.message_ids.iter().take(room).cloned());
        if let Some(keep) = keep {
            let rest = other.message_ids.iter().skip(room);
            ids.extend(rest.filter(|id| keep(id)).cloned());
        }
        self.count += other.message_ids.len() as u64;
        self.merged += 1;
        self.outcome.attempts = self.outcome.attempts.saturating_add(other.attempts);
    }
}

/// What waits in the queue, in the order it was pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// An outcome (perhaps merged).
    Outcome(MergedOutcome),
    /// A log record.
    Log {
        /// The record.
        record: LogRecord,
        /// Records dropped just before this one (the queue held `LOGS_MAX`).
        dropped_before: u64,
    },
}

#[derive(Default)]
struct State {
    items: VecDeque<Waiting>,
    outcomes: usize,
    logs: usize,
    logs_dropped_since: u64,
    logs_dropped: u64,
    pushed: u64,
    popped: u64,
    peak: usize,
    closed: bool,
    active: bool,
    /// Threads waiting in [`OutcomeQueue::pop`]: a push notifies only when there are some.
    waiters: usize,
}

/// A wake-up for the language's thread, called when the queue goes from empty to not empty.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// Whether a merged outcome keeps a messageId past the queue's `ids_max` (see
/// [`OutcomeQueue::keep_ids`]). Called under the queue's lock, on the thread that pushes.
pub type KeepId = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// The bounded, merging queue between the lanes and a language's thread (see the module docs).
pub struct OutcomeQueue {
    state: Mutex<State>,
    ready: Condvar,
    ids_max: usize,
    keep: Option<KeepId>,
    waker: Option<Waker>,
    /// Debug records are queued (see [`OutcomeQueue::set_debug_logs`]).
    debug_logs: AtomicBool,
}

impl OutcomeQueue {
    /// A queue whose merged outcomes keep at most `ids_max` messageIds each; inactive until
    /// [`activate`](Self::activate) (what is pushed before is dropped), and `waker`, if any,
    /// called each time something is pushed into an empty queue.
    pub fn new(ids_max: usize, waker: Option<Waker>) -> OutcomeQueue {
        OutcomeQueue {
            state: Mutex::default(),
            ready: Condvar::new(),
            ids_max,
            keep: None,
            waker,
            debug_logs: AtomicBool::new(true),
        }
    }

    /// Merged outcomes also keep, past `ids_max`, every messageId for which `keep` is true: a
    /// binding that finds a per-event callback by id keeps those ids and counts the others.
    /// `keep` must not push into this queue.
    pub fn keep_ids(mut self, keep: KeepId) -> Self {
        self.keep = Some(keep);
        self
    }

    /// Whether debug records are queued from now on (at first they are): a binding turns
    /// them off while its language's logger would discard them. Other records always are.
    pub fn set_debug_logs(&self, on: bool) {
        self.debug_logs.store(on, Ordering::Relaxed);
    }

    /// Whether debug records are queued: the binding's last word on its logger.
    pub fn debug_logs(&self) -> bool {
        self.debug_logs.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Someone will pop: keep what is pushed from now on.
    pub fn activate(&self) {
        self.lock().active = true;
    }

    /// Queues one outcome, or merges it into the latest waiting one of its kind once
    /// [`MERGE_AT`] wait. For the client's `on_outcome`.
    pub fn push(&self, outcome: &Outcome) {
        let mut st = self.lock();
        if !st.active {
            return;
        }
        st.pushed += 1;
        let was_empty = st.items.is_empty();
        let (ids_max, keep) = (self.ids_max, self.keep.as_ref());
        let merged = st.outcomes >= MERGE_AT
            && st
                .items
                .iter_mut()
                .rev()
                .find_map(|w| match w {
                    Waiting::Outcome(m) if m.outcome.kind == outcome.kind => Some(m),
                    _ => None,
                })
                .map(|m| m.merge(outcome, ids_max, keep))
                .is_some();
        if !merged {
            st.items
                .push_back(Waiting::Outcome(MergedOutcome::new(outcome)));
            st.outcomes += 1;
            st.peak = st.peak.max(st.outcomes);
        }
        self.pushed_one(st, was_empty);
    }

    /// Queues a log record, or counts it as dropped when [`LOGS_MAX`] wait; outcome records
    /// are left out (see the module docs). For the client's `on_log`.
    pub fn push_log(&self, record: &LogRecord) {
        if record.kind == LogKind::Outcome
            || (record.level == LogLevel::Debug && !self.debug_logs.load(Ordering::Relaxed))
        {
            return;
        }
        let mut st = self.lock();
        if !st.active {
            return;
        }
        if st.logs >= LOGS_MAX {
            st.logs_dropped_since += 1;
            st.logs_dropped += 1;
            return;
        }
        let was_empty = st.items.is_empty();
        let dropped_before = std::mem::take(&mut st.logs_dropped_since);
        st.items.push_back(Waiting::Log {
            record: record.clone(),
            dropped_before,
        });
        st.logs += 1;
        self.pushed_one(st, was_empty);
    }

    /// After a push: releases the lock, then wakes a waiting [`pop`](Self::pop) (a system call
    /// kept out of the lock, and not made when nothing waits, as with a binding that drains
    /// instead) and the language's thread.
    fn pushed_one(&self, st: MutexGuard<'_, State>, was_empty: bool) {
        let waiting = st.waiters > 0;
        drop(st);
        if waiting {
            self.ready.notify_all();
        }
        if was_empty {
            if let Some(waker) = &self.waker {
                waker();
            }
        }
    }

    /// Nothing will be pushed any more (the client stopped): wakes a waiting [`pop`](Self::pop).
    pub fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        self.ready.notify_all();
    }

    /// The next item, waiting at most `timeout` (`None`: until one comes or the queue is
    /// closed). `None` on timeout, or when closed and drained.
    pub fn pop(&self, timeout: Option<Duration>) -> Option<Waiting> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        let mut st = self.lock();
        loop {
            if let Some(item) = Self::take(&mut st) {
                return Some(item);
            }
            if st.closed {
                return None;
            }
            let left = match deadline {
                None | Some(None) => None,
                Some(Some(d)) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    Some(d - now)
                }
            };
            st.waiters += 1;
            st = match left {
                None => self.ready.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(left) => {
                    self.ready
                        .wait_timeout(st, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            st.waiters -= 1;
        }
    }

    /// Up to `max` items, without waiting.
    pub fn drain(&self, max: usize) -> Vec<Waiting> {
        let mut st = self.lock();
        let mut out = Vec::new();
        while out.len() < max {
            match Self::take(&mut st) {
                Some(item) => out.push(item),
                None => break,
            }
        }
        out
    }

    fn take(st: &mut State) -> Option<Waiting> {
        let item = st.items.pop_front()?;
        match &item {
            Waiting::Outcome(m) => {
                st.popped += m.merged;
                st.outcomes -= 1;
            }
            Waiting::Log { .. } => st.logs -= 1,
        }
        Some(item)
    }

    /// Log records dropped and not yet carried by a record after them, now counted as
    /// reported: take it with each outcome, so that drops no record followed are told too.
    pub fn take_logs_dropped(&self) -> u64 {
        std::mem::take(&mut self.lock().logs_dropped_since)
    }

    /// Log records dropped since the start.
    pub fn logs_dropped(&self) -> u64 {
        self.lock().logs_dropped
    }

    /// Outcomes pushed since the start.
    pub fn pushed(&self) -> u64 {
        self.lock().pushed
    }

    /// Outcomes popped since the start, each merged one counted.
    pub fn popped(&self) -> u64 {
        self.lock().popped
    }

    /// The most outcomes that waited at once.
    pub fn peak(&self) -> usize {
        self.lock().peak
    }

    /// Closed and drained: the popping thread can stop.
    pub fn done(&self) -> bool {
        let st = self.lock();
        st.closed && st.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::LogLevel;
    use crate::outcome::OutcomeKind;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn outcome(kind: OutcomeKind, id: usize) -> Outcome {
        Outcome {
            kind,
            message_ids: vec![format!("id-{id}")],
            status: None,
            body: None,
            reason: "r".to_owned(),
            attempts: 1,
        }
    }

    fn record() -> LogRecord {
        LogRecord {
            level: LogLevel::Debug,
            kind: LogKind::Request,
            message: "m".to_owned(),
            events: 1,
            attempt: 1,
            status: Some(200),
        }
    }

    #[test]
    fn merges_past_the_bound_and_keeps_counts_exact() {
        let q = OutcomeQueue::new(3, None);
        q.activate();
        for i in 0..MERGE_AT + 10 {
            q.push(&outcome(OutcomeKind::Delivered, i));
        }
        q.push(&outcome(OutcomeKind::Dropped, 0));
        let items = q.drain(usize::MAX);
        assert_eq!(items.len(), MERGE_AT + 1);
        let Waiting::Outcome(last) = &items[MERGE_AT - 1] else {
            panic!("an outcome")
        };
        assert_eq!((last.count, last.merged), (11, 11));
        assert_eq!(last.outcome.message_ids.len(), 3, "ids kept up to ids_max");
        assert!(
            matches!(&items[MERGE_AT], Waiting::Outcome(m) if m.outcome.kind == OutcomeKind::Dropped)
        );
        assert_eq!(
            (q.pushed(), q.popped()),
            (MERGE_AT as u64 + 11, MERGE_AT as u64 + 11)
        );
    }

    #[test]
    fn a_merged_outcome_keeps_the_ids_it_is_asked_to_keep() {
        let q = OutcomeQueue::new(2, None).keep_ids(Box::new(|id| id.ends_with('7')));
        q.activate();
        for i in 0..MERGE_AT + 30 {
            q.push(&outcome(OutcomeKind::Failed, i));
        }
        let items = q.drain(usize::MAX);
        let Waiting::Outcome(last) = &items[MERGE_AT - 1] else {
            panic!("an outcome")
        };
        assert_eq!((last.count, last.merged), (31, 31));
        let kept: Vec<&str> = last
            .outcome
            .message_ids
            .iter()
            .map(String::as_str)
            .collect();
        let first = MERGE_AT - 1;
        let mut expected = vec![format!("id-{first}"), format!("id-{}", first + 1)];
        expected.extend(
            (first + 2..MERGE_AT + 30)
                .filter(|i| i % 10 == 7)
                .map(|i| format!("id-{i}")),
        );
        assert_eq!(kept, expected, "ids_max, then the kept ones");
    }

    #[test]
    fn drops_log_records_past_the_bound_and_says_how_many() {
        let q = OutcomeQueue::new(usize::MAX, None);
        q.activate();
        for _ in 0..LOGS_MAX + 5 {
            q.push_log(&record());
        }
        assert_eq!(q.logs_dropped(), 5);
        assert_eq!(q.drain(usize::MAX).len(), LOGS_MAX);
        q.push_log(&record());
        assert!(matches!(
            q.pop(Some(Duration::ZERO)),
            Some(Waiting::Log {
                dropped_before: 5,
                ..
            })
        ));
        for _ in 0..LOGS_MAX + 2 {
            q.push_log(&record());
        }
        assert_eq!(q.take_logs_dropped(), 2);
        assert_eq!(q.take_logs_dropped(), 0);
    }

    #[test]
    fn wakes_only_an_empty_queue_and_drops_while_inactive() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let q = OutcomeQueue::new(
            usize::MAX,
            Some(Box::new(move || {
                w.fetch_add(1, Ordering::Relaxed);
            })),
        );
        q.push(&outcome(OutcomeKind::Delivered, 0));
        assert_eq!((q.pushed(), wakes.load(Ordering::Relaxed)), (0, 0));
        q.activate();
        q.push(&outcome(OutcomeKind::Delivered, 1));
        q.push_log(&record());
        assert_eq!(wakes.load(Ordering::Relaxed), 1);
        assert_eq!(q.drain(1).len(), 1);
        q.push(&outcome(OutcomeKind::Failed, 2));
        assert_eq!(wakes.load(Ordering::Relaxed), 1, "not empty yet");
        assert_eq!(q.drain(10).len(), 2);
        q.push(&outcome(OutcomeKind::Failed, 3));
        assert_eq!(wakes.load(Ordering::Relaxed), 2);
        q.close();
        assert!(!q.done());
        assert!(q.pop(None).is_some());
        assert!(q.pop(None).is_none() && q.done());
    }

    #[test]
    fn debug_records_wait_only_while_wanted() {
        let q = OutcomeQueue::new(usize::MAX, None);
        q.activate();
        q.set_debug_logs(false);
        let warn = LogRecord {
            level: LogLevel::Warn,
            ..record()
        };
        for _ in 0..LOGS_MAX + 5 {
            q.push_log(&record());
        }
        q.push_log(&warn);
        assert_eq!(
            q.logs_dropped(),
            0,
            "unwanted records are not counted as dropped"
        );
        let items = q.drain(usize::MAX);
        assert!(
            matches!(&items[..], [Waiting::Log { record, .. }] if record.level == LogLevel::Warn)
        );
        q.set_debug_logs(true);
        q.push_log(&record());
        assert_eq!(q.drain(usize::MAX).len(), 1);
    }

    /// A pop that waits is counted, and the next push wakes it (the push notifies only when
    /// something waits); a timed-out pop leaves no waiter counted.
    #[test]
    fn a_push_wakes_a_waiting_pop() {
        let q = OutcomeQueue::new(usize::MAX, None);
        q.activate();
        assert!(q.pop(Some(Duration::from_millis(1))).is_none());
        assert_eq!(q.lock().waiters, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let popped = std::thread::scope(|s| {
            s.spawn(|| tx.send(q.pop(None)).unwrap());
            while q.lock().waiters == 0 {
                std::thread::yield_now();
            }
            q.push(&outcome(OutcomeKind::Delivered, 7));
            // Only a guard that turns a lost wake-up into a failure rather than a hang; it
            // never decides a pass. `close` wakes the pop then.
            let got = rx.recv_timeout(Duration::from_secs(60));
            if got.is_err() {
                q.close();
            }
            got
        });
        let popped = popped.expect("the waiting pop was not woken");
        assert!(
            matches!(&popped, Some(Waiting::Outcome(m)) if m.outcome.message_ids == ["id-7"]),
            "{popped:?}"
        );
        assert_eq!(q.lock().waiters, 0);
    }
}
