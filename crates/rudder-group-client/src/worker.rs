//! The worker thread: closes batches by count, age or size, sends them, retries, splits on 413,
//! and reports every terminal outcome.

use crate::backoff::{backoff, parse_retry_after};
use crate::client::{Queued, Shared, State};
use crate::config::BATCH_OVERHEAD;
use crate::outcome::{Counters, Outcome, OutcomeKind};
use crate::transport::Answer;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::MutexGuard;
use std::time::Instant;

/// The worker's main loop; returns when the client is closed and the queue is empty, or when
/// a close timed out.
pub(crate) fn run(shared: &Shared) {
    let mut bodies = Bodies::default();
    while let Some(batch) = next_batch(shared) {
        let n = batch.len() as u64;
        send_batch(shared, batch, &mut bodies);
        let mut st = shared.lock();
        st.finished += n;
        shared.progress.notify_all();
    }
    let mut st = shared.lock();
    st.stopped = true;
    shared.progress.notify_all();
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
            .wait_timeout(st, cfg.flush_interval - age)
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
        size += add;
        let item = st.queue.pop_front().expect("front exists");
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

/// Reused buffers for request bodies.
#[derive(Default)]
struct Bodies {
    raw: Vec<u8>,
    gz: Vec<u8>,
}

enum Verdict {
    Delivered,
    Split,
    Retry,
    Terminal,
}

fn classify(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        413 => Verdict::Split,
        408 | 429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Terminal,
    }
}

/// Sends one batch to a terminal outcome: delivered, failed, or (on 413) split in two halves
/// that are each sent the same way, in order.
fn send_batch(shared: &Shared, batch: Vec<Queued>, bodies: &mut Bodies) {
    let cfg = &shared.config;
    let mut pending = VecDeque::from([batch]);
    while let Some(batch) = pending.pop_front() {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let sent_at = rudder_group::time::now();
            build_body(&batch, &sent_at, cfg.gzip, cfg.gzip_level, bodies);
            let body = if cfg.gzip { &bodies.gz } else { &bodies.raw };
            Counters::add(&shared.counters.batches, 1);
            Counters::add(&shared.counters.bytes, body.len() as u64);
            let (verdict, answer) = match shared.sender.send(body, cfg.gzip, &bodies.raw) {
                Ok(a) => (classify(a.status), Ok(a)),
                Err(e) => (Verdict::Retry, Err(e.0)),
            };
            let finish = |kind, reason: String| {
                let (status, body) = match &answer {
                    Ok(Answer { status, body, .. }) => (Some(*status), Some(body.clone())),
                    Err(_) => (None, None),
                };
                shared.report(&Outcome {
                    kind,
                    message_ids: batch.iter().map(|q| q.message_id.clone()).collect(),
                    status,
                    body,
                    reason,
                    attempts: attempt,
                });
            };
            match verdict {
                Verdict::Delivered => {
                    finish(OutcomeKind::Delivered, "delivered".to_owned());
                    break;
                }
                Verdict::Split if batch.len() > 1 => {
                    let mut first = batch;
                    let second = first.split_off(first.len() / 2);
                    pending.push_front(second);
                    pending.push_front(first);
                    break;
                }
                Verdict::Split | Verdict::Terminal => {
                    let status = answer.as_ref().map(|a| a.status).unwrap_or(0);
                    finish(
                        OutcomeKind::Failed,
                        format!("the data plane refused the events with status {status}; retrying cannot help"),
                    );
                    break;
                }
                Verdict::Retry => {
                    let what = match &answer {
                        Ok(a) => format!("status {}", a.status),
                        Err(e) => e.clone(),
                    };
                    let floor = answer
                        .as_ref()
                        .ok()
                        .and_then(|a| a.retry_after.as_deref())
                        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
                    let wait = backoff(&cfg.retry, attempt, floor);
                    let out_of_time = started.elapsed() + wait > cfg.retry.max_elapsed;
                    if attempt >= cfg.retry.max_attempts || out_of_time {
                        finish(
                            OutcomeKind::Failed,
                            format!(
                                "gave up after {attempt} attempts in {:?}; last: {what}",
                                started.elapsed()
                            ),
                        );
                        break;
                    }
                    log::debug!(
                        "rudder-group: attempt {attempt} failed ({what}); retrying in {wait:?}"
                    );
                    Counters::add(&shared.counters.retried, 1);
                    if wait_or_abandon(shared, wait) {
                        finish(
                            OutcomeKind::Dropped,
                            format!("the client was closed while retrying; last: {what}"),
                        );
                        break;
                    }
                }
            }
        }
    }
}

/// Sleeps `wait` unless a timed-out close asks the worker to stop; true when it does.
fn wait_or_abandon(shared: &Shared, wait: std::time::Duration) -> bool {
    let deadline = Instant::now() + wait;
    let mut st = shared.lock();
    loop {
        if st.abandon {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        st = shared
            .work
            .wait_timeout(st, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// `{"batch":[…],"sentAt":"…"}` with every event's `sentAt` set to the attempt's time.
fn build_body(batch: &[Queued], sent_at: &str, gzip: bool, level: u32, bodies: &mut Bodies) {
    let raw = &mut bodies.raw;
    raw.clear();
    raw.extend_from_slice(b"{\"batch\":[");
    for (i, q) in batch.iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        q.wire.write_with_sent_at(raw, sent_at);
    }
    raw.extend_from_slice(b"],\"sentAt\":\"");
    raw.extend_from_slice(sent_at.as_bytes());
    raw.extend_from_slice(b"\"}");
    if gzip {
        bodies.gz.clear();
        let mut enc = GzEncoder::new(std::mem::take(&mut bodies.gz), Compression::new(level));
        // Writing into a Vec cannot fail.
        let _ = enc.write_all(raw);
        bodies.gz = enc.finish().unwrap_or_default();
    }
}
