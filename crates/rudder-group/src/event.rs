//! [`GroupEvent`]: one validated group call, and its canonical JSON.

use crate::issue::Issue;
use crate::traits::GroupTraits;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

/// One validated group call.
///
/// Built by [`GroupEvent::builder`] or parsed by [`GroupEvent::from_json`]; both validate, so a
/// `GroupEvent` always satisfies the contract. It is immutable: every field has a getter.
///
/// Canonical JSON ([`GroupEvent::to_json`]) writes, in this order: `type`, `messageId`,
/// `groupId`, `userId`?, `anonymousId`?, `traits`, `context`, `integrations`,
/// `originalTimestamp`, `timestamp`? (only when a parsed payload carried one), `sentAt`?,
/// `channel`, then unknown top-level keys of a parsed payload in their order. UTF-8, no
/// insignificant whitespace, numbers with the digits they were given.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEvent {
    pub(crate) message_id: String,
    pub(crate) group_id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) anonymous_id: Option<String>,
    pub(crate) traits: Field<GroupTraits>,
    pub(crate) context: Field<Map<String, Value>>,
    pub(crate) integrations: Field<Map<String, Value>>,
    pub(crate) original_timestamp: String,
    pub(crate) timestamp: Option<Value>,
    pub(crate) sent_at: Option<String>,
    /// `"server"` (borrowed: every call's) unless a parsed payload said otherwise.
    pub(crate) channel: Cow<'static, str>,
    pub(crate) extra: Map<String, Value>,
    pub(crate) warnings: Vec<Issue>,
    /// The canonical bytes without `sentAt`, made once at validation (the size check needs them,
    /// and every later serialization is then a copy).
    pub(crate) wire: WireEvent,
}

/// `,"sentAt":"2022-02-01T19:14:18.381Z"`: what the send adds to every event.
pub const SENT_AT_BYTES: usize = 36;

impl GroupEvent {
    /// The event's id; stays the same across retries.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }
    /// The group's id.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }
    /// The user's id, if given.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }
    /// The anonymous id, if given.
    pub fn anonymous_id(&self) -> Option<&str> {
        self.anonymous_id.as_deref()
    }
    /// The group's traits.
    pub fn traits(&self) -> &GroupTraits {
        self.traits.get()
    }
    /// The context, `library` included.
    pub fn context(&self) -> &Map<String, Value> {
        self.context.get()
    }
    /// The integrations (`{"All": true}` unless given).
    pub fn integrations(&self) -> &Map<String, Value> {
        self.integrations.get()
    }
    /// When the event happened, in the wire format.
    pub fn original_timestamp(&self) -> &str {
        &self.original_timestamp
    }
    /// A `timestamp` that a parsed payload carried, untouched.
    pub fn timestamp(&self) -> Option<&Value> {
        self.timestamp.as_ref()
    }
    /// A `sentAt` that a parsed payload carried (the client renews it at every send).
    pub fn sent_at(&self) -> Option<&str> {
        self.sent_at.as_deref()
    }
    /// The channel (`"server"` unless a parsed payload said otherwise).
    pub fn channel(&self) -> &str {
        &self.channel
    }
    /// Unknown top-level keys of a parsed payload, in their order.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
    /// Reserved-trait problems let through by the lenient setting.
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }

    /// Canonical JSON.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(self.wire.wire_len());
        self.write_json(&mut out);
        // The serializer only ever writes UTF-8.
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

    /// [`GroupEvent::into_wire`] with the `messageId`, both without a copy (a client queues the
    /// one and reports the other).
    pub fn into_wire_and_id(self) -> (WireEvent, String) {
        (self.wire, self.message_id)
    }

    /// The serialized size as it goes on the wire, `sentAt` included.
    pub fn wire_len(&self) -> usize {
        self.wire.wire_len()
    }

    /// The event as a `serde_json::Value` (keys in canonical order).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.to_json()).unwrap_or(Value::Null)
    }

    /// Serializes every field but `sentAt`, noting where `,"sentAt":…` goes.
    ///
    /// The bytes are what a queued event costs in memory, so their buffer keeps no slack: it is
    /// sized from the parts (exact for the usual event: plain strings, written objects), and one
    /// that grew past that (escapes, trees, unknown keys) is copied into a buffer of its length
    /// when more than an eighth of it would stay unused.
    pub(crate) fn serialize_wire(&self) -> WireEvent {
        // Sized once from the parts: growing the buffer halfway is a realloc, a copy, and (with a
        // lane thread freeing the previous events) a contended allocator.
        let mut out = Vec::with_capacity(self.wire_capacity());
        let splice = self.write(&mut out);
        WireEvent::new(fitted(out), splice)
    }

    /// What [`GroupEvent::write`] writes for an event of plain parts: its braces, each own key
    /// present with its quotes, colon and comma, the strings with their quotes, the written
    /// objects' bytes. Escapes, trees, a `timestamp` value and unknown keys need more; the
    /// buffer then grows.
    fn wire_capacity(&self) -> usize {
        // `{"type":"group","messageId":"","groupId":"","traits":,"context":,"integrations":,
        // "originalTimestamp":"","channel":""}`: the keys every event has, with their punctuation.
        const ALWAYS: usize = 117;
        let opt = |s: &Option<String>, key: &str| s.as_ref().map_or(0, |s| s.len() + key.len() + 6);
        ALWAYS
            + self.message_id.len()
            + self.group_id.len()
            + opt(&self.user_id, "userId")
            + opt(&self.anonymous_id, "anonymousId")
            + self.traits.written_len()
            + self.context.written_len()
            + self.integrations.written_len()
            + self.original_timestamp.len()
            + self.channel.len()
    }

    /// The canonical writer: the keys of [`GroupEvent::entries`] in their order, without
    /// `sentAt`; returns where `,"sentAt":…` goes.
    fn write(&self, out: &mut Vec<u8>) -> usize {
        let mut splice = 0;
        out.put(b"{");
        for (i, (key, entry)) in self.entries().enumerate() {
            let Some(entry) = entry else {
                splice = out.len();
                continue;
            };
            if i > 0 {
                out.put(b",");
            }
            match key {
                // The event's own keys need no escaping: copied without the scan.
                Key::Own(key) => {
                    out.put(b"\"");
                    out.put(key.as_bytes());
                    out.put(b"\":");
                }
                Key::Extra(key) => {
                    out.string(key);
                    out.put(b":");
                }
            }
            match entry {
                Entry::Written(bytes, _) => out.put(bytes),
                Entry::Str(s) => out.string(s),
                entry => out.value(&entry),
            }
        }
        out.put(b"}");
        splice
    }

    /// Every key of the event in canonical order, with its value; `sentAt` comes as `None` where
    /// it goes (its value is renewed at every send). The one list both the canonical writer and
    /// the `Serialize` impl follow.
    fn entries(&self) -> impl Iterator<Item = (Key<'_>, Option<Entry<'_>>)> {
        let some = |k, e| Some((Key::Own(k), Some(e)));
        [
            some("type", Entry::Str("group")),
            some("messageId", Entry::Str(&self.message_id)),
            some("groupId", Entry::Str(&self.group_id)),
            self.user_id
                .as_deref()
                .and_then(|u| some("userId", Entry::Str(u))),
            self.anonymous_id
                .as_deref()
                .and_then(|a| some("anonymousId", Entry::Str(a))),
            some("traits", self.traits.entry()),
            some("context", self.context.entry()),
            some("integrations", self.integrations.entry()),
            some("originalTimestamp", Entry::Str(&self.original_timestamp)),
            self.timestamp
                .as_ref()
                .and_then(|t| some("timestamp", Entry::Value(t))),
            Some((Key::Own("sentAt"), None)),
            some("channel", Entry::Str(&self.channel)),
        ]
        .into_iter()
        .flatten()
        .chain(
            self.extra
                .iter()
                .map(|(k, v)| (Key::Extra(k.as_str()), Some(Entry::Value(v)))),
        )
    }
}

/// A key in [`GroupEvent::entries`]: one of the event's own (plain ASCII, written as it is),
/// or an unknown key of a parsed payload (escaped as any string).
#[derive(Clone, Copy)]
enum Key<'a> {
    Own(&'static str),
    Extra(&'a str),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Own(k) => k,
            Key::Extra(k) => k,
        }
    }
}

/// A value in [`GroupEvent::entries`].
enum Entry<'a> {
    Str(&'a str),
    Map(&'a Map<String, Value>),
    Value(&'a Value),
    /// Canonical bytes written by a binding ([`crate::conversion::JsonWriter`]), and the
    /// object they hold, parsed only when asked for.
    Written(&'a [u8], &'a dyn ObjectField),
}

impl serde::Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Entry::Str(v) => s.serialize_str(v),
            Entry::Map(m) => m.serialize(s),
            Entry::Value(v) => v.serialize(s),
            Entry::Written(_, field) => field.map().serialize(s),
        }
    }
}

/// What an object field of the event reads as: a map, or traits over a map.
pub(crate) trait ObjectOf: Sized {
    fn from_object(map: Map<String, Value>) -> Self;
    fn object(&self) -> &Map<String, Value>;
}

impl ObjectOf for Map<String, Value> {
    fn from_object(map: Map<String, Value>) -> Self {
        map
    }
    fn object(&self) -> &Map<String, Value> {
        self
    }
}

impl ObjectOf for GroupTraits {
    fn from_object(map: Map<String, Value>) -> Self {
        GroupTraits::from_map(map)
    }
    fn object(&self) -> &Map<String, Value> {
        self.as_map()
    }
}

/// An object field of the event: a map, or the canonical bytes a binding wrote, parsed into a
/// map the first time a getter asks (a call through a binding never does: the event is sent as
/// bytes). Bytes the core writes itself (`{}`, the default integrations, a context that is only
/// `library`) are borrowed from constants: most calls allocate nothing for them.
#[derive(Debug, Clone)]
pub(crate) struct Field<T> {
    written: Option<Cow<'static, [u8]>>,
    tree: OnceLock<T>,
}

impl<T: ObjectOf> Field<T> {
    pub(crate) fn tree(value: T) -> Field<T> {
        Field {
            written: None,
            tree: OnceLock::from(value),
        }
    }

    pub(crate) fn written(bytes: Cow<'static, [u8]>) -> Field<T> {
        Field {
            written: Some(bytes),
            tree: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> &T {
        self.tree.get_or_init(|| {
            let map = self
                .written
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default();
            T::from_object(map)
        })
    }

    /// Bytes of the written form (0 for a tree).
    fn written_len(&self) -> usize {
        self.written.as_ref().map_or(0, |b| b.len())
    }

    fn entry(&self) -> Entry<'_> {
        match &self.written {
            Some(bytes) => Entry::Written(bytes, self),
            None => Entry::Map(self.get().object()),
        }
    }
}

/// A [`Field`] of any kind, as a map.
trait ObjectField {
    fn map(&self) -> &Map<String, Value>;
}

impl<T: ObjectOf> ObjectField for Field<T> {
    fn map(&self) -> &Map<String, Value> {
        self.get().object()
    }
}

impl<T: ObjectOf + PartialEq> PartialEq for Field<T> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.written, &other.written) {
            (Some(a), Some(b)) if a == b => true,
            _ => self.get() == other.get(),
        }
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

/// `out`, or a copy of it in a buffer of its length when more than an eighth of its buffer is
/// unused. (Shrinking in place would not do: allocators keep a block that shrinks by less than
/// half, so the unused bytes would stay taken.)
fn fitted(out: Vec<u8>) -> Vec<u8> {
    if out.capacity() - out.len() > out.len() / 8 {
        out.as_slice().to_vec()
    } else {
        out
    }
}

/// How every event this crate writes begins: its messageId's string starts right after.
const MESSAGE_ID_AT: &[u8] = b"{\"type\":\"group\",\"messageId\":";

impl WireEvent {
    pub(crate) fn empty() -> WireEvent {
        WireEvent {
            bytes: Box::default(),
            splice: 0,
        }
    }

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

/// The few writes canonical JSON needs.
trait Sink {
    fn put(&mut self, b: &[u8]);
    fn string(&mut self, s: &str);
    fn value<T: serde::Serialize + ?Sized>(&mut self, v: &T);
}

impl Sink for Vec<u8> {
    fn put(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
    fn string(&mut self, s: &str) {
        crate::writer::write_str(self, s);
    }
    fn value<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        let _ = serde_json::to_writer(&mut *self, v);
    }
}

impl serde::Serialize for GroupEvent {
    /// The same keys in the same order as [`GroupEvent::to_json`], with `sentAt` when the event
    /// has one.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (key, entry) in self.entries() {
            let key = key.as_str();
            match entry {
                Some(e) => m.serialize_entry(key, &e)?,
                None => {
                    if let Some(t) = &self.sent_at {
                        m.serialize_entry(key, t)?;
                    }
                }
            }
        }
        m.end()
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
    use crate::{EventOptions, EventParts};
    use serde_json::json;

    /// A binding's event (written objects, every id, an escaped-free text) is written into a
    /// buffer sized once and exactly: `wire_capacity` counts every own key and punctuation, so a
    /// queued event holds no unused bytes.
    #[test]
    fn wire_capacity_is_exactly_a_written_events_size() {
        let mut parts = EventParts {
            group_id: Some(json!("g".repeat(300))),
            user_id: Some(json!("u".repeat(200))),
            anonymous_id: Some(json!("a".repeat(200))),
            message_id: Some(json!("m".repeat(100))),
            ..EventParts::default()
        };
        let mut traits = JsonWriter::for_field("traits");
        traits.begin_object();
        for i in 0..20 {
            traits.key(&format!("key{i}"));
            traits.string(&"v".repeat(i * 10));
        }
        traits.end_object();
        parts.written.traits = traits.finish().ok();
        let mut context = JsonWriter::for_field("context");
        context.begin_object();
        context.key("ip");
        context.string("10.0.0.1");
        context.end_object();
        parts.written.context = context.finish().ok();
        let event = parts.validate(&EventOptions::default()).expect("valid");
        assert_eq!(event.wire.bytes.len(), event.wire_capacity());
        // Without the optional ids too.
        let bare = EventParts {
            group_id: Some(json!("g")),
            user_id: Some(json!("u")),
            ..EventParts::default()
        };
        let event = bare.validate(&EventOptions::default()).expect("valid");
        assert_eq!(event.wire.bytes.len(), event.wire_capacity());
    }

    /// An event that outgrew its estimate (escapes, a tree) is kept with at most an eighth of
    /// its buffer unused.
    #[test]
    fn an_event_that_grew_keeps_little_slack() {
        let parts = EventParts {
            group_id: Some(json!("\u{1}".repeat(2000))),
            user_id: Some(json!("u")),
            traits: Some(json!({"nested": {"list": [1, 2, 3], "text": "\n".repeat(500)}})),
            ..EventParts::default()
        };
        let event = parts.validate(&EventOptions::default()).expect("valid");
        assert!(event.wire.bytes.len() > event.wire_capacity());
        for (len, capacity) in [(1000, 4096), (1000, 1126), (1000, 1125), (0, 0), (0, 64)] {
            let mut out = Vec::with_capacity(capacity);
            out.resize(len, b'x');
            let kept = super::fitted(out);
            assert_eq!(kept.len(), len);
            assert!(
                kept.capacity() - len <= len / 8,
                "{len} bytes in {}",
                kept.capacity()
            );
        }
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
            let wire = event.into_wire();
            assert_eq!(wire.message_id(), id);
            let copy = super::WireEvent::from_parts(wire.bytes().to_vec(), wire.splice());
            assert_eq!(copy.expect("parts").message_id(), id);
        }
        let foreign = super::WireEvent::from_parts(b"{\"a\":1,\"b\":2}".to_vec(), 6);
        assert_eq!(foreign.expect("parts").message_id(), "");
    }
}
