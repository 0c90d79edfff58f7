//! The state the caller's side and the worker share: the queue, the progress counts, the
//! condition variables, and the reporting of outcomes. Both `client` and `worker` use it; neither
//! uses the other's internals.

use crate::config::Config;
use crate::outcome::{Counters, Outcome, OutcomeKind};
use crate::transport::Sender;
use rudder_group::WireEvent;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

pub(crate) struct Queued {
    pub wire: WireEvent,
    pub message_id: String,
}

#[derive(Default)]
pub(crate) struct State {
    pub queue: VecDeque<Queued>,
    pub queued_bytes: usize,
    /// Events ever accepted into the queue.
    pub accepted: u64,
    /// Accepted events that reached a terminal outcome (in acceptance order: one worker, FIFO).
    pub finished: u64,
    /// Send promptly until `finished` reaches this.
    pub flush_target: u64,
    /// When the oldest queued event arrived.
    pub oldest: Option<Instant>,
    /// No more enqueues; the worker drains the queue and stops.
    pub closing: bool,
    /// A close timed out: the worker drops what is left and stops.
    pub abandon: bool,
    /// The worker has stopped.
    pub stopped: bool,
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// The worker waits here for work.
    pub work: Condvar,
    /// Flushers and blocked enqueuers wait here for progress.
    pub progress: Condvar,
    pub counters: Counters,
    pub config: Config,
    pub sender: Sender,
    /// Counters at the previous flush's return.
    pub last_flush: Mutex<(u64, u64, u64)>,
}

impl Shared {
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
            OutcomeKind::Failed => {
                log::warn!(
                    "rudder-group: {} failed: {} (status {:?})",
                    events(n),
                    outcome.reason,
                    outcome.status
                );
                Counters::add(&c.failed, n)
            }
            OutcomeKind::Dropped => {
                log::warn!("rudder-group: {} dropped: {}", events(n), outcome.reason);
                Counters::add(&c.dropped, n)
            }
        }
        if let Some(cb) = &self.config.on_outcome {
            let call = std::panic::AssertUnwindSafe(|| cb(outcome));
            if std::panic::catch_unwind(call).is_err() {
                log::error!("rudder-group: the outcome callback panicked; delivery goes on");
            }
        }
    }
}

/// "1 event", "2 events".
fn events(n: u64) -> String {
    if n == 1 {
        "1 event".to_owned()
    } else {
        format!("{n} events")
    }
}
