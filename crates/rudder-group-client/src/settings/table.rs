//! The table itself: one entry per client setting.

use super::{Kind, Setting, Typed};
use crate::config::{Overflow, SpoolSync, Transport, BATCH_OVERHEAD, MAX_BATCH_BYTES_LIMIT};
use std::time::Duration;

fn duration(t: Typed) -> Duration {
    match t {
        Typed::Duration(d) => d,
        _ => Duration::ZERO,
    }
}

fn count(t: Typed) -> Option<u64> {
    match t {
        Typed::Count(n) => n,
        _ => None,
    }
}

fn size(t: Typed) -> usize {
    count(t).map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn text(t: Typed) -> Option<String> {
    match t {
        Typed::Text(s) => s,
        _ => None,
    }
}

fn choice(t: Typed) -> &'static str {
    match t {
        Typed::Choice(c) => c,
        _ => "",
    }
}

fn flag(t: Typed) -> bool {
    matches!(t, Typed::Bool(true))
}

const fn secs(s: u64) -> Typed {
    Typed::Duration(Duration::from_secs(s))
}

const fn n(v: u64) -> Typed {
    Typed::Count(Some(v))
}

const POSITIVE: Kind = Kind::Duration { positive: true };
const ANY_DURATION: Kind = Kind::Duration { positive: false };

const fn count_kind(min: u64, max: u64) -> Kind {
    Kind::Count {
        min,
        max,
        optional: false,
    }
}

/// The largest event a batch can carry: the gateway's limit less the batch wrapper.
pub const MAX_EVENT_BYTES_LIMIT: usize = MAX_BATCH_BYTES_LIMIT - BATCH_OVERHEAD;

/// Every client setting, in the order the docs list them.
pub static SETTINGS: &[Setting] = &[
    Setting {
        rust: "write_key",
        python: "write_key",
        node: "writeKey",
        c: None,
        kind: Kind::Text { optional: false },
        doc: "The source's write key: the Basic-auth user name; never logged.",
        default: Typed::Text(None),
        get: |c| Typed::Text(Some(c.write_key.clone())),
        put: |c, v| c.write_key = text(v).unwrap_or_default(),
    },
    Setting {
        rust: "data_plane_url",
        python: "data_plane_url",
        node: "dataPlaneUrl",
        c: None,
        kind: Kind::Text { optional: false },
        doc: "The data plane, e.g. https://hosted.rudderlabs.com; /v1/batch is added.",
        default: Typed::Text(None),
        get: |c| Typed::Text(Some(c.data_plane_url.clone())),
        put: |c, v| c.data_plane_url = text(v).unwrap_or_default(),
    },
    Setting {
        rust: "flush_at",
        python: "flush_at",
        node: "flushAt",
        c: Some("flush_at"),
        kind: count_kind(1, 1_000_000),
        doc: "A batch is due when this many events are queued.",
        default: n(100),
        get: |c| n(c.flush_at as u64),
        put: |c, v| c.flush_at = size(v),
    },
    Setting {
        rust: "flush_interval",
        python: "flush_interval",
        node: "flushInterval",
        c: Some("flush_interval_ms"),
        kind: POSITIVE,
        doc: "A batch is due when its oldest event has waited this long.",
        default: secs(1),
        get: |c| Typed::Duration(c.flush_interval),
        put: |c, v| c.flush_interval = duration(v),
    },
    Setting {
        rust: "max_batch_bytes",
        python: "max_batch_bytes",
        node: "maxBatchBytes",
        c: Some("max_batch_bytes"),
        kind: count_kind(1, MAX_BATCH_BYTES_LIMIT as u64),
        doc: "The largest request body before gzip; at least one event of max_event_bytes.",
        default: n(1_024_000),
        get: |c| n(c.max_batch_bytes as u64),
        put: |c, v| c.max_batch_bytes = size(v),
    },
    Setting {
        rust: "max_queue_events",
        python: "max_queue_events",
        node: "maxQueueEvents",
        c: Some("max_queue_events"),
        kind: count_kind(1, 1 << 32),
        doc: "Events queued at most.",
        default: n(100_000),
        get: |c| n(c.max_queue_events as u64),
        put: |c, v| c.max_queue_events = size(v),
    },
    Setting {
        rust: "max_queue_bytes",
        python: "max_queue_bytes",
        node: "maxQueueBytes",
        c: Some("max_queue_bytes"),
        kind: count_kind(1, 1 << 40),
        doc: "Bytes queued at most; at least one event of max_event_bytes.",
        default: n(64 << 20),
        get: |c| n(c.max_queue_bytes as u64),
        put: |c, v| c.max_queue_bytes = size(v),
    },
    Setting {
        rust: "overflow",
        python: "overflow",
        node: "overflow",
        c: Some("overflow_block"),
        kind: Kind::Choice(&["drop", "block"]),
        doc: "A full queue drops the new event, or blocks the caller up to block_timeout.",
        default: Typed::Choice("drop"),
        get: |c| {
            Typed::Choice(match c.overflow {
                Overflow::DropNewest => "drop",
                Overflow::Block => "block",
            })
        },
        put: |c, v| {
            c.overflow = match choice(v) {
                "block" => Overflow::Block,
                _ => Overflow::DropNewest,
            }
        },
    },
    Setting {
        rust: "block_timeout",
        python: "block_timeout",
        node: "overflowTimeout",
        c: Some("block_timeout_ms"),
        kind: ANY_DURATION,
        doc: "With overflow \"block\": how long a call waits for room before dropping.",
        default: secs(1),
        get: |c| Typed::Duration(c.block_timeout),
        put: |c, v| c.block_timeout = duration(v),
    },
    Setting {
        rust: "max_concurrent_requests",
        python: "max_concurrent_requests",
        node: "maxConcurrentRequests",
        c: Some("max_concurrent_requests"),
        kind: count_kind(1, 64),
        doc: "Requests in flight at most, one per lane; an identity's events keep their order.",
        default: n(8),
        get: |c| n(c.max_concurrent_requests as u64),
        put: |c, v| c.max_concurrent_requests = size(v),
    },
    Setting {
        rust: "gzip",
        python: "gzip",
        node: "gzip",
        c: Some("gzip"),
        kind: Kind::Bool,
        doc: "gzip request bodies (data planes older than 1.4 reject gzip).",
        default: Typed::Bool(true),
        get: |c| Typed::Bool(c.gzip),
        put: |c, v| c.gzip = flag(v),
    },
    Setting {
        rust: "gzip_level",
        python: "gzip_level",
        node: "gzipLevel",
        c: Some("gzip_level"),
        kind: count_kind(0, 9),
        doc: "gzip level, 0 (store) to 9 (smallest).",
        default: n(6),
        get: |c| n(u64::from(c.gzip_level)),
        put: |c, v| c.gzip_level = count(v).map_or(0, |n| n.min(9) as u32),
    },
    Setting {
        rust: "connect_timeout",
        python: "connect_timeout",
        node: "connectTimeout",
        c: Some("connect_timeout_ms"),
        kind: POSITIVE,
        doc: "How long connecting to the data plane may take.",
        default: secs(10),
        get: |c| Typed::Duration(c.connect_timeout),
        put: |c, v| c.connect_timeout = duration(v),
    },
    Setting {
        rust: "request_timeout",
        python: "request_timeout",
        node: "requestTimeout",
        c: Some("request_timeout_ms"),
        kind: POSITIVE,
        doc: "How long one request may take, answer included.",
        default: secs(30),
        get: |c| Typed::Duration(c.request_timeout),
        put: |c, v| c.request_timeout = duration(v),
    },
    Setting {
        rust: "retry.max_attempts",
        python: "retry_max_attempts",
        node: "retry.maxAttempts",
        c: Some("retry_max_attempts"),
        kind: Kind::Count {
            min: 1,
            max: u32::MAX as u64,
            optional: true,
        },
        doc: "Requests per batch at most; unset, the time budget alone ends retries.",
        default: Typed::Count(None),
        get: |c| Typed::Count(c.retry.max_attempts.map(u64::from)),
        put: |c, v| c.retry.max_attempts = count(v).map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    },
    Setting {
        rust: "retry.max_elapsed",
        python: "retry_max_elapsed",
        node: "retry.maxElapsed",
        c: Some("retry_max_elapsed_ms"),
        kind: ANY_DURATION,
        doc: "The retry budget: a batch is retried until this long after its first attempt.",
        default: secs(120),
        get: |c| Typed::Duration(c.retry.max_elapsed),
        put: |c, v| c.retry.max_elapsed = duration(v),
    },
    Setting {
        rust: "retry.initial_backoff",
        python: "retry_initial_backoff",
        node: "retry.initialBackoff",
        c: Some("retry_initial_backoff_ms"),
        kind: POSITIVE,
        doc: "The first backoff's cap; each retry doubles it, up to retry.max_backoff.",
        default: Typed::Duration(Duration::from_millis(100)),
        get: |c| Typed::Duration(c.retry.initial_backoff),
        put: |c, v| c.retry.initial_backoff = duration(v),
    },
    Setting {
        rust: "retry.max_backoff",
        python: "retry_max_backoff",
        node: "retry.maxBackoff",
        c: Some("retry_max_backoff_ms"),
        kind: POSITIVE,
        doc: "The largest backoff between two attempts (a Retry-After may ask for more, up to 60 s).",
        default: secs(10),
        get: |c| Typed::Duration(c.retry.max_backoff),
        put: |c, v| c.retry.max_backoff = duration(v),
    },
    Setting {
        rust: "proxy",
        python: "proxy",
        node: "proxy",
        c: Some("proxy"),
        kind: Kind::Text { optional: true },
        doc: "An HTTP(S) proxy URL; unset, HTTPS_PROXY / https_proxy / ALL_PROXY are read.",
        default: Typed::Text(None),
        get: |c| Typed::Text(c.proxy.clone()),
        put: |c, v| c.proxy = text(v),
    },
    Setting {
        rust: "validation",
        python: "validation",
        node: "validation",
        c: Some("lenient"),
        kind: Kind::Choice(&["strict", "lenient"]),
        doc: "\"lenient\" turns reserved-trait errors into warnings; the event is sent as given.",
        default: Typed::Choice("strict"),
        get: |c| Typed::Choice(if c.event_options.lenient { "lenient" } else { "strict" }),
        put: |c, v| c.event_options.lenient = choice(v) == "lenient",
    },
    Setting {
        rust: "max_event_bytes",
        python: "max_event_bytes",
        node: "maxEventBytes",
        c: Some("max_event_bytes"),
        kind: count_kind(64, MAX_EVENT_BYTES_LIMIT as u64),
        doc: "The largest serialized event, sentAt included.",
        default: n(rudder_group::DEFAULT_MAX_EVENT_BYTES as u64),
        get: |c| n(c.event_options.max_event_bytes as u64),
        put: |c, v| c.event_options.max_event_bytes = size(v),
    },
    Setting {
        rust: "transport",
        python: "transport",
        node: "transport",
        c: Some("memory_transport"),
        kind: Kind::Choice(&["http", "memory"]),
        doc: "\"memory\" is the test mode: nothing leaves the process, every batch is answered 200.",
        default: Typed::Choice("http"),
        get: |c| {
            Typed::Choice(match c.transport {
                Transport::Http => "http",
                Transport::Memory => "memory",
            })
        },
        put: |c, v| {
            c.transport = match choice(v) {
                "memory" => Transport::Memory,
                _ => Transport::Http,
            }
        },
    },
    Setting {
        rust: "shutdown_timeout",
        python: "shutdown_timeout",
        node: "shutdownTimeout",
        c: Some("shutdown_timeout_ms"),
        kind: ANY_DURATION,
        doc: "How long dropping (collecting, freeing) an open client waits to deliver what is queued.",
        default: secs(5),
        get: |c| Typed::Duration(c.shutdown_timeout),
        put: |c, v| c.shutdown_timeout = duration(v),
    },
    Setting {
        rust: "spool_dir",
        python: "spool_dir",
        node: "spoolDir",
        c: Some("spool_dir"),
        kind: Kind::Text { optional: true },
        doc: "A directory for the durable spool: group() returns once the event is on disk, and a crash loses nothing.",
        default: Typed::Text(None),
        get: |c| Typed::Text(c.spool_dir.as_ref().map(|d| d.to_string_lossy().into_owned())),
        put: |c, v| c.spool_dir = text(v).map(std::path::PathBuf::from),
    },
    Setting {
        rust: "max_spool_bytes",
        python: "max_spool_bytes",
        node: "maxSpoolBytes",
        c: Some("max_spool_bytes"),
        kind: count_kind(1, 1 << 44),
        doc: "With a spool: its size on disk at most; past it the overflow policy applies.",
        default: n(1 << 30),
        get: |c| n(c.max_spool_bytes as u64),
        put: |c, v| c.max_spool_bytes = size(v),
    },
    Setting {
        rust: "spool_sync",
        python: "spool_sync",
        node: "spoolSync",
        c: Some("spool_sync"),
        kind: Kind::Choice(&["event", "group", "interval"]),
        doc: "With a spool: flush to disk per event, in groups off the caller's thread, or every spool_sync_interval.",
        default: Typed::Choice("group"),
        get: |c| {
            Typed::Choice(match c.spool_sync {
                SpoolSync::Event => "event",
                SpoolSync::Group => "group",
                SpoolSync::Interval => "interval",
            })
        },
        put: |c, v| {
            c.spool_sync = match choice(v) {
                "event" => SpoolSync::Event,
                "interval" => SpoolSync::Interval,
                _ => SpoolSync::Group,
            }
        },
    },
    Setting {
        rust: "spool_sync_interval",
        python: "spool_sync_interval",
        node: "spoolSyncInterval",
        c: Some("spool_sync_interval_ms"),
        kind: POSITIVE,
        doc: "With spool_sync \"interval\": how often the spool is flushed to disk.",
        default: secs(1),
        get: |c| Typed::Duration(c.spool_sync_interval),
        put: |c, v| c.spool_sync_interval = duration(v),
    },
];
