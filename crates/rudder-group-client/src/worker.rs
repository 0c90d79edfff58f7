//! The lane workers: one thread per lane closes the lane's batches by count, age or size and
//! hands each to [`crate::delivery`], which takes it to a terminal outcome before the lane's next
//! batch (so a lane keeps its events in order, retries included).
//!
//! A batch is due when the lane holds `flush_at` events, or `max_batch_bytes`, or its oldest event
//! has waited `flush_interval`, or a flush or close asks. When more than `flush_at` events wait,
//! the batch takes as many as fit in `max_batch_bytes`: batches grow with the backlog.
//!
//! The worker never dies of a bad batch: a panic while sending fails that batch alone (reported,
//! counted) and the loop goes on. Should the loop itself ever end abnormally, a guard marks the
//! worker stopped, so that `flush` returns and `enqueue` refuses events instead of queueing them
//! for nobody.

use crate::config::BATCH_OVERHEAD;
use crate::delivery::{self, Bodies};
use crate::outcome::{Outcome, OutcomeKind};
use crate::queue::{Queued, Waiting};
use crate::state::{Claim, Shared, State};
use std::time::Instant;

/// The worker's main loop; returns when the client is closed and the queue is empty, or when
/// a close timed out.
pub(crate) fn run(shared: &Shared, lane: usize) {
    let _stopped = StoppedOnExit(shared);
    let mut bodies = Bodies::default();
    while let Some(batch) = next_batch(shared, lane) {
        // Each part of the batch is counted finished as it is reported ([`Shared::claim`]).
        let batch = read_back(shared, lane, batch);
        if !batch.is_empty() {
            delivery::deliver(shared, lane, batch, &mut bodies);
        }
    }
}

/// Counts the lane's worker out when `run` returns or unwinds; the last one marks the client
/// stopped.
struct StoppedOnExit<'a>(&'a Shared);

impl Drop for StoppedOnExit<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.running = st.running.saturating_sub(1);
        let last = st.running == 0;
        if last {
            st.stopped = true;
        }
        let closing = st.closing;
        self.0.progress.notify_all();
        drop(st);
        if last && closing {
            // A close (even one that timed out) and no lane left: nothing reads or appends to
            // the spool any more, so its lock is released now rather than when the client is
            // dropped.
            self.0.release_spool();
        }
    }
}

/// Waits until a batch of the lane is due and takes it off the queue; `None` when the worker
/// must stop.
fn next_batch(shared: &Shared, lane: usize) -> Option<Vec<Waiting>> {
    let cfg = &shared.config;
    let mut st = shared.lock();
    loop {
        if st.abandon {
            // The close that gave up reported (or kept in the spool) what was queued.
            return None;
        }
        let closing = st.closing;
        let l = &st.lanes[lane];
        // How long to wait for the batch to become due: without a limit while the queue is
        // empty.
        let wait = if l.queue.is_empty() {
            if closing {
                return None;
            }
            None
        } else {
            let age = l.oldest.map(|t| t.elapsed()).unwrap_or_default();
            let due = l.queue.len() >= cfg.flush_at
                || l.queued_bytes >= cfg.max_batch_bytes
                || l.flush_target > l.finished
                || closing
                || age >= cfg.flush_interval;
            if due {
                return Some(take_batch(shared, &mut st, lane));
            }
            Some(cfg.flush_interval.saturating_sub(age))
        };
        st.lanes[lane].idle = true;
        st = match wait {
            None => shared.work[lane]
                .wait(st)
                .unwrap_or_else(|p| p.into_inner()),
            Some(t) => {
                shared.work[lane]
                    .wait_timeout(st, t)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        st.lanes[lane].idle = false;
    }
}

fn take_batch(shared: &Shared, st: &mut State, lane: usize) -> Vec<Waiting> {
    let cfg = &shared.config;
    let l = &mut st.lanes[lane];
    // A backlog (more than flush_at waiting) fills the batch up to max_batch_bytes.
    let most = if l.queue.len() > cfg.flush_at {
        usize::MAX
    } else {
        cfg.flush_at
    };
    let mut size = BATCH_OVERHEAD;
    let mut batch = Vec::with_capacity(most.min(l.queue.len()));
    let (mut bytes, mut memory, mut in_memory) = (0, 0, 0);
    while batch.len() < most {
        let Some(next) = l.queue.front_wire_len() else {
            break;
        };
        let add = next + usize::from(!batch.is_empty());
        if !batch.is_empty() && size + add > cfg.max_batch_bytes {
            break;
        }
        let Some(mut item) = l.queue.pop_front() else {
            break;
        };
        size += add;
        bytes += item.wire_len();
        match &mut item {
            Waiting::Ready(q) => {
                l.sending.push_back(q.wire.message_id().into_owned());
                memory += q.wire.wire_len();
                in_memory += 1;
            }
            // Its id is only on disk: `read_back` fills the entry.
            Waiting::OnDisk(_) => l.sending.push_back(String::new()),
        }
        batch.push(item);
    }
    l.queued_bytes -= bytes;
    l.oldest = if l.queue.is_empty() {
        None
    } else {
        Some(Instant::now())
    };
    st.queued_bytes -= memory;
    st.queued_events -= in_memory;
    // Room was made: blocked enqueuers may go on (the lock is released right after).
    if st.progress_waiters > 0 {
        shared.progress.notify_all();
    }
    batch
}

/// The batch's events, those kept only on disk read back from the spool, their messageIds put
/// in the lane's `sending` (at their places in the batch, which `sending` holds alone now). One
/// the spool cannot give back (its record damaged or cut short since it was written or read at
/// start, or the disk failing) fails alone, reported with the reason and, its messageId having
/// been only on disk, an empty one, and is marked finished in the spool.
fn read_back(shared: &Shared, lane: usize, batch: Vec<Waiting>) -> Vec<Queued> {
    let mut ready = Vec::with_capacity(batch.len());
    let mut ids = Vec::new();
    let mut unreadable = Vec::new();
    for (i, item) in batch.into_iter().enumerate() {
        match item {
            Waiting::Ready(q) => ready.push(q),
            Waiting::OnDisk(at) => {
                let read = match &shared.spool {
                    Some(log) => log.read(&at),
                    None => Err("no spool is open".to_owned()),
                };
                match read {
                    Ok((message_id, wire)) => {
                        ids.push((i, message_id));
                        ready.push(Queued {
                            wire,
                            spooled: Some(Box::new(at)),
                        });
                    }
                    Err(reason) => unreadable.push((i, at, reason)),
                }
            }
        }
    }
    if ids.is_empty() && unreadable.is_empty() {
        return ready;
    }
    let mut st = shared.lock();
    if st.abandon {
        // The close that gave up took the batch's entries: nothing to fill or report.
        return ready;
    }
    let sending = &mut st.lanes[lane].sending;
    for (i, message_id) in ids {
        if let Some(entry) = sending.get_mut(i) {
            *entry = message_id;
        }
    }
    if unreadable.is_empty() {
        return ready;
    }
    let places: Vec<usize> = unreadable.iter().map(|(i, ..)| *i).collect();
    let claimed = shared.claim_locked(&mut st, Claim::At(lane, &places));
    drop(st);
    let Some(mut claimed) = claimed else {
        return ready;
    };
    let ids = std::mem::take(&mut claimed.ids);
    for ((_, at, reason), message_id) in unreadable.into_iter().zip(ids) {
        if let Some(log) = &shared.spool {
            log.done(&[at]);
        }
        shared.report(&Outcome {
            kind: OutcomeKind::Failed,
            message_ids: vec![message_id],
            status: None,
            body: None,
            reason,
            attempts: 0,
        });
    }
    ready
}
