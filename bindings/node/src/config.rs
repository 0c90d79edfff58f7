//! Client settings from JS: the JS layer checks their types, this turns them into a `Config`.

use crate::event::EventOptionsInput;
use napi_derive::napi;
use rudder_group_client::{Config, Overflow, Transport};
use std::time::Duration;

/// Client settings, as the JS layer passes them (times in milliseconds).
#[napi(object)]
pub struct ClientConfigInput {
    /// The source's write key.
    pub write_key: String,
    /// The data plane URL.
    pub data_plane_url: String,
    /// Events per batch.
    pub flush_at: Option<u32>,
    /// Longest wait of a queued event before its batch is sent (ms).
    pub flush_interval: Option<f64>,
    /// Largest batch body before gzip (bytes).
    pub max_batch_bytes: Option<f64>,
    /// Events queued at most.
    pub max_queue_events: Option<f64>,
    /// Bytes queued at most.
    pub max_queue_bytes: Option<f64>,
    /// When set, a full queue blocks the caller up to this long (ms) instead of dropping.
    pub overflow_block: Option<f64>,
    /// gzip request bodies.
    pub gzip: Option<bool>,
    /// gzip level 0-9.
    pub gzip_level: Option<u32>,
    /// Connection timeout (ms).
    pub connect_timeout: Option<f64>,
    /// Whole-request timeout (ms).
    pub request_timeout: Option<f64>,
    /// Requests per batch at most.
    pub retry_max_attempts: Option<u32>,
    /// Time after a batch's first attempt when retries stop (ms).
    pub retry_max_elapsed: Option<f64>,
    /// First backoff's cap (ms).
    pub retry_initial_backoff: Option<f64>,
    /// Largest backoff (ms).
    pub retry_max_backoff: Option<f64>,
    /// HTTP(S) proxy URL.
    pub proxy: Option<String>,
    /// Event validation.
    pub event: Option<EventOptionsInput>,
    /// Keep events in memory instead of sending them (test mode).
    pub memory: Option<bool>,
    /// Bounded wait when the client is collected or the process exits (ms).
    pub shutdown_timeout: Option<f64>,
}

/// Milliseconds as a duration; the JS layer has checked they are finite and not negative.
pub(crate) fn millis(ms: f64) -> Duration {
    Duration::from_secs_f64(ms.clamp(0.0, 1e15) / 1000.0)
}

fn count(n: f64) -> usize {
    n.clamp(0.0, usize::MAX as f64) as usize
}

impl ClientConfigInput {
    /// The client's config: the defaults of `Config::new` for what is not given.
    pub(crate) fn into_config(self) -> Config {
        let mut c = Config::new(self.write_key, self.data_plane_url);
        let event = self.event.unwrap_or_default();
        c.event_options = event.to_options();
        if let Some(v) = self.flush_at {
            c.flush_at = v as usize;
        }
        if let Some(v) = self.flush_interval {
            c.flush_interval = millis(v);
        }
        if let Some(v) = self.max_batch_bytes {
            c.max_batch_bytes = count(v);
        }
        if let Some(v) = self.max_queue_events {
            c.max_queue_events = count(v);
        }
        if let Some(v) = self.max_queue_bytes {
            c.max_queue_bytes = count(v);
        }
        if let Some(v) = self.overflow_block {
            c.overflow = Overflow::Block(millis(v));
        }
        if let Some(v) = self.gzip {
            c.gzip = v;
        }
        if let Some(v) = self.gzip_level {
            c.gzip_level = v;
        }
        if let Some(v) = self.connect_timeout {
            c.connect_timeout = millis(v);
        }
        if let Some(v) = self.request_timeout {
            c.request_timeout = millis(v);
        }
        if let Some(v) = self.retry_max_attempts {
            c.retry.max_attempts = v;
        }
        if let Some(v) = self.retry_max_elapsed {
            c.retry.max_elapsed = millis(v);
        }
        if let Some(v) = self.retry_initial_backoff {
            c.retry.initial_backoff = millis(v);
        }
        if let Some(v) = self.retry_max_backoff {
            c.retry.max_backoff = millis(v);
        }
        if self.proxy.is_some() {
            c.proxy = self.proxy;
        }
        if self.memory == Some(true) {
            c.transport = Transport::Memory;
        }
        if let Some(v) = self.shutdown_timeout {
            c.shutdown_timeout = millis(v);
        }
        c
    }
}

/// A Rust setting name as the JS option that sets it: `retry.max_attempts` → `retry.maxAttempts`.
pub(crate) fn js_setting(setting: &str) -> String {
    let mut out = String::with_capacity(setting.len());
    let mut upper = false;
    for ch in setting.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}
