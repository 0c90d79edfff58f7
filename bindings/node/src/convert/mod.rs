//! JS values in, JSON values out: the one place where the binding reads the caller's objects.
//!
//! The walk goes through Node-API directly (one pass, no intermediate JSON text, no tree: the
//! values are written as canonical JSON as they are read) and follows
//! `JSON.stringify` where JSON has an answer: own enumerable string keys in property order,
//! `undefined` properties left out (and `null` inside arrays), `Date` as its ISO-8601 instant.
//! Where JSON has no answer it does not guess: a function, a symbol, a class instance other
//! than `Date`, a cycle or a string with a lone surrogate is reported as `UNSUPPORTED_VALUE`,
//! NaN and ±Infinity as `NON_FINITE_NUMBER`, each with its JSON-pointer path, and `null` takes
//! its place so that validation reports every other problem of the event as well. The caller's
//! objects are only read, never written. Paths, the depth rule, the size budget and every
//! message come from the core's kit (`rudder_group::conversion`): past `max_event_bytes` of
//! values nothing more is read, so no getter, proxy or shared reference can make the walk
//! endless.

mod scalar;
mod text;
mod walker;

pub(crate) use text::read_utf8;

use napi::sys;
use napi::{Error, Status};
use rudder_group::{ErrorCode, EventParts, Issue, ValidationError};
use walker::Walker;

/// Checks a Node-API status; a pending exception stays pending.
pub(crate) fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::from_status(Status::from(status)))
    }
}

/// Which top-level fields a payload object has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The arguments of a call: `timestamp` is when the event happened (`originalTimestamp`).
    Call,
    /// A payload as the data plane receives it: `timestamp` is kept untouched.
    Wire,
}

/// The keys of a call's arguments (`originalTimestamp` is the wire's name for `timestamp`).
pub(crate) const CALL_KEYS: [&str; 9] = [
    "groupId",
    "userId",
    "anonymousId",
    "traits",
    "context",
    "integrations",
    "timestamp",
    "originalTimestamp",
    "messageId",
];

/// Converts a caller's payload object into the parts of an event, with every conversion
/// problem in `parts.issues`. A payload that is not a plain object is refused as a whole, and so
/// is one whose values pass `max_event_bytes` (`EVENT_TOO_LARGE`, with the problems found
/// before). A call's arguments refuse unknown keys; a wire payload keeps them.
pub(crate) fn event_parts(
    env: sys::napi_env,
    v: sys::napi_value,
    shape: Shape,
    max_event_bytes: usize,
) -> napi::Result<Result<EventParts, ValidationError>> {
    let mut walker = Walker::new(env, max_event_bytes);
    let known = match shape {
        Shape::Call => Some(&CALL_KEYS[..]),
        Shape::Wire => None,
    };
    // A call's object fields come as bytes; a wire payload (`validate()`) is read as values,
    // like parsed JSON.
    let fields = match walker.root(v, known, shape == Shape::Call)? {
        Ok(fields) => fields,
        Err(e) => return Ok(Err(e)),
    };
    let mut parts = EventParts::from_map(fields.values);
    parts.written = fields.written;
    if shape == Shape::Call {
        if let Some(t) = parts.timestamp.take() {
            if parts
                .original_timestamp
                .as_ref()
                .is_some_and(|o| !o.is_null())
            {
                walker.issues.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    "/timestamp",
                    "give timestamp or originalTimestamp, not both (both say when the event happened)",
                ));
            } else {
                // Reported at `/timestamp`, the key the caller wrote.
                parts.original_timestamp = Some(t);
                parts.timestamp_argument = true;
            }
        }
    }
    parts.issues = walker.issues;
    Ok(Ok(parts))
}
