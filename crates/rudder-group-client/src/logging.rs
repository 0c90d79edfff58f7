//! Log records: what the lanes did, for the application's log.
//!
//! The lanes make one record per request (how many events and bytes, which attempt, the answer
//! or the error, how long it took), per retry (why, and the wait), per batch a 413 split, and
//! per failed or dropped outcome, plus one if sending panicked. Each record goes to the `log`
//! facade (as it always did) and to [`Config::on_log`](crate::Config::on_log), on the lane's
//! thread, so that a binding can carry it to its language's logger the way it carries outcomes
//! (the Python and Node bindings queue it for their own thread; the C binding hands it to a C
//! callback). A record never holds the write key: it names the request by its path only, and
//! the data plane's answers carry no key.
//!
//! Decision: requests, retries and splits are `Debug` (one per request, so a busy client makes
//! many), failed and dropped outcomes `Warn`, a panic `Error`. Flush and close summaries are
//! made by the bindings, which know when their caller asked for them; they are `Info` there.

use std::sync::Arc;
use std::time::Duration;

/// How much a [`LogRecord`] matters, ranked as every logging system ranks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Each request, retry and split.
    Debug,
    /// Summaries (made by the bindings).
    Info,
    /// Failed and dropped events.
    Warn,
    /// Something that should not happen (sending panicked).
    Error,
}

impl LogLevel {
    /// `"debug"`, `"info"`, `"warn"` or `"error"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    fn to_log(self) -> log::Level {
        match self {
            LogLevel::Debug => log::Level::Debug,
            LogLevel::Info => log::Level::Info,
            LogLevel::Warn => log::Level::Warn,
            LogLevel::Error => log::Level::Error,
        }
    }
}

/// What a [`LogRecord`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogKind {
    /// One request and its answer (or error).
    Request,
    /// A retry decided: why, and the wait before it.
    Retry,
    /// A batch the data plane refused as too large (413), sent again as two halves.
    Split,
    /// Events failed or dropped (the same outcome also reaches `on_outcome`).
    Outcome,
    /// Sending failed unexpectedly (a panic); the lane goes on.
    Internal,
    /// A close ran out of time: what it reported dropped and what stays in the spool.
    Close,
}

impl LogKind {
    /// `"request"`, `"retry"`, `"split"`, `"outcome"`, `"internal"` or `"close"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogKind::Request => "request",
            LogKind::Retry => "retry",
            LogKind::Split => "split",
            LogKind::Outcome => "outcome",
            LogKind::Internal => "internal",
            LogKind::Close => "close",
        }
    }
}

/// One line for the application's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// How much it matters.
    pub level: LogLevel,
    /// What it is about.
    pub kind: LogKind,
    /// The sentence, with no prefix, e.g. `POST /v1/batch: 20 events, 1,234 bytes, attempt 1:
    /// status 200 in 3 ms`.
    pub message: String,
    /// The events concerned.
    pub events: u64,
    /// The attempt (1 for the first request of a batch; 0 when none was made).
    pub attempt: u32,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u16>,
}

/// Receives every [`LogRecord`], on a lane's thread (or the caller's, for a drop at enqueue):
/// keep it short, never block on the client.
pub type LogCallback = Arc<dyn Fn(&LogRecord) + Send + Sync>;

/// Sends a record to the `log` facade and to `on_log` ([`Config::on_log`](crate::Config::on_log));
/// `message` is only made when one of them listens.
pub(crate) fn emit(
    on_log: Option<&LogCallback>,
    level: LogLevel,
    kind: LogKind,
    events: u64,
    attempt: u32,
    status: Option<u16>,
    message: impl FnOnce() -> String,
) {
    let to_facade = log::log_enabled!(level.to_log());
    if !to_facade && on_log.is_none() {
        return;
    }
    let record = LogRecord {
        level,
        kind,
        message: message(),
        events,
        attempt,
        status,
    };
    if to_facade {
        log::log!(level.to_log(), "rudder-group: {}", record.message);
    }
    if let Some(cb) = on_log {
        let call = std::panic::AssertUnwindSafe(|| cb(&record));
        if std::panic::catch_unwind(call).is_err() {
            log::error!("rudder-group: the log callback panicked; delivery goes on");
        }
    }
}

/// A duration as every message of the project writes it: `98 ms` (whole milliseconds below a
/// second), then `1.2 s` (seconds to a tenth).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(rudder_group_client::human_duration(Duration::from_micros(98_400)), "98 ms");
/// assert_eq!(rudder_group_client::human_duration(Duration::from_millis(1_208)), "1.2 s");
/// ```
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 999.5 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

pub(crate) use human_duration as took;
