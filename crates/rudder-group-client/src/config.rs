//! [`Config`]: every client setting, with documented defaults.

use crate::logging::LogCallback;
use crate::outcome::OutcomeCallback;
use rudder_group::EventOptions;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

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

// The setting fields, `Config::new` and `Debug` come from the settings table
// (settings.toml, by `make generate`); the fields that are not settings are declared here.
include!("config_generated.rs");

config_struct! {
    /// Retries of 408, 429, 5xx, connection errors and timeouts: capped exponential backoff with
    /// full jitter (a random wait between zero and `min(max_backoff, initial_backoff * 2^n)`), with a
    /// `Retry-After` answer as a floor under the wait, honoured up to 60 s.
    ///
    /// Time is the budget: a batch is retried until `max_elapsed` has passed since its first attempt.
    /// A wait that would pass the budget is shortened to end with it and the batch is tried once more
    /// then, so neither a long `Retry-After` nor the jitter's luck fails a batch early.
    pub struct RetryPolicy;

    /// Every client setting. [`Config::new`] gives the defaults.
    pub struct Config {
        /// Validation and library settings for events built by [`crate::Client::group`]
        /// (`validation` and `max_event_bytes` of the settings table).
        pub event_options: EventOptions = EventOptions::default(),
        /// Receives every terminal outcome, on the lanes' threads (see [`OutcomeCallback`]).
        pub on_outcome: Option<OutcomeCallback> = None,
        /// Receives a log record for each request, retry and split (`Debug`), each failed or
        /// dropped outcome (`Warn`) and a panic while sending (`Error`), on the lane's thread; the
        /// same lines also go to the `log` facade. See [`crate::LogRecord`].
        pub on_log: Option<LogCallback> = None,
    }
}

impl Default for RetryPolicy {
    /// The defaults of [`crate::settings::SETTINGS`].
    fn default() -> Self {
        Config::new("", "").retry
    }
}

impl Config {
    /// `Debug` of the fields that are not settings (the callbacks only as whether they are set).
    fn debug_hand_fields(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("event_options", &self.event_options);
        d.field(
            "on_outcome",
            &self.on_outcome.as_ref().map(|_| "<callback>"),
        );
        d.field("on_log", &self.on_log.as_ref().map(|_| "<callback>"));
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
