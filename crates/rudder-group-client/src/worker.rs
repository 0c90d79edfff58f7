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
use crate::state::{Queued, Shared, State, Waiting};
use std::sync::MutexGuard;
use std::time::Instant;

/// The worker's main loop; returns when the client is closed and the queue is empty, or when
/// a close timed out.
pub(crate) fn run(shared: &Shared, lane: usize) {
    let _stopped = StoppedOnExit(shared);
    let mut bodies = Bodies::default();
    while let Some(batch) = next_batch(shared, lane) {
        let n = batch.len() as u64;
        let batch = read_back(shared, batch);
        if !batch.is_empty() {
            delivery::deliver(shared, batch, &mut bodies);
        }
        let mut st = shared.lock();
        st.lanes[lane].finished += n;
        shared.progress_made(st);
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
            let owner = self
                .0
                .spool_owner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            drop(owner);
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
            drop_all(shared, st, lane);
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
        let Some(next) = l.queue.front() else { break };
        let add = next.wire_len() + usize::from(!batch.is_empty());
        if !batch.is_empty() && size + add > cfg.max_batch_bytes {
            break;
        }
        let Some(item) = l.queue.pop_front() else {
            break;
        };
        size += add;
        bytes += item.wire_len();
        if item.memory_len() > 0 {
            memory += item.memory_len();
            in_memory += 1;
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

/// The batch's events, those kept only on disk read back from the spool. One the spool cannot
/// give back (its record damaged since it was read at start, or the disk failing) fails alone,
/// reported with the reason, and is marked finished in the spool.
fn read_back(shared: &Shared, batch: Vec<Waiting>) -> Vec<Queued> {
    let mut ready = Vec::with_capacity(batch.len());
    let mut unreadable = Vec::new();
    for item in batch {
        match item {
            Waiting::Ready(q) => ready.push(q),
            Waiting::OnDisk(at, message_id) => {
                let read = match &shared.spool {
                    Some(log) => log.read(&at),
                    None => Err("no spool is open".to_owned()),
                };
                match read {
                    Ok((message_id, wire)) => ready.push(Queued {
                        wire,
                        message_id,
                        spooled: Some(at),
                    }),
                    Err(reason) => unreadable.push((at, String::from(message_id), reason)),
                }
            }
        }
    }
    for (at, message_id, reason) in unreadable {
        shared.report(&Outcome {
            kind: OutcomeKind::Failed,
            message_ids: vec![message_id],
            status: None,
            body: None,
            reason,
            attempts: 0,
        });
        if let Some(log) = &shared.spool {
            log.done(&[at]);
        }
    }
    ready
}

/// A timed-out close: the lane's queue is given up. Without a spool its events are reported
/// dropped; with one they stay in it for the next client, and no outcome is reported here.
fn drop_all(shared: &Shared, mut st: MutexGuard<'_, State>, lane: usize) {
    let l = &mut st.lanes[lane];
    let items: Vec<Waiting> = l.queue.drain(..).collect();
    l.queued_bytes = 0;
    let memory: usize = items.iter().map(Waiting::memory_len).sum();
    st.queued_bytes -= memory;
    st.queued_events -= items.iter().filter(|i| i.memory_len() > 0).count();
    let n = items.len() as u64;
    drop(st);
    if n > 0 && shared.spool.is_none() {
        let message_ids = items
            .into_iter()
            .map(|item| match item {
                Waiting::Ready(q) => q.message_id,
                Waiting::OnDisk(_, id) => id.into(),
            })
            .collect();
        shared.report(&Outcome {
            kind: OutcomeKind::Dropped,
            message_ids,
            status: None,
            body: None,
            reason: "the client was closed before these events could be sent".to_owned(),
            attempts: 0,
        });
    }
    let mut st = shared.lock();
    st.lanes[lane].finished += n;
    shared.progress_made(st);
}
