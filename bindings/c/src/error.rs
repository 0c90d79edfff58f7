//! Failures at the boundary: the internal [`Error`], the thread-local last error message, and the
//! guards that run every exported body inside `catch_unwind`.

use crate::cstr::to_c_lossy;
use crate::status::rudder_status;
use rudder_group_core::ValidationError;
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call: the status it returns and the message `rudder_last_error_message` gives.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) status: rudder_status,
    pub(crate) message: String,
}

impl Error {
    pub(crate) fn new(status: rudder_status, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(name: &str) -> Error {
        Error::new(
            rudder_status::RUDDER_NULL_ARGUMENT,
            format!("{name} is NULL"),
        )
    }

    /// An argument out of range.
    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::new(rudder_status::RUDDER_INVALID_ARGUMENT, message)
    }

    /// A refused event: the status of its first error, the message listing every problem.
    pub(crate) fn validation(err: &ValidationError) -> Error {
        Error::new(err.code().into(), err.to_string())
    }
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: Option<&str>) {
    let message = message.map(to_c_lossy);
    // A thread being torn down has no slot left; the message is then dropped.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned());
    format!("internal error (a bug in rudder-group, please report it): {detail}")
}

/// Runs an exported body that returns a status. Success clears the thread's last error; a
/// failure or a caught panic records its message.
pub(crate) fn guard(body: impl FnOnce() -> Result<()>) -> rudder_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            set_last_error(None);
            rudder_status::RUDDER_OK
        }
        Ok(Err(err)) => {
            set_last_error(Some(&err.message));
            err.status
        }
        Err(payload) => {
            set_last_error(Some(&panic_message(payload.as_ref())));
            rudder_status::RUDDER_PANIC
        }
    }
}

/// Runs an exported body that returns a plain value (an accessor, a `_free`): a caught panic
/// gives `fallback` and records its message. The last error is left alone otherwise.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            set_last_error(Some(&panic_message(payload.as_ref())));
            fallback
        }
    }
}

/// The message of the last failed call on the calling thread, or `""` when the last call that
/// returns a `rudder_status` succeeded (or none was made yet).
///
/// Never NULL. The string is borrowed: it stays valid until the next call on the same thread of a
/// function returning `rudder_status`; do not free it. Each thread has its own message.
#[no_mangle]
pub extern "C" fn rudder_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| {
                slot.borrow()
                    .as_ref()
                    .map_or(c"".as_ptr(), |message| message.as_ptr())
            })
            .unwrap_or(c"".as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        // SAFETY: the pointer is valid until the next status-returning call on this thread.
        unsafe { CStr::from_ptr(rudder_last_error_message()) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, rudder_status::RUDDER_PANIC);
        assert!(last().contains("boom"), "{}", last());
        assert_eq!(guard(|| Ok(())), rudder_status::RUDDER_OK);
        assert_eq!(last(), "");
        assert_eq!(guard_value(7, || panic!("again")), 7);
        assert!(last().contains("again"));
    }

    #[test]
    fn a_failure_records_its_message_per_thread() {
        let status = guard(|| Err(Error::null("widget")));
        assert_eq!(status, rudder_status::RUDDER_NULL_ARGUMENT);
        assert_eq!(last(), "widget is NULL");
        std::thread::spawn(|| assert_eq!(last(), ""))
            .join()
            .unwrap();
        assert_eq!(last(), "widget is NULL");
    }
}
