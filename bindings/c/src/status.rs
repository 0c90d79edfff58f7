//! `rudder_status`: the return value of every fallible call.

use rudder_group_core::ErrorCode;
use std::ffi::{c_char, CStr};

/// The result of a call. `RUDDER_OK` (0) is success; every other value is a failure whose detail
/// is in `rudder_last_error_message()`.
///
/// Values 1..=10 and 101..=105 are the project's stable error codes, with the same numbers in
/// every language (`RUDDER_MISSING_GROUP_ID` is `MISSING_GROUP_ID` = 1). Values from 200 up are
/// failures of the C interface itself. A number is never reused.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum rudder_status {
    /// Success.
    RUDDER_OK = 0,
    /// `groupId` absent, empty, or only whitespace.
    RUDDER_MISSING_GROUP_ID = 1,
    /// Neither `userId` nor `anonymousId` is present and non-blank.
    RUDDER_MISSING_IDENTITY = 2,
    /// A top-level field has the wrong JSON type.
    RUDDER_INVALID_FIELD_TYPE = 3,
    /// A reserved group trait breaks its rule.
    RUDDER_INVALID_TRAIT = 4,
    /// A timestamp that is not ISO-8601 / RFC 3339.
    RUDDER_INVALID_TIMESTAMP = 5,
    /// NaN or ±Infinity (JSON cannot carry them).
    RUDDER_NON_FINITE_NUMBER = 6,
    /// A value with no JSON form.
    RUDDER_UNSUPPORTED_VALUE = 7,
    /// Nesting deeper than 64 levels.
    RUDDER_TOO_DEEP = 8,
    /// The serialized event is larger than `max_event_bytes`.
    RUDDER_EVENT_TOO_LARGE = 9,
    /// Text that is not JSON, or not a JSON object where one is required.
    RUDDER_INVALID_JSON = 10,
    /// The client is closed; nothing more can be enqueued.
    RUDDER_CLIENT_CLOSED = 101,
    /// The queue is full and the overflow policy refused the event.
    RUDDER_QUEUE_FULL = 102,
    /// A flush or close did not finish within its timeout (nothing was lost).
    RUDDER_FLUSH_TIMEOUT = 103,
    /// Events reached a terminal delivery failure.
    RUDDER_DELIVERY_FAILED = 104,
    /// A client setting is out of range or malformed.
    RUDDER_INVALID_CONFIG = 105,
    /// A required pointer argument was NULL.
    RUDDER_NULL_ARGUMENT = 200,
    /// An input string was not valid UTF-8.
    RUDDER_INVALID_UTF8 = 201,
    /// An argument was out of range (an index past the end, a size that does not fit).
    RUDDER_INVALID_ARGUMENT = 202,
    /// The library hit an internal error (a Rust panic, caught at the boundary). The handles
    /// involved are still safe to free.
    RUDDER_PANIC = 203,
    /// `rudder_client_flush` or `rudder_client_close` was called from inside an outcome or log
    /// callback, where it would wait for the callback itself: refused at once, nothing changed.
    RUDDER_CALLED_FROM_CALLBACK = 204,
}

impl From<ErrorCode> for rudder_status {
    fn from(code: ErrorCode) -> rudder_status {
        match code {
            ErrorCode::MissingGroupId => rudder_status::RUDDER_MISSING_GROUP_ID,
            ErrorCode::MissingIdentity => rudder_status::RUDDER_MISSING_IDENTITY,
            ErrorCode::InvalidFieldType => rudder_status::RUDDER_INVALID_FIELD_TYPE,
            ErrorCode::InvalidTrait => rudder_status::RUDDER_INVALID_TRAIT,
            ErrorCode::InvalidTimestamp => rudder_status::RUDDER_INVALID_TIMESTAMP,
            ErrorCode::NonFiniteNumber => rudder_status::RUDDER_NON_FINITE_NUMBER,
            ErrorCode::UnsupportedValue => rudder_status::RUDDER_UNSUPPORTED_VALUE,
            ErrorCode::TooDeep => rudder_status::RUDDER_TOO_DEEP,
            ErrorCode::EventTooLarge => rudder_status::RUDDER_EVENT_TOO_LARGE,
            ErrorCode::InvalidJson => rudder_status::RUDDER_INVALID_JSON,
            ErrorCode::ClientClosed => rudder_status::RUDDER_CLIENT_CLOSED,
            ErrorCode::QueueFull => rudder_status::RUDDER_QUEUE_FULL,
            ErrorCode::FlushTimeout => rudder_status::RUDDER_FLUSH_TIMEOUT,
            ErrorCode::DeliveryFailed => rudder_status::RUDDER_DELIVERY_FAILED,
            ErrorCode::InvalidConfig => rudder_status::RUDDER_INVALID_CONFIG,
        }
    }
}

impl rudder_status {
    /// Every status, in number order.
    pub(crate) const ALL: [rudder_status; 21] = [
        rudder_status::RUDDER_OK,
        rudder_status::RUDDER_MISSING_GROUP_ID,
        rudder_status::RUDDER_MISSING_IDENTITY,
        rudder_status::RUDDER_INVALID_FIELD_TYPE,
        rudder_status::RUDDER_INVALID_TRAIT,
        rudder_status::RUDDER_INVALID_TIMESTAMP,
        rudder_status::RUDDER_NON_FINITE_NUMBER,
        rudder_status::RUDDER_UNSUPPORTED_VALUE,
        rudder_status::RUDDER_TOO_DEEP,
        rudder_status::RUDDER_EVENT_TOO_LARGE,
        rudder_status::RUDDER_INVALID_JSON,
        rudder_status::RUDDER_CLIENT_CLOSED,
        rudder_status::RUDDER_QUEUE_FULL,
        rudder_status::RUDDER_FLUSH_TIMEOUT,
        rudder_status::RUDDER_DELIVERY_FAILED,
        rudder_status::RUDDER_INVALID_CONFIG,
        rudder_status::RUDDER_NULL_ARGUMENT,
        rudder_status::RUDDER_INVALID_UTF8,
        rudder_status::RUDDER_INVALID_ARGUMENT,
        rudder_status::RUDDER_PANIC,
        rudder_status::RUDDER_CALLED_FROM_CALLBACK,
    ];

    /// The stable name as a NUL-terminated static string, e.g. `MISSING_GROUP_ID`.
    pub(crate) const fn name(self) -> &'static CStr {
        match self {
            rudder_status::RUDDER_OK => c"OK",
            rudder_status::RUDDER_MISSING_GROUP_ID => c"MISSING_GROUP_ID",
            rudder_status::RUDDER_MISSING_IDENTITY => c"MISSING_IDENTITY",
            rudder_status::RUDDER_INVALID_FIELD_TYPE => c"INVALID_FIELD_TYPE",
            rudder_status::RUDDER_INVALID_TRAIT => c"INVALID_TRAIT",
            rudder_status::RUDDER_INVALID_TIMESTAMP => c"INVALID_TIMESTAMP",
            rudder_status::RUDDER_NON_FINITE_NUMBER => c"NON_FINITE_NUMBER",
            rudder_status::RUDDER_UNSUPPORTED_VALUE => c"UNSUPPORTED_VALUE",
            rudder_status::RUDDER_TOO_DEEP => c"TOO_DEEP",
            rudder_status::RUDDER_EVENT_TOO_LARGE => c"EVENT_TOO_LARGE",
            rudder_status::RUDDER_INVALID_JSON => c"INVALID_JSON",
            rudder_status::RUDDER_CLIENT_CLOSED => c"CLIENT_CLOSED",
            rudder_status::RUDDER_QUEUE_FULL => c"QUEUE_FULL",
            rudder_status::RUDDER_FLUSH_TIMEOUT => c"FLUSH_TIMEOUT",
            rudder_status::RUDDER_DELIVERY_FAILED => c"DELIVERY_FAILED",
            rudder_status::RUDDER_INVALID_CONFIG => c"INVALID_CONFIG",
            rudder_status::RUDDER_NULL_ARGUMENT => c"NULL_ARGUMENT",
            rudder_status::RUDDER_INVALID_UTF8 => c"INVALID_UTF8",
            rudder_status::RUDDER_INVALID_ARGUMENT => c"INVALID_ARGUMENT",
            rudder_status::RUDDER_PANIC => c"PANIC",
            rudder_status::RUDDER_CALLED_FROM_CALLBACK => c"CALLED_FROM_CALLBACK",
        }
    }
}

/// The stable name of a status number: `"OK"`, `"MISSING_GROUP_ID"`, ..., `"PANIC"`, or
/// `"UNKNOWN"` for a number that is not a status.
///
/// The returned string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_status_name(status: u32) -> *const c_char {
    rudder_status::ALL
        .iter()
        .find(|s| **s as u32 == status)
        .map_or(c"UNKNOWN", |s| s.name())
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_keep_their_numbers_and_names() {
        for code in ErrorCode::ALL {
            let status = rudder_status::from(code);
            assert_eq!(status as u32, code.number());
            assert_eq!(status.name().to_str().unwrap(), code.as_str());
        }
    }

    #[test]
    fn every_status_has_a_distinct_name() {
        let mut names = std::collections::HashSet::new();
        for s in rudder_status::ALL {
            // SAFETY: the pointer is a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(rudder_status_name(s as u32)) };
            assert!(names.insert(name.to_owned()));
            assert_ne!(name.to_bytes(), b"UNKNOWN");
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(rudder_status_name(99)) };
        assert_eq!(unknown.to_bytes(), b"UNKNOWN");
    }
}
