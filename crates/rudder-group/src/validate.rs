//! Validation: [`EventParts`] in, a [`GroupEvent`] or every problem out.

use crate::event::GroupEvent;
use crate::event_writer::{EventWriter, Scalar, Step as FieldStep};
use crate::issue::{Issue, ValidationError};
use crate::options::EventOptions;
use crate::ErrorCode;
use serde_json::{Map, Value};

/// The raw fields of a group call, before validation, as JSON values.
///
/// This is what a payload given as values becomes (parsed JSON, a Python dict, a JS object given
/// to `validate()`, the Rust builder's fields); a call's arguments go to an
/// [`EventWriter`](crate::EventWriter) instead, and `validate` runs the same writer over these
/// values. `None` and `Some(Value::Null)` both mean "not given", except for
/// `timestamp`, which a parsed payload keeps untouched. A binding reports values it could not
/// convert (a function, a cycle, NaN) in `issues` with their path and puts `null` in their place;
/// validation then adds every other problem, so all of an event's problems come back together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventParts {
    /// `messageId`: a string or an integer; generated when absent.
    pub message_id: Option<Value>,
    /// `groupId`: a string or an integer; required.
    pub group_id: Option<Value>,
    /// `userId`: a string or an integer.
    pub user_id: Option<Value>,
    /// `anonymousId`: a string or an integer.
    pub anonymous_id: Option<Value>,
    /// `traits`: an object.
    pub traits: Option<Value>,
    /// `context`: an object; `library` is set by the SDK.
    pub context: Option<Value>,
    /// `integrations`: an object; `{"All": true}` when absent.
    pub integrations: Option<Value>,
    /// `originalTimestamp`: an RFC 3339 string; the time of the call when absent.
    pub original_timestamp: Option<Value>,
    /// `original_timestamp` came from a call's `timestamp` argument: its problems are reported
    /// at `/timestamp`, the key the caller wrote.
    pub timestamp_argument: bool,
    /// `timestamp` of a parsed payload, kept untouched (must be a valid timestamp).
    pub timestamp: Option<Value>,
    /// `sentAt` of a parsed payload (renewed at every send).
    pub sent_at: Option<Value>,
    /// `type` of a parsed payload: must be `"group"`.
    pub event_type: Option<Value>,
    /// `channel` of a parsed payload: a string; `"server"` when absent.
    pub channel: Option<Value>,
    /// Unknown top-level keys, kept in order.
    pub extra: Map<String, Value>,
    /// Problems a binding found while converting values.
    pub issues: Vec<Issue>,
}

impl EventParts {
    /// Splits a payload object into its fields; unknown keys go to `extra` in order.
    pub fn from_map(map: Map<String, Value>) -> EventParts {
        let mut p = EventParts::default();
        for (k, v) in map {
            let slot = match k.as_str() {
                "messageId" => &mut p.message_id,
                "groupId" => &mut p.group_id,
                "userId" => &mut p.user_id,
                "anonymousId" => &mut p.anonymous_id,
                "traits" => &mut p.traits,
                "context" => &mut p.context,
                "integrations" => &mut p.integrations,
                "originalTimestamp" => &mut p.original_timestamp,
                "timestamp" => &mut p.timestamp,
                "sentAt" => &mut p.sent_at,
                "type" => &mut p.event_type,
                "channel" => &mut p.channel,
                _ => {
                    p.extra.insert(k, v);
                    continue;
                }
            };
            *slot = Some(v);
        }
        p
    }

    /// Validates the parts into an event.
    // Inlined into a binding's call, with `assemble`, so that the parts (over a kilobyte) are
    // not copied at each call boundary on the way.
    #[inline]
    pub fn validate(self, options: &EventOptions) -> Result<GroupEvent, ValidationError> {
        let mut parts = self;
        parts.fields_out_of_extra();
        assemble(&mut parts, options)
    }
}

impl EventParts {
    /// A field's key in `extra` (filled by hand, not by `from_map`) moves to its field, so that
    /// no key is written twice; a field given both ways is an error. In place: the parts are
    /// large, and a call gives no extra keys.
    fn fields_out_of_extra(&mut self) {
        if self.extra.is_empty() {
            return;
        }
        let mut found = EventParts::from_map(std::mem::take(&mut self.extra));
        self.extra = std::mem::take(&mut found.extra);
        let mut twice = Vec::new();
        for (slot, value, key) in [
            (&mut self.message_id, found.message_id, "messageId"),
            (&mut self.group_id, found.group_id, "groupId"),
            (&mut self.user_id, found.user_id, "userId"),
            (&mut self.anonymous_id, found.anonymous_id, "anonymousId"),
            (&mut self.traits, found.traits, "traits"),
            (&mut self.context, found.context, "context"),
            (&mut self.integrations, found.integrations, "integrations"),
            (
                &mut self.original_timestamp,
                found.original_timestamp,
                "originalTimestamp",
            ),
            (&mut self.timestamp, found.timestamp, "timestamp"),
            (&mut self.sent_at, found.sent_at, "sentAt"),
            (&mut self.event_type, found.event_type, "type"),
            (&mut self.channel, found.channel, "channel"),
        ] {
            match (slot.is_some(), value) {
                (_, None) => {}
                (false, value) => *slot = value,
                (true, Some(_)) => twice.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    format!("/{key}"),
                    format!("{key} is given twice: as a field and among the extra keys"),
                )),
            }
        }
        self.issues.extend(twice);
    }
}

/// Writes the parts through an [`EventWriter`], which checks every field on the way.
#[inline]
fn assemble(parts: &mut EventParts, options: &EventOptions) -> Result<GroupEvent, ValidationError> {
    // Every field (the pattern names them all), taken out of the parts where they are rather
    // than moved with them.
    let EventParts {
        message_id,
        group_id,
        user_id,
        anonymous_id,
        traits,
        context,
        integrations,
        original_timestamp,
        timestamp_argument,
        timestamp,
        sent_at,
        event_type,
        channel,
        extra,
        issues,
    } = parts;
    let mut w = EventWriter::new(options);
    w.conversion_issues(std::mem::take(issues));
    w.check_type(event_type.as_ref());
    w.message_id(Scalar::of_option(message_id.as_ref()));
    w.group_id(Scalar::of_option(group_id.as_ref()));
    w.user_id(Scalar::of_option(user_id.as_ref()));
    w.anonymous_id(Scalar::of_option(anonymous_id.as_ref()));
    w.tree_field(FieldStep::Traits, traits.take());
    w.tree_field(FieldStep::Context, context.take());
    w.tree_field(FieldStep::Integrations, integrations.take());
    w.original_timestamp(
        Scalar::of_option(original_timestamp.as_ref()),
        *timestamp_argument,
    );
    w.timestamp(timestamp.as_ref());
    w.sent_at(sent_at.as_ref());
    w.channel(Scalar::of_option(channel.as_ref()));
    for (key, value) in extra.iter() {
        w.extra(key, value);
    }
    w.finish()
}

/// `EVENT_TOO_LARGE` at `""`: the event takes `size` bytes on the wire (`sentAt` included), over
/// the limit of `max_event_bytes`. Validation and a client's own limit say it with these words.
pub fn event_too_large(size: usize, max_event_bytes: usize) -> Issue {
    Issue::error(
        ErrorCode::EventTooLarge,
        "",
        format!(
            "the event is {size} bytes serialized with sentAt, over the limit of {max_event_bytes} bytes"
        ),
    )
}
