//! [`GroupEvent`]: one validated group call, and its canonical JSON.

use crate::issue::Issue;
use crate::traits::GroupTraits;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// One validated group call.
///
/// Built by [`GroupEvent::builder`], parsed by [`GroupEvent::from_json`] or written by a binding
/// with an [`EventWriter`](crate::EventWriter); each validates, so a `GroupEvent` always
/// satisfies the contract. It is immutable: every field has a getter.
///
/// Canonical JSON ([`GroupEvent::to_json`]) writes, in this order: `type`, `messageId`,
/// `groupId`, `userId`?, `anonymousId`?, `traits`, `context`, `integrations`,
/// `originalTimestamp`, `timestamp`? (only when a parsed payload carried one), `sentAt`?,
/// `channel`, then unknown top-level keys of a parsed payload in their order. UTF-8, no
/// insignificant whitespace, numbers with the digits they were given.
///
/// The event is its canonical bytes: they are written once, at validation, and everything else
/// is read from them. The scalar fields are read in place; the other getters parse the bytes
/// the first time one of them is asked (a call through a binding never asks: the event is sent
/// as bytes).
#[derive(Clone)]
pub struct GroupEvent {
    /// The canonical bytes without `sentAt`.
    pub(crate) wire: WireEvent,
    /// Where the scalar fields are in the bytes.
    scalars: Scalars,
    /// A parsed payload's `sentAt` (renewed at every send).
    sent_at: Option<String>,
    warnings: Vec<Issue>,
    /// The fields, parsed from the bytes on first use.
    fields: OnceLock<Box<Fields>>,
    /// `timestamp`, parsed from its bytes on first use.
    timestamp: OnceLock<Option<Value>>,
}

/// Where a string's text (inside its quotes) is in an event's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    pub(crate) const EMPTY: Span = Span { start: 0, end: 0 };

    pub(crate) fn new(start: usize, end: usize) -> Span {
        let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        Span {
            start: at(start),
            end: at(end),
        }
    }

    /// The bytes it spans.
    fn of(self, bytes: &[u8]) -> &[u8] {
        bytes
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The text, when it holds no escape (nearly always).
    fn plain(self, bytes: &[u8]) -> Option<&str> {
        let text = bytes.get(self.start as usize..self.end as usize)?;
        if text.contains(&b'\\') {
            return None;
        }
        std::str::from_utf8(text).ok()
    }
}

/// Where the scalar fields are in an event's bytes: what the getters of a call's event read in
/// place, without parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scalars {
    pub(crate) message_id: Span,
    pub(crate) group_id: Span,
    pub(crate) user_id: Option<Span>,
    pub(crate) anonymous_id: Option<Span>,
    pub(crate) original_timestamp: Span,
    pub(crate) channel: Span,
    /// The bytes of a `timestamp` value (not a string's text: the whole JSON value).
    pub(crate) timestamp: Option<Span>,
    /// Whether the event has unknown top-level keys.
    pub(crate) extra: bool,
}

/// An event's fields, parsed from its bytes.
#[derive(Debug, Clone, Default)]
struct Fields {
    message_id: String,
    group_id: String,
    user_id: Option<String>,
    anonymous_id: Option<String>,
    traits: GroupTraits,
    context: Map<String, Value>,
    integrations: Map<String, Value>,
    original_timestamp: String,
    timestamp: Option<Value>,
    channel: String,
    extra: Map<String, Value>,
}

impl Fields {
    /// Splits the event's own bytes (well-formed, keys unique) into its fields.
    fn parse(bytes: &[u8]) -> Fields {
        let map: Map<String, Value> = serde_json::from_slice(bytes).unwrap_or_default();
        let mut f = Fields::default();
        let string = |v: Value| match v {
            Value::String(s) => s,
            _ => String::new(),
        };
        let object = |v: Value| match v {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for (k, v) in map {
            match k.as_str() {
                "type" | "sentAt" => {}
                "messageId" => f.message_id = string(v),
                "groupId" => f.group_id = string(v),
                "userId" => f.user_id = Some(string(v)),
                "anonymousId" => f.anonymous_id = Some(string(v)),
                "traits" => f.traits = GroupTraits::from_map(object(v)),
                "context" => f.context = object(v),
                "integrations" => f.integrations = object(v),
                "originalTimestamp" => f.original_timestamp = string(v),
                "timestamp" => f.timestamp = Some(v),
                "channel" => f.channel = string(v),
                _ => {
                    f.extra.insert(k, v);
                }
            }
        }
        f
    }
}

/// `,"sentAt":"2022-02-01T19:14:18.381Z"`: what the send adds to every event.
pub const SENT_AT_BYTES: usize = 36;

impl GroupEvent {
    pub(crate) fn from_wire(
        wire: WireEvent,
        scalars: Scalars,
        sent_at: Option<String>,
        warnings: Vec<Issue>,
    ) -> GroupEvent {
        GroupEvent {
            wire,
            scalars,
            sent_at,
            warnings,
            fields: OnceLock::new(),
            timestamp: OnceLock::new(),
        }
    }

    fn fields(&self) -> &Fields {
        self.fields
            .get_or_init(|| Box::new(Fields::parse(&self.wire.bytes)))
    }

    /// The event's id; stays the same across retries.
    pub fn message_id(&self) -> &str {
        match self.scalars.message_id.plain(&self.wire.bytes) {
            Some(id) => id,
            None => &self.fields().message_id,
        }
    }
    /// The group's id.
    pub fn group_id(&self) -> &str {
        match self.scalars.group_id.plain(&self.wire.bytes) {
            Some(id) => id,
            None => &self.fields().group_id,
        }
    }
    /// The user's id, if given.
    pub fn user_id(&self) -> Option<&str> {
        let span = self.scalars.user_id?;
        span.plain(&self.wire.bytes)
            .or_else(|| self.fields().user_id.as_deref())
    }
    /// The anonymous id, if given.
    pub fn anonymous_id(&self) -> Option<&str> {
        let span = self.scalars.anonymous_id?;
        span.plain(&self.wire.bytes)
            .or_else(|| self.fields().anonymous_id.as_deref())
    }
    /// The group's traits.
    pub fn traits(&self) -> &GroupTraits {
        &self.fields().traits
    }
    /// The context, `library` included.
    pub fn context(&self) -> &Map<String, Value> {
        &self.fields().context
    }
    /// The integrations (`{"All": true}` unless given).
    pub fn integrations(&self) -> &Map<String, Value> {
        &self.fields().integrations
    }
    /// When the event happened, in the wire format.
    pub fn original_timestamp(&self) -> &str {
        match self.scalars.original_timestamp.plain(&self.wire.bytes) {
            Some(t) => t,
            None => &self.fields().original_timestamp,
        }
    }
    /// A `timestamp` that a parsed payload carried, untouched.
    pub fn timestamp(&self) -> Option<&Value> {
        let span = self.scalars.timestamp?;
        self.timestamp
            .get_or_init(|| serde_json::from_slice(span.of(&self.wire.bytes)).ok())
            .as_ref()
    }
    /// A `sentAt` that a parsed payload carried (the client renews it at every send).
    pub fn sent_at(&self) -> Option<&str> {
        self.sent_at.as_deref()
    }
    /// The channel (`"server"` unless a parsed payload said otherwise).
    pub fn channel(&self) -> &str {
        match self.scalars.channel.plain(&self.wire.bytes) {
            Some(c) => c,
            None => &self.fields().channel,
        }
    }
    /// Unknown top-level keys of a parsed payload, in their order.
    pub fn extra(&self) -> &Map<String, Value> {
        static NONE: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        if self.scalars.extra {
            &self.fields().extra
        } else {
            &NONE
        }
    }
    /// Reserved-trait problems let through by the lenient setting.
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }

    /// Canonical JSON.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(self.wire.wire_len());
        self.write_json(&mut out);
        // The writer only ever writes UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends canonical JSON to `out` (a copy of bytes made at validation).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match &self.sent_at {
            // A parsed sentAt was checked to be an RFC 3339 instant: nothing in it needs escaping.
            Some(s) => self.wire.write_with_sent_at(out, s),
            None => out.extend_from_slice(&self.wire.bytes),
        }
    }

    /// Canonical JSON without `sentAt`, ready for a send to splice in each attempt's time.
    pub fn to_wire(&self) -> WireEvent {
        self.wire.clone()
    }

    /// Like [`GroupEvent::to_wire`], without a copy.
    pub fn into_wire(self) -> WireEvent {
        self.wire
    }

    /// [`GroupEvent::into_wire`] with the `messageId` (a client queues the one and reports the
    /// other).
    pub fn into_wire_and_id(self) -> (WireEvent, String) {
        let id = self.message_id().to_owned();
        (self.wire, id)
    }

    /// The serialized size as it goes on the wire, `sentAt` included.
    pub fn wire_len(&self) -> usize {
        self.wire.wire_len()
    }

    /// The event as a `serde_json::Value` (keys in canonical order).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.to_json()).unwrap_or(Value::Null)
    }
}

impl std::fmt::Debug for GroupEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupEvent")
            .field("json", &self.to_json())
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl PartialEq for GroupEvent {
    /// The same bytes, `sentAt` and warnings.
    fn eq(&self, other: &Self) -> bool {
        self.wire == other.wire && self.sent_at == other.sent_at && self.warnings == other.warnings
    }
}

/// An event serialized without `sentAt`, and where `sentAt` goes.
///
/// A send renews `sentAt` at every attempt while the rest of the event, `messageId` included,
/// stays byte for byte the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEvent {
    /// Exactly the bytes: an event queued in memory costs them and 24 bytes more.
    bytes: Box<[u8]>,
    /// Where `,"sentAt":…` goes; an event is far below 4 GiB (`max_event_bytes`).
    splice: u32,
}

/// How every event this crate writes begins: its messageId's string starts right after.
const MESSAGE_ID_AT: &[u8] = b"{\"type\":\"group\",\"messageId\":";

impl WireEvent {
    pub(crate) fn new(bytes: Vec<u8>, splice: usize) -> WireEvent {
        WireEvent {
            bytes: bytes.into_boxed_slice(),
            splice: u32::try_from(splice).unwrap_or(u32::MAX),
        }
    }

    /// An event as [`WireEvent::bytes`] and [`WireEvent::splice`] gave it, e.g. read back from
    /// a client's on-disk spool; `None` when `splice` is not a place inside `bytes` where a key
    /// can follow. The bytes are not parsed again: they must come from this crate's writer.
    pub fn from_parts(bytes: Vec<u8>, splice: usize) -> Option<WireEvent> {
        let fits = splice > 0 && splice < bytes.len() && u32::try_from(splice).is_ok();
        let object = bytes.first() == Some(&b'{') && bytes.last() == Some(&b'}');
        (fits && object).then(|| WireEvent::new(bytes, splice))
    }

    /// Where `,"sentAt":…` goes in [`WireEvent::bytes`].
    pub fn splice(&self) -> usize {
        self.splice as usize
    }

    /// The event's messageId, read from its bytes (borrowed unless it holds an escape); empty
    /// for bytes this crate's writer did not make. Queues keep the bytes alone: the id is read
    /// when it is needed (a batch, an outcome), not kept twice.
    pub fn message_id(&self) -> std::borrow::Cow<'_, str> {
        let Some(rest) = self.bytes.strip_prefix(MESSAGE_ID_AT) else {
            return std::borrow::Cow::Borrowed("");
        };
        let plain = rest.get(1..).and_then(|s| {
            let end = s.iter().position(|&b| b == b'"' || b == b'\\')?;
            (s[end] == b'"').then(|| std::str::from_utf8(&s[..end]).ok())?
        });
        match plain {
            Some(id) => std::borrow::Cow::Borrowed(id),
            None => serde_json::Deserializer::from_slice(rest)
                .into_iter::<String>()
                .next()
                .and_then(Result::ok)
                .map_or(std::borrow::Cow::Borrowed(""), std::borrow::Cow::Owned),
        }
    }

    /// The event's bytes without `sentAt`.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Size on the wire with `sentAt` spliced in.
    pub fn wire_len(&self) -> usize {
        self.bytes.len() + SENT_AT_BYTES
    }

    /// Appends the event to `out` with `"sentAt":sent_at` in its canonical place.
    /// `sent_at` must be a wire-format timestamp (it is written without escaping).
    pub fn write_with_sent_at(&self, out: &mut Vec<u8>, sent_at: &str) {
        let (head, tail) = self.bytes.split_at(self.splice());
        out.extend_from_slice(head);
        out.extend_from_slice(b",\"sentAt\":\"");
        out.extend_from_slice(sent_at.as_bytes());
        out.push(b'"');
        out.extend_from_slice(tail);
    }
}

impl serde::Serialize for GroupEvent {
    /// The same keys in the same order as [`GroupEvent::to_json`], with `sentAt` when the event
    /// has one.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&self.to_value(), s)
    }
}

impl<'de> serde::Deserialize<'de> for GroupEvent {
    /// Parses and validates with the default options; the error lists every issue.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        GroupEvent::from_value(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use crate::conversion::JsonWriter;
    use crate::{EventOptions, EventParts, EventWriter, Scalar};
    use serde_json::json;

    /// An event is kept in an allocation of exactly its bytes, however it was written.
    #[test]
    fn an_event_keeps_no_unused_bytes() {
        let options = EventOptions::default();
        let mut w = EventWriter::new(&options);
        w.group_id(Scalar::Str(&"g".repeat(300)));
        w.user_id(Scalar::Str("u"));
        let traits = w.traits();
        traits.begin_object();
        for i in 0..20 {
            traits.key(&format!("key{i}"));
            traits.string(&"v\n".repeat(i * 10));
        }
        traits.end_object();
        let event = w.finish().expect("valid");
        assert_eq!(event.wire.bytes.len(), event.to_json().len());
        let parts = EventParts {
            group_id: Some(json!("\u{1}".repeat(2000))),
            user_id: Some(json!("u")),
            traits: Some(json!({"nested": {"list": [1, 2, 3], "text": "\n".repeat(500)}})),
            ..EventParts::default()
        };
        let event = parts.validate(&options).expect("valid");
        assert!(event.group_id().starts_with('\u{1}'));
        assert!(event.to_json().len() > 3000);
        let _ = JsonWriter::default();
    }

    /// The scalar getters of an event read its bytes in place: a drop-in reads them for every
    /// call, and a parse of the whole event would cost more than the call. `timestamp` parses
    /// its own bytes alone.
    #[test]
    fn scalar_getters_parse_nothing_else() {
        let parts = EventParts {
            group_id: Some(json!("g")),
            user_id: Some(json!("u")),
            anonymous_id: Some(json!("a")),
            timestamp: Some(json!("2022-02-01T19:14:18.381Z")),
            ..EventParts::default()
        };
        let event = parts.validate(&EventOptions::default()).expect("valid");
        assert_eq!(
            (event.group_id(), event.user_id(), event.anonymous_id()),
            ("g", Some("u"), Some("a"))
        );
        assert_eq!(event.message_id().len(), 36);
        assert_eq!(event.original_timestamp().len(), 24);
        assert_eq!(event.channel(), "server");
        assert!(event.extra().is_empty());
        assert_eq!(event.timestamp(), Some(&json!("2022-02-01T19:14:18.381Z")));
        assert!(
            event.fields.get().is_none(),
            "a scalar getter parsed the event"
        );
        // A parsed payload's own channel, and unknown keys, read the same way or by a parse.
        let parsed = crate::GroupEvent::from_json(
            r#"{"groupId":"g","userId":"u","channel":"web\"x","extra":{"k":[1]}}"#,
        )
        .expect("valid");
        assert_eq!(parsed.channel(), "web\"x");
        assert_eq!(parsed.extra()["extra"], json!({"k": [1]}));
    }

    /// The messageId is read back from the bytes, escaped or not, as the writer wrote it.
    #[test]
    fn the_message_id_is_read_from_the_bytes() {
        for id in ["5f1a-uuid", "with \"quotes\" and \\", "ünïcode ✓", "\u{1}"] {
            let event = crate::GroupEvent::builder("g")
                .user_id("u")
                .message_id(id)
                .build()
                .expect("valid");
            assert_eq!(event.message_id(), id);
            let wire = event.into_wire();
            assert_eq!(wire.message_id(), id);
            let copy = super::WireEvent::from_parts(wire.bytes().to_vec(), wire.splice());
            assert_eq!(copy.expect("parts").message_id(), id);
        }
        let foreign = super::WireEvent::from_parts(b"{\"a\":1,\"b\":2}".to_vec(), 6);
        assert_eq!(foreign.expect("parts").message_id(), "");
    }
}
