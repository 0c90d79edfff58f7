//! What happened to events: [`Outcome`]s for the callback, [`Stats`] counters, [`FlushResult`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The kind of a terminal outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// The data plane answered 2xx.
    Delivered,
    /// The data plane refused the events for good (a 4xx other than 408/413/429), or retries ran
    /// out (attempts or time budget).
    Failed,
    /// The events were never sent: the queue was full, or the client closed before they could be.
    Dropped,
}

impl OutcomeKind {
    /// `"delivered"`, `"failed"` or `"dropped"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Delivered => "delivered",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Dropped => "dropped",
        }
    }
}

/// One terminal outcome for a set of events (a batch, half of a split batch, or one dropped event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// What happened.
    pub kind: OutcomeKind,
    /// The events concerned. An event held only in the spool whose record could no longer be
    /// read back is named by an empty string: its messageId was only there.
    pub message_ids: Vec<String>,
    /// The last HTTP status, if an answer came.
    pub status: Option<u16>,
    /// The last answer's body (the data plane answers plain text), if an answer came.
    pub body: Option<String>,
    /// A sentence saying why, for logs.
    pub reason: String,
    /// How many requests were made for these events.
    pub attempts: u32,
}

impl Outcome {
    /// One line for a log: `2 events failed after 1 attempt (status 401: invalid write key):
    /// the data plane refused the events with status 401; retrying cannot help`. A delivered
    /// outcome needs no reason: `1 event delivered after 1 attempt (status 200)`.
    pub fn describe(&self) -> String {
        let attempts = count(u64::from(self.attempts), "attempt");
        let events = events(self.message_ids.len() as u64);
        let kind = self.kind.as_str();
        if self.kind == OutcomeKind::Delivered {
            let answer = self
                .status
                .map(|s| format!(" (status {s})"))
                .unwrap_or_default();
            return format!("{events} {kind} after {attempts}{answer}");
        }
        let answer = match self.status {
            Some(status) => format!(
                " (status {status}: {})",
                self.body.as_deref().unwrap_or("").trim()
            ),
            None => String::new(),
        };
        format!("{events} {kind} after {attempts}{answer}: {}", self.reason)
    }
}

/// The callback that receives every terminal outcome. It runs on the lanes' threads, so calls
/// for different lanes may run at once (a drop because the queue is full is reported on the
/// enqueuing thread): keep it short, and do not call back into the client's `flush`/`close`
/// from it. A binding that needs one call at a time serializes it (the C binding does).
pub type OutcomeCallback = Arc<dyn Fn(&Outcome) + Send + Sync>;

/// Counters since the client started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events accepted into the queue.
    pub enqueued: u64,
    /// Events delivered (2xx).
    pub delivered: u64,
    /// Events that failed for good.
    pub failed: u64,
    /// Events dropped (queue full, or closed before delivery).
    pub dropped: u64,
    /// Requests retried.
    pub retried: u64,
    /// 429 answers (each halved the requests allowed in flight).
    pub throttled: u64,
    /// Requests sent (every attempt of every batch).
    pub batches: u64,
    /// Body bytes sent (after gzip; the memory transport's bodies stay uncompressed), every
    /// attempt.
    pub bytes: u64,
    /// Events waiting or in flight now.
    pub queued: u64,
    /// Events found in the spool at start (left by an earlier client) and queued again; they
    /// are not counted in `enqueued`, and reach outcomes like the others.
    pub recovered: u64,
    /// Torn or damaged places skipped while reading the spool at start (a crash cut a write
    /// short, or bytes changed on disk); what followed each in its segment was not read.
    pub spool_skipped: u64,
}

/// The terminal outcomes reached since the previous flush of this client returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushResult {
    /// Events delivered.
    pub delivered: u64,
    /// Events failed.
    pub failed: u64,
    /// Events dropped.
    pub dropped: u64,
}

impl FlushResult {
    /// `Err(DeliveryFailed)` when anything failed or was dropped.
    pub fn ok(self) -> Result<FlushResult, crate::ClientError> {
        if self.failed == 0 && self.dropped == 0 {
            Ok(self)
        } else {
            Err(crate::ClientError::DeliveryFailed {
                failed: self.failed,
                dropped: self.dropped,
            })
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub enqueued: AtomicU64,
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
    pub retried: AtomicU64,
    pub throttled: AtomicU64,
    pub batches: AtomicU64,
    pub bytes: AtomicU64,
    pub recovered: AtomicU64,
    pub spool_skipped: AtomicU64,
}

impl Counters {
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self, queued: u64) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            enqueued: get(&self.enqueued),
            delivered: get(&self.delivered),
            failed: get(&self.failed),
            dropped: get(&self.dropped),
            retried: get(&self.retried),
            throttled: get(&self.throttled),
            batches: get(&self.batches),
            bytes: get(&self.bytes),
            queued,
            recovered: get(&self.recovered),
            spool_skipped: get(&self.spool_skipped),
        }
    }
}

/// "1 event", "2 events".
pub(crate) fn events(n: u64) -> String {
    count(n, "event")
}

/// A count and its noun, plural unless the count is 1: "1 attempt", "3 attempts".
pub(crate) fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(kind: OutcomeKind, ids: usize, attempts: u32, status: u16, body: &str) -> Outcome {
        Outcome {
            kind,
            message_ids: vec![String::new(); ids],
            status: Some(status),
            body: Some(body.to_owned()),
            reason: match kind {
                OutcomeKind::Delivered => "delivered".to_owned(),
                _ => "the data plane refused the events with status 401; retrying cannot help"
                    .to_owned(),
            },
            attempts,
        }
    }

    #[test]
    fn a_delivery_is_said_once_and_counts_agree_with_their_nouns() {
        let one = outcome(OutcomeKind::Delivered, 1, 1, 200, "OK\n");
        assert_eq!(
            one.describe(),
            "1 event delivered after 1 attempt (status 200)"
        );
        let two = outcome(OutcomeKind::Delivered, 2, 3, 200, "OK");
        assert_eq!(
            two.describe(),
            "2 events delivered after 3 attempts (status 200)"
        );
        let failed = outcome(OutcomeKind::Failed, 2, 1, 401, "invalid write key");
        assert_eq!(
            failed.describe(),
            "2 events failed after 1 attempt (status 401: invalid write key): \
             the data plane refused the events with status 401; retrying cannot help"
        );
    }
}
