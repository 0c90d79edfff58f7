//! The arguments every exported call shares: NUL-terminated UTF-8 input strings (checked, then
//! copied by the callee), handles borrowed or taken back, output pointers checked before any work,
//! and `rudder_string_free` for the strings the library hands out.

use crate::error::{guard_value, Error, Result};
use crate::status::rudder_status;
use std::ffi::{c_char, c_void, CStr, CString};

/// Reads a required input string. NULL is `RUDDER_NULL_ARGUMENT`; bytes that are not UTF-8 are
/// `RUDDER_INVALID_UTF8`. The borrow ends with the call: callers copy what they keep.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid for the call.
pub(crate) unsafe fn input_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        Error::new(
            rudder_status::RUDDER_INVALID_UTF8,
            format!(
                "{name} is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Reads an optional input string: NULL is `None`.
///
/// # Safety
/// As [`input_str`].
pub(crate) unsafe fn input_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { input_str(ptr, name) }.map(Some)
    }
}

/// Borrows a handle for reading. NULL is `RUDDER_NULL_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` not being mutated by another thread.
pub(crate) unsafe fn handle_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: per the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Error::null(name))
}

/// Borrows a handle for writing. NULL is `RUDDER_NULL_ARGUMENT`.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` used by no other thread during the call.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    // SAFETY: per the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::null(name))
}

/// An output argument: storage the call writes once, on success. Made only from a pointer that
/// the export's contract says may be written (`arg!(out p)`, `arg!(opt_out p)`), so writing it
/// is safe.
pub(crate) struct Out<T>(std::ptr::NonNull<T>);

impl<T> Out<T> {
    /// Checks a required output before any work is done. NULL is `RUDDER_NULL_ARGUMENT`.
    ///
    /// # Safety
    /// `ptr` is NULL or valid for one write of a `T` during the call.
    pub(crate) unsafe fn required(ptr: *mut T, name: &str) -> Result<Out<T>> {
        std::ptr::NonNull::new(ptr)
            .map(Out)
            .ok_or_else(|| Error::null(name))
    }

    /// An optional output: NULL is `None`.
    ///
    /// # Safety
    /// As [`Out::required`].
    pub(crate) unsafe fn optional(ptr: *mut T) -> Option<Out<T>> {
        std::ptr::NonNull::new(ptr).map(Out)
    }

    /// Writes the value (the storage's old contents are not dropped: they belong to the caller).
    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL and writable, as the constructors' contracts require.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Takes back ownership of a handle made with `Box::into_raw`; NULL is `None`.
///
/// # Safety
/// `ptr` is NULL or came from `Box::into_raw` for a `T` and is not used again.
pub(crate) unsafe fn take_handle<T>(ptr: *mut T) -> Option<Box<T>> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: per the caller's contract.
        Some(unsafe { Box::from_raw(ptr) })
    }
}

/// Frees a string returned by this library. NULL is accepted and ignored.
///
/// Only strings this library returned through a `char **` output may be passed, each once; never
/// pass them to libc `free`. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_string_free(string: *mut c_char) {
    guard_value((), || {
        if !string.is_null() {
            // SAFETY: the string came from `CString::into_raw` in `output_string`.
            drop(unsafe { CString::from_raw(string) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_strings_are_checked() {
        // SAFETY: valid NUL-terminated literals.
        unsafe {
            assert_eq!(input_str(c"abc".as_ptr(), "x").unwrap(), "abc");
            let err = input_str(std::ptr::null(), "group_id").unwrap_err();
            assert_eq!(err.status, rudder_status::RUDDER_NULL_ARGUMENT);
            let bad = b"a\xffb\0";
            let err = input_str(bad.as_ptr().cast(), "name").unwrap_err();
            assert_eq!(err.status, rudder_status::RUDDER_INVALID_UTF8);
            assert!(err.message.contains("offset 1"));
            assert_eq!(input_opt_str(std::ptr::null(), "p").unwrap(), None);
        }
    }
}

/// The caller's `user_data` pointer, handed back to the caller's callback on a worker thread.
/// The caller promised (in each callback's docs) that this is safe.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub(crate) *mut c_void);
// SAFETY: the pointer is only passed back to the caller's callback, whose documented contract
// makes the caller responsible for using it from the worker threads.
unsafe impl Send for UserData {}
// SAFETY: as above; the pointer itself is never dereferenced here.
unsafe impl Sync for UserData {}
