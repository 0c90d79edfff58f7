//! Rust text as C strings: NULs escaped so nothing is cut short, and owned strings handed to the
//! caller (freed with `rudder_string_free`).

use std::ffi::{c_char, CString};

/// A C string from Rust text. A NUL inside (a JSON key may hold one) is written as the six
/// characters `\u0000`, so nothing is cut short.
pub(crate) fn to_c_lossy(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| {
        let escaped = s.replace('\0', "\\u0000");
        CString::new(escaped).expect("no NUL left after escaping")
    })
}

/// Hands an owned string to the caller, who frees it with `rudder_string_free`.
pub(crate) fn output_string(s: &str) -> *mut c_char {
    to_c_lossy(s).into_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::rudder_string_free;
    use std::ffi::CStr;

    #[test]
    fn output_strings_escape_nul_and_round_trip() {
        let s = output_string("a\0b");
        // SAFETY: `s` is a live string from `output_string`.
        let copy = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
        rudder_string_free(s);
        rudder_string_free(std::ptr::null_mut());
        assert_eq!(copy, "a\\u0000b");
    }
}
