//! [`Client`]: validate in the caller's thread, enqueue, and let one worker thread deliver.

use crate::config::{Config, Overflow};
use crate::interrupt::{wait_progress, Interrupt};
use crate::logging::{self, LogKind, LogLevel};
use crate::outcome::{Counters, FlushResult, Outcome, OutcomeKind, Stats};
use crate::queue::{Queued, Waiting};
use crate::spool::{Log, Refused, Spool};
use crate::state::{Claim, Shared, State};
use crate::transport::Sender;
use crate::worker;
use crate::ClientError;
use rudder_group::{EventParts, GroupEvent};
use std::convert::Infallible;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A group-call client: thread-safe (share it with `Arc` or by reference), one background
/// worker thread per lane (`max_concurrent_requests`), no async runtime needed.
///
/// ```
/// use rudder_group::GroupEvent;
/// use rudder_group_client::{Client, Config, Transport};
///
/// let mut config = Config::new("WRITE_KEY", "https://dataplane.example.com");
/// config.transport = Transport::Memory; // test mode: nothing leaves the process
/// let client = Client::new(config)?;
/// let event = GroupEvent::builder("12345").user_id("u1").name("MyGroup").build()?;
/// let id = client.enqueue(event)?;
/// let result = client.flush(None)?;
/// assert_eq!(result.delivered, 1);
/// assert_eq!(client.sent_events()[0]["messageId"], id.as_str());
/// client.close(None)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Dropping the client closes it, waiting at most `shutdown_timeout` for what is queued.
/// After `fork(2)` the child must not use or drop its copy (the worker thread does not exist
/// there): leak it with `std::mem::forget` and build a new client from the same [`Config`],
/// with `spool_dir` cleared (the parent keeps its spool; see [`Config::spool_dir`]).
pub struct Client {
    shared: Arc<Shared>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.shared.config)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Client {
    /// Checks the config, opens the spool (if `spool_dir` is set: locking it and queueing
    /// what an earlier client left in it, ahead of anything new) and starts the lane workers.
    pub fn new(config: Config) -> Result<Client, ClientError> {
        config.validate()?;
        let sender = Sender::new(&config);
        let lanes = config.max_concurrent_requests;
        let mut state = State::new(lanes);
        let counters = Counters::default();
        let (spool, owner) = match config.spool_dir {
            Some(_) => {
                let opened = Spool::open(&config)?;
                let log = opened.spool.log();
                requeue(&mut state, &counters, opened.found, opened.skipped);
                (Some(log), Some(opened.spool))
            }
            None => (None, None),
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            work: (0..lanes).map(|_| Condvar::new()).collect(),
            progress: Condvar::new(),
            counters,
            config,
            sender,
            spool,
            spool_owner: Mutex::new(owner),
            last_flush: Mutex::new((0, 0, 0)),
        });
        let mut workers = Vec::with_capacity(lanes);
        for lane in 0..lanes {
            let for_worker = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("rudder-group-lane-{lane}"))
                .spawn(move || worker::run(&for_worker, lane));
            match spawned {
                Ok(handle) => workers.push(handle),
                Err(e) => {
                    // Stop the lanes already started before reporting.
                    let client = Client {
                        shared,
                        workers: Mutex::new(workers),
                    };
                    client.shared.lock().running -= lanes - client.worker_count();
                    let _ = client.close(Some(Duration::ZERO));
                    return Err(ClientError::config(
                        "worker",
                        format!("could not start a worker thread: {e}"),
                    ));
                }
            }
        }
        Ok(Client {
            shared,
            workers: Mutex::new(workers),
        })
    }

    fn worker_count(&self) -> usize {
        self.workers.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Validates raw parts with the client's event options, then enqueues; returns the
    /// event's `messageId`.
    #[inline]
    pub fn group(&self, parts: EventParts) -> Result<String, ClientError> {
        uninterrupted(self.group_interruptible(parts, None))
    }

    /// [`Client::group`], running `interrupt`'s check while it waits for room (`overflow`
    /// "block"): `Err(e)` when the check ends the wait; the event is then neither queued nor
    /// counted.
    pub fn group_interruptible<E>(
        &self,
        parts: EventParts,
        interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<String, ClientError>, E> {
        let event = match parts.validate(&self.shared.config.event_options) {
            Ok(event) => event,
            Err(e) => return Ok(Err(e.into())),
        };
        self.enqueue_interruptible(event, interrupt)
    }

    /// Enqueues a built event and returns its `messageId`. Never touches the network.
    ///
    /// When the queue is full the overflow policy applies; a dropped event is counted, reported
    /// to the outcome callback, and returned as `QUEUE_FULL`. With a spool, the call returns
    /// once the event is appended to it (and flushed, with `spool_sync` "event"); a full spool
    /// (`max_spool_bytes`) is a full queue, and so is a spool the disk refuses to write (the
    /// reported outcome's reason says which).
    pub fn enqueue(&self, event: GroupEvent) -> Result<String, ClientError> {
        uninterrupted(self.enqueue_interruptible(event, None))
    }

    /// [`Client::enqueue`], running `interrupt`'s check while it waits for room (`overflow`
    /// "block"): `Err(e)` when the check ends the wait; the event is then neither queued nor
    /// counted.
    pub fn enqueue_interruptible<E>(
        &self,
        event: GroupEvent,
        interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<String, ClientError>, E> {
        let max = self.shared.config.event_options.max_event_bytes;
        let lane = lane_key(event.user_id().or(event.anonymous_id()));
        let (wire, message_id) = event.into_wire_and_id();
        if wire.wire_len() > max {
            let issue = rudder_group::event_too_large(wire.wire_len(), max);
            return Ok(Err(ClientError::Validation(
                rudder_group::ValidationError::single(issue.code, issue.path, issue.message),
            )));
        }
        let item = Queued {
            wire,
            spooled: None,
        };
        let pushed = match &self.shared.spool {
            Some(log) => self.push_spooled(log, lane, item, interrupt)?,
            None => self.push(lane, item, interrupt)?,
        };
        Ok(pushed.map(|()| message_id))
    }

    fn push<E>(
        &self,
        key: u64,
        item: Queued,
        mut interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<(), ClientError>, E> {
        let shared = &*self.shared;
        let cfg = &shared.config;
        let size = item.wire.wire_len();
        let mut st = shared.lock();
        if st.closing {
            return Ok(Err(ClientError::Closed));
        }
        let full = |st: &State| {
            st.queued_events >= cfg.max_queue_events || st.queued_bytes + size > cfg.max_queue_bytes
        };
        if full(&st) {
            if cfg.overflow == Overflow::Block {
                // At most a day (the settings' range): the sum cannot overflow.
                let deadline = Instant::now() + cfg.block_timeout;
                while full(&st) && !st.closing && Instant::now() < deadline {
                    st = wait_progress(shared, st, Some(deadline), &mut interrupt)?;
                }
                if st.closing {
                    return Ok(Err(ClientError::Closed));
                }
            }
            if full(&st) {
                let queued = (st.queued_events as u64, st.queued_bytes as u64);
                return Ok(Err(self.drop_full(
                    st,
                    item.wire.message_id().into_owned(),
                    queued,
                    "the queue was full",
                )));
            }
        }
        let wake = self.accept(&mut st, key, Waiting::Ready(item));
        drop(st);
        self.wake(wake);
        Ok(Ok(()))
    }

    /// With a spool: appends the event to it (waiting for room with overflow "block"), then
    /// queues it, in memory while `max_queue_events` and `max_queue_bytes` allow, else as its
    /// place on disk.
    fn push_spooled<E>(
        &self,
        log: &Log,
        key: u64,
        mut item: Queued,
        mut interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<(), ClientError>, E> {
        let shared = &*self.shared;
        let cfg = &shared.config;
        let size = item.wire.wire_len();
        let mut st = shared.lock();
        // At most a day (the settings' range): the sum cannot overflow.
        let deadline = Instant::now() + cfg.block_timeout;
        let must_sync = loop {
            if st.closing {
                return Ok(Err(ClientError::Closed));
            }
            match log.append(key, &item.wire.message_id(), &item.wire) {
                Ok((location, must_sync)) => {
                    item.spooled = Some(Box::new(location));
                    break must_sync;
                }
                Err(Refused::Full { .. })
                    if cfg.overflow == Overflow::Block && Instant::now() < deadline =>
                {
                    st = wait_progress(shared, st, Some(deadline), &mut interrupt)?;
                }
                Err(Refused::Full { bytes }) => {
                    let why = "the spool was full (max_spool_bytes)";
                    let queued = (st.pending(), bytes);
                    let id = item.wire.message_id().into_owned();
                    return Ok(Err(self.drop_full(st, id, queued, why)));
                }
                Err(Refused::Io(e)) => {
                    let why = format!("the spool could not be written: {e}");
                    let queued = (st.pending(), log.bytes());
                    let id = item.wire.message_id().into_owned();
                    return Ok(Err(self.drop_full(st, id, queued, &why)));
                }
            }
        };
        let in_memory = st.queued_events < cfg.max_queue_events
            && st.queued_bytes + size <= cfg.max_queue_bytes;
        let waiting = match (in_memory, item.spooled.as_deref()) {
            // Its messageId is read back from its record when its batch is made.
            (false, Some(at)) => Waiting::OnDisk(*at),
            _ => Waiting::Ready(item),
        };
        let wake = self.accept(&mut st, key, waiting);
        drop(st);
        self.wake(wake);
        if let Some(must) = must_sync {
            must.sync();
        }
        Ok(Ok(()))
    }

    /// Reports an event dropped for want of room, and the error the caller gets. The report
    /// is claimed under the lock, so a close that starts meanwhile waits for it to end.
    fn drop_full(
        &self,
        mut st: std::sync::MutexGuard<'_, State>,
        message_id: String,
        (queued_events, queued_bytes): (u64, u64),
        reason: &str,
    ) -> ClientError {
        let err = ClientError::QueueFull {
            message_id: message_id.clone(),
            queued_events,
            queued_bytes,
        };
        let claimed = self
            .shared
            .claim_locked(&mut st, Claim::Dropped(message_id));
        drop(st);
        if let Some(mut claimed) = claimed {
            self.shared.report(&Outcome {
                kind: OutcomeKind::Dropped,
                message_ids: std::mem::take(&mut claimed.ids),
                status: None,
                body: None,
                reason: reason.to_owned(),
                attempts: 0,
            });
        }
        err
    }

    /// Queues an accepted event on its lane; the lane to wake once the lock is released, if
    /// any (see [`Client::wake`]).
    fn accept(&self, st: &mut State, key: u64, item: Waiting) -> Option<usize> {
        let shared = &*self.shared;
        let cfg = &shared.config;
        let lane = lane_of(key, cfg.max_concurrent_requests);
        let size = item.wire_len();
        let memory = item.memory_len();
        if memory > 0 {
            st.queued_events += 1;
            st.queued_bytes += memory;
        }
        let l = &mut st.lanes[lane];
        l.queue.push_back(item);
        l.queued_bytes += size;
        l.accepted += 1;
        Counters::add(&shared.counters.enqueued, 1);
        let len = l.queue.len();
        if len == 1 {
            l.oldest = Some(Instant::now());
        }
        // Wake the lane only when it waits and has something new to decide: the first event
        // starts the interval clock, a full batch is ready to go.
        let due = len == 1 || len == cfg.flush_at || l.queued_bytes >= cfg.max_batch_bytes;
        (due && l.idle).then_some(lane)
    }

    /// Wakes a lane that [`Client::accept`] named, with the state lock released: woken under
    /// it, the lane would only wait for the lock again, and the caller pay a second system call
    /// to hand it over.
    fn wake(&self, lane: Option<usize>) {
        if let Some(lane) = lane {
            self.shared.work[lane].notify_one();
        }
    }

    /// Waits until every event enqueued before this call has a terminal outcome, sending
    /// without waiting for `flush_at` or `flush_interval`. `None` waits without a limit.
    /// On timeout, `FLUSH_TIMEOUT`: nothing is lost, the events stay queued.
    pub fn flush(&self, timeout: Option<Duration>) -> Result<FlushResult, ClientError> {
        uninterrupted(self.flush_interruptible(timeout, None))
    }

    /// [`Client::flush`], running `interrupt`'s check while it waits: `Err(e)` when the check
    /// ends the wait; nothing is lost, the events stay queued.
    pub fn flush_interruptible<E>(
        &self,
        timeout: Option<Duration>,
        interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<FlushResult, ClientError>, E> {
        if let Err(e) = self.wait_for_queue(timeout, interrupt)? {
            return Ok(Err(e));
        }
        Ok(Ok(self.take_flush_result()))
    }

    fn wait_for_queue<E>(
        &self,
        timeout: Option<Duration>,
        mut interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<(), ClientError>, E> {
        let shared = &*self.shared;
        // A timeout too long for the clock to represent waits without a limit.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut st = shared.lock();
        // Every lane keeps its events in order: the events before this call are the first
        // `accepted` of each lane.
        let targets: Vec<u64> = st.lanes.iter().map(|l| l.accepted).collect();
        for (i, (lane, &target)) in st.lanes.iter_mut().zip(&targets).enumerate() {
            if lane.flush_target < target {
                lane.flush_target = target;
                shared.work[i].notify_one();
            }
        }
        let left = |st: &State| -> u64 {
            st.lanes
                .iter()
                .zip(&targets)
                .map(|(l, &t)| t.saturating_sub(l.finished))
                .sum()
        };
        while left(&st) > 0 && !st.stopped {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(Err(ClientError::FlushTimeout {
                    pending: left(&st),
                    dropped: 0,
                    kept: 0,
                }));
            }
            st = wait_progress(shared, st, deadline, &mut interrupt)?;
        }
        Ok(Ok(()))
    }

    fn take_flush_result(&self) -> FlushResult {
        let s = self.stats();
        let mut last = self
            .shared
            .last_flush
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let result = FlushResult {
            delivered: s.delivered - last.0,
            failed: s.failed - last.1,
            dropped: s.dropped - last.2,
        };
        *last = (s.delivered, s.failed, s.dropped);
        result
    }

    /// Flushes, then stops the worker. Idempotent. After it, `enqueue` is `CLIENT_CLOSED`.
    ///
    /// When it returns, every event the client accepted has had its one terminal outcome
    /// reported to `on_outcome` and counted, and no callback runs afterwards. If the timeout
    /// passes first, the events still queued are reported as dropped ("the client was closed
    /// before these events could be sent"), those whose request is under way (or waiting for
    /// its retry) too, at once ("abandoned in flight; may have been delivered": a request
    /// cannot be taken back, so the data plane may still store them), and the call returns
    /// `FLUSH_TIMEOUT` with the counts. A lane still waiting for its answer ends later by
    /// itself and reports nothing. With a spool those events are not dropped: they stay in the
    /// spool for the next client on its directory (`kept` in the error), and no outcome is
    /// reported for them. A warning log record says what was dropped and kept.
    ///
    /// On return the spool is released (its lock, and its files once every event is
    /// finished), so a new client may open the directory at once.
    pub fn close(&self, timeout: Option<Duration>) -> Result<FlushResult, ClientError> {
        uninterrupted(self.close_interruptible(timeout, None))
    }

    /// [`Client::close`], running `interrupt`'s check while it waits: `Err(e)` when the check
    /// ends the wait. The client is closed to new events, and the worker goes on delivering
    /// what is queued; a later `close` waits for it again.
    pub fn close_interruptible<E>(
        &self,
        timeout: Option<Duration>,
        interrupt: Option<&mut Interrupt<'_, E>>,
    ) -> Result<Result<FlushResult, ClientError>, E> {
        let started = Instant::now();
        {
            let mut st = self.shared.lock();
            st.closing = true;
            // The lanes drain and stop; blocked enqueuers give up.
            self.shared.wake_all();
        }
        match self.wait_for_queue(timeout, interrupt)? {
            Ok(()) => {}
            Err(ClientError::FlushTimeout { .. }) => {
                return Ok(Err(self.abandon(started.elapsed())));
            }
            Err(other) => return Ok(Err(other)),
        }
        // Reports under way on callers' threads (a full queue's drops) end before the return.
        drop(self.shared.wait_for_reports(self.shared.lock()));
        let workers = std::mem::take(&mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()));
        // Never a lane's own thread: a close made from an outcome callback on a lane cannot get
        // here, its own report keeping the queue unfinished (it times out, or waits).
        for h in workers {
            let _ = h.join();
        }
        self.release_spool();
        Ok(Ok(self.take_flush_result()))
    }

    /// A close out of time: takes every event not yet reported from the lanes (queued, or in a
    /// batch being sent or waiting for its retry), reports them dropped (or, with a spool,
    /// keeps them there), waits for reports under way on other threads, and releases the
    /// spool. The lanes stop by themselves; one blocked on a request reports nothing when its
    /// answer comes. The error for the caller.
    fn abandon(&self, waited: Duration) -> ClientError {
        let shared = &*self.shared;
        let mut st = shared.lock();
        let (mut queued, mut in_flight) = (Vec::new(), Vec::new());
        let mut left_queued = 0;
        if !st.abandon {
            st.abandon = true;
            for lane in &mut st.lanes {
                // Without a spool every event is in memory, with its messageId; with one, the
                // events are only counted (they stay in the spool), so those held only on disk
                // need no id.
                let (ids, n) = lane.queue.clear();
                queued.extend(ids);
                left_queued += n as u64;
                in_flight.extend(lane.sending.drain(..));
                lane.queued_bytes = 0;
                lane.oldest = None;
                lane.finished = lane.accepted;
            }
            st.queued_events = 0;
            st.queued_bytes = 0;
            shared.wake_all();
        }
        drop(st);
        let left_in_flight = in_flight.len() as u64;
        let pending = left_queued + left_in_flight;
        let (dropped, kept) = match shared.spool {
            Some(_) => (0, pending),
            None => (pending, 0),
        };
        if shared.spool.is_none() {
            for (ids, reason) in [
                (
                    queued,
                    "the client was closed before these events could be sent",
                ),
                (in_flight, "abandoned in flight; may have been delivered"),
            ] {
                if !ids.is_empty() {
                    shared.report(&Outcome {
                        kind: OutcomeKind::Dropped,
                        message_ids: ids,
                        status: None,
                        body: None,
                        reason: reason.to_owned(),
                        attempts: 0,
                    });
                }
            }
        }
        drop(shared.wait_for_reports(shared.lock()));
        self.release_spool();
        // The lanes end by themselves (one waiting for an answer, when it comes): detached, so
        // a later close or the drop never waits for them.
        drop(std::mem::take(
            &mut *self.workers.lock().unwrap_or_else(|p| p.into_inner()),
        ));
        // The error says what this close ended with: a later flush or close counts from here.
        self.take_flush_result();
        if pending > 0 {
            logging::emit(
                shared.config.on_log.as_ref(),
                LogLevel::Warn,
                LogKind::Close,
                pending,
                0,
                None,
                || closed_late(pending, left_in_flight, dropped, kept, waited),
            );
        }
        ClientError::FlushTimeout {
            pending,
            dropped,
            kept,
        }
    }

    /// Releases the spool (its lock, and its files once every event is finished): no lane
    /// appends to it, reads it or marks it any more.
    fn release_spool(&self) {
        self.shared.release_spool();
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closing
    }

    /// Counters since the client started.
    pub fn stats(&self) -> Stats {
        let queued = self.shared.lock().pending();
        self.shared.counters.snapshot(queued)
    }

    /// Test mode ([`crate::Transport::Memory`]): every event "sent" so far, as the data plane
    /// would have received it. Empty over HTTP.
    pub fn sent_events(&self) -> Vec<serde_json::Value> {
        self.shared.sender.sent_events()
    }
}

/// The stable hash of an identity (userId, else anonymousId; FNV-1a), kept with the event in
/// the spool: the same identity always takes the same lane, in this client and in the next one
/// on the spool, so its events stay in order. Events without either (refused by validation)
/// hash as the empty identity.
fn lane_key(identity: Option<&str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in identity.unwrap_or("").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The lane of an identity's key.
fn lane_of(key: u64, lanes: usize) -> usize {
    (key % lanes.max(1) as u64) as usize
}

/// Queues what an earlier client left in the spool, ahead of anything new, each on its
/// identity's lane; the lanes send it at once (as a flush would).
fn requeue(state: &mut State, counters: &Counters, found: Vec<crate::spool::Found>, skipped: u64) {
    let lanes = state.lanes.len();
    Counters::add(&counters.recovered, found.len() as u64);
    Counters::add(&counters.spool_skipped, skipped);
    for f in found {
        let l = &mut state.lanes[lane_of(f.lane, lanes)];
        l.queued_bytes += f.location.wire_len as usize;
        l.queue.push_back(Waiting::OnDisk(f.location));
        l.accepted += 1;
        l.flush_target = l.accepted;
        l.oldest.get_or_insert_with(Instant::now);
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let timeout = self.shared.config.shutdown_timeout;
        if let Err(e) = self.close(Some(timeout)) {
            log::warn!("rudder-group: closing on drop: {e}");
        }
    }
}

/// The warning of a close out of time: `close: 100 events not delivered within 5.0 s: 100
/// dropped (40 of them abandoned in flight; they may have been delivered)`.
fn closed_late(pending: u64, in_flight: u64, dropped: u64, kept: u64, waited: Duration) -> String {
    let mut text = format!(
        "close: {} not delivered within {}",
        crate::outcome::events(pending),
        logging::took(waited)
    );
    if dropped > 0 {
        text.push_str(&format!(": {dropped} dropped"));
        if in_flight > 0 {
            text.push_str(&format!(
                " ({in_flight} of them abandoned in flight; they may have been delivered)"
            ));
        }
    }
    if kept > 0 {
        text.push_str(&format!(
            ": {kept} kept in the spool for the next client on its directory"
        ));
    }
    text
}

/// The result of a wait that nothing could interrupt.
fn uninterrupted<T>(r: Result<Result<T, ClientError>, Infallible>) -> Result<T, ClientError> {
    match r {
        Ok(r) => r,
        Err(never) => match never {},
    }
}
