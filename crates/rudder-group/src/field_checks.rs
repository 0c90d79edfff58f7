//! One check per field of a group call, each adding its problems to a list: what
//! [`crate::validate`]'s `assemble` calls in order, and the scan for depth and non-finite numbers.

use crate::conversion::{container_too_deep, invalid_timestamp, non_finite_number, too_deep};
use crate::issue::{push_segment, Issue, Severity};
use crate::options::EventOptions;
use crate::traits::{check_reserved, is_integer, kind, plainly_valid};
use crate::writer::{write_str, WrittenObject};
use crate::{id, time, ErrorCode};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// An object field being validated: a map, or the bytes a binding wrote.
pub(crate) enum Object {
    Tree(Map<String, Value>),
    Written(WrittenObject),
}

/// An object field given as a value or as written bytes (the bytes win: a binding gives one).
fn object_field(
    v: Option<Value>,
    written: Option<WrittenObject>,
    path: &str,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<Object> {
    match written {
        Some(w) => Some(Object::Written(w)),
        None => object(v, path, name, issues).map(Object::Tree),
    }
}

pub(crate) fn given(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !v.is_null())
}

pub(crate) enum IdCheck {
    Absent,
    Ok(String),
    WrongType,
}

/// Ids: strings as given, integers as their decimal string.
pub(crate) fn id_value(
    v: Option<Value>,
    path: &str,
    name: &str,
    issues: &mut Vec<Issue>,
) -> IdCheck {
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

pub(crate) fn object(
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
pub(crate) fn instant(
    v: &Value,
    path: &str,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<String> {
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

/// `type`, when a parsed payload carries one, must be `"group"`.
pub(crate) fn check_type(event_type: Option<Value>, errors: &mut Vec<Issue>) {
    if let Some(t) = given(event_type) {
        if t.as_str() != Some("group") {
            errors.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/type",
                format!("type must be \"group\", got {t}"),
            ));
        }
    }
}

/// `messageId`: the caller's (not blank), else a fresh UUID v4.
pub(crate) fn message_id_of(message_id: Option<Value>, errors: &mut Vec<Issue>) -> String {
    match id_value(message_id, "/messageId", "messageId", errors) {
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
    }
}

/// `groupId`: required and not blank.
pub(crate) fn group_id_of(group_id: Option<Value>, errors: &mut Vec<Issue>) -> String {
    match id_value(group_id, "/groupId", "groupId", errors) {
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
    }
}

/// `userId` and `anonymousId`: at least one present and not blank.
pub(crate) fn identity_of(
    user_id: Option<Value>,
    anonymous_id: Option<Value>,
    errors: &mut Vec<Issue>,
) -> (Option<String>, Option<String>) {
    let user_id = id_value(user_id, "/userId", "userId", errors);
    let anonymous_id = id_value(anonymous_id, "/anonymousId", "anonymousId", errors);
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
    (into_opt(user_id), into_opt(anonymous_id))
}

/// `traits`: an object whose reserved traits keep their rules (warnings when lenient).
pub(crate) fn traits_of(
    traits: Option<Value>,
    written: Option<WrittenObject>,
    options: &EventOptions,
    errors: &mut Vec<Issue>,
    warnings: &mut Vec<Issue>,
) -> Object {
    let traits = object_field(traits, written, "/traits", "traits", errors)
        .unwrap_or_else(|| Object::Written(WrittenObject::literal(b"{}")));
    let mut trait_issues = Vec::new();
    let severity = if options.lenient {
        Severity::Warning
    } else {
        Severity::Error
    };
    match &traits {
        Object::Tree(map) => check_reserved(map, severity, &mut trait_issues),
        Object::Written(w) => {
            for (key, bytes) in w.watched() {
                if !plainly_valid(key, bytes) {
                    let value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
                    let one = Map::from_iter([(key.to_owned(), value)]);
                    check_reserved(&one, severity, &mut trait_issues);
                }
            }
        }
    }
    if options.lenient {
        warnings.extend(trait_issues);
    } else {
        errors.extend(trait_issues);
    }
    traits
}

/// `integrations`: an object, `{"All": true}` when absent.
pub(crate) fn integrations_of(
    integrations: Option<Value>,
    written: Option<WrittenObject>,
    errors: &mut Vec<Issue>,
) -> Object {
    object_field(
        integrations,
        written,
        "/integrations",
        "integrations",
        errors,
    )
    .unwrap_or_else(|| Object::Written(WrittenObject::literal(b"{\"All\":true}")))
}

/// `context`: an object (empty when absent); `library` is added after the scan.
pub(crate) fn context_of(
    context: Option<Value>,
    written: Option<WrittenObject>,
    errors: &mut Vec<Issue>,
) -> Object {
    object_field(context, written, "/context", "context", errors)
        .unwrap_or_else(|| Object::Written(WrittenObject::literal(b"{}")))
}

/// `originalTimestamp`: an instant, reported at the key the caller wrote; the time of the call
/// when absent.
pub(crate) fn original_timestamp_of(
    original_timestamp: Option<Value>,
    timestamp_argument: bool,
    errors: &mut Vec<Issue>,
) -> String {
    match given(original_timestamp) {
        None => time::now(),
        Some(v) => {
            let (path, name) = if timestamp_argument {
                ("/timestamp", "timestamp")
            } else {
                ("/originalTimestamp", "originalTimestamp")
            };
            instant(&v, path, name, errors).unwrap_or_default()
        }
    }
}

/// A parsed payload's `timestamp`, kept as given, must be an instant.
pub(crate) fn check_timestamp(timestamp: Option<&Value>, errors: &mut Vec<Issue>) {
    if let Some(t) = timestamp {
        if !t.is_null() {
            instant(t, "/timestamp", "timestamp", errors);
        }
    }
}

/// A parsed payload's `sentAt`: an instant (renewed at every send).
pub(crate) fn sent_at_of(sent_at: Option<Value>, errors: &mut Vec<Issue>) -> Option<String> {
    match given(sent_at) {
        None => None,
        Some(Value::String(s)) if time::parse_instant(&s).is_some() => Some(s),
        Some(v) => {
            instant(&v, "/sentAt", "sentAt", errors);
            None
        }
    }
}

/// `channel`: a string, `"server"` when absent.
pub(crate) fn channel_of(channel: Option<Value>, errors: &mut Vec<Issue>) -> Cow<'static, str> {
    match given(channel) {
        None => Cow::Borrowed("server"),
        Some(Value::String(s)) => Cow::Owned(s),
        Some(other) => {
            errors.push(Issue::error(
                ErrorCode::InvalidFieldType,
                "/channel",
                format!("channel must be a string, got {}", kind(&other)),
            ));
            Cow::Borrowed("")
        }
    }
}

/// Depth and non-finite numbers, everywhere a caller's value can be.
pub(crate) fn scan_values(
    traits: &mut Object,
    context: &mut Object,
    integrations: &mut Object,
    extra: &Map<String, Value>,
    timestamp: Option<&Value>,
    errors: &mut Vec<Issue>,
) {
    let mut path = String::new();
    for (name, field) in [
        ("traits", traits),
        ("context", context),
        ("integrations", integrations),
    ] {
        let map = match field {
            Object::Tree(map) => &*map,
            // The binding's writer noted what this scan would find, in the same order.
            Object::Written(w) => {
                errors.extend(w.take_found());
                continue;
            }
        };
        if map.values().all(|v| clean(v, 3)) {
            continue;
        }
        path.clear();
        push_segment(&mut path, name);
        scan_object(map, 2, &mut path, errors);
    }
    for (k, v) in extra {
        path.clear();
        push_segment(&mut path, k);
        scan(v, 2, &mut path, errors);
    }
    if let Some(t) = timestamp {
        path.clear();
        path.push_str("/timestamp");
        scan(t, 2, &mut path, errors);
    }
}

/// `context.library`: the SDK's name and version, set over the caller's.
pub(crate) fn add_library(context: &mut Object, options: &EventOptions) {
    let library = options.library;
    match context {
        Object::Tree(map) => {
            let mut lib = Map::new();
            lib.insert("name".to_owned(), Value::String(library.name().to_owned()));
            lib.insert(
                "version".to_owned(),
                Value::String(library.version().to_owned()),
            );
            map.insert("library".to_owned(), Value::Object(lib));
        }
        // No context of the caller's: a constant.
        Object::Written(w) if w.bytes() == b"{}" => {
            *w = WrittenObject::literal(library.context_bytes());
        }
        Object::Written(w) => {
            let mut lib = Vec::with_capacity(64);
            lib.extend_from_slice(b"{\"name\":");
            write_str(&mut lib, library.name());
            lib.extend_from_slice(b",\"version\":");
            write_str(&mut lib, library.version());
            lib.push(b'}');
            w.set_watched("library", &lib);
        }
    }
}

/// Whether `v` (a container at level `depth`) holds no non-finite number and nothing too deep:
/// the common case, checked without building any path.
pub(crate) fn clean(v: &Value, depth: usize) -> bool {
    match v {
        Value::Number(n) => is_finite(n),
        Value::Object(m) => !container_too_deep(depth) && m.values().all(|v| clean(v, depth + 1)),
        Value::Array(a) => !container_too_deep(depth) && a.iter().all(|v| clean(v, depth + 1)),
        _ => true,
    }
}

pub(crate) fn scan_object(
    map: &Map<String, Value>,
    depth: usize,
    path: &mut String,
    out: &mut Vec<Issue>,
) {
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
pub(crate) fn scan(v: &Value, depth: usize, path: &mut String, out: &mut Vec<Issue>) {
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
    crate::writer::is_finite(n)
}
