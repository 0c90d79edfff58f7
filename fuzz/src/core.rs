//! The core's entry points: `from_json` (bytes, and structure-aware JSON), the validator
//! (arbitrary `EventParts`), and random sequences of builder calls.

use crate::json::{key, object, payload, string, value};
use arbitrary::{Result, Unstructured};
use rudder_group::conversion::{self, container_too_deep, Digits, JsonPath, JsonWriter};
use rudder_group::serde_json::{self, Value};
use rudder_group::{
    Address, EventOptions, EventParts, EventWriter, GroupEvent, GroupEventBuilder, Library, Scalar,
    ValidationError,
};

const LIBRARIES: [Library; 4] = [Library::Rust, Library::Python, Library::Node, Library::C];

fn options(u: &mut Unstructured) -> Result<EventOptions> {
    Ok(EventOptions {
        lenient: u.arbitrary()?,
        max_event_bytes: *u.choose(&[64, 300, 2_048, 32_768])?,
        library: *u.choose(&LIBRARIES)?,
    })
}

/// What every result of the core must satisfy: an accepted event is canonical and within its
/// size; a refused one lists at least one issue.
fn check(result: Result<GroupEvent, ValidationError>, options: &EventOptions) {
    match result {
        Ok(event) => {
            let text = event.to_json();
            assert!(
                text.len() <= options.max_event_bytes,
                "an accepted event of {} bytes is over {}",
                text.len(),
                options.max_event_bytes
            );
            let again = GroupEvent::from_json_with(&text, options)
                .unwrap_or_else(|e| panic!("canonical output refused: {e}\n{text}"));
            assert_eq!(
                again.to_json(),
                text,
                "canonical output changed on a round trip"
            );
            assert_eq!(again.message_id(), event.message_id());
        }
        Err(e) => assert!(!e.issues().is_empty(), "a refusal without an issue"),
    }
}

/// Arbitrary bytes as the text of a payload.
pub fn from_json_bytes(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let first = [first];
    let mut u = Unstructured::new(&first);
    let Ok(options) = options(&mut u) else { return };
    if let Ok(text) = std::str::from_utf8(rest) {
        check(GroupEvent::from_json_with(text, &options), &options);
        let _ = rudder_group::parse_value(text);
    }
}

/// A payload shaped like a group call, as text, sometimes cut short or with bytes appended.
pub fn from_json_structured(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(options) = options(&mut u) else { return };
    let Ok(map) = payload(&mut u) else { return };
    let Ok(mut text) = serde_json::to_string(&Value::Object(map)) else {
        return;
    };
    if u.ratio(1, 8).unwrap_or(false) {
        let cut = u.int_in_range(0..=text.len()).unwrap_or(0);
        text = text.chars().take(cut).collect();
    }
    if u.ratio(1, 8).unwrap_or(false) {
        text.push_str(&string(&mut u).unwrap_or_default());
    }
    check(GroupEvent::from_json_with(&text, &options), &options);
}

fn field(u: &mut Unstructured) -> Result<Option<Value>> {
    Ok(if u.ratio(2, 3)? {
        Some(value(u, 1)?)
    } else {
        None
    })
}

/// Arbitrary `EventParts`, as a binding would fill them.
pub fn validate_parts(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((options, parts)) = (|| {
        let options = options(&mut u)?;
        let parts = EventParts {
            message_id: field(&mut u)?,
            group_id: field(&mut u)?,
            user_id: field(&mut u)?,
            anonymous_id: field(&mut u)?,
            traits: field(&mut u)?,
            context: field(&mut u)?,
            integrations: field(&mut u)?,
            original_timestamp: field(&mut u)?,
            timestamp: field(&mut u)?,
            sent_at: field(&mut u)?,
            event_type: field(&mut u)?,
            channel: field(&mut u)?,
            extra: object(&mut u, 1)?,
            issues: Vec::new(),
            timestamp_argument: u.arbitrary()?,
        };
        Ok::<_, arbitrary::Error>((options, parts))
    })() else {
        return;
    };
    let written = written_event(&parts, &options);
    let result = parts.validate(&options);
    if let Some(written) = written {
        same_result(&result, &written);
    }
    check(result, &options);
}

/// The parts written as a binding writes a call: with an `EventWriter`, `traits`, `context` and
/// `integrations` token by token as a binding's converter writes them (the depth rule, and
/// non-finite numbers noted for validation's scan). `None` when `extra` holds one of the event's
/// own keys (`EventParts` moves those to their fields first; a binding never gives one).
fn written_event(
    parts: &EventParts,
    options: &EventOptions,
) -> Option<Result<GroupEvent, ValidationError>> {
    // The event's own keys come first in `KEYS`: `type` to `channel`.
    let own = &crate::json::KEYS[..12];
    if parts.extra.keys().any(|k| own.contains(&k.as_str())) {
        return None;
    }
    let mut w = EventWriter::new(options);
    w.check_type(parts.event_type.as_ref());
    w.message_id(scalar(&parts.message_id));
    w.group_id(scalar(&parts.group_id));
    w.user_id(scalar(&parts.user_id));
    w.anonymous_id(scalar(&parts.anonymous_id));
    for (name, value) in [
        ("traits", &parts.traits),
        ("context", &parts.context),
        ("integrations", &parts.integrations),
    ] {
        let Some(v) = value.as_ref() else { continue };
        let json = match name {
            "traits" => w.traits(),
            "context" => w.context(),
            _ => w.integrations(),
        };
        let mut path = JsonPath::new();
        path.push_key(name);
        write(json, v, &mut path);
    }
    w.original_timestamp(scalar(&parts.original_timestamp), parts.timestamp_argument);
    w.timestamp(parts.timestamp.as_ref());
    w.sent_at(parts.sent_at.as_ref());
    w.channel(scalar(&parts.channel));
    for (k, v) in &parts.extra {
        w.extra(k, v);
    }
    Some(w.finish())
}

fn scalar(v: &Option<Value>) -> Scalar<'_> {
    Scalar::of_option(v.as_ref())
}

fn write(w: &mut JsonWriter, v: &Value, path: &mut JsonPath) {
    let too_deep = |v: &Value, path: &JsonPath| {
        matches!(v, Value::Object(_) | Value::Array(_)) && container_too_deep(path.level())
    };
    if too_deep(v, path) {
        w.found(conversion::too_deep(path.render()));
    }
    match v {
        Value::Null => w.null(),
        Value::Bool(b) => w.bool(*b),
        Value::Number(n) => {
            if w.number(n.as_str()) == Digits::NonFinite {
                w.found(conversion::non_finite_number(path.render(), n.as_str()));
            }
        }
        Value::String(s) => w.string(s),
        Value::Array(items) => {
            w.begin_array();
            if !too_deep(v, path) {
                for (i, item) in items.iter().enumerate() {
                    path.push_index(i);
                    write(w, item, path);
                    path.pop();
                }
            }
            w.end_array();
        }
        Value::Object(map) => {
            w.begin_object();
            if !too_deep(v, path) {
                for (k, item) in map {
                    w.key(k);
                    path.push_key(k.as_str());
                    write(w, item, path);
                    path.pop();
                }
            }
            w.end_object();
        }
    }
}

/// The same verdict: the same event (but for a fresh messageId and time), or the same issues.
fn same_result(a: &Result<GroupEvent, ValidationError>, b: &Result<GroupEvent, ValidationError>) {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let text = a
                .to_json()
                .replace(a.message_id(), b.message_id())
                .replace(a.original_timestamp(), b.original_timestamp());
            assert_eq!(text, b.to_json(), "written fields changed the event");
            assert_eq!(a.traits(), b.traits());
            assert_eq!(a.context(), b.context());
            assert_eq!(a.integrations(), b.integrations());
            assert_eq!(a.warnings(), b.warnings());
        }
        (Err(a), Err(b)) => assert_eq!(a.issues(), b.issues(), "written fields changed the issues"),
        (a, b) => panic!("written fields changed the verdict: {a:?} / {b:?}"),
    }
}

fn address(u: &mut Unstructured) -> Result<Address> {
    let opt = |u: &mut Unstructured| -> Result<Option<String>> {
        Ok(if u.arbitrary()? {
            Some(string(u)?)
        } else {
            None
        })
    };
    Ok(Address {
        city: opt(u)?,
        country: opt(u)?,
        postal_code: opt(u)?,
        state: opt(u)?,
        street: opt(u)?,
        other: object(u, 2)?,
    })
}

/// One builder call, chosen by the input; `options` follows the calls that change them.
fn step(
    b: GroupEventBuilder,
    u: &mut Unstructured,
    options: &mut EventOptions,
) -> Result<GroupEventBuilder> {
    Ok(match u.int_in_range(0..=23)? {
        0 => b.user_id(string(u)?),
        1 => b.user_id(u.arbitrary::<i64>()?),
        2 => b.anonymous_id(string(u)?),
        3 => b.message_id(string(u)?),
        4 => b.original_timestamp(string(u)?),
        5 => b.context(object(u, 1)?),
        6 => b.integrations(object(u, 1)?),
        7 => {
            options.lenient = u.arbitrary()?;
            b.lenient(options.lenient)
        }
        8 => b.name(string(u)?),
        9 => b.email(string(u)?),
        10 => b.plan(string(u)?),
        11 => b.website(string(u)?),
        12 => b.id(string(u)?),
        13 => b.id(u.arbitrary::<u64>()?),
        14 => b.address(address(u)?),
        15 => b.created_at(string(u)?),
        16 => b.employees(u.arbitrary::<i64>()?),
        17 => b.employees(string(u)?),
        18 => b.clear_trait(&key(u)?),
        19 => b.custom_trait(&key(u)?, value(u, 1)?),
        20 => b.traits(object(u, 1)?),
        21 => b.integer_trait(&key(u)?, u.arbitrary::<i64>()?),
        22 => {
            options.library = *u.choose(&LIBRARIES)?;
            b.library(options.library)
        }
        _ => b.industry(string(u)?).phone(string(u)?).avatar(string(u)?),
    })
}

/// A random sequence of builder calls, then `build`.
pub fn builder_sequence(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(group_id) = string(&mut u) else { return };
    let mut options = EventOptions::default();
    let mut builder = GroupEvent::builder(group_id);
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        builder = match step(builder, &mut u, &mut options) {
            Ok(b) => b,
            Err(_) => return,
        };
    }
    check(builder.build(), &options);
}
