//! The Node binding of rudder-group: a napi-rs addon over the core (`rudder_group`) and the
//! delivery client (`rudder_group_client`).
//!
//! It converts values and maps errors, nothing more: validation, serialization, batching and
//! delivery are the core's and the client's. The JS layer around it (`lib/`) gives the public
//! API: the `RudderGroupError` class, Promises for `flush` and `close`, the process-exit hooks.
//!
//! - [`convert`] reads the caller's JS values (as `lib/encode.js` tags them) into JSON values,
//!   reporting what has no JSON form.
//! - [`event`] builds, parses and validates events.
//! - [`error`] is the error model as JS objects.
//! - [`client`] wraps the delivery client; [`config`] reads its settings; [`outcome`] carries
//!   outcomes to the main thread.
#![deny(missing_docs)]
// napi-derive registers exports only outside test builds, where they would all look unused.
#![cfg_attr(test, allow(dead_code))]

mod client;
mod config;
mod convert;
mod error;
mod event;
mod outcome;

use napi_derive::napi;

/// The lockstep version of the package and of the crates under it.
#[napi]
pub const VERSION: &str = rudder_group::VERSION;

/// How deep values may nest (the event object is level 1): `lib/encode.js` reads no deeper.
#[napi]
pub const MAX_DEPTH: u32 = rudder_group::MAX_DEPTH as u32;

/// `maxEventBytes` when none is given: `lib/encode.js` bounds its reading by it.
#[napi]
pub const DEFAULT_MAX_EVENT_BYTES: u32 = rudder_group::DEFAULT_MAX_EVENT_BYTES as u32;

/// The keys of a call's arguments: `lib/encode.js` does not read the value of any other key
/// (the addon refuses it).
#[napi(catch_unwind)]
pub fn call_keys() -> Vec<&'static str> {
    convert::CALL_KEYS.to_vec()
}
