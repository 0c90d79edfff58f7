//! # rudder-group-client
//!
//! Delivery of RudderStack group calls to a data plane, losing nothing:
//!
//! - the caller's thread validates (in `rudder-group`) and enqueues; it never waits on the
//!   network;
//! - a bounded queue, in events and in bytes, with a chosen overflow policy: drop the new
//!   event or block up to a timeout; every drop is counted and reported;
//! - one worker thread closes batches by count (`flush_at`), age (`flush_interval`) or size
//!   (`max_batch_bytes`, never above the gateway's 4,096,000 bytes), gzips them, and sends
//!   `POST /v1/batch` with keep-alive;
//! - 2xx is delivered; 408, 429, 5xx, connection errors and timeouts are retried with the same
//!   `messageId`s and a fresh `sentAt`, with capped exponential backoff and full jitter and
//!   `Retry-After` as a floor (honoured up to 60 s); time (`retry.max_elapsed`) is the budget,
//!   and a wait is cut short to end with it rather than failing a batch early; 413 splits the
//!   batch in two; any other 4xx fails for good;
//! - a panic while sending fails that batch alone, and the worker goes on;
//! - every terminal outcome reaches an outcome callback with the events' ids, and counters;
//! - `flush` and `close` wait for terminal outcomes with a timeout; dropping the client closes it.
//!
//! Decisions where the contract is silent: a single worker sends one request at a time, so
//! outcomes come in enqueue order and a flush waits for exactly the events before it; a `QUEUE_FULL`
//! error is returned to the caller as well as reported (the event was not queued); a close that
//! times out reports what is left as dropped rather than leaving it in a queue nobody drains.
//! Logging goes through the `log` facade (quiet unless the application installs a logger); the
//! write key is never logged by this crate or by ureq at DEBUG and above. One exception: at
//! TRACE level the `ureq_proto` target dumps the raw bytes of each request, the `Authorization`
//! header (the base64 of the write key) included; keep that target at DEBUG or above.
#![warn(missing_docs)]

mod client;
mod config;
mod delivery;
mod error;
mod outcome;
mod retry;
pub mod settings;
mod state;
mod transport;
mod worker;

pub use client::Client;
pub use config::{Config, Overflow, RetryPolicy, Transport, BATCH_OVERHEAD, MAX_BATCH_BYTES_LIMIT};
pub use error::ClientError;
pub use outcome::{FlushResult, Outcome, OutcomeCallback, OutcomeKind, Stats};
pub use retry::MAX_RETRY_AFTER;
pub use rudder_group;
pub use rudder_group::{ErrorCode, EventOptions, EventParts, GroupEvent, Library};

/// The repository README's Rust example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;
