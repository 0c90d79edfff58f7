//! `Client`: the core's client with Python arguments, the GIL released while it waits (on the
//! main thread, in slices that let Ctrl-C through), and a fresh worker after `fork()`.

use crate::config::{client_config, seconds, settings_error};
use crate::errors::{client_error, config_error, validation_error};
use crate::event::PyGroupEvent;
use crate::fields::{CallFields, DETACH_BYTES};
use crate::outcome::{outcome_queue, PyFlushResult, PyOutcomeQueue};
use crate::scalars::py_repr;
use crate::to_py;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rudder_group::GroupEvent;
use rudder_group_client::{
    Client, ClientError, Config, Interrupt, LogRecord, Outcome, OutcomeQueue, Overflow, SpoolSync,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A running client and the channel its outcomes go to.
struct Live {
    client: Arc<Client>,
    channel: Arc<OutcomeQueue>,
}

/// Starts a client from `base`, its outcomes going to a new channel. With a spool the channel
/// keeps outcomes from the start: events an earlier client left are sent at once, before any
/// call (the facade starts the thread that pops them in `__init__`).
fn start(base: &Config) -> Result<Live, ClientError> {
    let channel = outcome_queue();
    if base.spool_dir.is_some() {
        channel.activate();
    }
    let mut config = base.clone();
    let sink = Arc::clone(&channel);
    config.on_outcome = Some(Arc::new(move |o: &Outcome| sink.push(o)));
    let sink = Arc::clone(&channel);
    config.on_log = Some(Arc::new(move |r: &LogRecord| sink.push_log(r)));
    let client = Arc::new(Client::new(config)?);
    Ok(Live { client, channel })
}

/// The native client; `rudder_group.Client` derives from it.
#[pyclass(
    name = "Client",
    module = "rudder_group._native",
    subclass,
    frozen,
    weakref
)]
pub(crate) struct PyClient {
    /// The settings, without the outcome callback (each start adds its own).
    base: Config,
    /// Only ever locked briefly with the GIL held, so no thread holds it across a `fork()`.
    /// `None` only while the object is being dropped.
    live: RwLock<Option<Live>>,
    /// `overflow="block"` or `spool_sync="event"`: `group` may wait, so it always releases the
    /// GIL.
    blocking: bool,
    /// `close()` was called (kept here: after a fork the old client must not be asked).
    closing: AtomicBool,
    /// `close()` returned: the worker has stopped.
    closed: AtomicBool,
    /// The package's outcome thread was started (at the first `group()`).
    outcome_thread: AtomicBool,
    exit_timeout: Option<f64>,
}

fn timeout_arg(py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Duration>> {
    timeout.map(|t| seconds(py, "timeout", t)).transpose()
}

/// How often a wait on the main thread looks for a signal, such as Ctrl-C.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Whether this is the main thread, the only one Python runs signal handlers on (and the only
/// one that never outlives the interpreter: the check below attaches to it again).
fn on_main_thread(py: Python<'_>) -> bool {
    let check = || -> PyResult<bool> {
        let threading = py.import("threading")?;
        let main = threading.call_method0("main_thread")?.getattr("ident")?;
        main.eq(threading.call_method0("get_ident")?)
    };
    check().unwrap_or(false)
}

/// Runs `wait` with the GIL released. On the main thread the wait comes back every
/// `SIGNAL_SLICE` to run Python's signal handlers: a `KeyboardInterrupt` they raise ends it.
fn wait_detached<T: Send>(
    py: Python<'_>,
    wait: impl for<'i> FnOnce(Option<&mut Interrupt<'i, PyErr>>) -> Result<Result<T, ClientError>, PyErr>
        + Send,
) -> PyResult<T> {
    let main = on_main_thread(py);
    let waited = py.detach(move || {
        let mut check = || Python::attach(|py| py.check_signals());
        let mut interrupt = Interrupt::new(SIGNAL_SLICE, &mut check);
        wait(main.then_some(&mut interrupt))
    })?;
    waited.map_err(|e| client_error(py, &e))
}

impl PyClient {
    /// The running client and its outcome channel.
    fn live(&self, py: Python<'_>) -> PyResult<(Arc<Client>, Arc<OutcomeQueue>)> {
        let live = self.live.read().unwrap_or_else(|p| p.into_inner());
        match &*live {
            Some(l) => Ok((Arc::clone(&l.client), Arc::clone(&l.channel))),
            None => Err(client_error(py, &ClientError::Closed)),
        }
    }

    /// The running client alone (every `group()` asks: one reference count, not two).
    fn client(&self, py: Python<'_>) -> PyResult<Arc<Client>> {
        let live = self.live.read().unwrap_or_else(|p| p.into_inner());
        match &*live {
            Some(l) => Ok(Arc::clone(&l.client)),
            None => Err(client_error(py, &ClientError::Closed)),
        }
    }

    /// The running client, its outcome thread started, and whether the thread's logger takes
    /// DEBUG lines (its last word, `OutcomeQueue::debug_logs`): for the drop-in's calls.
    pub(crate) fn for_call(slf: &Bound<'_, Self>) -> PyResult<(Arc<Client>, bool)> {
        let this = slf.get();
        if !this.outcome_thread.load(Ordering::Acquire) {
            this.start_outcomes(slf)?;
        }
        let live = this.live.read().unwrap_or_else(|p| p.into_inner());
        match &*live {
            Some(l) => Ok((Arc::clone(&l.client), l.channel.debug_logs())),
            None => Err(client_error(slf.py(), &ClientError::Closed)),
        }
    }

    /// Enqueues a validated event, with the GIL released where `group()` releases it; the
    /// enqueue's own error is returned, Ctrl-C's raised.
    pub(crate) fn enqueue_event(
        &self,
        py: Python<'_>,
        client: &Client,
        event: GroupEvent,
    ) -> PyResult<Result<String, ClientError>> {
        if self.blocking {
            wait_detached(py, |i| client.enqueue_interruptible(event, i).map(Ok))
        } else {
            Ok(client.enqueue(event))
        }
    }

    /// Before the first event: the outcome channel starts keeping outcomes and the package's
    /// `_start_outcomes` starts the thread that pops them. A bare native client (no such
    /// method) keeps none.
    fn start_outcomes(&self, slf: &Bound<'_, Self>) -> PyResult<()> {
        if self.outcome_thread.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        if !slf.hasattr("_start_outcomes")? {
            return Ok(());
        }
        let (_, channel) = self.live(slf.py())?;
        channel.activate();
        if let Err(e) = slf.call_method0("_start_outcomes") {
            self.outcome_thread.store(false, Ordering::Release);
            return Err(e);
        }
        Ok(())
    }
}

#[pymethods]
impl PyClient {
    /// Checks the settings (through the client crate's settings table) and starts the worker
    /// thread. Every setting is a keyword; `None` keeps its default.
    #[new]
    #[pyo3(signature = (write_key, data_plane_url, *, on_outcome = None, exit_timeout = None, **settings))]
    fn new(
        py: Python<'_>,
        write_key: String,
        data_plane_url: String,
        on_outcome: Option<&Bound<'_, PyAny>>,
        exit_timeout: Option<f64>,
        settings: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        if let Some(cb) = on_outcome {
            if !cb.is_none() && !cb.is_callable() {
                return Err(config_error(py, "on_outcome", "must be callable or None"));
            }
        }
        if let Some(t) = exit_timeout {
            // A day at most, as every duration setting of the table.
            let max = rudder_group_client::settings::MAX_DURATION;
            if seconds(py, "exit_timeout", t)? > max {
                return Err(config_error(
                    py,
                    "exit_timeout",
                    format!("must be at most {} seconds (a day), got {t}", max.as_secs()),
                ));
            }
        }
        let base = client_config(py, write_key, data_plane_url, settings)?;
        let live = start(&base).map_err(|e| start_error(py, &e))?;
        Ok(PyClient {
            // A spool flushed per event waits for the disk in every group().
            blocking: base.overflow == Overflow::Block
                || (base.spool_dir.is_some() && base.spool_sync == SpoolSync::Event),
            base,
            live: RwLock::new(Some(live)),
            closing: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            outcome_thread: AtomicBool::new(false),
            exit_timeout,
        })
    }

    /// Validates and enqueues one group call; returns its messageId. Never waits on the network.
    #[pyo3(signature = (
        group_id, traits = None, *, user_id = None, anonymous_id = None, context = None,
        integrations = None, timestamp = None, message_id = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn group(
        slf: &Bound<'_, Self>,
        group_id: &Bound<'_, PyAny>,
        traits: Option<&Bound<'_, PyAny>>,
        user_id: Option<&Bound<'_, PyAny>>,
        anonymous_id: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        integrations: Option<&Bound<'_, PyAny>>,
        timestamp: Option<&Bound<'_, PyAny>>,
        message_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        if !this.outcome_thread.load(Ordering::Acquire) {
            this.start_outcomes(slf)?;
        }
        let fields = CallFields {
            group_id,
            traits,
            user_id,
            anonymous_id,
            context,
            integrations,
            timestamp,
            message_id,
            wire_timestamp: None,
        };
        let client = this.client(py)?;
        let (event, size) = fields
            .into_event(py, &client.config().event_options)
            .map_err(|e| validation_error(py, &e))?;
        if this.blocking {
            wait_detached(py, |i| client.enqueue_interruptible(event, i))
        } else if size > DETACH_BYTES {
            // A large event may go to the spool: written with the GIL released.
            py.detach(|| client.enqueue(event))
                .map_err(|e| client_error(py, &e))
        } else {
            client.enqueue(event).map_err(|e| client_error(py, &e))
        }
    }

    /// Enqueues an event built with `GroupEvent.build` (validated there) and returns its
    /// messageId: the event is not converted or validated again.
    fn enqueue(slf: &Bound<'_, Self>, event: &Bound<'_, PyGroupEvent>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.get();
        if !this.outcome_thread.load(Ordering::Acquire) {
            this.start_outcomes(slf)?;
        }
        let client = this.client(py)?;
        let event = event.get().event.clone();
        if this.blocking {
            wait_detached(py, |i| client.enqueue_interruptible(event, i))
        } else {
            client.enqueue(event).map_err(|e| client_error(py, &e))
        }
    }

    /// Waits (GIL released) until every event enqueued before the call has an outcome. Ctrl-C
    /// ends the wait with `KeyboardInterrupt`; the events stay queued.
    #[pyo3(signature = (timeout = None))]
    fn flush(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<PyFlushResult> {
        let timeout = timeout_arg(py, timeout)?;
        let client = self.client(py)?;
        let flushed = wait_detached(py, |i| client.flush_interruptible(timeout, i))?;
        give_back(&flushed);
        Ok(PyFlushResult::from(flushed))
    }

    /// Flushes, then stops the worker (GIL released). Idempotent. Ctrl-C ends the wait with
    /// `KeyboardInterrupt`: the client stays closed to new events and goes on delivering.
    /// Whether it finished or ran out of time, every outcome is in the channel when it returns
    /// (the core reports what it gives up before its close returns), so the channel is closed
    /// and the outcome thread ends once it has handed them all over.
    #[pyo3(signature = (timeout = None))]
    fn close(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<PyFlushResult> {
        let timeout = timeout_arg(py, timeout)?;
        self.closing.store(true, Ordering::SeqCst);
        let (client, channel) = self.live(py)?;
        // Only Ctrl-C leaves here early; the close's own result is looked at below.
        let closed = wait_detached(py, |i| client.close_interruptible(timeout, i).map(Ok))?;
        self.closed.store(true, Ordering::SeqCst);
        channel.close();
        if let Ok(result) = &closed {
            give_back(result);
        }
        closed
            .map(PyFlushResult::from)
            .map_err(|e| client_error(py, &e))
    }

    /// Counters since the client started: enqueued, delivered, failed, dropped, retried,
    /// throttled, batches, bytes, queued, recovered, spool_skipped.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.client(py)?.stats();
        let d = PyDict::new(py);
        for (k, v) in [
            ("enqueued", s.enqueued),
            ("delivered", s.delivered),
            ("failed", s.failed),
            ("dropped", s.dropped),
            ("retried", s.retried),
            ("throttled", s.throttled),
            ("batches", s.batches),
            ("bytes", s.bytes),
            ("queued", s.queued),
            ("recovered", s.recovered),
            ("spool_skipped", s.spool_skipped),
        ] {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// The data plane URL.
    #[getter]
    fn data_plane_url(&self) -> &str {
        &self.base.data_plane_url
    }

    /// Seconds the exit hook waits for this client, or `None` for the package default.
    #[getter]
    fn exit_timeout(&self) -> Option<f64> {
        self.exit_timeout
    }

    /// `transport="memory"`: every event sent so far, as the data plane would receive it.
    fn sent_events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let events = self.client(py)?.sent_events();
        let list = PyList::empty(py);
        for e in &events {
            list.append(to_py::value(py, e)?)?;
        }
        Ok(list)
    }

    /// The queue the outcomes of the current worker go to.
    #[getter]
    fn _outcomes(&self, py: Python<'_>) -> PyResult<PyOutcomeQueue> {
        let (_, channel) = self.live(py)?;
        Ok(PyOutcomeQueue { channel })
    }

    /// Starts the outcome thread now rather than at the first `group()`.
    fn _begin_outcomes(slf: &Bound<'_, Self>) -> PyResult<()> {
        slf.get().start_outcomes(slf)
    }

    /// In a child process after `fork()`: leaks the parent's client (its worker thread does
    /// not exist here) and starts a fresh one with the same settings and an empty queue, but
    /// no spool: the parent's spool stays the parent's.
    fn _after_fork_in_child(&self, py: Python<'_>) -> PyResult<()> {
        rudder_group::reseed_after_fork();
        // The parent keeps its spool (and its lock): the child's events stay in memory.
        let mut base = self.base.clone();
        base.spool_dir = None;
        let fresh = start(&base).map_err(|e| start_error(py, &e))?;
        if self.closing.load(Ordering::SeqCst) {
            // Closed in the parent: closed here too. Nothing is queued, so this is quick.
            let _ = fresh.client.close(Some(Duration::ZERO));
            fresh.channel.close();
        }
        let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
        let old = live.replace(fresh);
        std::mem::forget(old);
        // The fresh channel keeps nothing until the child's first event starts its thread.
        self.outcome_thread.store(false, Ordering::Release);
        Ok(())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Client(data_plane_url={}, closed={})",
            py_repr(py, &self.base.data_plane_url),
            if self.closed() { "True" } else { "False" }
        )
    }
}

/// `Client::new` fails only on settings (named as the Python keyword) or on the worker thread.
fn start_error(py: Python<'_>, e: &ClientError) -> PyErr {
    settings_error(py, e)
}

impl Drop for PyClient {
    fn drop(&mut self) {
        let Some(Live { client, channel }) = self
            .live
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        if self.closed.load(Ordering::SeqCst) {
            drop(client);
            channel.close();
            return;
        }
        // Dropping an open client waits up to `shutdown_timeout` to deliver its queue: do it on
        // a thread of its own, never under the GIL.
        let spawned = std::thread::Builder::new()
            .name("rudder-group-close".to_owned())
            .spawn({
                let channel = Arc::clone(&channel);
                move || {
                    drop(client);
                    channel.close();
                }
            });
        if spawned.is_err() {
            channel.close();
        }
    }
}

/// Events a flush or close must have settled before the caller's thread gives memory back.
const GIVE_BACK_AFTER: u64 = 4096;

/// After a flush or close that settled a burst, the caller's thread (which allocated the
/// events) hands the allocator back the pages the lanes freed: mimalloc keeps a page freed from
/// another thread until its own thread allocates or collects, so a burst's memory would stay
/// taken while the app sends nothing; forced, it also returns the segments the allocator caches.
/// Measured on 100,000 queued events: 17-19 MiB above the RSS before the burst after the drain
/// without it, 10-15 MiB with it. Run only after large flushes (it walks the heap).
fn give_back(result: &rudder_group_client::FlushResult) {
    if result.delivered + result.failed + result.dropped >= GIVE_BACK_AFTER {
        // SAFETY: mi_collect takes no pointer: it frees what the calling thread's heap and the
        // allocator hold unused, and touches no live allocation.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
}
