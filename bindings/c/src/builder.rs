//! `rudder_event_builder`: a group call made field by field, validated all at once by `build`.

use crate::error::{guard, guard_value, Error, Result};
use crate::event::rudder_event;
use crate::issues::rudder_issues;
use crate::status::rudder_status;
use crate::strings::{handle_mut, input_str, output_ptr, take_handle};
use rudder_group_core::serde_json::{Map, Value};
use rudder_group_core::{
    parse_value, pointer, EventOptions, EventParts, Issue, Library, DEFAULT_MAX_EVENT_BYTES,
};

/// A group event being built. Made by `rudder_event_builder_new`; consumed by
/// `rudder_event_builder_build` or freed with `rudder_event_builder_free`.
///
/// Not thread-safe: use one builder from one thread at a time (it may move between threads).
pub struct rudder_event_builder {
    group_id: String,
    user_id: Option<String>,
    anonymous_id: Option<String>,
    message_id: Option<String>,
    original_timestamp: Option<String>,
    traits: Map<String, Value>,
    context: Option<Value>,
    integrations: Option<Value>,
    options: EventOptions,
    /// Values with no JSON form (NaN, ±Infinity), reported at build time with the rest.
    issues: Vec<Issue>,
}

impl rudder_event_builder {
    /// Sets one trait, replacing an earlier value and any problem it had.
    pub(crate) fn set_trait(&mut self, key: &str, value: Value) {
        self.forget_trait_issues(key);
        self.traits.insert(key.to_owned(), value);
    }

    /// Removes a trait (leaving it out differs from setting it to null).
    pub(crate) fn remove_trait(&mut self, key: &str) {
        self.forget_trait_issues(key);
        self.traits.shift_remove(key);
    }

    fn forget_trait_issues(&mut self, key: &str) {
        if !self.issues.is_empty() {
            self.forget_issues(&pointer("/traits", key));
        }
    }

    /// Sets a trait to null and records a conversion problem at its path.
    pub(crate) fn set_unconvertible(&mut self, key: &str, issue: Issue) {
        self.set_trait(key, Value::Null);
        self.issues.push(issue);
    }

    /// Sets one field of the `address` trait, making `address` an object if it was not one.
    pub(crate) fn set_address_field(&mut self, field: &str, value: Value) {
        self.forget_issues("/traits/address");
        let address = self
            .traits
            .entry("address")
            .or_insert_with(|| Value::Object(Map::new()));
        if !address.is_object() {
            *address = Value::Object(Map::new());
        }
        if let Value::Object(map) = address {
            map.insert(field.to_owned(), value);
        }
    }

    fn forget_issues(&mut self, path: &str) {
        self.issues.retain(|issue| {
            !(issue.path == path
                || (issue.path.starts_with(path) && issue.path[path.len()..].starts_with('/')))
        });
    }

    /// The raw fields and the options, for the core to validate.
    pub(crate) fn into_parts(self) -> (EventParts, EventOptions) {
        let parts = EventParts {
            message_id: self.message_id.map(Value::String),
            group_id: Some(Value::String(self.group_id)),
            user_id: self.user_id.map(Value::String),
            anonymous_id: self.anonymous_id.map(Value::String),
            traits: Some(Value::Object(self.traits)),
            context: self.context,
            integrations: self.integrations,
            original_timestamp: self.original_timestamp.map(Value::String),
            issues: self.issues,
            ..EventParts::default()
        };
        (parts, self.options)
    }
}

/// Parses a JSON fragment given to a setter: text that is not JSON is `RUDDER_INVALID_JSON`,
/// nesting past the parser's limit `RUDDER_TOO_DEEP`.
pub(crate) fn json_fragment(text: &str, name: &str) -> Result<Value> {
    parse_value(text).map_err(|err| {
        let mut e = Error::validation(&err);
        e.message = format!("{name}: {}", e.message);
        e
    })
}

/// The event options a C caller starts from: `context.library` names `rudder-group-c`.
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

/// Runs a setter on a live builder with one checked input string.
pub(crate) fn with_builder(
    builder: *mut rudder_event_builder,
    set: impl FnOnce(&mut rudder_event_builder) -> Result<()>,
) -> rudder_status {
    guard(|| {
        // SAFETY: NULL or a live builder used by this thread only, per the documented contract.
        let builder = unsafe { handle_mut(builder, "builder") }?;
        set(builder)
    })
}

/// Starts a group event for `group_id` and writes the new builder to `*out`.
///
/// `group_id` is copied (an empty or blank id is reported by `rudder_event_builder_build` as
/// `RUDDER_MISSING_GROUP_ID`, with any other problem). Returns `RUDDER_NULL_ARGUMENT` or
/// `RUDDER_INVALID_UTF8` for a bad argument; `*out` is written only on success. The caller owns
/// the builder: pass it to `rudder_event_builder_build` or `rudder_event_builder_free`.
#[no_mangle]
pub extern "C" fn rudder_event_builder_new(
    group_id: *const std::ffi::c_char,
    out: *mut *mut rudder_event_builder,
) -> rudder_status {
    guard(|| {
        // SAFETY: NULL or a NUL-terminated string, per the documented contract.
        let group_id = unsafe { input_str(group_id, "group_id") }?.to_owned();
        let out = output_ptr(out, "out")?;
        let builder = rudder_event_builder {
            group_id,
            user_id: None,
            anonymous_id: None,
            message_id: None,
            original_timestamp: None,
            traits: Map::new(),
            context: None,
            integrations: None,
            options: c_options(false, 0),
            issues: Vec::new(),
        };
        // SAFETY: `out` is non-NULL and writable.
        unsafe { out.write(Box::into_raw(Box::new(builder))) };
        Ok(())
    })
}

/// Frees a builder that was not built. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn rudder_event_builder_free(builder: *mut rudder_event_builder) {
    guard_value((), || {
        // SAFETY: NULL or a builder from this library, freed once, per the documented contract.
        drop(unsafe { take_handle(builder) });
    })
}

/// Sets `userId` (who joins the group). The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_user_id(
    builder: *mut rudder_event_builder,
    user_id: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: NULL or a NUL-terminated string, per the documented contract.
        b.user_id = Some(unsafe { input_str(user_id, "user_id") }?.to_owned());
        Ok(())
    })
}

/// Sets `anonymousId` (an anonymous visitor joining the group). The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_anonymous_id(
    builder: *mut rudder_event_builder,
    anonymous_id: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: as above.
        b.anonymous_id = Some(unsafe { input_str(anonymous_id, "anonymous_id") }?.to_owned());
        Ok(())
    })
}

/// Pins `messageId` (a fresh UUID v4 otherwise). The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_message_id(
    builder: *mut rudder_event_builder,
    message_id: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: as above.
        b.message_id = Some(unsafe { input_str(message_id, "message_id") }?.to_owned());
        Ok(())
    })
}

/// Sets when the event happened, as an RFC 3339 date-time with an offset, e.g.
/// `"2022-02-01T19:14:18.381Z"` (the time of the build otherwise). It goes to
/// `originalTimestamp`, normalized to UTC with milliseconds; a malformed value is reported by
/// `rudder_event_builder_build` as `RUDDER_INVALID_TIMESTAMP`. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_original_timestamp(
    builder: *mut rudder_event_builder,
    timestamp: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: as above.
        b.original_timestamp = Some(unsafe { input_str(timestamp, "timestamp") }?.to_owned());
        Ok(())
    })
}

/// Sets `context` from JSON text (an object; `library` is set by the SDK, the other keys are
/// kept in order). Text that is not JSON returns `RUDDER_INVALID_JSON` and leaves the builder
/// unchanged; JSON that is not an object is reported by the build (`RUDDER_INVALID_FIELD_TYPE`).
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_context_json(
    builder: *mut rudder_event_builder,
    json: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: as above.
        let text = unsafe { input_str(json, "json") }?;
        b.context = Some(json_fragment(text, "context")?);
        Ok(())
    })
}

/// Sets `integrations` from JSON text (an object; `{"All":true}` otherwise). Errors as for
/// `rudder_event_builder_set_context_json`.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_integrations_json(
    builder: *mut rudder_event_builder,
    json: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        // SAFETY: as above.
        let text = unsafe { input_str(json, "json") }?;
        b.integrations = Some(json_fragment(text, "integrations")?);
        Ok(())
    })
}

/// Lenient validation: reserved-trait problems become warnings (read them with
/// `rudder_event_warnings`) and the event is built as given. Off by default.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_lenient(
    builder: *mut rudder_event_builder,
    lenient: bool,
) -> rudder_status {
    with_builder(builder, |b| {
        b.options.lenient = lenient;
        Ok(())
    })
}

/// The largest serialized event accepted, in bytes; 0 restores the default (32,768).
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_max_event_bytes(
    builder: *mut rudder_event_builder,
    max_event_bytes: usize,
) -> rudder_status {
    with_builder(builder, |b| {
        b.options = c_options(b.options.lenient, max_event_bytes);
        Ok(())
    })
}

/// Validates the builder's fields and builds the event. Consumes `builder`: the pointer is
/// invalid after the call, whatever it returns (do not free it).
///
/// On success `*out_event` receives the event (free it with `rudder_event_free`, or pass it to
/// `rudder_client_enqueue`). On a refused event the status is the code of the first error, and,
/// when `out_issues` is not NULL, `*out_issues` receives every problem (free it with
/// `rudder_issues_free`); `*out_event` is not written. `out_issues` is written only on a
/// validation failure. NULL `out_event` returns `RUDDER_NULL_ARGUMENT` (the builder is still
/// consumed).
#[no_mangle]
pub extern "C" fn rudder_event_builder_build(
    builder: *mut rudder_event_builder,
    out_event: *mut *mut rudder_event,
    out_issues: *mut *mut rudder_issues,
) -> rudder_status {
    guard(|| {
        // SAFETY: NULL or a live builder given up by the caller, per the documented contract.
        let builder = unsafe { take_handle(builder) }.ok_or_else(|| Error::null("builder"))?;
        let out_event = output_ptr(out_event, "out_event")?;
        let (parts, options) = builder.into_parts();
        match parts.validate(&options) {
            Ok(event) => {
                // SAFETY: `out_event` is non-NULL and writable.
                unsafe { out_event.write(rudder_event::into_raw(event)) };
                Ok(())
            }
            Err(err) => {
                // SAFETY: NULL or writable, per the documented contract.
                unsafe { rudder_issues::write_to(err.issues(), out_issues) };
                Err(Error::validation(&err))
            }
        }
    })
}
