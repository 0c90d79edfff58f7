//! `rudder_log_callback`: the client's log lines (each request, retry and split, each failed or
//! dropped outcome, a failure while sending) handed to a C function.

use crate::args::UserData;
use rudder_group_client::{LogCallback, LogLevel, LogRecord};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// How much a log line matters.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rudder_log_level {
    /// Each request with its answer, each retry with its wait, each batch a 413 split.
    RUDDER_LOG_DEBUG = 0,
    /// Not sent by the library today; kept for summaries.
    RUDDER_LOG_INFO = 1,
    /// Events that failed or were dropped, with the status, the answer and the reason.
    RUDDER_LOG_WARN = 2,
    /// Sending failed unexpectedly; the client goes on.
    RUDDER_LOG_ERROR = 3,
}

/// Receives the client's log lines: `message` is one line of UTF-8 text with no newline, never
/// holding the write key, valid until the callback returns (copy what you keep).
///
/// It is called on the client's worker threads, up to one call at a time per lane
/// (`max_concurrent_requests`), so several calls may run at once: make it thread-safe. A
/// dropped event's line may also come on the thread calling `rudder_client_enqueue`. Keep it
/// short (a line per request at `RUDDER_LOG_DEBUG`; compare `level` first and return at once
/// for what you do not keep), and do not let it unwind. `rudder_client_flush`,
/// `rudder_client_close` and `rudder_client_free` called from it are refused with
/// `RUDDER_CALLED_FROM_CALLBACK`. `user_data` is the pointer given
/// with the callback, passed through untouched.
pub type rudder_log_callback =
    Option<extern "C" fn(level: rudder_log_level, message: *const c_char, user_data: *mut c_void)>;

/// Wraps a C callback as the client's log callback.
pub(crate) fn c_log_callback(
    callback: extern "C" fn(rudder_log_level, *const c_char, *mut c_void),
    user_data: *mut c_void,
) -> LogCallback {
    let user_data = UserData(user_data);
    Arc::new(move |record: &LogRecord| {
        let data = user_data;
        let level = match record.level {
            LogLevel::Debug => rudder_log_level::RUDDER_LOG_DEBUG,
            LogLevel::Info => rudder_log_level::RUDDER_LOG_INFO,
            LogLevel::Warn => rudder_log_level::RUDDER_LOG_WARN,
            LogLevel::Error => rudder_log_level::RUDDER_LOG_ERROR,
        };
        // A NUL inside (an answer's body could hold one) would cut the line: replace it.
        let line = CString::new(record.message.replace('\0', "\u{FFFD}")).unwrap_or_default();
        crate::reentry::inside_callback(|| callback(level, line.as_ptr(), data.0));
    })
}
