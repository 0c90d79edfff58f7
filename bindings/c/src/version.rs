//! The library's version, at run time (`rudder_version`) and at compile time (the
//! `RUDDER_GROUP_VERSION*` macros of the header).

use crate::error::guard_value;
use std::ffi::{c_char, CStr};

/// The version as a NUL-terminated string.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version holds a NUL"),
    };

/// The version of the library actually loaded, e.g. `"0.1.0"`; compare it with the header's
/// `RUDDER_GROUP_VERSION` to detect a mismatch. The same version is the `version` of
/// `context.library` in every event.
///
/// The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_version() -> *const c_char {
    guard_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_is_the_core_version() {
        // SAFETY: static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(super::rudder_version()) };
        assert_eq!(v.to_str().unwrap(), rudder_group_core::VERSION);
    }
}
