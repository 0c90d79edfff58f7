//! Parsing a payload as a data plane would receive it: JSON text or a `serde_json::Value`.

use crate::conversion::{not_an_object, too_deep};
use crate::event::GroupEvent;
use crate::issue::{push_segment, ValidationError};
use crate::options::{EventOptions, MAX_DEPTH};
use crate::validate::EventParts;
use crate::ErrorCode;
use serde_json::Value;

impl GroupEvent {
    /// Parses and validates JSON text with the default options.
    pub fn from_json(text: &str) -> Result<GroupEvent, ValidationError> {
        GroupEvent::from_json_with(text, &EventOptions::default())
    }

    /// Parses and validates JSON text.
    ///
    /// Text that is not JSON, or JSON that is not an object, is `INVALID_JSON`; nesting past the
    /// parser's own limit is `TOO_DEEP` with the path of the first container too deep.
    pub fn from_json_with(
        text: &str,
        options: &EventOptions,
    ) -> Result<GroupEvent, ValidationError> {
        let value = parse_value(text)?;
        GroupEvent::from_value_with(value, options)
    }

    /// Validates a parsed payload with the default options.
    pub fn from_value(value: Value) -> Result<GroupEvent, ValidationError> {
        GroupEvent::from_value_with(value, &EventOptions::default())
    }

    /// Validates a parsed payload. Unknown top-level keys are kept.
    pub fn from_value_with(
        value: Value,
        options: &EventOptions,
    ) -> Result<GroupEvent, ValidationError> {
        match value {
            Value::Object(map) => EventParts::from_map(map).validate(options),
            other => Err(not_an_object(crate::traits::kind(&other)).into()),
        }
    }
}

/// Parses JSON text into a value, mapping failures to `INVALID_JSON` or `TOO_DEEP`.
pub fn parse_value(text: &str) -> Result<Value, ValidationError> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            Err(ValidationError::from(too_deep(deep_path(text))))
        }
        Err(e) => Err(ValidationError::single(
            ErrorCode::InvalidJson,
            "",
            format!("not valid JSON: {e}"),
        )),
    }
}

/// The path of the first container past the depth limit, found by a second, path-tracking parse
/// (only on this error path).
fn deep_path(text: &str) -> String {
    let mut de = serde_json::Deserializer::from_str(text);
    let Err(err) = serde_path_to_error::deserialize::<_, Value>(&mut de) else {
        return String::new();
    };
    let mut path = String::new();
    for seg in err.path().iter().take(MAX_DEPTH) {
        match seg {
            serde_path_to_error::Segment::Seq { index } => {
                path.push('/');
                path.push_str(&index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => push_segment(&mut path, key),
            serde_path_to_error::Segment::Enum { variant } => push_segment(&mut path, variant),
            serde_path_to_error::Segment::Unknown => path.push_str("/?"),
        }
    }
    path
}
