//! JS values in, JSON values out: the one place where the binding reads the caller's objects.
//!
//! The read is split in two. `lib/encode.js` walks the caller's value in JS, where V8 reads
//! properties fastest, and turns it into one string that says what every value is (the grammar
//! is in [`reader`]); the addon takes that string in one Node-API call and [`reader`] converts it
//! onto the core's kit, writing canonical JSON as it goes (one pass, no tree). Before, the walk
//! went through Node-API for every property (about 100 calls for a typical event), which cost
//! more than the rest of a `group()` call together.
//!
//! Why JS tags and Rust decides: JS only translates (what is a bigint, a `Date`, a class
//! instance, a function, a symbol, a cycle, `undefined`, a non-finite number: each a token of
//! its own), so every rule stays in one place, the core's kit, the same for Python and C. The
//! rules follow `JSON.stringify` where JSON has an answer: own enumerable string keys in property
//! order, `undefined` properties left out (and `null` inside arrays), `Date` as its ISO-8601
//! instant (a timestamp's: years 0000 to 9999, the range of RFC 3339; past it, and for an invalid
//! `Date`, `INVALID_TIMESTAMP`). Where JSON has no answer they do not guess: a function, a symbol, a class instance
//! other than `Date`, a cycle or a string with a lone surrogate is reported as
//! `UNSUPPORTED_VALUE`, NaN and ±Infinity as `NON_FINITE_NUMBER`, each with its JSON-pointer
//! path, and `null` takes its place so that validation reports every other problem of the event
//! as well. `toJSON` is never called, and the caller's objects are only read, never written.
//!
//! The JS walk stops by itself at the core's depth limit (`MAX_DEPTH`, which it reads from the
//! addon) and at a reading bound of twice `max_event_bytes` (it counts at most what the core's
//! budget counts, so the budget is spent first), so no getter, proxy or shared reference can make
//! it endless; past `max_event_bytes` of values the reader stops and the event is
//! `EVENT_TOO_LARGE`, with the problems found before.

mod reader;
mod scalar;
mod text;

pub(crate) use text::read_utf8;

use napi::sys;
use napi::{Error, Status};
use reader::{Reader, Timestamps};
use rudder_group::{
    ErrorCode, EventOptions, EventParts, EventWriter, GroupEvent, Issue, Scalar, ValidationError,
};
use std::cell::Cell;

/// Checks a Node-API status; a pending exception stays pending.
pub(crate) fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::from_status(Status::from(status)))
    }
}

/// The text `lib/encode.js` made of a payload, as UTF-16 units (one Node-API read, into this
/// thread's scratch buffer, which it gives back when dropped).
pub(crate) fn encoded(env: sys::napi_env, v: sys::napi_value) -> napi::Result<Encoded> {
    let mut units = SCRATCH_TEXT.with(Cell::take);
    if text::read_utf16_into(env, v, &mut units)? {
        Ok(Encoded(units))
    } else {
        Err(Error::new(
            Status::StringExpected,
            "rudder-group: expected a payload encoded by lib/encode.js",
        ))
    }
}

thread_local! {
    /// The last payload's text buffer, kept for the next: a call allocates none.
    static SCRATCH_TEXT: Cell<Vec<u16>> = const { Cell::new(Vec::new()) };
}

/// A payload's text, in the thread's scratch buffer.
pub(crate) struct Encoded(Vec<u16>);

impl std::ops::Deref for Encoded {
    type Target = [u16];
    fn deref(&self) -> &[u16] {
        &self.0
    }
}

impl Drop for Encoded {
    fn drop(&mut self) {
        // A buffer that grew for a huge payload is not kept.
        if self.0.capacity() <= 64 * 1024 {
            let units = std::mem::take(&mut self.0);
            SCRATCH_TEXT.with(|s| s.set(units));
        }
    }
}

/// The keys of a call's arguments, in the order of the event's keys (`originalTimestamp` is the
/// wire's name for `timestamp`): `lib/encode.js` writes a call's keys in this order, so that
/// each field goes straight into the event's bytes.
pub(crate) const CALL_KEYS: [&str; 9] = [
    "messageId",
    "groupId",
    "userId",
    "anonymousId",
    "traits",
    "context",
    "integrations",
    "originalTimestamp",
    "timestamp",
];

/// The token before a call's payload (`W{`…`}`) that makes its `timestamp` the event's own, kept
/// as given and checked as a parsed payload's is, instead of its `originalTimestamp`:
/// `rudder-group/compat` sends a caller's timestamp as the official SDK does. `lib/encode.js`
/// writes it for a payload whose prototype is its `TIMESTAMP_KEPT` object, which no public
/// call hands out, so `Client.group()` keeps its rule.
const TIMESTAMP_KEPT: u16 = b'W' as u16;

/// Converts a call's arguments encoded by `lib/encode.js` (as UTF-16 units) straight into an
/// event, validated on the way, with every conversion problem first. A payload that is not a
/// plain object is refused as a whole, and so is one whose values pass `max_event_bytes`
/// (`EVENT_TOO_LARGE`, with the problems found before). Unknown keys are refused.
pub(crate) fn call_event(
    encoded: &[u16],
    options: &EventOptions,
) -> napi::Result<Result<GroupEvent, ValidationError>> {
    let (timestamp_kept, encoded) = match encoded.split_first() {
        Some((&TIMESTAMP_KEPT, payload)) => (true, payload),
        _ => (false, encoded),
    };
    let mut reader = Reader::new(encoded, options.max_event_bytes);
    let mut w = EventWriter::new(options);
    let timestamps = match reader.call(&mut w) {
        Ok(Ok(timestamps)) => timestamps,
        Ok(Err(e)) => return Ok(Err(e)),
        Err(reader::Malformed) => return Err(malformed()),
    };
    let Timestamps {
        original,
        timestamp,
    } = timestamps;
    match (timestamp_kept, timestamp) {
        (true, timestamp) => {
            w.original_timestamp(Scalar::of_option(original.as_ref()), false);
            w.timestamp(timestamp.as_ref());
        }
        (false, Some(_)) if original.as_ref().is_some_and(|o| !o.is_null()) => {
            reader.issues.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/timestamp",
                "give timestamp or originalTimestamp, not both (both say when the event happened)",
            ));
            w.original_timestamp(Scalar::of_option(original.as_ref()), false);
        }
        // Reported at `/timestamp`, the key the caller wrote.
        (false, Some(t)) => w.original_timestamp(Scalar::of(&t), true),
        (false, None) => w.original_timestamp(Scalar::of_option(original.as_ref()), false),
    }
    w.conversion_issues(std::mem::take(&mut reader.issues));
    Ok(w.finish())
}

/// Converts a wire payload encoded by `lib/encode.js` (as UTF-16 units), as `validate()` gets
/// it, into the parts of an event, with every conversion problem in `parts.issues`; unknown keys
/// are kept.
pub(crate) fn wire_parts(
    encoded: &[u16],
    max_event_bytes: usize,
) -> napi::Result<Result<EventParts, ValidationError>> {
    let mut reader = Reader::new(encoded, max_event_bytes);
    let values = match reader.root() {
        Ok(Ok(values)) => values,
        Ok(Err(e)) => return Ok(Err(e)),
        Err(reader::Malformed) => return Err(malformed()),
    };
    let mut parts = EventParts::from_map(values);
    parts.issues = std::mem::take(&mut reader.issues);
    Ok(Ok(parts))
}

fn malformed() -> Error {
    Error::from_reason(
        "rudder-group: the encoded payload is malformed (lib/encode.js and the addon disagree)",
    )
}
