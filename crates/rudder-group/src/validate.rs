//! Validation: [`EventParts`] in, a [`GroupEvent`] or every problem out.

use crate::conversion::{container_too_deep, invalid_timestamp, non_finite_number, too_deep};
use crate::event::{GroupEvent, WireEvent};
use crate::issue::{push_segment, Issue, Severity, ValidationError};
use crate::options::EventOptions;
use crate::traits::{check_reserved, is_integer, kind, GroupTraits};
use crate::{id, time, ErrorCode};
use serde_json::{Map, Number, Value};

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
    pub fn validate(self, options: &EventOptions) -> Result<GroupEvent, ValidationError> {
        let event = assemble(self.fields_out_of_extra(), options)?;
        check_size(event.wire_len(), options, &event)?;
        Ok(event)
    }
}

impl EventParts {
    /// A field's key in `extra` (filled by hand, not by `from_map`) moves to its field, so that
    /// no key is written twice; a field given both ways is an error.
    fn fields_out_of_extra(mut self) -> EventParts {
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
        self
    }
}

fn given(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !v.is_null())
}

enum IdCheck {
    Absent,
    Ok(String),
    WrongType,
}

/// Ids: strings as given, integers as their decimal string.
fn id_value(v: Option<Value>, path: &str, name: &str, issues: &mut Vec<Issue>) -> IdCheck {
    match given(v) {
        None => IdCheck::Absent,
        Some(Value::String(s)) => IdCheck::Ok(s),
        Some(Value::Number(n)) if is_integer(&n) => IdCheck::Ok(n.as_str().to_owned()),
        Some(other) => {
            issues.push(Issue::error(
                ErrorCode::InvalidFieldType,
                path,
                format!(
                    "{name} must be a string or an integer, got {}",
                    kind(&other)
                ),
            ));
            IdCheck::WrongType
        }
    }
}

fn object(
    v: Option<Value>,
    path: &str,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<Map<String, Value>> {
    match given(v) {
        None => None,
        Some(Value::Object(m)) => Some(m),
        Some(other) => {
            issues.push(Issue::error(
                ErrorCode::InvalidFieldType,
                path,
                format!("{name} must be an object, got {}", kind(&other)),
            ));
            None
        }
    }
}

/// A timestamp string that must be an instant; `Err(())` after reporting.
fn instant(v: &Value, path: &str, name: &str, issues: &mut Vec<Issue>) -> Option<String> {
    match v {
        Value::String(s) => match time::parse_instant(s) {
            Some(t) => Some(time::format_millis(t)),
            None => {
                issues.push(invalid_timestamp(path, name, s));
                None
            }
        },
        other => {
            issues.push(Issue::error(
                ErrorCode::InvalidTimestamp,
                path,
                format!(
                    "{name} must be an RFC 3339 date-time string, got {}",
                    kind(other)
                ),
            ));
            None
        }
    }
}

fn assemble(parts: EventParts, options: &EventOptions) -> Result<GroupEvent, ValidationError> {
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
        issues: mut errors,
    } = parts;
    let mut warnings = Vec::new();

    if let Some(t) = given(event_type) {
        if t.as_str() != Some("group") {
            errors.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/type",
                format!("type must be \"group\", got {t}"),
            ));
        }
    }

    let message_id = match id_value(message_id, "/messageId", "messageId", &mut errors) {
        IdCheck::Ok(s) if s.trim().is_empty() => {
            errors.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/messageId",
                "messageId must not be blank; leave it out to get a fresh UUID",
            ));
            String::new()
        }
        IdCheck::Ok(s) => s,
        IdCheck::Absent => id::new_message_id(),
        IdCheck::WrongType => String::new(),
    };

    let group_id = match id_value(group_id, "/groupId", "groupId", &mut errors) {
        IdCheck::Ok(s) if !s.trim().is_empty() => s,
        IdCheck::WrongType => String::new(),
        _ => {
            errors.push(Issue::error(
                ErrorCode::MissingGroupId,
                "/groupId",
                "groupId is required: the id of the group (company, account) the user joins",
            ));
            String::new()
        }
    };

    let user_id = id_value(user_id, "/userId", "userId", &mut errors);
    let anonymous_id = id_value(anonymous_id, "/anonymousId", "anonymousId", &mut errors);
    let present = |c: &IdCheck| matches!(c, IdCheck::Ok(s) if !s.trim().is_empty());
    let wrong = |c: &IdCheck| matches!(c, IdCheck::WrongType);
    if !present(&user_id) && !present(&anonymous_id) && !wrong(&user_id) && !wrong(&anonymous_id) {
        errors.push(Issue::error(
            ErrorCode::MissingIdentity,
            "/userId",
            "a group call needs userId or anonymousId (non-blank): who joins the group",
        ));
    }
    let into_opt = |c: IdCheck| match c {
        IdCheck::Ok(s) => Some(s),
        _ => None,
    };
    let (user_id, anonymous_id) = (into_opt(user_id), into_opt(anonymous_id));

    let traits = object(traits, "/traits", "traits", &mut errors).unwrap_or_default();
    let mut trait_issues = Vec::new();
    let severity = if options.lenient {
        Severity::Warning
    } else {
        Severity::Error
    };
    check_reserved(&traits, severity, &mut trait_issues);
    if options.lenient {
        warnings.extend(trait_issues);
    } else {
        errors.extend(trait_issues);
    }

    let mut context = object(context, "/context", "context", &mut errors).unwrap_or_default();
    let integrations = object(integrations, "/integrations", "integrations", &mut errors)
        .unwrap_or_else(|| {
            let mut m = Map::new();
            m.insert("All".to_owned(), Value::Bool(true));
            m
        });

    let original_timestamp = match given(original_timestamp) {
        None => time::now(),
        Some(v) => {
            let (path, name) = if timestamp_argument {
                ("/timestamp", "timestamp")
            } else {
                ("/originalTimestamp", "originalTimestamp")
            };
            instant(&v, path, name, &mut errors).unwrap_or_default()
        }
    };
    if let Some(t) = &timestamp {
        if !t.is_null() {
            instant(t, "/timestamp", "timestamp", &mut errors);
        }
    }
    let sent_at = match given(sent_at) {
        None => None,
        Some(Value::String(s)) if time::parse_instant(&s).is_some() => Some(s),
        Some(v) => {
            instant(&v, "/sentAt", "sentAt", &mut errors);
            None
        }
    };
    let channel = match given(channel) {
        None => "server".to_owned(),
        Some(Value::String(s)) => s,
        Some(other) => {
            errors.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/channel",
                format!("channel must be a string, got {}", kind(&other)),
            ));
            String::new()
        }
    };

    // Depth and non-finite numbers, everywhere a caller's value can be.
    let mut path = String::new();
    for (name, map) in [
        ("traits", &traits),
        ("context", &context),
        ("integrations", &integrations),
    ] {
        if map.values().all(|v| clean(v, 3)) {
            continue;
        }
        path.clear();
        push_segment(&mut path, name);
        scan_object(map, 2, &mut path, &mut errors);
    }
    for (k, v) in &extra {
        path.clear();
        push_segment(&mut path, k);
        scan(v, 2, &mut path, &mut errors);
    }
    if let Some(t) = &timestamp {
        path.clear();
        path.push_str("/timestamp");
        scan(t, 2, &mut path, &mut errors);
    }

    let library = options.library;
    let mut lib = Map::new();
    lib.insert("name".to_owned(), Value::String(library.name().to_owned()));
    lib.insert(
        "version".to_owned(),
        Value::String(library.version().to_owned()),
    );
    context.insert("library".to_owned(), Value::Object(lib));

    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(ValidationError::new(errors));
    }

    let mut event = GroupEvent {
        message_id,
        group_id,
        user_id,
        anonymous_id,
        traits: GroupTraits::from_map(traits),
        context,
        integrations,
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

/// `EVENT_TOO_LARGE`, with the event's lenient warnings after it.
fn check_size(
    size: usize,
    options: &EventOptions,
    event: &GroupEvent,
) -> Result<(), ValidationError> {
    if size <= options.max_event_bytes {
        return Ok(());
    }
    let mut issues = vec![Issue::error(
        ErrorCode::EventTooLarge,
        "",
        format!(
            "the event is {} bytes over the size limit, serialized with sentAt",
            size - options.max_event_bytes
        ),
    )];
    issues.extend(event.warnings.iter().cloned());
    Err(ValidationError::new(issues))
}

/// Whether `v` (a container at level `depth`) holds no non-finite number and nothing too deep:
/// the common case, checked without building any path.
fn clean(v: &Value, depth: usize) -> bool {
    match v {
        Value::Number(n) => is_finite(n),
        Value::Object(m) => !container_too_deep(depth) && m.values().all(|v| clean(v, depth + 1)),
        Value::Array(a) => !container_too_deep(depth) && a.iter().all(|v| clean(v, depth + 1)),
        _ => true,
    }
}

fn scan_object(map: &Map<String, Value>, depth: usize, path: &mut String, out: &mut Vec<Issue>) {
    if container_too_deep(depth) {
        out.push(too_deep(path.as_str()));
        return;
    }
    for (k, v) in map {
        let len = path.len();
        push_segment(path, k);
        scan(v, depth + 1, path, out);
        path.truncate(len);
    }
}

/// `depth` is the level `v` itself sits at if it is a container.
fn scan(v: &Value, depth: usize, path: &mut String, out: &mut Vec<Issue>) {
    match v {
        Value::Number(n) if !is_finite(n) => {
            out.push(non_finite_number(path.as_str(), n.as_str()));
        }
        Value::Object(m) => scan_object(m, depth, path, out),
        Value::Array(items) => {
            if container_too_deep(depth) {
                out.push(too_deep(path.as_str()));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                scan(item, depth + 1, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Integers are exact at any size; other numbers must fit a finite f64.
pub(crate) fn is_finite(n: &Number) -> bool {
    if is_integer(n) {
        return true;
    }
    n.as_str()
        .parse::<f64>()
        .map(f64::is_finite)
        .unwrap_or(false)
}
