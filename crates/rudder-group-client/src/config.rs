//! [`Config`]: every client setting, with documented defaults.

use crate::logging::LogCallback;
use crate::outcome::OutcomeCallback;
use rudder_group::EventOptions;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The gateway's limit on one request body, measured after gunzip.
pub const MAX_BATCH_BYTES_LIMIT: usize = 4_096_000;

/// `{"batch":[` … `],"sentAt":"2022-02-01T19:14:18.381Z"}` around the events, in bytes.
pub const BATCH_OVERHEAD: usize = 10 + 12 + 24 + 2;

/// What `enqueue` does when the queue is full (by events or by bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Drop the new event at once: `QUEUE_FULL`, counted, reported as a dropped outcome.
    DropNewest,
    /// Block the caller until there is room, up to [`Config::block_timeout`]; then as
    /// `DropNewest`.
    Block,
}

/// When the spool's appends are flushed to the disk (`fdatasync`). A process crash loses
/// nothing in any mode (an append is in the kernel's hands before `group()` returns); this
/// setting is about power loss and kernel crashes. See [`crate::Config::spool_dir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpoolSync {
    /// `group()` returns after its event is flushed: nothing accepted is lost on power loss.
    Event,
    /// Group commit off the caller's thread: a syncer flushes as soon as there are appends,
    /// one flush for all that arrived during the previous one. Power loss loses at most the
    /// events accepted during the last flush.
    Group,
    /// The syncer flushes every [`crate::Config::spool_sync_interval`]: power loss loses at most
    /// the events accepted in the last interval.
    Interval,
}

/// Where batches go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `POST {data_plane_url}/v1/batch` over HTTP(S).
    Http,
    /// Test mode: nothing leaves the process; every batch is answered 200 and its events are
    /// kept in memory for [`crate::Client::sent_events`].
    Memory,
}

/// Retries of 408, 429, 5xx, connection errors and timeouts: capped exponential backoff with
/// full jitter (a random wait between zero and `min(max_backoff, initial_backoff * 2^n)`), with a
/// `Retry-After` answer as a floor under the wait, honoured up to 60 s.
///
/// Time is the budget: a batch is retried until `max_elapsed` has passed since its first attempt.
/// A wait that would pass the budget is shortened to end with it and the batch is tried once more
/// then, so neither a long `Retry-After` nor the jitter's luck fails a batch early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per batch at most, the first included (default `None`: no cap, the time
    /// budget alone ends retries).
    pub max_attempts: Option<u32>,
    /// Time from a batch's first attempt after which it is not retried again (default 120 s).
    pub max_elapsed: Duration,
    /// The first backoff's cap (default 100 ms).
    pub initial_backoff: Duration,
    /// The largest backoff (default 10 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// The defaults of [`crate::settings::SETTINGS`].
    fn default() -> Self {
        Config::new("", "").retry
    }
}

/// Every client setting. [`Config::new`] gives the defaults.
#[derive(Clone)]
pub struct Config {
    /// The source's write key (sent as the Basic-auth user name; never logged).
    pub write_key: String,
    /// The data plane, e.g. `https://hosted.rudderlabs.com`; `/v1/batch` is added unless the URL
    /// already ends with it.
    pub data_plane_url: String,
    /// A batch is sent when it holds this many events (default 100).
    pub flush_at: usize,
    /// … or when its oldest event has waited this long (default 1 s).
    pub flush_interval: Duration,
    /// … or when it would grow past this many bytes uncompressed (default 1,024,000; at most
    /// 4,096,000, the gateway's limit).
    pub max_batch_bytes: usize,
    /// Events queued at most (default 100,000).
    pub max_queue_events: usize,
    /// Bytes queued at most (default 64 MiB).
    pub max_queue_bytes: usize,
    /// What happens when the queue is full (default: drop the new event).
    pub overflow: Overflow,
    /// With [`Overflow::Block`], how long a call waits for room (default 1 s).
    pub block_timeout: Duration,
    /// Requests in flight at most, one per lane; an identity's events always take the same
    /// lane, so they arrive in order (default 8, chosen by the wire benchmark: see the crate
    /// docs; 1 sends one request at a time).
    pub max_concurrent_requests: usize,
    /// gzip request bodies (default on; data planes older than 1.4 reject gzip).
    pub gzip: bool,
    /// Connection timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 30 s).
    pub request_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// An HTTP(S) proxy URL; `None` reads `HTTPS_PROXY`/`https_proxy`/`ALL_PROXY` (default).
    pub proxy: Option<String>,
    /// Validation and library settings for events built by [`crate::Client::group`].
    pub event_options: EventOptions,
    /// Receives every terminal outcome, on the worker thread.
    pub on_outcome: Option<OutcomeCallback>,
    /// Receives a log record for each request, retry and split (`Debug`), each failed or
    /// dropped outcome (`Warn`) and a panic while sending (`Error`), on the lane's thread; the
    /// same lines also go to the `log` facade. See [`crate::LogRecord`].
    pub on_log: Option<LogCallback>,
    /// HTTP, or the in-memory test mode.
    pub transport: Transport,
    /// How long dropping a client waits to deliver what is queued (default 5 s).
    pub shutdown_timeout: Duration,
    /// gzip level 0-9 (default 6).
    pub gzip_level: u32,
    /// A directory for the durable spool (default `None`: events are kept in memory only).
    /// When set, `group()` returns only after the event is appended to the spool's log, so a
    /// crash or a SIGKILL loses nothing it accepted, and an event leaves the spool only when its
    /// batch was acknowledged or failed for good. A client started on a directory with events
    /// left in it sends them first, with their messageIds. One live client per directory; a
    /// child after `fork(2)` must clear it (it cannot share its parent's spool). See the
    /// crate's `spool` documentation for its layout and guarantees.
    pub spool_dir: Option<PathBuf>,
    /// With a spool: its size on disk at most (default 1 GiB); past it the overflow policy
    /// applies. It bounds the backlog in place of `max_queue_bytes`, which then bounds only
    /// what is also kept in memory.
    pub max_spool_bytes: usize,
    /// With a spool: when appends are flushed to the disk (default [`SpoolSync::Group`]).
    pub spool_sync: SpoolSync,
    /// With [`SpoolSync::Interval`]: how often (default 1 s).
    pub spool_sync_interval: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("write_key", &"<redacted>")
            .field("data_plane_url", &self.data_plane_url)
            .field("flush_at", &self.flush_at)
            .field("flush_interval", &self.flush_interval)
            .field("max_batch_bytes", &self.max_batch_bytes)
            .field("max_queue_events", &self.max_queue_events)
            .field("max_queue_bytes", &self.max_queue_bytes)
            .field("overflow", &self.overflow)
            .field("block_timeout", &self.block_timeout)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("gzip", &self.gzip)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("proxy", &self.proxy.as_ref().map(|_| "<set>"))
            .field("event_options", &self.event_options)
            .field(
                "on_outcome",
                &self.on_outcome.as_ref().map(|_| "<callback>"),
            )
            .field("on_log", &self.on_log.as_ref().map(|_| "<callback>"))
            .field("transport", &self.transport)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("gzip_level", &self.gzip_level)
            .field("spool_dir", &self.spool_dir)
            .field("max_spool_bytes", &self.max_spool_bytes)
            .field("spool_sync", &self.spool_sync)
            .field("spool_sync_interval", &self.spool_sync_interval)
            .finish()
    }
}

impl Config {
    /// The batch endpoint: the data plane URL with `/v1/batch`.
    pub fn batch_url(&self) -> String {
        let base = self.data_plane_url.trim().trim_end_matches('/');
        if base.ends_with("/v1/batch") {
            base.to_owned()
        } else {
            format!("{base}/v1/batch")
        }
    }
}
