//! The event options a C caller starts from: `context.library` names `rudder-group-c`.

use rudder_group_core::{EventOptions, Library, DEFAULT_MAX_EVENT_BYTES};

/// Options for `lenient` and `max_event_bytes` (0 restores the core's default).
pub(crate) fn c_options(lenient: bool, max_event_bytes: usize) -> EventOptions {
    EventOptions {
        lenient,
        max_event_bytes: if max_event_bytes == 0 {
            DEFAULT_MAX_EVENT_BYTES
        } else {
            max_event_bytes
        },
        library: Library::C,
    }
}
