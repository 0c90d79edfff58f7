//! The fields of a group call (keyword arguments, or a payload dict) as the core's `EventParts`,
//! and the validation settings shared by `GroupEvent.build`, `validate` and `Client`.

use crate::config::settings_error;
use crate::convert::Converter;
use crate::path::{Path, Seg};
use crate::text::instant_string;
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict};
use rudder_group::serde_json::Value;
use rudder_group::{ErrorCode, EventOptions, EventParts, Issue, Library};
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
    /// Converts every field; problems with values go to `parts.issues`. Returns the parts and a
    /// rough size in bytes.
    pub(crate) fn into_parts(self, py: Python<'py>) -> (EventParts, usize) {
        let mut conv = Converter::new(py);
        let mut field = |obj: Option<&Bound<'py, PyAny>>, name: &'static str| -> Option<Value> {
            let obj = obj?;
            if obj.is_none() {
                return None;
            }
            let path = Path::ROOT.child(Seg::Key(name));
            Some(conv.value(obj, &path, 2))
        };
        let mut parts = EventParts {
            message_id: field(self.message_id, "messageId"),
            group_id: field(Some(self.group_id), "groupId"),
            user_id: field(self.user_id, "userId"),
            anonymous_id: field(self.anonymous_id, "anonymousId"),
            traits: field(self.traits, "traits"),
            context: field(self.context, "context"),
            integrations: field(self.integrations, "integrations"),
            ..EventParts::default()
        };
        parts.original_timestamp = match self.timestamp {
            Some(t) if !t.is_none() => Some(timestamp(&mut conv, t)),
            _ => None,
        };
        parts.issues = conv.issues;
        (parts, conv.size)
    }
}

/// `timestamp=`: an aware datetime in the wire format; a naive one is refused (it names no
/// instant); anything else is converted and left to the core (a str must be RFC 3339).
fn timestamp<'py>(conv: &mut Converter<'py>, t: &Bound<'py, PyAny>) -> Value {
    let path = Path::ROOT.child(Seg::Key("originalTimestamp"));
    if let Ok(dt) = t.cast::<PyDateTime>() {
        let problem = match instant_string(dt) {
            Ok(Some(s)) => return Value::String(s),
            Ok(None) => "a naive datetime names no instant: give it a time zone, e.g. \
                 datetime.now(timezone.utc) or dt.replace(tzinfo=timezone.utc)"
                .to_owned(),
            Err(e) => format!("this datetime cannot be converted to UTC: {e}"),
        };
        conv.issues.push(Issue::error(
            ErrorCode::InvalidTimestamp,
            path.render(),
            problem,
        ));
        return Value::Null;
    }
    conv.value(t, &path, 2)
}

/// A payload dict (camelCase keys, as on the wire) as parts.
pub(crate) fn payload_parts(py: Python<'_>, payload: &Bound<'_, PyDict>) -> (EventParts, usize) {
    let mut conv = Converter::new(py);
    let value = conv.value(payload.as_any(), &Path::ROOT, 1);
    let map = match value {
        Value::Object(map) => map,
        _ => Default::default(),
    };
    let mut parts = EventParts::from_map(map);
    parts.issues = conv.issues;
    (parts, conv.size)
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
