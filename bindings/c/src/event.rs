//! `rudder_event`: a validated group event, parsed from JSON or built, and its canonical JSON.

use crate::cstr::output_string;
use crate::error::{guard, Error};
use crate::issues::rudder_issues;
use crate::options::c_options;
use crate::status::rudder_status;
use rudder_group_core::GroupEvent;
use std::ffi::c_char;

/// One validated group event. Made by `rudder_event_builder_build`, `rudder_event_from_json`
/// or `rudder_event_clone`; consumed by `rudder_client_enqueue` or freed with
/// `rudder_event_free`.
///
/// Immutable: it may be read from several threads at once.
pub struct rudder_event {
    pub(crate) event: GroupEvent,
}

impl rudder_event {
    pub(crate) fn into_raw(event: GroupEvent) -> *mut rudder_event {
        Box::into_raw(Box::new(rudder_event { event }))
    }
}

fn parse(
    json: *const c_char,
    lenient: bool,
    max_event_bytes: usize,
    out_event: *mut *mut rudder_event,
    out_issues: *mut *mut rudder_issues,
) -> rudder_status {
    guard(|| {
        let text = arg!(str json);
        let out_event = arg!(out out_event);
        match GroupEvent::from_json_with(text, &c_options(lenient, max_event_bytes)) {
            Ok(event) => {
                out_event.write(rudder_event::into_raw(event));
                Ok(())
            }
            Err(err) => {
                rudder_issues::write_to(err.issues(), arg!(opt_out out_issues));
                Err(Error::validation(&err))
            }
        }
    })
}

/// Parses and validates a group payload as a data plane would receive it, with the default
/// options (strict, the default `max_event_bytes`). Unknown top-level keys are kept.
///
/// `json` is NUL-terminated UTF-8 (`RUDDER_INVALID_UTF8` otherwise); it is not kept. Text that
/// is not JSON, or not an object, is `RUDDER_INVALID_JSON`. On success `*out_event` receives
/// the event (the caller owns it). On a refused payload the status is the code of its first
/// error and, when `out_issues` is not NULL, `*out_issues` receives every problem (free it with
/// `rudder_issues_free`). `out_issues` is written only on a validation failure.
#[no_mangle]
pub extern "C" fn rudder_event_from_json(
    json: *const c_char,
    out_event: *mut *mut rudder_event,
    out_issues: *mut *mut rudder_issues,
) -> rudder_status {
    parse(json, false, 0, out_event, out_issues)
}

/// As `rudder_event_from_json`, with options: `lenient` turns reserved-trait problems into
/// warnings (read them with `rudder_event_warnings`); `max_event_bytes` limits the serialized
/// event, `sentAt` included (0 means the default, as `rudder_client_config_set_max_event_bytes`
/// states it).
#[no_mangle]
pub extern "C" fn rudder_event_from_json_with(
    json: *const c_char,
    lenient: bool,
    max_event_bytes: usize,
    out_event: *mut *mut rudder_event,
    out_issues: *mut *mut rudder_issues,
) -> rudder_status {
    parse(json, lenient, max_event_bytes, out_event, out_issues)
}

/// Writes the event's canonical JSON (keys in the contract's order, UTF-8, no whitespace) to
/// `*out`. The caller frees the string with `rudder_string_free`. Thread-safe on a shared event.
#[no_mangle]
pub extern "C" fn rudder_event_to_json(
    event: *const rudder_event,
    out: *mut *mut c_char,
) -> rudder_status {
    guard(|| {
        let event = arg!(ref event);
        let out = arg!(out out);
        out.write(output_string(&event.event.to_json()));
        Ok(())
    })
}

/// Writes the event's `messageId` to `*out` (the id outcomes report). The caller frees the
/// string with `rudder_string_free`. Thread-safe on a shared event.
#[no_mangle]
pub extern "C" fn rudder_event_message_id(
    event: *const rudder_event,
    out: *mut *mut c_char,
) -> rudder_status {
    guard(|| {
        let event = arg!(ref event);
        let out = arg!(out out);
        out.write(output_string(event.event.message_id()));
        Ok(())
    })
}

/// Writes the event's warnings (reserved-trait problems accepted under the lenient setting) to
/// `*out` as a new list, possibly empty. The caller frees it with `rudder_issues_free`.
#[no_mangle]
pub extern "C" fn rudder_event_warnings(
    event: *const rudder_event,
    out: *mut *mut rudder_issues,
) -> rudder_status {
    guard(|| {
        let event = arg!(ref event);
        let out = arg!(out out);
        rudder_issues::write_to(event.event.warnings(), Some(out));
        Ok(())
    })
}

/// Writes a copy of the event to `*out` (same `messageId`). The caller owns the copy.
#[no_mangle]
pub extern "C" fn rudder_event_clone(
    event: *const rudder_event,
    out: *mut *mut rudder_event,
) -> rudder_status {
    guard(|| {
        let event = arg!(ref event);
        let out = arg!(out out);
        out.write(rudder_event::into_raw(event.event.clone()));
        Ok(())
    })
}

/// Frees an event that was not enqueued. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn rudder_event_free(event: *mut rudder_event) {
    ffi_free!(event)
}
