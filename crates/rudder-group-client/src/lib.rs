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
//! 200,000-event burst from Python (about 190,000 calls/s) overflows the 100,000-event queue.
//! Two settings together decide how much drains per round trip. Measured at 50 ms, 200,000
//! events: 8 lanes of 512,000-byte batches delivered 72,000 events/s and still dropped 5,155
//! (every batch full); 8 lanes of 1,024,000 bytes 130,000 events/s with 104 requests and none
//! lost; 16 lanes of 512,000 bytes 135,000 with 214 requests; 16 of 1,024,000 bytes 142,000;
//! 8 of 2,048,000 bytes 125,000. So `max_concurrent_requests` is 8 and `max_batch_bytes`
//! 1,024,000: half the requests of 16 smaller lanes for the same rate (a data plane that rate
//! limits counts requests, and a 429 halves the lanes anyway), eight threads and kept-alive
//! connections per client, and a body a quarter of the gateway's 4,096,000-byte limit, so a
//! retry or a 413's split stays small. A slow caller never fills a batch: it sends what arrived
//! during the last round trip.
//!
//! Logging goes through the `log` facade (quiet unless the application installs a logger); the
//! write key is never logged by this crate or by ureq at DEBUG and above. One exception: at
//! TRACE level the `ureq_proto` target dumps the raw bytes of each request, the `Authorization`
//! header (the base64 of the write key) included; keep that target at DEBUG or above.
#![warn(missing_docs)]

mod channel;
mod client;
mod config;
mod delivery;
mod error;
mod interrupt;
mod logging;
mod outcome;
mod queue;
mod retry;
pub mod settings;
pub mod spool;
mod state;
mod transport;
mod worker;

pub use channel::{
    KeepId, MergedOutcome, OutcomeQueue, Waiting, Waker, LOGS_MAX, MERGE_AT, OUTCOMES_MAX,
};
pub use client::Client;
pub use config::{
    Config, Overflow, RetryPolicy, SpoolSync, Transport, BATCH_OVERHEAD, MAX_BATCH_BYTES_LIMIT,
};
pub use error::ClientError;
pub use interrupt::Interrupt;
pub use logging::{human_duration, LogCallback, LogKind, LogLevel, LogRecord};
pub use outcome::{FlushResult, Outcome, OutcomeCallback, OutcomeKind, Stats};
pub use retry::MAX_RETRY_AFTER;
pub use rudder_group;
pub use rudder_group::{ErrorCode, EventOptions, EventParts, GroupEvent, Library};

/// The repository README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;
