//! The state that the caller's API, the admin API and the server tasks share.

use std::collections::HashSet;
use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, Semaphore};

use crate::body::Pace;
use crate::checks::Keys;
use crate::config::Config;
use crate::faults::{Fault, FaultQueue};
use crate::store::Records;

/// Locks a mutex, going on after a panic elsewhere (the data stays usable for a test server).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
    /// How long a connection may take to send a request's headers (idle ones included).
    pub header_read_timeout: Duration,
    /// How fast a request body must come.
    pub body_pace: Pace,
    /// The admin API's token (`Authorization: Bearer`), when it needs one.
    pub admin_token: Option<String>,
    /// Recorded requests keep `authorization` as `[redacted]` (off loopback).
    pub redact_authorization: bool,
    /// Added before every data request is answered.
    pub latency: Duration,
    /// One permit per open connection; the accept loop waits for one before accepting.
    pub connections: Arc<Semaphore>,
    pub records: Mutex<Records>,
    /// Signalled whenever events are stored.
    pub events_cv: Condvar,
    pub faults: Mutex<FaultQueue>,
    pub rate: Mutex<RateWindow>,
    /// While `Some` and in the future, data requests get no answer.
    pub outage_until: Mutex<Option<Instant>>,
    /// Wakes the accept loop (shutdown).
    pub control: Notify,
    /// Bumped to close every open connection once its current request is answered.
    pub close_connections: watch::Sender<u64>,
    /// Data requests being handled now (their bodies being read included).
    pub in_flight: AtomicUsize,
    /// Of those, requests whose body is being read: they do not count against
    /// `max_in_flight`, so clients that stall mid-body cannot make the others refused.
    pub reading_bodies: AtomicUsize,
    /// Request bodies read past the write-key check (decompressed and parsed).
    pub bodies_read: AtomicUsize,
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
            header_read_timeout: config.header_read_timeout,
            body_pace: Pace {
                grace: config.body_read_timeout,
                min_rate: config.min_body_rate,
            },
            latency: config.latency,
            admin_token: config.admin_token.clone(),
            redact_authorization: !config.addr.ip().is_loopback(),
            connections: Arc::new(Semaphore::new(config.max_connections.max(1))),
            records: Mutex::new(Records {
                store,
                ..Records::default()
            }),
            events_cv: Condvar::new(),
            faults: Mutex::new(FaultQueue::default()),
            rate: Mutex::new(RateWindow::default()),
            outage_until: Mutex::new(None),
            control: Notify::new(),
            close_connections: watch::Sender::new(0),
            in_flight: AtomicUsize::new(0),
            reading_bodies: AtomicUsize::new(0),
            bodies_read: AtomicUsize::new(0),
            shutdown: AtomicBool::new(false),
        }
    }

    /// Whether data requests are refused now.
    pub(crate) fn in_outage(&self) -> bool {
        lock(&self.outage_until).is_some_and(|until| until > Instant::now())
    }

    /// Queues a fault. An outage starts at once: open connections are closed once their
    /// current request is answered, and data requests get no answer until it ends.
    pub(crate) fn inject(&self, fault: Fault) {
        let Some(millis) = lock(&self.faults).push(fault) else {
            return;
        };
        *lock(&self.outage_until) = Some(Instant::now() + Duration::from_millis(millis));
        self.close_connections.send_modify(|epoch| *epoch += 1);
        log::debug!("rudder-group-dataplane: outage for {millis} ms");
    }

    /// Clears queued faults and ends an outage.
    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
        *lock(&self.outage_until) = None;
    }

    /// Forgets requests, events, faults, the rate window, and ends an outage.
    pub(crate) fn reset(&self) {
        lock(&self.records).clear();
        *lock(&self.rate) = RateWindow::default();
        self.clear_faults();
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Requests being handled with their body read: what `max_in_flight` bounds.
    pub(crate) fn handling(&self) -> usize {
        self.in_flight()
            .saturating_sub(self.reading_bodies.load(Ordering::SeqCst))
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
