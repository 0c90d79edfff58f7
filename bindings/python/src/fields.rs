//! The fields of a group call: keyword arguments written into an event (the core's
//! `EventWriter`), or a payload dict as the core's `EventParts`;
//! and the validation settings shared by `GroupEvent.build`, `validate` and `Client`.

use crate::config::settings_error;
use crate::convert::Converter;
use crate::scalars::{datetime_string, instant_string, std_types};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict};
use rudder_group::conversion as kit;
use rudder_group::serde_json::Value;
use rudder_group::{
    ErrorCode, EventOptions, EventParts, EventWriter, GroupEvent, Issue, Library, Scalar,
    ValidationError,
};
use rudder_group_client::settings::{self, Value as Setting};
use std::sync::OnceLock;

// The Python signatures write the default limit as a literal (for their text signature).
const _: () = assert!(rudder_group::DEFAULT_MAX_EVENT_BYTES == 32768);

/// Converted size above which validation and serialization run with the GIL released.
pub(crate) const DETACH_BYTES: usize = 16 * 1024;

/// The arguments of `GroupEvent.build` and `Client.group`.
pub(crate) struct CallFields<'a, 'py> {
    pub(crate) group_id: &'a Bound<'py, PyAny>,
    pub(crate) traits: Option<&'a Bound<'py, PyAny>>,
    pub(crate) user_id: Option<&'a Bound<'py, PyAny>>,
    pub(crate) anonymous_id: Option<&'a Bound<'py, PyAny>>,
    pub(crate) context: Option<&'a Bound<'py, PyAny>>,
    pub(crate) integrations: Option<&'a Bound<'py, PyAny>>,
    pub(crate) timestamp: Option<&'a Bound<'py, PyAny>>,
    pub(crate) message_id: Option<&'a Bound<'py, PyAny>>,
    /// Sent as the event's `timestamp`, unchanged (`EventParts::timestamp`, checked as a parsed
    /// payload's): the drop-in's caller's timestamp, which the data plane then keeps.
    pub(crate) wire_timestamp: Option<&'a Bound<'py, PyAny>>,
}

impl<'a, 'py> CallFields<'a, 'py> {
    /// Converts every field straight into the event's bytes (the core's `EventWriter`, in the
    /// order of the event's keys, so that issues come in that order) and validates it on the
    /// way. Returns the event and the size of the values converted, or every problem
    /// (`EVENT_TOO_LARGE` once the values pass `max_event_bytes`).
    pub(crate) fn into_event(
        self,
        py: Python<'py>,
        options: &EventOptions,
    ) -> Result<(GroupEvent, usize), ValidationError> {
        let mut conv = Converter::new(py, options.max_event_bytes);
        let mut w = EventWriter::new(options);
        let given = |obj: Option<&'a Bound<'py, PyAny>>| obj.filter(|o| !o.is_none());
        conv.scalar_field("messageId", self.message_id, |v| w.message_id(v));
        conv.scalar_field("groupId", Some(self.group_id), |v| w.group_id(v));
        conv.scalar_field("userId", self.user_id, |v| w.user_id(v));
        conv.scalar_field("anonymousId", self.anonymous_id, |v| w.anonymous_id(v));
        if let Some(obj) = given(self.traits) {
            conv.object_field("traits", obj, w.traits());
        }
        if let Some(obj) = given(self.context) {
            conv.object_field("context", obj, w.context());
        }
        if let Some(obj) = given(self.integrations) {
            conv.object_field("integrations", obj, w.integrations());
        }
        let mut original = given(self.timestamp).map(|t| timestamp(&mut conv, t));
        let wire = given(self.wire_timestamp).map(|t| conv.value_field("timestamp", t));
        // The time of the event is the caller's: without a `timestamp=` of its own, the
        // event's `originalTimestamp` is the wire timestamp's instant (in the wire format),
        // not the time of the call. One that is no instant is reported once, at /timestamp.
        if original.is_none() {
            if let Some(Value::String(s)) = &wire {
                original = rudder_group::time::parse_instant(s)
                    .map(|at| Value::String(rudder_group::time::format_millis(at)));
            }
        }
        w.original_timestamp(Scalar::of_option(original.as_ref()), true);
        w.timestamp(wire.as_ref());
        let size = conv.size();
        w.conversion_issues(conv.finish()?);
        Ok((w.finish()?, size))
    }
}

/// `timestamp=`: an aware datetime in the wire format; a naive one is refused (it names no
/// instant); anything else is converted and left to the core (a str must be RFC 3339). Problems
/// are reported at `/timestamp`, the argument the caller wrote.
fn timestamp<'py>(conv: &mut Converter<'py>, t: &Bound<'py, PyAny>) -> Value {
    let Ok(dt) = t.cast::<PyDateTime>() else {
        return conv.value_field("timestamp", t);
    };
    match instant_string(dt) {
        Ok(Some(s)) => Value::String(s),
        Ok(None) => {
            let naive = std_types(t.py()).and_then(|types| datetime_string(dt, types));
            let shown = naive.unwrap_or_else(|_| "?".to_owned());
            conv.report_at("timestamp", |p| {
                kit::with_hint(
                    kit::invalid_timestamp(p, "timestamp", &shown),
                    "a naive datetime names no instant: give it a time zone, e.g. \
                     datetime.now(timezone.utc) or dt.replace(tzinfo=timezone.utc)",
                )
            })
        }
        Err(e) => conv.report_at("timestamp", |p| {
            Issue::error(
                ErrorCode::InvalidTimestamp,
                p,
                format!("this datetime cannot be converted to UTC: {e}"),
            )
        }),
    }
}

/// A payload dict (camelCase keys, as on the wire) as parts, with their size in bytes, or
/// `EVENT_TOO_LARGE` once its values pass `max_event_bytes`.
pub(crate) fn payload_parts(
    py: Python<'_>,
    payload: &Bound<'_, PyDict>,
    max_event_bytes: usize,
) -> Result<(EventParts, usize), ValidationError> {
    let mut conv = Converter::new(py, max_event_bytes);
    let value = conv.payload(payload.as_any());
    let map = match value {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    let mut parts = EventParts::from_map(map);
    let size = conv.size();
    parts.issues = conv.finish()?;
    Ok((parts, size))
}

/// Validation settings: `validation` is `"strict"` or `"lenient"`. The settings table's answer
/// for the defaults is read once: most calls give no option.
pub(crate) fn event_options(
    py: Python<'_>,
    validation: &str,
    max_event_bytes: i64,
) -> PyResult<EventOptions> {
    static DEFAULTS: OnceLock<EventOptions> = OnceLock::new();
    if validation == "strict" && max_event_bytes == 32768 {
        if let Some(options) = DEFAULTS.get() {
            return Ok(options.clone());
        }
        let options = read_event_options(py, validation, max_event_bytes)?;
        return Ok(DEFAULTS.get_or_init(|| options).clone());
    }
    read_event_options(py, validation, max_event_bytes)
}

fn read_event_options(
    py: Python<'_>,
    validation: &str,
    max_event_bytes: i64,
) -> PyResult<EventOptions> {
    let validation = Setting::Str(validation.to_owned());
    let max = Setting::Int(i128::from(max_event_bytes));
    settings::event_options(
        Library::Python,
        [("validation", &validation), ("max_event_bytes", &max)],
    )
    .map_err(|e| settings_error(py, &e))
}
