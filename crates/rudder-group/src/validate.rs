//! Validation: [`EventParts`] in, a [`GroupEvent`] or every problem out.

use crate::event::{Field, GroupEvent, WireEvent};
use crate::field_checks::{
    add_library, channel_of, check_timestamp, check_type, context_of, group_id_of, identity_of,
    integrations_of, message_id_of, original_timestamp_of, scan_values, sent_at_of, traits_of,
    Object,
};
use crate::issue::{Issue, ValidationError};
use crate::options::EventOptions;
use crate::traits::GroupTraits;
use crate::writer::WrittenObject;
use crate::ErrorCode;
use serde_json::{Map, Value};

/// The raw fields of a group call, before validation, as JSON values.
///
/// This is what a binding fills after converting its language's values (keyword arguments, a
/// dict, a JS object). `None` and `Some(Value::Null)` both mean "not given", except for
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
    /// Object fields a binding wrote as canonical JSON while converting them.
    pub written: WrittenFields,
    /// Problems a binding found while converting values.
    pub issues: Vec<Issue>,
}

/// `traits`, `context` and `integrations` as a binding wrote them with a
/// [`JsonWriter`](crate::conversion::JsonWriter): each takes the place of the
/// [`EventParts`] field of the same name (which the binding leaves `None`), and validation
/// reads only the few entries it checks instead of a whole `serde_json` tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrittenFields {
    /// `traits`, written.
    pub traits: Option<WrittenObject>,
    /// `context`, written.
    pub context: Option<WrittenObject>,
    /// `integrations`, written.
    pub integrations: Option<WrittenObject>,
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
        let event = assemble(&mut parts, options)?;
        check_size(event.wire_len(), options, &event)?;
        Ok(event)
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
        let written = [
            self.written.traits.is_some(),
            self.written.context.is_some(),
            self.written.integrations.is_some(),
        ];
        for (slot, value, key, written) in [
            (&mut self.message_id, found.message_id, "messageId", false),
            (&mut self.group_id, found.group_id, "groupId", false),
            (&mut self.user_id, found.user_id, "userId", false),
            (
                &mut self.anonymous_id,
                found.anonymous_id,
                "anonymousId",
                false,
            ),
            (&mut self.traits, found.traits, "traits", written[0]),
            (&mut self.context, found.context, "context", written[1]),
            (
                &mut self.integrations,
                found.integrations,
                "integrations",
                written[2],
            ),
            (
                &mut self.original_timestamp,
                found.original_timestamp,
                "originalTimestamp",
                false,
            ),
            (&mut self.timestamp, found.timestamp, "timestamp", false),
            (&mut self.sent_at, found.sent_at, "sentAt", false),
            (&mut self.event_type, found.event_type, "type", false),
            (&mut self.channel, found.channel, "channel", false),
        ] {
            match (slot.is_some() || written, value) {
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

/// Checks every field and builds the event; reads as one call per field, each adding its
/// problems to `errors` (and reserved-trait warnings to `warnings` when lenient).
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
        written,
        issues,
    } = parts;
    let (message_id, group_id, user_id) = (message_id.take(), group_id.take(), user_id.take());
    let (anonymous_id, traits, context) = (anonymous_id.take(), traits.take(), context.take());
    let (integrations, timestamp, sent_at) =
        (integrations.take(), timestamp.take(), sent_at.take());
    let (original_timestamp, timestamp_argument) = (original_timestamp.take(), *timestamp_argument);
    let (event_type, channel) = (event_type.take(), channel.take());
    let (extra, written) = (std::mem::take(extra), std::mem::take(written));
    let mut errors = std::mem::take(issues);
    let mut warnings = Vec::new();
    let e = &mut errors;
    check_type(event_type, e);
    let message_id = message_id_of(message_id, e);
    let group_id = group_id_of(group_id, e);
    let (user_id, anonymous_id) = identity_of(user_id, anonymous_id, e);
    let mut traits = traits_of(traits, written.traits, options, e, &mut warnings);
    let mut context = context_of(context, written.context, e);
    let mut integrations = integrations_of(integrations, written.integrations, e);
    let original_timestamp = original_timestamp_of(original_timestamp, timestamp_argument, e);
    check_timestamp(timestamp.as_ref(), e);
    let sent_at = sent_at_of(sent_at, e);
    let channel = channel_of(channel, e);
    scan_values(
        &mut traits,
        &mut context,
        &mut integrations,
        &extra,
        timestamp.as_ref(),
        e,
    );
    add_library(&mut context, options);

    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(ValidationError::new(errors));
    }
    let mut event = GroupEvent {
        message_id,
        group_id,
        user_id,
        anonymous_id,
        traits: field(traits, GroupTraits::from_map),
        context: field(context, |m| m),
        integrations: field(integrations, |m| m),
        original_timestamp,
        timestamp,
        sent_at,
        channel,
        extra,
        warnings,
        wire: WireEvent::empty(),
    };
    event.wire = event.serialize_wire();
    Ok(event)
}

/// An object field of the event, as validated.
fn field<T: crate::event::ObjectOf>(
    object: Object,
    tree: impl FnOnce(Map<String, Value>) -> T,
) -> Field<T> {
    match object {
        Object::Tree(map) => Field::tree(tree(map)),
        Object::Written(w) => Field::written(w.into_bytes()),
    }
}

/// `EVENT_TOO_LARGE`, with the event's lenient warnings after it.
fn check_size(
    size: usize,
    options: &EventOptions,
    event: &GroupEvent,
) -> Result<(), ValidationError> {
    if size <= options.max_event_bytes {
        return Ok(());
    }
    let mut issues = vec![event_too_large(size, options.max_event_bytes)];
    issues.extend(event.warnings.iter().cloned());
    Err(ValidationError::new(issues))
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
