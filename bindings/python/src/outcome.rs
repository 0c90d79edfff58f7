//! Outcomes reach Python through a queue: the client's worker thread pushes (it never touches
//! Python, so it can never wait on the GIL), and a Python thread of the package pops and calls
//! the user's `on_outcome`. Also `Outcome` and `FlushResult` as Python classes.

use crate::errors::client_error;
use crate::text::py_repr;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rudder_group_client::{FlushResult, Outcome};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
struct QueueState {
    items: VecDeque<Outcome>,
    pushed: u64,
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

    /// Called on the worker thread: queue one outcome.
    pub(crate) fn push(&self, outcome: &Outcome) {
        let mut st = self.lock();
        if !st.active {
            return;
        }
        st.items.push_back(outcome.clone());
        st.pushed += 1;
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
    fn pop(&self, timeout: Option<Duration>) -> Option<Outcome> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        loop {
            if let Some(o) = st.items.pop_front() {
                return Some(o);
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
        py.detach(|| channel.pop(timeout))
            .map(|o| PyOutcome { outcome: o })
    }

    /// Outcomes pushed since the client started.
    #[getter]
    fn pushed(&self) -> u64 {
        self.channel.lock().pushed
    }

    /// Whether the queue is closed and empty: the dispatcher can stop.
    #[getter]
    fn done(&self) -> bool {
        let st = self.channel.lock();
        st.closed && st.items.is_empty()
    }
}

/// One terminal outcome for a set of events: a batch, half of a split batch, or one dropped
/// event.
#[pyclass(name = "Outcome", module = "rudder_group", frozen)]
pub(crate) struct PyOutcome {
    outcome: Outcome,
}

#[pymethods]
impl PyOutcome {
    /// `"delivered"`, `"failed"` or `"dropped"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.outcome.kind.as_str()
    }

    /// The messageIds of the events concerned.
    #[getter]
    fn message_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.outcome.message_ids)
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

    /// How many requests were made for these events.
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
            "Outcome(kind={}, events={}, status={status}, attempts={}, reason={})",
            py_repr(py, self.outcome.kind.as_str()),
            self.outcome.message_ids.len(),
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
