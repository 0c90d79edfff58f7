//! The state the caller's side and the worker share: the queue, the progress counts, the
//! condition variables, and the reporting of outcomes. Both `client` and `worker` use it; neither
//! uses the other's internals.

use crate::config::Config;
use crate::logging::{self, LogKind, LogLevel};
use crate::outcome::{Counters, Outcome, OutcomeKind};
use crate::queue::LaneQueue;
use crate::spool::{Log, Spool};
use crate::transport::Sender;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One lane: a queue whose batches are sent one at a time, in order, by its own worker thread.
/// Every event of one identity goes to the same lane, so its events reach the data plane in the
/// order they were enqueued, retries included.
#[derive(Default)]
pub(crate) struct Lane {
    pub queue: LaneQueue,
    /// Wire bytes of the queue (on disk or not): a batch is due at `max_batch_bytes`.
    pub queued_bytes: usize,
    /// Events ever accepted into this lane.
    pub accepted: u64,
    /// Accepted events that reached a terminal outcome (in acceptance order: FIFO per lane).
    pub finished: u64,
    /// Send promptly until `finished` reaches this.
    pub flush_target: u64,
    /// When the oldest queued event arrived.
    pub oldest: Option<Instant>,
    /// Its worker waits on its `work` condition: an event that makes a batch due wakes it.
    /// While it is busy (sending) nothing needs to: it looks at its queue before it waits again.
    pub idle: bool,
    /// The messageIds of the events the lane took into its batch and has not yet reported, in
    /// batch order: the lane claims them when it reports ([`Shared::claim`]), and a close that
    /// runs out of time takes them to report them itself ("abandoned in flight"). An event held
    /// only on disk has an entry too, empty until its record is read back (the lane fills it
    /// under the lock, unless a close gave up on the batch; only a close with a spool can, and
    /// it counts these entries, keeping the events in the spool, without naming them).
    pub sending: VecDeque<String>,
}

/// What [`Shared::claim`] claims.
pub(crate) enum Claim<'a> {
    /// The next `n` events of a lane's batch.
    Next(usize, usize),
    /// The events at these places of a lane's batch, in increasing order (events the spool
    /// could not give back).
    At(usize, &'a [usize]),
    /// One event the caller's thread dropped (its queue was full): never accepted, so it
    /// counts in no lane.
    Dropped(String),
}

thread_local! {
    /// Claims held by this thread: a close called from an outcome callback must not wait for
    /// the report it runs inside.
    static REPORTING_HERE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A claimed report: the messageIds to report. Dropping it counts the events finished (unless
/// a close counted them already) and wakes a close that waits for reports to end.
pub(crate) struct Claimed<'a> {
    shared: &'a Shared,
    lane: Option<usize>,
    count: u64,
    pub ids: Vec<String>,
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        REPORTING_HERE.with(|r| r.set(r.get().saturating_sub(1)));
        let mut st = self.shared.lock();
        st.reporting -= 1;
        if let (Some(lane), false) = (self.lane, st.abandon) {
            st.lanes[lane].finished += self.count;
        }
        self.shared.progress_made(st);
    }
}

/// The lanes, the totals that bound the queue, and the flow control shared by all lanes.
pub(crate) struct State {
    pub lanes: Vec<Lane>,
    /// Events held in memory over all lanes (not yet taken into a batch): without a spool,
    /// every queued event.
    pub queued_events: usize,
    /// Bytes held in memory over all lanes.
    pub queued_bytes: usize,
    /// No more enqueues; the lanes drain their queues and stop.
    pub closing: bool,
    /// A close ran out of time and reported (or kept in the spool) everything left: the lanes
    /// stop, report nothing more, and touch neither a callback nor the spool again.
    pub abandon: bool,
    /// Threads reporting an outcome now, outside the lock (see [`Shared::claim`]): a close
    /// returns only once none is left, so no callback runs after it.
    pub reporting: usize,
    /// Lane workers still running.
    pub running: usize,
    /// Every lane worker has stopped.
    pub stopped: bool,
    /// Requests being sent now.
    pub in_flight: usize,
    /// Requests allowed in flight now: halved by a 429, grown back by one per success.
    pub limit: usize,
    /// A 429's `Retry-After` pauses every lane until then.
    pub paused_until: Option<Instant>,
    /// Threads waiting on `progress` now (see [`Shared::wait_on_progress`]).
    pub progress_waiters: usize,
}

impl State {
    pub fn new(lanes: usize) -> State {
        State {
            lanes: (0..lanes).map(|_| Lane::default()).collect(),
            queued_events: 0,
            queued_bytes: 0,
            closing: false,
            abandon: false,
            reporting: 0,
            running: lanes,
            stopped: false,
            in_flight: 0,
            limit: lanes,
            paused_until: None,
            progress_waiters: 0,
        }
    }

    /// Events accepted and not yet finished, over all lanes.
    pub fn pending(&self) -> u64 {
        self.lanes.iter().map(|l| l.accepted - l.finished).sum()
    }
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// Each lane's worker waits on its own condition for work (and for a close).
    pub work: Vec<Condvar>,
    /// Flushers, blocked enqueuers and lanes waiting for a send permit wait here.
    pub progress: Condvar,
    pub counters: Counters,
    pub config: Config,
    pub sender: Sender,
    /// The durable spool's log, when `spool_dir` is set.
    pub spool: Option<Arc<Log>>,
    /// The spool itself (its lock and syncer), released by a close that finished.
    pub spool_owner: Mutex<Option<Spool>>,
    /// Counters at the previous flush's return.
    pub last_flush: Mutex<(u64, u64, u64)>,
}

impl Shared {
    /// Wakes every lane's worker (a close, an abandon).
    pub fn wake_all(&self) {
        for w in &self.work {
            w.notify_one();
        }
        self.progress.notify_all();
    }

    /// Waits on `progress` (at most `timeout`, when given), counted in `progress_waiters` so
    /// that a change wakes waiters only when there are some ([`Shared::progress_made`]).
    pub fn wait_on_progress<'s>(
        &'s self,
        mut st: MutexGuard<'s, State>,
        timeout: Option<Duration>,
    ) -> MutexGuard<'s, State> {
        st.progress_waiters += 1;
        let mut st = match timeout {
            None => self.progress.wait(st).unwrap_or_else(|p| p.into_inner()),
            Some(t) => {
                self.progress
                    .wait_timeout(st, t)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        st.progress_waiters -= 1;
        st
    }

    /// Releases the lock after a change made under it, then wakes what waits on `progress`.
    /// A notification is a system call even when nothing waits, and one made under the lock
    /// keeps the lock held through it, so the lanes (several times a batch) and the callers
    /// (at every event) would queue behind it: it is made after the release, and only when a
    /// thread waits. A waiter that comes after the release saw the change under the lock.
    pub fn progress_made(&self, st: MutexGuard<'_, State>) {
        let waiting = st.progress_waiters > 0;
        drop(st);
        if waiting {
            self.progress.notify_all();
        }
    }

    /// Claims the right to report the outcome of `n` events of `lane`'s batch (the next `n` of
    /// its `sending` ids; `lane` `None` for an event the caller's thread drops, with its id
    /// given): their messageIds, and a guard that counts the report as running until it drops.
    /// `None` once a close gave up on them: it reported them itself, so nothing may be reported,
    /// counted or marked in the spool.
    pub fn claim(&self, what: Claim) -> Option<Claimed<'_>> {
        let mut st = self.lock();
        self.claim_locked(&mut st, what)
    }

    /// [`Shared::claim`] with the lock already held.
    pub fn claim_locked(&self, st: &mut State, what: Claim) -> Option<Claimed<'_>> {
        if st.abandon {
            return None;
        }
        let (lane, ids) = match what {
            Claim::Next(lane, n) => {
                let sending = &mut st.lanes[lane].sending;
                let n = n.min(sending.len());
                (Some(lane), sending.drain(..n).collect())
            }
            Claim::At(lane, at) => {
                let sending = &mut st.lanes[lane].sending;
                let mut ids = Vec::with_capacity(at.len());
                // From the back, so the earlier indices stay valid.
                for &i in at.iter().rev() {
                    if let Some(id) = sending.remove(i) {
                        ids.push(id);
                    }
                }
                ids.reverse();
                (Some(lane), ids)
            }
            Claim::Dropped(id) => (None, vec![id]),
        };
        st.reporting += 1;
        REPORTING_HERE.with(|r| r.set(r.get() + 1));
        Some(Claimed {
            shared: self,
            lane,
            count: ids.len() as u64,
            ids,
        })
    }

    /// Waits until no thread but this one reports (see [`Shared::claim`]).
    pub fn wait_for_reports<'s>(&'s self, mut st: MutexGuard<'s, State>) -> MutexGuard<'s, State> {
        let mine = REPORTING_HERE.with(std::cell::Cell::get);
        while st.reporting > mine {
            st = self.wait_on_progress(st, None);
        }
        st
    }

    /// Releases the spool (its lock, and its files once every event is finished). It is
    /// dropped with its mutex held, so that a close that comes while a lane releases it returns
    /// only once the release is over: a new client may open the directory as the close returns.
    pub fn release_spool(&self) {
        let mut owner = self.spool_owner.lock().unwrap_or_else(|p| p.into_inner());
        drop(owner.take());
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State inconsistent in a way that loses
        // events (every update is a few plain assignments), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn report(&self, outcome: &Outcome) {
        let n = outcome.message_ids.len() as u64;
        let c = &self.counters;
        match outcome.kind {
            OutcomeKind::Delivered => Counters::add(&c.delivered, n),
            OutcomeKind::Failed => Counters::add(&c.failed, n),
            OutcomeKind::Dropped => Counters::add(&c.dropped, n),
        }
        if outcome.kind != OutcomeKind::Delivered {
            logging::emit(
                self.config.on_log.as_ref(),
                LogLevel::Warn,
                LogKind::Outcome,
                n,
                outcome.attempts,
                outcome.status,
                || outcome.describe(),
            );
        }
        if let Some(cb) = &self.config.on_outcome {
            let call = std::panic::AssertUnwindSafe(|| cb(outcome));
            if std::panic::catch_unwind(call).is_err() {
                log::error!("rudder-group: the outcome callback panicked; delivery goes on");
            }
        }
    }
}
