//! The state that the caller's API, the admin API and the server tasks share.

use std::collections::HashSet;
use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

use crate::checks::Keys;
use crate::config::Config;
use crate::faults::{Fault, FaultQueue};
use crate::store::Records;

/// How long an API call waits for the accept loop to close or reopen the port.
const LISTENER_WAIT: Duration = Duration::from_secs(5);

/// Locks a mutex, going on after a panic elsewhere (the data stays usable for a test server).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The listener's state, driven by outages.
#[derive(Debug, Default)]
pub(crate) struct ListenState {
    /// While `Some` and in the future, the port refuses connections.
    pub outage_until: Option<Instant>,
    /// Outages asked for so far.
    pub requested: u64,
    /// Outages the accept loop has acted on so far.
    pub acked: u64,
    /// Whether the listener is open.
    pub listening: bool,
}

/// A fixed one-second window of accepted requests.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    start: Option<Instant>,
    count: u32,
}

impl RateWindow {
    /// Counts a request; false when the window already holds `limit` requests.
    pub(crate) fn allow(&mut self, limit: u32) -> bool {
        let now = Instant::now();
        if self
            .start
            .map_or(true, |s| now.duration_since(s) >= Duration::from_secs(1))
        {
            self.start = Some(now);
            self.count = 0;
        }
        if self.count >= limit {
            return false;
        }
        self.count += 1;
        true
    }
}

/// Everything one data plane shares between threads.
pub(crate) struct Shared {
    pub keys: Keys,
    pub max_in_flight: usize,
    pub rate_limit: Option<u32>,
    pub records: Mutex<Records>,
    /// Signalled whenever events are stored.
    pub events_cv: Condvar,
    pub faults: Mutex<FaultQueue>,
    pub rate: Mutex<RateWindow>,
    pub listen: Mutex<ListenState>,
    /// Signalled whenever the accept loop changes `listen`.
    pub listen_cv: Condvar,
    /// Wakes the accept loop (outage started or ended, shutdown).
    pub control: Notify,
    /// Bumped to close every open connection once its current request is answered.
    pub close_connections: watch::Sender<u64>,
    /// Data requests being handled now.
    pub in_flight: AtomicUsize,
    pub shutdown: AtomicBool,
}

impl Shared {
    pub(crate) fn new(config: &Config, store: Option<File>) -> Shared {
        Shared {
            keys: Keys {
                enabled: config.write_keys.iter().cloned().collect(),
                disabled: config
                    .disabled_write_keys
                    .iter()
                    .cloned()
                    .collect::<HashSet<_>>(),
            },
            max_in_flight: config.max_in_flight,
            rate_limit: config.rate_limit,
            records: Mutex::new(Records {
                store,
                ..Records::default()
            }),
            events_cv: Condvar::new(),
            faults: Mutex::new(FaultQueue::default()),
            rate: Mutex::new(RateWindow::default()),
            listen: Mutex::new(ListenState {
                listening: true,
                ..ListenState::default()
            }),
            listen_cv: Condvar::new(),
            control: Notify::new(),
            close_connections: watch::Sender::new(0),
            in_flight: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
        }
    }

    /// Whether the port is meant to be refusing connections now.
    pub(crate) fn in_outage(&self) -> bool {
        lock(&self.listen)
            .outage_until
            .is_some_and(|until| until > Instant::now())
    }

    /// Queues a fault; an outage starts at once and this returns when the port refuses
    /// connections (or after a bounded wait). Blocks: call it off the runtime's workers.
    pub(crate) fn inject(&self, fault: Fault) {
        let Some(millis) = lock(&self.faults).push(fault) else {
            return;
        };
        let mut listen = lock(&self.listen);
        listen.outage_until = Some(Instant::now() + Duration::from_millis(millis));
        listen.requested += 1;
        let ticket = listen.requested;
        self.control.notify_one();
        let (_listen, timeout) = self
            .listen_cv
            .wait_timeout_while(listen, LISTENER_WAIT, |l| l.acked < ticket)
            .unwrap_or_else(|e| e.into_inner());
        if timeout.timed_out() {
            log::warn!("rudder-group-dataplane: the outage did not start in time");
        }
    }

    /// Clears queued faults and ends an outage, returning once the port accepts connections
    /// again (or after a bounded wait). Blocks: call it off the runtime's workers.
    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
        let mut listen = lock(&self.listen);
        if listen.outage_until.take().is_some() {
            self.control.notify_one();
        }
        let (_listen, timeout) = self
            .listen_cv
            .wait_timeout_while(listen, LISTENER_WAIT, |l| !l.listening)
            .unwrap_or_else(|e| e.into_inner());
        if timeout.timed_out() {
            log::warn!("rudder-group-dataplane: the port did not reopen in time");
        }
    }

    /// Forgets requests, events, faults, the rate window, and ends an outage.
    pub(crate) fn reset(&self) {
        lock(&self.records).clear();
        *lock(&self.rate) = RateWindow::default();
        self.clear_faults();
    }

    /// Notes that the accept loop has the listener open (`true`) or closed, having seen the
    /// outage requests up to `requested`.
    pub(crate) fn set_listening(&self, listening: bool, requested: u64) {
        let mut listen = lock(&self.listen);
        listen.listening = listening;
        listen.acked = listen.acked.max(requested);
        self.listen_cv.notify_all();
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Counts a data request as in flight while alive.
pub(crate) struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    pub(crate) fn enter(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
