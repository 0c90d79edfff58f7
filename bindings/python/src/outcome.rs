//! Outcomes reach Python through a queue: the client's worker thread pushes (it never touches
//! Python, so it can never wait on the GIL), and a Python thread of the package pops and calls
//! the user's `on_outcome`. When that thread falls behind, outcomes of one kind merge, so that
//! the queue stays bounded. Also `Outcome` and `FlushResult` as Python classes.

use crate::errors::client_error;
use crate::scalars::py_repr;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rudder_group_client::{FlushResult, Outcome};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Outcomes waiting for the Python thread at most.
const PENDING_MAX: usize = 1024;
/// Past this many waiting, a new outcome merges into the latest waiting one of its kind. Two
/// short of the bound: a kind with nothing to merge into is queued, and there are three kinds.
const MERGE_AT: usize = PENDING_MAX - 2;
/// The messageIds a merged outcome keeps; it counts the others.
const MERGED_IDS_MAX: usize = 1000;

/// An outcome waiting for the Python thread, perhaps several of one kind merged.
struct Pending {
    outcome: Outcome,
    /// Events concerned (`message_ids` holds some of them once merged).
    count: u64,
    /// Outcomes merged into this one (1 when alone).
    merged: u64,
}

impl Pending {
    fn new(outcome: &Outcome) -> Self {
        Pending {
            count: outcome.message_ids.len() as u64,
            outcome: outcome.clone(),
            merged: 1,
        }
    }

    /// Adds `other`, of the same kind: its ids up to `MERGED_IDS_MAX` in all, its count and
    /// attempts; the status, body and reason stay the first outcome's.
    fn merge(&mut self, other: &Outcome) {
        let ids = &mut self.outcome.message_ids;
        let room = MERGED_IDS_MAX.saturating_sub(ids.len());
        ids.extend(other.message_ids.iter().take(room).cloned());
        self.count += other.message_ids.len() as u64;
        self.merged += 1;
        self.outcome.attempts = self.outcome.attempts.saturating_add(other.attempts);
    }
}

#[derive(Default)]
struct QueueState {
    items: VecDeque<Pending>,
    /// Outcomes pushed, and popped (merged ones included), since the client started.
    pushed: u64,
    popped: u64,
    /// The most outcomes that ever waited at once.
    peak: usize,
    closed: bool,
    /// A dispatcher exists: outcomes are kept for it (else dropped, so nothing piles up).
    active: bool,
}

/// The outcome channel between the worker thread and the Python dispatcher thread.
#[derive(Default)]
pub(crate) struct OutcomeChannel {
    state: Mutex<QueueState>,
    ready: Condvar,
}

impl OutcomeChannel {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A dispatcher will pop: keep outcomes from now on.
    pub(crate) fn activate(&self) {
        self.lock().active = true;
    }

    /// Called on the worker thread: queue one outcome, or merge it into the latest waiting one
    /// of its kind once `MERGE_AT` wait.
    pub(crate) fn push(&self, outcome: &Outcome) {
        let mut st = self.lock();
        if !st.active {
            return;
        }
        st.pushed += 1;
        let merged = st.items.len() >= MERGE_AT
            && st
                .items
                .iter_mut()
                .rev()
                .find(|p| p.outcome.kind == outcome.kind)
                .map(|p| p.merge(outcome))
                .is_some();
        if !merged {
            st.items.push_back(Pending::new(outcome));
            st.peak = st.peak.max(st.items.len());
        }
        self.ready.notify_all();
    }

    /// No outcome will come any more (the worker stopped): wake the dispatcher.
    pub(crate) fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        self.ready.notify_all();
    }

    /// The next outcome, waiting at most `timeout` (`None`: until one comes or the channel is
    /// closed). `None` on timeout, or when closed and drained.
    fn pop(&self, timeout: Option<Duration>) -> Option<Pending> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        loop {
            if let Some(p) = st.items.pop_front() {
                st.popped += p.merged;
                return Some(p);
            }
            if st.closed {
                return None;
            }
            st = match deadline {
                None => self.ready.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    self.ready
                        .wait_timeout(st, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }
}

/// The Python face of an [`OutcomeChannel`], held by the dispatcher thread (not the client, so
/// that an unused client can still be collected).
#[pyclass(name = "OutcomeQueue", module = "rudder_group._native", frozen)]
pub(crate) struct PyOutcomeQueue {
    pub(crate) channel: std::sync::Arc<OutcomeChannel>,
}

#[pymethods]
impl PyOutcomeQueue {
    /// The next outcome, waiting with the GIL released at most `timeout` seconds (`None`: until
    /// one comes or the queue is closed); `None` on timeout or when closed and drained.
    #[pyo3(signature = (timeout = None))]
    fn get(&self, py: Python<'_>, timeout: Option<f64>) -> Option<PyOutcome> {
        let timeout =
            timeout.map(|t| Duration::try_from_secs_f64(t.max(0.0)).unwrap_or(Duration::MAX));
        let channel = &self.channel;
        py.detach(|| channel.pop(timeout)).map(|p| PyOutcome {
            outcome: p.outcome,
            count: p.count,
            merged: p.merged,
        })
    }

    /// Outcomes pushed since the client started.
    #[getter]
    fn pushed(&self) -> u64 {
        self.channel.lock().pushed
    }

    /// Outcomes popped since the client started, each merged one counted.
    #[getter]
    fn popped(&self) -> u64 {
        self.channel.lock().popped
    }

    /// The most outcomes that waited at once.
    #[getter]
    fn peak(&self) -> usize {
        self.channel.lock().peak
    }

    /// The most outcomes that may wait at once.
    #[getter]
    fn limit(&self) -> usize {
        PENDING_MAX
    }

    /// Whether the queue is closed and empty: the dispatcher can stop.
    #[getter]
    fn done(&self) -> bool {
        let st = self.channel.lock();
        st.closed && st.items.is_empty()
    }
}

/// One terminal outcome for a set of events: a batch, half of a split batch, or one dropped
/// event. When `on_outcome` falls behind (1,024 outcomes waiting), outcomes of one kind are
/// merged into one: `count` and `merged` say how many events and outcomes it stands for, and
/// `message_ids` keeps the first 1,000 ids.
#[pyclass(name = "Outcome", module = "rudder_group", frozen)]
pub(crate) struct PyOutcome {
    outcome: Outcome,
    count: u64,
    merged: u64,
}

#[pymethods]
impl PyOutcome {
    /// `"delivered"`, `"failed"` or `"dropped"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.outcome.kind.as_str()
    }

    /// The messageIds of the events concerned (of a merged outcome, the first 1,000).
    #[getter]
    fn message_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.outcome.message_ids)
    }

    /// How many events this outcome concerns.
    #[getter]
    fn count(&self) -> u64 {
        self.count
    }

    /// How many outcomes were merged into this one: 1 unless `on_outcome` fell behind.
    #[getter]
    fn merged(&self) -> u64 {
        self.merged
    }

    /// The last HTTP status, if an answer came.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.outcome.status
    }

    /// The last answer's body, if an answer came.
    #[getter]
    fn body(&self) -> Option<&str> {
        self.outcome.body.as_deref()
    }

    /// Why, in a sentence.
    #[getter]
    fn reason(&self) -> &str {
        &self.outcome.reason
    }

    /// How many requests were made for these events (of a merged outcome, in all).
    #[getter]
    fn attempts(&self) -> u32 {
        self.outcome.attempts
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let status = self
            .outcome
            .status
            .map_or_else(|| "None".to_owned(), |s| s.to_string());
        format!(
            "Outcome(kind={}, count={}, merged={}, status={status}, attempts={}, reason={})",
            py_repr(py, self.outcome.kind.as_str()),
            self.count,
            self.merged,
            self.outcome.attempts,
            py_repr(py, &self.outcome.reason)
        )
    }
}

/// Outcomes reached since the previous flush (or close) of the client returned.
#[pyclass(name = "FlushResult", module = "rudder_group", frozen, eq)]
#[derive(PartialEq)]
pub(crate) struct PyFlushResult {
    result: FlushResult,
}

impl From<FlushResult> for PyFlushResult {
    fn from(result: FlushResult) -> Self {
        PyFlushResult { result }
    }
}

#[pymethods]
impl PyFlushResult {
    /// Counts of events delivered, failed and dropped.
    #[new]
    #[pyo3(signature = (delivered = 0, failed = 0, dropped = 0))]
    fn new(delivered: u64, failed: u64, dropped: u64) -> Self {
        PyFlushResult {
            result: FlushResult {
                delivered,
                failed,
                dropped,
            },
        }
    }

    /// Events delivered.
    #[getter]
    fn delivered(&self) -> u64 {
        self.result.delivered
    }

    /// Events that failed for good.
    #[getter]
    fn failed(&self) -> u64 {
        self.result.failed
    }

    /// Events dropped.
    #[getter]
    fn dropped(&self) -> u64 {
        self.result.dropped
    }

    /// Returns the result, or raises `DeliveryFailedError` when anything failed or was dropped.
    fn check(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        match slf.get().result.ok() {
            Ok(_) => Ok(slf),
            Err(e) => Err(client_error(slf.py(), &e)),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "FlushResult(delivered={}, failed={}, dropped={})",
            self.result.delivered, self.result.failed, self.result.dropped
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (u64, u64, u64))> {
        let r = slf.get().result;
        Ok((
            slf.get_type().into_any(),
            (r.delivered, r.failed, r.dropped),
        ))
    }
}
