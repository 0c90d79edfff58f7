//! # rudder-group C ABI
//!
//! `librudder_group` (shared and static) exposes the group model and the client through the
//! conventions of rustls-ffi:
//!
//! - Opaque handles with `_new` / `_free` pairs; every `_free` accepts NULL. `build` consumes its
//!   builder and `rudder_client_enqueue` consumes its event, whatever they return.
//! - Every fallible call returns a `rudder_status`: 0 is success, 1..=10 and 101..=105 are the
//!   project's stable error codes with their usual numbers, 200 and up are failures of the
//!   interface itself (NULL argument, invalid UTF-8, out-of-range argument, internal panic).
//!   `rudder_last_error_message()` gives the detail, per thread.
//! - Input strings are NUL-terminated UTF-8, checked and copied: no caller pointer is kept once a
//!   call returns. Output strings belong to the caller and are freed with `rudder_string_free`.
//! - Outputs are written only on success. The one exception is the issue list a refused event
//!   writes to its optional `out_issues`.
//! - No panic crosses the boundary: every exported body runs inside `catch_unwind`.
//!
//! The header `include/rudder_group.h` is generated from these sources by cbindgen: the `///`
//! docs are the reference documentation of the C API.
// C names for C types: the header shows exactly these identifiers.
#![allow(non_camel_case_types)]
// The exported functions take raw pointers from C. They are not `unsafe fn` because C cannot see
// Rust's `unsafe`; each documents its pointer contract, and each dereference sits in an `unsafe`
// block with a SAFETY note.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
#![warn(missing_docs)]

// The macros first, so every module below may use them.
#[macro_use]
mod ffi;

// Declared in the order the header lists them.
mod status;

mod cstr;

mod error;

mod args;

mod options;

mod version;

mod builder;

mod traits;

mod event;

mod issues;

mod config;

mod config_setters;

mod client;

mod exit;

mod reentry;

mod outcome;

mod log;

#[cfg(test)]
mod header;

pub use builder::rudder_event_builder;
pub use client::{rudder_client, rudder_flush_result, rudder_stats};
pub use config::rudder_client_config;
pub use event::rudder_event;
pub use issues::{rudder_issue, rudder_issues};
pub use log::{rudder_log_callback, rudder_log_level};
pub use outcome::{rudder_outcome, rudder_outcome_callback, rudder_outcome_kind};
pub use status::rudder_status;
