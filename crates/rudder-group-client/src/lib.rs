//! # rudder-group-client
//!
//! Delivery of RudderStack group calls to a data plane, losing nothing:
//!
//! - the caller's thread validates (in `rudder-group`) and enqueues; it never waits on the
//!   network;
//! - a bounded queue, in events and in bytes, with a chosen overflow policy: drop the new
//!   event or block up to a timeout; every drop is counted and reported;
//! - several requests in flight (`max_concurrent_requests`, 8 by default): one lane per
//!   request, each a worker thread with a kept-alive
//!   connection that closes its batches by count (`flush_at`), age (`flush_interval`) or size
//!   (`max_batch_bytes`, never above the gateway's 4,096,000 bytes), gzips them and sends
//!   `POST /v1/batch`; a backlog fills a batch up to `max_batch_bytes`;
//! - order: every event of one identity (userId, else anonymousId) takes the same lane, and a lane
//!   sends its batches one at a time, retries included, so an identity's events reach the data
//!   plane in the order they were enqueued; no order is kept between identities. A batch waiting
//!   for its retry holds up only its own lane;
//! - a 429 halves the requests allowed in flight (down to one; each success allows one more) and
//!   its `Retry-After` pauses every lane, so a burst of 429s never becomes a retry storm;
//! - 2xx is delivered; 408, 429, 5xx, connection errors and timeouts are retried with the same
//!   `messageId`s and a fresh `sentAt`, with capped exponential backoff and full jitter and
//!   `Retry-After` as a floor (honoured up to 60 s); time (`retry.max_elapsed`) is the budget,
//!   and a wait is cut short to end with it rather than failing a batch early; 413 splits the
//!   batch in two; any other 4xx fails for good;
//! - a panic while sending fails that batch alone, and the worker goes on;
//! - every terminal outcome reaches an outcome callback with the events' ids, and counters;
//! - with `spool_dir` set, a durable spool ([`spool`]): `group()` returns once the event is in
//!   an append-only log on disk, an event leaves it only when its own batch was acknowledged or
//!   failed for good, and a client started on the directory sends what an earlier one left
//!   first, with the same messageIds (a crash or SIGKILL loses nothing `group()` accepted);
//! - `flush` and `close` wait for terminal outcomes with a timeout; dropping the client closes it.
//!   Their `_interruptible` forms (and `group`'s, `enqueue`'s) run an [`Interrupt`] check while
//!   they wait, so that a binding can let a signal through.
//!
//! Decisions where the contract is silent: a flush waits for exactly the events enqueued before
//! it on every lane (each lane finishes its events in order); `flush_at` counts per lane; a
//! `QUEUE_FULL`
//! error is returned to the caller as well as reported (the event was not queued); a close that
//! times out reports what is left as dropped rather than leaving it in a queue nobody drains
//! (with a spool, what is left stays in the spool for the next client, unreported).
//!
//! Defaults chosen by measurement (`make bench`'s wire case, `bench/results/latest.md`): with a
//! data plane 50 ms away, one request in flight delivers at most one batch per round trip, so a
//! producer of 100,000 events/s filled the 100,000-event queue and dropped events; 4 lanes
//! delivered about 40,000 events/s and 8 lanes 50,000-65,000, with 16 adding little on 2 cores,
//! where the caller, gzip and the data plane itself share the CPU. `max_concurrent_requests` is
//! 8: eight kept-alive connections and eight threads per client, few enough for any data plane,
//! and a 429 halves them anyway. `max_batch_bytes` stays 512,000: at 20 and 50 ms, 1 MB and 2 MB
//! caps delivered no faster (backlog batches averaged about 800 events, 450 KB, under the cap),
//! while a smaller body keeps a retry's resend, a 413's split and the data plane's per-request
//! memory small, well under the gateway's 4,096,000 bytes.
//!
//! Logging goes through the `log` facade (quiet unless the application installs a logger); the
//! write key is never logged by this crate or by ureq at DEBUG and above. One exception: at
//! TRACE level the `ureq_proto` target dumps the raw bytes of each request, the `Authorization`
//! header (the base64 of the write key) included; keep that target at DEBUG or above.
#![warn(missing_docs)]

mod client;
mod config;
mod delivery;
mod error;
mod interrupt;
mod outcome;
mod retry;
pub mod settings;
pub mod spool;
mod state;
mod transport;
mod worker;

pub use client::Client;
pub use config::{
    Config, Overflow, RetryPolicy, SpoolSync, Transport, BATCH_OVERHEAD, MAX_BATCH_BYTES_LIMIT,
};
pub use error::ClientError;
pub use interrupt::Interrupt;
pub use outcome::{FlushResult, Outcome, OutcomeCallback, OutcomeKind, Stats};
pub use retry::MAX_RETRY_AFTER;
pub use rudder_group;
pub use rudder_group::{ErrorCode, EventOptions, EventParts, GroupEvent, Library};

/// The repository README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;
