//! The generated status table against the core's codes.

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
