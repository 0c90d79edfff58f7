//! The worker thread: closes batches by count, age or size and hands each to
//! [`crate::delivery`], which takes it to a terminal outcome.
//!
//! The worker never dies of a bad batch: a panic while sending fails that batch alone (reported,
//! counted) and the loop goes on. Should the loop itself ever end abnormally, a guard marks the
//! worker stopped, so that `flush` returns and `enqueue` refuses events instead of queueing them
//! for nobody.

use crate::config::BATCH_OVERHEAD;
use crate::delivery::{self, Bodies};
use crate::outcome::{Outcome, OutcomeKind};
use crate::state::{Queued, Shared, State};
use std::sync::MutexGuard;
use std::time::Instant;

/// The worker's main loop; returns when the client is closed and the queue is empty, or when
/// a close timed out.
pub(crate) fn run(shared: &Shared) {
    let _stopped = StoppedOnExit(shared);
    let mut bodies = Bodies::default();
    while let Some(batch) = next_batch(shared) {
        let n = batch.len() as u64;
        delivery::deliver(shared, batch, &mut bodies);
        let mut st = shared.lock();
        st.finished += n;
        shared.progress.notify_all();
    }
}

/// Marks the worker stopped when `run` returns or unwinds.
struct StoppedOnExit<'a>(&'a Shared);

impl Drop for StoppedOnExit<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.stopped = true;
        self.0.progress.notify_all();
    }
}

/// Waits until a batch is due and takes it off the queue; `None` when the worker must stop.
fn next_batch(shared: &Shared) -> Option<Vec<Queued>> {
    let cfg = &shared.config;
    let mut st = shared.lock();
    loop {
        if st.abandon {
            drop_all(shared, st);
            return None;
        }
        if st.queue.is_empty() {
            if st.closing {
                return None;
            }
            st = shared.work.wait(st).unwrap_or_else(|p| p.into_inner());
            continue;
        }
        let age = st.oldest.map(|t| t.elapsed()).unwrap_or_default();
        let due = st.queue.len() >= cfg.flush_at
            || st.queued_bytes >= cfg.max_batch_bytes
            || st.flush_target > st.finished
            || st.closing
            || age >= cfg.flush_interval;
        if due {
            return Some(take_batch(shared, &mut st));
        }
        st = shared
            .work
            .wait_timeout(st, cfg.flush_interval.saturating_sub(age))
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

fn take_batch(shared: &Shared, st: &mut State) -> Vec<Queued> {
    let cfg = &shared.config;
    let mut size = BATCH_OVERHEAD;
    let mut batch = Vec::with_capacity(cfg.flush_at.min(st.queue.len()));
    while batch.len() < cfg.flush_at {
        let Some(next) = st.queue.front() else { break };
        let add = next.wire.wire_len() + usize::from(!batch.is_empty());
        if !batch.is_empty() && size + add > cfg.max_batch_bytes {
            break;
        }
        let Some(item) = st.queue.pop_front() else {
            break;
        };
        size += add;
        st.queued_bytes -= item.wire.wire_len();
        batch.push(item);
    }
    st.oldest = if st.queue.is_empty() {
        None
    } else {
        Some(Instant::now())
    };
    // Room was made: blocked enqueuers may go on.
    shared.progress.notify_all();
    batch
}

fn drop_all(shared: &Shared, mut st: MutexGuard<'_, State>) {
    let items: Vec<Queued> = st.queue.drain(..).collect();
    st.queued_bytes = 0;
    let n = items.len() as u64;
    drop(st);
    if n > 0 {
        shared.report(&Outcome {
            kind: OutcomeKind::Dropped,
            message_ids: items.into_iter().map(|q| q.message_id).collect(),
            status: None,
            body: None,
            reason: "the client was closed before these events could be sent".to_owned(),
            attempts: 0,
        });
    }
    let mut st = shared.lock();
    st.finished += n;
    shared.progress.notify_all();
}
