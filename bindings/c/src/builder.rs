//! `rudder_event_builder`: a group call made field by field, validated all at once by `build`.

use crate::error::{guard, Error, Result};
use crate::event::rudder_event;
use crate::issues::rudder_issues;
use crate::options::c_options;
use crate::status::rudder_status;
use rudder_group_core::serde_json::Value;
use rudder_group_core::{parse_value, GroupEvent, GroupEventBuilder};

/// A group event being built: the core's builder behind a handle. Made by
/// `rudder_event_builder_new`; consumed by `rudder_event_builder_build` or freed with
/// `rudder_event_builder_free`.
///
/// Not thread-safe: use one builder from one thread at a time (it may move between threads).
pub struct rudder_event_builder {
    inner: GroupEventBuilder,
}

impl rudder_event_builder {
    /// The core's builder, for a client to validate with its own options.
    pub(crate) fn into_inner(self) -> GroupEventBuilder {
        self.inner
    }
}

impl std::ops::Deref for rudder_event_builder {
    type Target = GroupEventBuilder;
    fn deref(&self) -> &GroupEventBuilder {
        &self.inner
    }
}

impl std::ops::DerefMut for rudder_event_builder {
    fn deref_mut(&mut self) -> &mut GroupEventBuilder {
        &mut self.inner
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

/// Runs a setter on a live builder with one checked input string.
pub(crate) fn with_builder(
    builder: *mut rudder_event_builder,
    set: impl FnOnce(&mut rudder_event_builder) -> Result<()>,
) -> rudder_status {
    guard(|| {
        let builder = arg!(mut builder);
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
        let group_id = arg!(str group_id).to_owned();
        let out = arg!(out out);
        let mut inner = GroupEvent::builder(group_id);
        inner.set_options(c_options(false, 0));
        let builder = rudder_event_builder { inner };
        out.write(Box::into_raw(Box::new(builder)));
        Ok(())
    })
}

/// Frees a builder that was not built. NULL is accepted and ignored.
#[no_mangle]
pub extern "C" fn rudder_event_builder_free(builder: *mut rudder_event_builder) {
    ffi_free!(builder)
}

/// Sets `userId` (who joins the group). The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_user_id(
    builder: *mut rudder_event_builder,
    user_id: *const std::ffi::c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        b.set_user_id(arg!(str user_id));
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
        b.set_anonymous_id(arg!(str anonymous_id));
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
        b.set_message_id(arg!(str message_id));
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
        b.set_original_timestamp(arg!(str timestamp));
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
        let text = arg!(str json);
        b.set_context_value(json_fragment(text, "context")?);
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
        let text = arg!(str json);
        b.set_integrations_value(json_fragment(text, "integrations")?);
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
        let max = b.event_options().max_event_bytes;
        b.set_options(c_options(lenient, max));
        Ok(())
    })
}

/// The largest serialized event accepted, in bytes; 0 restores the default (the settings table's
/// `max_event_bytes`, as `rudder_client_config_set_max_event_bytes` states it).
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_max_event_bytes(
    builder: *mut rudder_event_builder,
    max_event_bytes: usize,
) -> rudder_status {
    with_builder(builder, |b| {
        let lenient = b.event_options().lenient;
        b.set_options(c_options(lenient, max_event_bytes));
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
        let builder = arg!(take builder).ok_or_else(|| Error::null("builder"))?;
        let out_event = arg!(out out_event);
        match builder.inner.build() {
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
