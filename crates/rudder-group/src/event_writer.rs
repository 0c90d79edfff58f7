//! [`EventWriter`]: a group call's canonical bytes written in one pass, with validation on
//! the way.

use crate::conversion::{invalid_timestamp, JsonWriter};
use crate::event::{GroupEvent, Span, WireEvent};
use crate::field_checks::{clean, scan, scan_object};
use crate::issue::{push_segment, Issue, Severity, ValidationError};
use crate::options::EventOptions;
use crate::traits::{check_reserved, is_integer, kind, plainly_valid};
use crate::validate::event_too_large;
use crate::writer::{write_str, CONTEXT_WATCH, TRAITS_WATCH};
use crate::{id, time, ErrorCode};
use serde_json::{Map, Value};
use std::cell::RefCell;

/// A scalar field's value as the caller gave it: what the id, timestamp and channel checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar<'a> {
    /// Not given (or `null`).
    Absent,
    /// A string.
    Str(&'a str),
    /// An integer, as its decimal digits.
    Integer(&'a str),
    /// Any other value, by its kind as the issues name it (`"a boolean"`, `"an array"`…): see
    /// [`Scalar::of`].
    Other(&'static str),
}

impl<'a> Scalar<'a> {
    /// A JSON value as a scalar field (`null` is absent).
    pub fn of(v: &'a Value) -> Scalar<'a> {
        match v {
            Value::Null => Scalar::Absent,
            Value::String(s) => Scalar::Str(s),
            Value::Number(n) if is_integer(n) => Scalar::Integer(n.as_str()),
            other => Scalar::Other(kind(other)),
        }
    }

    /// An optional JSON value as a scalar field.
    pub fn of_option(v: Option<&'a Value>) -> Scalar<'a> {
        v.map_or(Scalar::Absent, Scalar::of)
    }

    fn kind(&self) -> &'static str {
        match self {
            Scalar::Absent => "null",
            Scalar::Str(_) => "a string",
            Scalar::Integer(_) => "an integer",
            Scalar::Other(kind) => kind,
        }
    }
}

/// The event's keys, in their order: where a writer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    Start,
    MessageId,
    GroupId,
    UserId,
    AnonymousId,
    Traits,
    Context,
    Integrations,
    OriginalTimestamp,
    Timestamp,
    SentAt,
    Channel,
    Extra,
    End,
}

impl Step {
    const ALL: [Step; 14] = [
        Step::Start,
        Step::MessageId,
        Step::GroupId,
        Step::UserId,
        Step::AnonymousId,
        Step::Traits,
        Step::Context,
        Step::Integrations,
        Step::OriginalTimestamp,
        Step::Timestamp,
        Step::SentAt,
        Step::Channel,
        Step::Extra,
        Step::End,
    ];

    fn next(self) -> Step {
        Step::ALL[(self as usize + 1).min(Step::ALL.len() - 1)]
    }

    fn key(self) -> &'static str {
        match self {
            Step::MessageId => "messageId",
            Step::GroupId => "groupId",
            Step::UserId => "userId",
            Step::AnonymousId => "anonymousId",
            Step::Traits => "traits",
            Step::Context => "context",
            Step::Integrations => "integrations",
            Step::OriginalTimestamp => "originalTimestamp",
            Step::Timestamp => "timestamp",
            Step::SentAt => "sentAt",
            Step::Channel => "channel",
            Step::Start | Step::Extra | Step::End => "",
        }
    }
}

/// An id as checked: present (not blank), blank, of a wrong type, or absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdState {
    Absent,
    Present,
    Blank,
    WrongType,
}

/// An object field the binding is writing.
#[derive(Debug, Clone, Copy)]
struct OpenField {
    step: Step,
    /// Where its value starts in the buffer.
    start: usize,
    /// The scan's findings before it (a value that is not an object drops its own).
    found: usize,
    /// Given out of order: dropped when it ends.
    dropped: bool,
}

thread_local! {
    /// The scratch writer of this thread's last event, buffers kept.
    static SPARE: RefCell<Option<JsonWriter>> = const { RefCell::new(None) };
}

/// A scratch buffer larger than this is not kept for the next event.
const SPARE_MAX_BYTES: usize = 64 * 1024;

/// Writes one group call's canonical bytes from the caller's values, validating on the way: in
/// one pass, straight into one buffer.
///
/// A binding hands over each field in the event's key order (`messageId`, `groupId`, `userId`,
/// `anonymousId`, `traits`, `context`, `integrations`, `originalTimestamp`, `timestamp`,
/// `sentAt`, `channel`, then unknown keys); a field it does not give gets its default when the
/// next one comes (a fresh UUID, the time of the call, `{"All":true}`…). The object fields are
/// written by the binding itself, token by token, through the [`JsonWriter`] that
/// [`EventWriter::traits`], [`EventWriter::context`] and [`EventWriter::integrations`] return:
/// the caller's values become the event's bytes with no tree and no buffer per field.
///
/// Decisions:
/// - **The same event and the same issues as a tree.** Every check is the one validation makes
///   of a parsed payload, in the same order: the binding's conversion problems first, then one
///   check per field in key order, then what the scan for depth and non-finite numbers finds.
///   An object field's checks read only its watched entries (the reserved traits,
///   `context.library`), from the bytes just written.
/// - **`context.library`** is the SDK's: a caller's `library` is replaced where it stands (a
///   rewrite of the buffer's tail), else the SDK's comes last.
/// - **One copy, exact size.** The buffer is a scratch buffer kept per thread, so a call
///   allocates none for writing; [`EventWriter::finish`] copies the event into an allocation of
///   exactly its length, which is what a queued event then costs.
/// - **Out of order** is a binding's bug, not the caller's: the field is refused with
///   `INVALID_FIELD_TYPE` ("given twice or out of order") and nothing panics.
///
/// ```
/// use rudder_group::{EventOptions, EventWriter, Scalar};
///
/// let options = EventOptions::default();
/// let mut w = EventWriter::new(&options);
/// w.message_id(Scalar::Str("3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10"));
/// w.group_id(Scalar::Integer("12345"));
/// w.user_id(Scalar::Str("u1"));
/// let traits = w.traits();
/// traits.begin_object();
/// traits.key("name");
/// traits.string("MyGroup");
/// traits.end_object();
/// w.original_timestamp(Scalar::Str("2022-02-01T19:14:18.381Z"), false);
/// let event = w.finish()?;
/// assert_eq!(event.group_id(), "12345");
/// assert_eq!(event.traits().name().set(), Some("MyGroup"));
/// # Ok::<(), rudder_group::ValidationError>(())
/// ```
#[derive(Debug)]
pub struct EventWriter<'o> {
    json: JsonWriter,
    options: &'o EventOptions,
    /// The binding's conversion problems: reported first.
    conversion: Vec<Issue>,
    /// One check per field, in key order.
    errors: Vec<Issue>,
    /// Reserved-trait problems let through by the lenient setting.
    warnings: Vec<Issue>,
    /// The scan of unknown keys, then of a parsed payload's `timestamp` (after the object
    /// fields', which the JSON writer keeps).
    extra_found: Vec<Issue>,
    timestamp_found: Vec<Issue>,
    step: Step,
    open: Option<OpenField>,
    message_id: Span,
    group_id: Span,
    user_id: (IdState, Option<Span>),
    anonymous_id: (IdState, Option<Span>),
    splice: usize,
    sent_at: Option<String>,
    original_timestamp: Span,
    channel: Span,
    timestamp: Option<Span>,
    extra: bool,
}

impl<'o> EventWriter<'o> {
    /// A writer for one event validated with `options`.
    pub fn new(options: &'o EventOptions) -> EventWriter<'o> {
        let mut json = SPARE
            .with(|spare| spare.borrow_mut().take())
            .unwrap_or_else(|| JsonWriter::with_capacity(512));
        json.reset();
        json.out.extend_from_slice(b"{\"type\":\"group\"");
        EventWriter {
            json,
            options,
            conversion: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            extra_found: Vec::new(),
            timestamp_found: Vec::new(),
            step: Step::Start,
            open: None,
            message_id: Span::EMPTY,
            group_id: Span::EMPTY,
            user_id: (IdState::Absent, None),
            anonymous_id: (IdState::Absent, None),
            splice: 0,
            sent_at: None,
            original_timestamp: Span::EMPTY,
            channel: Span::EMPTY,
            timestamp: None,
            extra: false,
        }
    }

    /// Adds problems the binding found converting the caller's values (reported first, in
    /// this order).
    pub fn conversion_issues(&mut self, issues: impl IntoIterator<Item = Issue>) {
        self.conversion.extend(issues);
    }

    /// Checks a parsed payload's `type`, which must be `"group"` (the event's is always
    /// written so). Call it first.
    pub fn check_type(&mut self, event_type: Option<&Value>) {
        if let Some(t) = event_type.filter(|t| !t.is_null()) {
            if t.as_str() != Some("group") {
                self.errors.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    "/type",
                    format!("type must be \"group\", got {t}"),
                ));
            }
        }
    }

    /// `messageId`: the caller's (a string or an integer, not blank), else a fresh UUID v4.
    pub fn message_id(&mut self, v: Scalar<'_>) {
        if !self.advance(Step::MessageId) {
            return;
        }
        self.message_id = match self.id(v, Step::MessageId) {
            (IdState::Present, Some(span)) => span,
            (IdState::Absent, _) => self.fresh_message_id(),
            (state, _) => {
                if state == IdState::Blank {
                    self.errors.push(Issue::error(
                        ErrorCode::InvalidFieldType,
                        "/messageId",
                        "messageId must not be blank; leave it out to get a fresh UUID",
                    ));
                }
                Span::EMPTY
            }
        };
    }

    /// `groupId`: required, a string or an integer, not blank.
    pub fn group_id(&mut self, v: Scalar<'_>) {
        if !self.advance(Step::GroupId) {
            return;
        }
        let (state, span) = self.id(v, Step::GroupId);
        if matches!(state, IdState::Absent | IdState::Blank) {
            self.missing_group_id();
        }
        self.group_id = span.unwrap_or(Span::EMPTY);
    }

    /// `userId`: a string or an integer. A call needs it or `anonymousId`, not blank.
    pub fn user_id(&mut self, v: Scalar<'_>) {
        if self.advance(Step::UserId) {
            self.user_id = self.id(v, Step::UserId);
        }
    }

    /// `anonymousId`: a string or an integer.
    pub fn anonymous_id(&mut self, v: Scalar<'_>) {
        if self.advance(Step::AnonymousId) {
            self.anonymous_id = self.id(v, Step::AnonymousId);
            self.check_identity();
        }
    }

    /// Begins `traits`: write one value (an object, whose reserved traits keep their rules)
    /// with the writer returned; it ends when the next field begins.
    pub fn traits(&mut self) -> &mut JsonWriter {
        self.begin_object(Step::Traits)
    }

    /// Begins `context` (see [`EventWriter::traits`]); its `library` is the SDK's.
    pub fn context(&mut self) -> &mut JsonWriter {
        self.begin_object(Step::Context)
    }

    /// Begins `integrations` (see [`EventWriter::traits`]); `{"All":true}` when not given.
    pub fn integrations(&mut self) -> &mut JsonWriter {
        self.begin_object(Step::Integrations)
    }

    /// `originalTimestamp`: an RFC 3339 instant, written in UTC with milliseconds; the time of
    /// the call when absent. `from_timestamp_argument`: the value is a call's `timestamp`
    /// argument, and its problems are reported at `/timestamp`, the key the caller wrote.
    pub fn original_timestamp(&mut self, v: Scalar<'_>, from_timestamp_argument: bool) {
        if !self.advance(Step::OriginalTimestamp) {
            return;
        }
        let (path, name) = if from_timestamp_argument {
            ("/timestamp", "timestamp")
        } else {
            ("/originalTimestamp", "originalTimestamp")
        };
        let text = match v {
            Scalar::Absent => {
                self.default_of(Step::OriginalTimestamp);
                return;
            }
            Scalar::Str(s) => match time::parse_instant(s) {
                Some(t) => Some(time::format_millis(t)),
                None => {
                    self.errors.push(invalid_timestamp(path, name, s));
                    None
                }
            },
            other => {
                self.errors
                    .push(not_a_timestamp_string(path, name, other.kind()));
                None
            }
        };
        self.key(Step::OriginalTimestamp);
        self.original_timestamp = self.string(text.as_deref().unwrap_or(""));
    }

    /// `timestamp` of a parsed payload (or a drop-in's wire timestamp): kept as given (`null`
    /// included), and otherwise must be an RFC 3339 instant.
    pub fn timestamp(&mut self, v: Option<&Value>) {
        let Some(v) = v else {
            return;
        };
        if !self.advance(Step::Timestamp) {
            return;
        }
        if !v.is_null() {
            check_instant(v, "/timestamp", "timestamp", &mut self.errors);
            let mut path = String::from("/timestamp");
            scan(v, 2, &mut path, &mut self.timestamp_found);
        }
        self.key(Step::Timestamp);
        let start = self.json.out.len();
        self.json.value_bytes(v);
        self.timestamp = Some(Span::new(start, self.json.out.len()));
    }

    /// `sentAt` of a parsed payload: an RFC 3339 instant, kept beside the bytes (a send
    /// renews it at every attempt).
    pub fn sent_at(&mut self, v: Option<&Value>) {
        if !self.advance(Step::SentAt) {
            return;
        }
        match v.filter(|v| !v.is_null()) {
            None => {}
            Some(Value::String(s)) if time::parse_instant(s).is_some() => {
                self.sent_at = Some(s.clone());
            }
            Some(v) => check_instant(v, "/sentAt", "sentAt", &mut self.errors),
        }
    }

    /// `channel` of a parsed payload: a string; `"server"` when absent.
    pub fn channel(&mut self, v: Scalar<'_>) {
        if !self.advance(Step::Channel) {
            return;
        }
        self.key(Step::Channel);
        self.channel = match v {
            Scalar::Absent => self.string("server"),
            Scalar::Str(s) => self.string(s),
            other => {
                self.errors.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    "/channel",
                    format!("channel must be a string, got {}", other.kind()),
                ));
                self.string("")
            }
        };
    }

    /// An unknown top-level key of a parsed payload, kept after the event's own (the caller
    /// must not give one of the event's own keys here).
    pub fn extra(&mut self, key: &str, value: &Value) {
        if self.step != Step::Extra && !self.advance(Step::Extra) {
            return;
        }
        self.extra = true;
        let mut path = String::new();
        push_segment(&mut path, key);
        scan(value, 2, &mut path, &mut self.extra_found);
        self.json.out.push(b',');
        write_str(&mut self.json.out, key);
        self.json.out.push(b':');
        self.json.value_bytes(value);
    }

    /// Ends the event: every problem found, or the event (its bytes copied once, into an
    /// allocation of their size).
    pub fn finish(mut self) -> Result<GroupEvent, ValidationError> {
        self.advance(Step::End);
        self.json.out.push(b'}');
        let mut errors = std::mem::take(&mut self.conversion);
        errors.append(&mut self.errors);
        errors.append(&mut self.json.found);
        errors.append(&mut self.extra_found);
        errors.append(&mut self.timestamp_found);
        let mut warnings = std::mem::take(&mut self.warnings);
        if !errors.is_empty() {
            errors.append(&mut warnings);
            return Err(ValidationError::new(errors));
        }
        let size = self.json.out.len() + crate::SENT_AT_BYTES;
        if size > self.options.max_event_bytes {
            let mut issues = vec![event_too_large(size, self.options.max_event_bytes)];
            issues.append(&mut warnings);
            return Err(ValidationError::new(issues));
        }
        let wire = WireEvent::new(self.json.out.as_slice().to_vec(), self.splice);
        Ok(GroupEvent::from_wire(
            wire,
            crate::event::Scalars {
                message_id: self.message_id,
                group_id: self.group_id,
                user_id: self.user_id.1,
                anonymous_id: self.anonymous_id.1,
                original_timestamp: self.original_timestamp,
                channel: self.channel,
                timestamp: self.timestamp,
                extra: self.extra,
            },
            self.sent_at.take(),
            warnings,
        ))
    }
}

impl Drop for EventWriter<'_> {
    /// The scratch buffers go back for the thread's next event.
    fn drop(&mut self) {
        if self.json.out.capacity() <= SPARE_MAX_BYTES {
            let json = std::mem::take(&mut self.json);
            SPARE.with(|spare| *spare.borrow_mut() = Some(json));
        }
    }
}

impl EventWriter<'_> {
    /// Ends the field being written, writes the default of every field skipped before `to`,
    /// and stands at `to`; `false` (and the field refused) when `to` is not after the fields
    /// already written.
    fn advance(&mut self, to: Step) -> bool {
        self.close_field();
        if to <= self.step {
            if to != Step::End {
                self.conversion.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    format!("/{}", to.key()),
                    format!("{} is given twice or out of order", to.key()),
                ));
            }
            return false;
        }
        while self.step.next() < to {
            let skipped = self.step.next();
            self.step = skipped;
            self.default_of(skipped);
        }
        self.step = to;
        if to == Step::SentAt {
            self.splice = self.json.out.len();
        }
        true
    }

    /// What a field that was not given becomes.
    fn default_of(&mut self, step: Step) {
        match step {
            Step::MessageId => self.message_id = self.fresh_message_id(),
            Step::GroupId => self.missing_group_id(),
            Step::AnonymousId => self.check_identity(),
            Step::Traits | Step::Context | Step::Integrations => {
                self.key(step);
                self.default_object(step);
            }
            Step::OriginalTimestamp => {
                self.key(step);
                let out = &mut self.json.out;
                out.push(b'"');
                let start = out.len();
                time::write_now(out);
                self.original_timestamp = Span::new(start, out.len());
                out.push(b'"');
            }
            Step::SentAt => self.splice = self.json.out.len(),
            Step::Channel => {
                self.key(step);
                self.channel = self.string("server");
            }
            Step::Start | Step::UserId | Step::Timestamp | Step::Extra | Step::End => {}
        }
    }

    /// `,"key":`.
    fn key(&mut self, step: Step) {
        let out = &mut self.json.out;
        out.extend_from_slice(b",\"");
        out.extend_from_slice(step.key().as_bytes());
        out.extend_from_slice(b"\":");
    }

    /// A string, escaped; the span of its text.
    fn string(&mut self, s: &str) -> Span {
        let out = &mut self.json.out;
        let start = out.len() + 1;
        write_str(out, s);
        Span::new(start, out.len() - 1)
    }

    fn fresh_message_id(&mut self) -> Span {
        self.key(Step::MessageId);
        let out = &mut self.json.out;
        out.push(b'"');
        let start = out.len();
        out.extend_from_slice(&id::message_id_bytes());
        let span = Span::new(start, out.len());
        out.push(b'"');
        span
    }

    fn missing_group_id(&mut self) {
        self.errors.push(Issue::error(
            ErrorCode::MissingGroupId,
            "/groupId",
            "groupId is required: the id of the group (company, account) the user joins",
        ));
    }

    /// An id: written as a string (an integer as its digits) with its span; a wrong type is
    /// reported and an absent one is not written.
    fn id(&mut self, v: Scalar<'_>, step: Step) -> (IdState, Option<Span>) {
        let text = match v {
            Scalar::Absent => return (IdState::Absent, None),
            Scalar::Str(s) | Scalar::Integer(s) => s,
            Scalar::Other(kind) => {
                let name = step.key();
                self.errors.push(Issue::error(
                    ErrorCode::InvalidFieldType,
                    format!("/{name}"),
                    format!("{name} must be a string or an integer, got {kind}"),
                ));
                // Nothing written: the event is refused.
                return (IdState::WrongType, None);
            }
        };
        self.key(step);
        let span = self.string(text);
        let state = if text.trim().is_empty() {
            IdState::Blank
        } else {
            IdState::Present
        };
        (state, Some(span))
    }

    /// `MISSING_IDENTITY` unless `userId` or `anonymousId` is present (a wrong type was
    /// reported already).
    fn check_identity(&mut self) {
        let (user, anonymous) = (self.user_id.0, self.anonymous_id.0);
        let any = |s: IdState| s == IdState::Present || s == IdState::WrongType;
        if !any(user) && !any(anonymous) {
            self.errors.push(Issue::error(
                ErrorCode::MissingIdentity,
                "/userId",
                "a group call needs userId or anonymousId (non-blank): who joins the group",
            ));
        }
    }

    fn begin_object(&mut self, step: Step) -> &mut JsonWriter {
        let dropped = !self.advance(step);
        if !dropped {
            self.key(step);
        }
        self.json.begin_field(match step {
            Step::Traits => TRAITS_WATCH,
            Step::Context => CONTEXT_WATCH,
            _ => &[],
        });
        self.open = Some(OpenField {
            step,
            start: self.json.out.len(),
            found: self.json.found.len(),
            dropped,
        });
        &mut self.json
    }

    /// An object field given as a `serde_json` value (a parsed payload's): checked as a tree,
    /// then written.
    pub(crate) fn tree_field(&mut self, step: Step, v: Option<Value>) {
        if !self.advance(step) {
            return;
        }
        self.key(step);
        let mut map = match v {
            None | Some(Value::Null) => return self.default_object(step),
            Some(Value::Object(map)) => map,
            Some(other) => {
                self.not_an_object(step, kind(&other));
                return self.default_object(step);
            }
        };
        match step {
            Step::Traits => {
                let mut issues = Vec::new();
                check_reserved(&map, self.severity(), &mut issues);
                self.trait_issues(issues);
            }
            Step::Context => {
                self.scan_tree(step, &map);
                let library = self.options.library;
                let mut lib = Map::new();
                lib.insert("name".to_owned(), Value::String(library.name().to_owned()));
                lib.insert(
                    "version".to_owned(),
                    Value::String(library.version().to_owned()),
                );
                map.insert("library".to_owned(), Value::Object(lib));
            }
            _ => {}
        }
        if step != Step::Context {
            // (`context` is scanned before the SDK's `library` replaces the caller's.)
            self.scan_tree(step, &map);
        }
        self.json.value_bytes(&map);
    }

    /// Depth and non-finite numbers in an object field given as a tree.
    fn scan_tree(&mut self, step: Step, map: &Map<String, Value>) {
        if !map.values().all(|v| clean(v, 3)) {
            let mut path = String::new();
            push_segment(&mut path, step.key());
            scan_object(map, 2, &mut path, &mut self.json.found);
        }
    }

    /// Ends the object field being written: its checks, `context.library`, or its default in
    /// place of a value that is not an object.
    fn close_field(&mut self) {
        let Some(field) = self.open.take() else {
            return;
        };
        let severity = self.severity();
        let json = &mut self.json;
        let complete = json.open.is_empty();
        if field.dropped {
            json.out.truncate(field.start);
            json.found.truncate(field.found);
            return;
        }
        let value = &json.out[field.start..];
        if !complete || value.is_empty() || value == b"null" {
            json.out.truncate(field.start);
            json.found.truncate(field.found);
            return self.default_object(field.step);
        }
        if value[0] != b'{' {
            let kind = serde_json::from_slice::<Value>(value)
                .map(|v| kind(&v))
                .unwrap_or("null");
            json.out.truncate(field.start);
            json.found.truncate(field.found);
            self.not_an_object(field.step, kind);
            return self.default_object(field.step);
        }
        match field.step {
            Step::Traits => {
                let mut issues = Vec::new();
                for (key, range) in &json.watched {
                    let bytes = &json.out[range.clone()];
                    if !plainly_valid(key, bytes) {
                        let value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
                        let one = Map::from_iter([((*key).to_owned(), value)]);
                        check_reserved(&one, severity, &mut issues);
                    }
                }
                self.trait_issues(issues);
            }
            Step::Context => self.set_library(field.start),
            _ => {}
        }
    }

    /// `context.library` of the object at `start` (the last thing written) made the SDK's.
    fn set_library(&mut self, start: usize) {
        let library = self.options.library;
        let json = &mut self.json;
        if json.out.len() - start == 2 {
            json.out.truncate(start);
            json.out.extend_from_slice(library.context_bytes());
            return;
        }
        let mut lib = Vec::with_capacity(64);
        lib.extend_from_slice(b"{\"name\":");
        write_str(&mut lib, library.name());
        lib.extend_from_slice(b",\"version\":");
        write_str(&mut lib, library.version());
        lib.push(b'}');
        match json.watched.iter().find(|(k, _)| *k == "library") {
            Some((_, range)) => {
                let range = range.clone();
                json.out.splice(range, lib);
            }
            None => {
                let end = json.out.len() - 1;
                json.out.truncate(end);
                json.out.extend_from_slice(b",\"library\":");
                json.out.extend_from_slice(&lib);
                json.out.push(b'}');
            }
        }
    }

    fn default_object(&mut self, step: Step) {
        let bytes: &[u8] = match step {
            Step::Context => self.options.library.context_bytes(),
            Step::Integrations => b"{\"All\":true}",
            _ => b"{}",
        };
        self.json.out.extend_from_slice(bytes);
    }

    fn not_an_object(&mut self, step: Step, kind: &str) {
        let name = step.key();
        self.errors.push(Issue::error(
            ErrorCode::InvalidFieldType,
            format!("/{name}"),
            format!("{name} must be an object, got {kind}"),
        ));
    }

    fn severity(&self) -> Severity {
        if self.options.lenient {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    fn trait_issues(&mut self, issues: Vec<Issue>) {
        if self.options.lenient {
            self.warnings.extend(issues);
        } else {
            self.errors.extend(issues);
        }
    }
}

/// A timestamp that must be an instant: reported when it is not.
fn check_instant(v: &Value, path: &str, name: &str, errors: &mut Vec<Issue>) {
    match v {
        Value::String(s) => {
            if time::parse_instant(s).is_none() {
                errors.push(invalid_timestamp(path, name, s));
            }
        }
        other => errors.push(not_a_timestamp_string(path, name, kind(other))),
    }
}

fn not_a_timestamp_string(path: &str, name: &str, kind: &str) -> Issue {
    Issue::error(
        ErrorCode::InvalidTimestamp,
        path,
        format!("{name} must be an RFC 3339 date-time string, got {kind}"),
    )
}
