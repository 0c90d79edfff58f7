//! Fuzz harnesses: each takes raw bytes, shapes them (with `arbitrary`) into an input of its
//! target, runs it, and panics when a property breaks. Two drivers run them: libFuzzer
//! (`cargo fuzz run <name>`, coverage-guided, `make fuzz`) and `tests/smoke.rs` (seeded random
//! bytes for a few seconds each, and every file of `regressions/<name>/`, in `cargo test`).
//!
//! The properties: nothing panics, hangs or grows without bound; an event the core accepts is
//! canonical (it parses back, with the same options, to the same JSON) and within
//! `max_event_bytes`; a refused one says why; the data plane answers every well-framed request
//! with a status of its table, stores exactly the events of a 200, and stays up.

mod core;
mod dataplane;
mod json;

pub use crate::core::{builder_sequence, from_json_bytes, from_json_structured, validate_parts};
pub use crate::dataplane::dataplane_request;

/// A harness: panics when a property breaks for this input.
pub type Harness = fn(&[u8]);

/// Every harness by name, as the drivers list them.
pub const TARGETS: [(&str, Harness); 5] = [
    ("from_json_bytes", from_json_bytes),
    ("from_json_structured", from_json_structured),
    ("validate_parts", validate_parts),
    ("builder_sequence", builder_sequence),
    ("dataplane_request", dataplane_request),
];
