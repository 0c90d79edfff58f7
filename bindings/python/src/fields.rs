//! The fields of a group call (keyword arguments, or a payload dict) as the core's `EventParts`,
//! and the validation settings shared by `GroupEvent.build`, `validate` and `Client`.

use crate::config::settings_error;
use crate::convert::Converter;
use crate::scalars::{datetime_string, instant_string, std_types};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict};
use rudder_group::conversion as kit;
use rudder_group::serde_json::Value;
use rudder_group::{ErrorCode, EventOptions, EventParts, Issue, Library, ValidationError};
use rudder_group_client::settings::{self, Value as Setting};

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
}

impl<'py> CallFields<'_, 'py> {
    /// Converts every field; problems with values go to `parts.issues`. Returns the parts and
    /// their size in bytes, or `EVENT_TOO_LARGE` once the values pass `max_event_bytes`.
    pub(crate) fn into_parts(
        self,
        py: Python<'py>,
        max_event_bytes: usize,
    ) -> Result<(EventParts, usize), ValidationError> {
        let mut conv = Converter::new(py, max_event_bytes);
        let mut field = |obj: Option<&Bound<'py, PyAny>>, name: &'static str| -> Option<Value> {
            let obj = obj?;
            if obj.is_none() {
                return None;
            }
            conv.path.push_key(name);
            let v = conv.value(obj);
            conv.path.pop();
            Some(v)
        };
        let mut parts = EventParts {
            message_id: field(self.message_id, "messageId"),
            group_id: field(Some(self.group_id), "groupId"),
            user_id: field(self.user_id, "userId"),
            anonymous_id: field(self.anonymous_id, "anonymousId"),
            traits: field(self.traits, "traits"),
            context: field(self.context, "context"),
            integrations: field(self.integrations, "integrations"),
            timestamp_argument: true,
            ..EventParts::default()
        };
        parts.original_timestamp = match self.timestamp {
            Some(t) if !t.is_none() => Some(timestamp(&mut conv, t)),
            _ => None,
        };
        let size = conv.size();
        parts.issues = conv.finish()?;
        Ok((parts, size))
    }
}

/// `timestamp=`: an aware datetime in the wire format; a naive one is refused (it names no
/// instant); anything else is converted and left to the core (a str must be RFC 3339). Problems
/// are reported at `/timestamp`, the argument the caller wrote.
fn timestamp<'py>(conv: &mut Converter<'py>, t: &Bound<'py, PyAny>) -> Value {
    conv.path.push_key("timestamp");
    let v = match t.cast::<PyDateTime>() {
        Ok(dt) => match instant_string(dt) {
            Ok(Some(s)) => Value::String(s),
            Ok(None) => {
                let naive = std_types(t.py()).and_then(|types| datetime_string(dt, types));
                let shown = naive.unwrap_or_else(|_| "?".to_owned());
                conv.report(|p| {
                    kit::with_hint(
                        kit::invalid_timestamp(p, "timestamp", &shown),
                        "a naive datetime names no instant: give it a time zone, e.g. \
                         datetime.now(timezone.utc) or dt.replace(tzinfo=timezone.utc)",
                    )
                })
            }
            Err(e) => conv.report(|p| {
                Issue::error(
                    ErrorCode::InvalidTimestamp,
                    p,
                    format!("this datetime cannot be converted to UTC: {e}"),
                )
            }),
        },
        Err(_) => conv.value(t),
    };
    conv.path.pop();
    v
}

/// A payload dict (camelCase keys, as on the wire) as parts, with their size in bytes, or
/// `EVENT_TOO_LARGE` once its values pass `max_event_bytes`.
pub(crate) fn payload_parts(
    py: Python<'_>,
    payload: &Bound<'_, PyDict>,
    max_event_bytes: usize,
) -> Result<(EventParts, usize), ValidationError> {
    let mut conv = Converter::new(py, max_event_bytes);
    let value = conv.value(payload.as_any());
    let map = match value {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    let mut parts = EventParts::from_map(map);
    let size = conv.size();
    parts.issues = conv.finish()?;
    Ok((parts, size))
}

/// Validation settings: `validation` is `"strict"` or `"lenient"`.
pub(crate) fn event_options(
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
