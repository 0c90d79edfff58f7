//! Outcomes reach Python through the client crate's bounded, merging [`OutcomeQueue`]: the
//! client's worker thread pushes (it never touches Python, so it can never wait on the GIL), and
//! a Python thread of the package pops and calls the user's `on_outcome`. When that thread falls
//! behind, outcomes of one kind merge (a merged one keeps 1,000 messageIds), so that memory
//! stays bounded. The client's log records (each request, retry and split) travel the same
//! queue, in order with the outcomes, for the `rudder_group` logger; past 256 waiting, new ones
//! are dropped and counted (the next record or outcome popped says how many). Also `Outcome`,
//! `LogRecord` and `FlushResult` as Python classes.

use crate::errors::client_error;
use crate::scalars::py_repr;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rudder_group_client::{
    FlushResult, LogRecord, Outcome, OutcomeQueue, Waiting, LOGS_MAX, OUTCOMES_MAX,
};
use std::sync::Arc;
use std::time::Duration;

/// The messageIds a merged outcome keeps; it counts the others.
const MERGED_IDS_MAX: usize = 1000;

/// The queue for one client's outcomes.
pub(crate) fn outcome_queue() -> Arc<OutcomeQueue> {
    Arc::new(OutcomeQueue::new(MERGED_IDS_MAX, None))
}

/// The Python face of an [`OutcomeQueue`], held by the dispatcher thread (not the client, so
/// that an unused client can still be collected).
#[pyclass(name = "OutcomeQueue", module = "rudder_group._native", frozen)]
pub(crate) struct PyOutcomeQueue {
    pub(crate) channel: Arc<OutcomeQueue>,
}

#[pymethods]
impl PyOutcomeQueue {
    /// The next outcome or log record, waiting with the GIL released at most `timeout` seconds
    /// (`None`: until one comes or the queue is closed); `None` on timeout or when closed and
    /// drained.
    #[pyo3(signature = (timeout = None))]
    fn get(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Py<PyAny>>> {
        let timeout =
            timeout.map(|t| Duration::try_from_secs_f64(t.max(0.0)).unwrap_or(Duration::MAX));
        let channel = &self.channel;
        Ok(match py.detach(|| channel.pop(timeout)) {
            None => None,
            Some(Waiting::Outcome(p)) => Some(
                Py::new(
                    py,
                    PyOutcome {
                        outcome: p.outcome,
                        count: p.count,
                        merged: p.merged,
                    },
                )?
                .into_any(),
            ),
            Some(Waiting::Log {
                record,
                dropped_before,
            }) => Some(
                Py::new(
                    py,
                    PyLogRecord {
                        record,
                        dropped_before,
                    },
                )?
                .into_any(),
            ),
        })
    }

    /// Log records dropped and not yet reported by a record after them, now counted as
    /// reported: the dispatcher takes it with each outcome, so that drops no record followed
    /// are reported too.
    fn take_logs_dropped(&self) -> u64 {
        self.channel.take_logs_dropped()
    }

    /// Whether the worker's debug records are queued from now on (at first they are): the
    /// outcome thread turns them off while the `rudder_group` logger discards DEBUG.
    fn set_debug_logs(&self, on: bool) {
        self.channel.set_debug_logs(on);
    }

    /// Log records dropped since the client started because `LOGS_MAX` waited.
    #[getter]
    fn logs_dropped(&self) -> u64 {
        self.channel.logs_dropped()
    }

    /// Outcomes pushed since the client started.
    #[getter]
    fn pushed(&self) -> u64 {
        self.channel.pushed()
    }

    /// Outcomes popped since the client started, each merged one counted.
    #[getter]
    fn popped(&self) -> u64 {
        self.channel.popped()
    }

    /// The most outcomes that waited at once.
    #[getter]
    fn peak(&self) -> usize {
        self.channel.peak()
    }

    /// The most outcomes that may wait at once.
    #[getter]
    fn limit(&self) -> usize {
        OUTCOMES_MAX
    }

    /// The most log records that may wait at once.
    #[getter]
    fn log_limit(&self) -> usize {
        LOGS_MAX
    }

    /// Whether the queue is closed and empty: the dispatcher can stop.
    #[getter]
    fn done(&self) -> bool {
        self.channel.done()
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

/// One line of the client's log: a request, a retry, a split batch, or a failure while sending.
#[pyclass(name = "LogRecord", module = "rudder_group._native", frozen)]
pub(crate) struct PyLogRecord {
    record: LogRecord,
    dropped_before: u64,
}

#[pymethods]
impl PyLogRecord {
    /// `"debug"`, `"info"`, `"warn"` or `"error"`.
    #[getter]
    fn level(&self) -> &'static str {
        self.record.level.as_str()
    }

    /// `"request"`, `"retry"`, `"split"` or `"internal"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.record.kind.as_str()
    }

    /// The sentence.
    #[getter]
    fn message(&self) -> &str {
        &self.record.message
    }

    /// The events concerned.
    #[getter]
    fn events(&self) -> u64 {
        self.record.events
    }

    /// The attempt (1 for a batch's first request; 0 when none was made).
    #[getter]
    fn attempt(&self) -> u32 {
        self.record.attempt
    }

    /// The HTTP status of the answer, if one came.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.record.status
    }

    /// Log records dropped just before this one (the queue held `log_limit`).
    #[getter]
    fn dropped_before(&self) -> u64 {
        self.dropped_before
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LogRecord(level={}, kind={}, message={})",
            py_repr(py, self.record.level.as_str()),
            py_repr(py, self.record.kind.as_str()),
            py_repr(py, &self.record.message)
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
