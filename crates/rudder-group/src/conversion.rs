//! The binding kit: what every binding needs to turn its language's values into
//! [`EventParts`](crate::EventParts), written once.
//!
//! A binding walks the caller's value, keeps a [`JsonPath`] of where it is, asks
//! [`container_too_deep`] before it reads a container, spends a [`Budget`] on every value it
//! produces, and reports what it cannot convert with the constructors below. Each conversion
//! problem has one wording, here; a binding may add its own advice after it with
//! [`with_hint`], never instead of it.
//!
//! Decisions:
//! - **Paths.** A [`JsonPath`] is a stack of segments (the key or index of each level below the
//!   event object). It is rendered as an RFC 6901 pointer only when an issue is reported, so the
//!   common case allocates nothing for paths: a binding pushes a key it owns, converts the value
//!   below it, and takes the key back with [`JsonPath::pop_key`] to insert it into its map.
//! - **Depth.** The event object is level 1, `traits` level 2; a path of `n` segments names a
//!   value at level `n + 1` ([`JsonPath::level`]). A container whose level is past
//!   [`MAX_DEPTH`] is too deep ([`container_too_deep`], the same test
//!   validation makes). A binding does not read inside such a container: it puts an empty
//!   container of the same kind in its place, and validation reports `TOO_DEEP` at that path, in
//!   the same order as for parsed JSON. Only a value that is not a container yet leads to more
//!   values (a Python enum whose value is another enum) is reported here, with [`too_deep`].
//! - **Cycles.** A container (or an enum) met again inside itself is [`circular_reference`] at
//!   the path where it repeats; its place holds `null`.
//! - **Budget.** Converted values can only be part of the event, so once they pass
//!   `max_event_bytes` the event cannot fit. [`Budget`] counts the bytes the canonical JSON of
//!   the values takes (never more than it takes: strings without their escapes, one byte per
//!   separator), and the binding stops converting once it is spent. Then the event is refused
//!   with [`Budget::into_error`]: `EVENT_TOO_LARGE` at `""`, first, followed by the conversion
//!   problems found before that point. Validation is not run on a half-converted event: its
//!   findings would be about values that were never read. So hostile input (shared references
//!   that double at every level, a list of ten million items, a proxy that makes a new object
//!   for every property) costs at most about `max_event_bytes` of work and memory.
//! - **`timestamp`.** A call's `timestamp` argument is written as `originalTimestamp`, but its
//!   problems are reported at `/timestamp`, the key the caller wrote (set
//!   [`EventParts::timestamp_argument`](crate::EventParts::timestamp_argument)). Issues should
//!   point to what the caller can find in their own code.
//! - **Non-finite numbers** are shown in JSON's own vocabulary (`NaN`, `Infinity`,
//!   `-Infinity`), whatever the language calls them.

pub use crate::writer::{Digits, JsonWriter};

use crate::issue::{push_segment, Issue, ValidationError};
use crate::options::MAX_DEPTH;
use crate::ErrorCode;
use serde_json::Value;

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Where a conversion is: the keys and indexes from the event object down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath {
    segments: Vec<Segment>,
}

impl JsonPath {
    /// The event object itself (`""`).
    pub fn new() -> JsonPath {
        JsonPath {
            segments: Vec::with_capacity(8),
        }
    }

    /// Goes down into object key `key`.
    pub fn push_key(&mut self, key: impl Into<String>) {
        self.segments.push(Segment::Key(key.into()));
    }

    /// Goes down into array index `index`.
    pub fn push_index(&mut self, index: usize) {
        self.segments.push(Segment::Index(index));
    }

    /// Goes back up one step.
    pub fn pop(&mut self) -> Option<Segment> {
        self.segments.pop()
    }

    /// Goes back up one step and gives back the key pushed there (`None` for an index).
    pub fn pop_key(&mut self) -> Option<String> {
        match self.segments.pop() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The level of the value at this path: the event object is 1, `/traits` 2.
    pub fn level(&self) -> usize {
        self.segments.len() + 1
    }

    /// The JSON pointer (RFC 6901): `~` and `/` in keys are escaped as `~0` and `~1`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Key(k) => push_segment(&mut out, k),
                Segment::Index(i) => {
                    out.push('/');
                    out.push_str(&i.to_string());
                }
            }
        }
        out
    }
}

/// Whether a container at `level` (see [`JsonPath::level`]) is too deep: the rule validation
/// reports as `TOO_DEEP`.
pub const fn container_too_deep(level: usize) -> bool {
    level > MAX_DEPTH
}

/// Appends a binding's own advice after the standard message: `"<message>; <hint>"`.
pub fn with_hint(mut issue: Issue, hint: &str) -> Issue {
    if !hint.is_empty() {
        issue.message.push_str("; ");
        issue.message.push_str(hint);
    }
    issue
}

/// `NON_FINITE_NUMBER` for a number shown as `shown` (e.g. `1e999`, `Decimal('NaN')`).
pub fn non_finite_number(path: impl Into<String>, shown: &str) -> Issue {
    Issue::error(
        ErrorCode::NonFiniteNumber,
        path,
        format!("{shown} is not a finite number; JSON cannot carry NaN or Infinity"),
    )
}

/// `NON_FINITE_NUMBER` for a float, shown as `NaN`, `Infinity` or `-Infinity`.
pub fn non_finite_float(path: impl Into<String>, value: f64) -> Issue {
    non_finite_number(path, &float_name(value))
}

/// A float as JSON (and JavaScript) would name it: `NaN`, `Infinity`, `-Infinity`, or its value.
pub fn float_name(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "Infinity".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Infinity".to_owned()
    } else {
        value.to_string()
    }
}

/// `UNSUPPORTED_VALUE`: a value of a type with no JSON form (`type_name` as the language names
/// it: `bytes`, `Map`, `function`).
pub fn unsupported_type(path: impl Into<String>, type_name: &str) -> Issue {
    Issue::error(
        ErrorCode::UnsupportedValue,
        path,
        format!("a value of type {type_name} has no JSON form"),
    )
}

/// `UNSUPPORTED_VALUE`: a container that contains itself.
pub fn circular_reference(path: impl Into<String>) -> Issue {
    Issue::error(
        ErrorCode::UnsupportedValue,
        path,
        "a circular reference: this value contains itself, which JSON cannot write",
    )
}

/// `UNSUPPORTED_VALUE`: an object key that is not a string (`path` ends with the key as shown).
pub fn non_string_key(path: impl Into<String>, type_name: &str) -> Issue {
    Issue::error(
        ErrorCode::UnsupportedValue,
        path,
        format!("object keys must be strings, got a key of type {type_name}"),
    )
}

/// `UNSUPPORTED_VALUE`: an object key whose text an earlier key of the same object already has
/// (keys of a JSON object are unique).
pub fn duplicate_key(path: impl Into<String>) -> Issue {
    Issue::error(
        ErrorCode::UnsupportedValue,
        path,
        "this key's text is already a key of the same object: JSON keys are unique",
    )
}

/// Which text held a lone surrogate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPlace {
    /// A string value.
    Value,
    /// An object key.
    Key,
}

/// `UNSUPPORTED_VALUE`: text with a lone surrogate (or otherwise not Unicode), which has no
/// UTF-8 and so no JSON form.
pub fn invalid_text(path: impl Into<String>, place: TextPlace) -> Issue {
    let what = match place {
        TextPlace::Value => "a string",
        TextPlace::Key => "a key",
    };
    Issue::error(
        ErrorCode::UnsupportedValue,
        path,
        format!("{what} with a lone surrogate has no UTF-8 (JSON) form"),
    )
}

/// `INVALID_JSON` at `""`: the payload is not an object (`kind` as in "got an array").
pub fn not_an_object(kind: &str) -> Issue {
    Issue::error(
        ErrorCode::InvalidJson,
        "",
        format!("a group payload must be a JSON object, got {kind}"),
    )
}

/// `TOO_DEEP`: nesting past [`MAX_DEPTH`] at `path`.
pub fn too_deep(path: impl Into<String>) -> Issue {
    Issue::error(
        ErrorCode::TooDeep,
        path,
        format!("nesting is deeper than {MAX_DEPTH} levels (the event object is level 1)"),
    )
}

/// `INVALID_TIMESTAMP`: the text `text` of field `name` is not an RFC 3339 instant.
pub fn invalid_timestamp(path: impl Into<String>, name: &str, text: &str) -> Issue {
    Issue::error(
        ErrorCode::InvalidTimestamp,
        path,
        format!(
            "{name} must be an RFC 3339 date-time with an offset, e.g. 2022-02-01T19:14:18.381Z, got {text:?}"
        ),
    )
}

/// `INVALID_TIMESTAMP`: a date of the caller's language (a JS `Date`) whose year is outside
/// 0000 to 9999, the years an RFC 3339 timestamp can write.
pub fn date_out_of_range(path: impl Into<String>) -> Issue {
    Issue::error(
        ErrorCode::InvalidTimestamp,
        path,
        "a date outside RFC 3339's range (years 0000 to 9999) has no timestamp form",
    )
}

/// `INVALID_FIELD_TYPE`: a call's argument `key` is not one of `known`; the message names the
/// nearest known key.
pub fn unknown_key(path: impl Into<String>, key: &str, known: &[&str]) -> Issue {
    let mut message = format!("{key:?} is not a field of a group call");
    if let Some(near) = nearest(key, known) {
        message.push_str(&format!("; did you mean {near:?}?"));
    }
    Issue::error(ErrorCode::InvalidFieldType, path, message)
}

/// The entry of `known` closest to `key` (fewest single-character edits, case ignored), if any
/// is close enough to be a likely typo: at most a third of the key's length, and at least 1.
pub fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let key: Vec<char> = key.to_lowercase().chars().collect();
    let limit = (key.len() / 3).max(1);
    known
        .iter()
        .map(|k| {
            (
                edits(&key, &k.to_lowercase().chars().collect::<Vec<_>>()),
                *k,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edits(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The bytes a conversion may produce: `max_event_bytes`, counted as the canonical JSON of the
/// converted values would take them (a lower bound: strings without escapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    limit: usize,
    used: usize,
}

impl Budget {
    /// A budget of `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> Budget {
        Budget {
            limit: max_event_bytes,
            used: 0,
        }
    }

    /// Spends `bytes`; `false` once more than the limit has been spent (the conversion stops).
    pub fn spend(&mut self, bytes: usize) -> bool {
        self.used = self.used.saturating_add(bytes);
        self.used <= self.limit
    }

    /// Whether more than the limit has been spent.
    pub fn is_spent(&self) -> bool {
        self.used > self.limit
    }

    /// The bytes counted so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// The bytes left before the limit (how many items a container can hold at most, since each
    /// takes at least one byte).
    pub fn left(&self) -> usize {
        self.limit.saturating_sub(self.used)
    }

    /// Spends what a scalar takes in canonical JSON (a container's brackets are
    /// [`Budget::container`]).
    pub fn scalar(&mut self, v: &Value) -> bool {
        let bytes = match v {
            Value::Null => 4,
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => n.as_str().len(),
            Value::String(s) => s.len() + 2,
            Value::Array(_) | Value::Object(_) => 2,
        };
        self.spend(bytes)
    }

    /// Spends a string of `len` bytes, before it is copied.
    pub fn string(&mut self, len: usize) -> bool {
        self.spend(len.saturating_add(2))
    }

    /// Spends an object key of `len` bytes: its quotes and colon, and a separator.
    pub fn key(&mut self, len: usize) -> bool {
        self.spend(len.saturating_add(4))
    }

    /// Spends a container's opening bracket.
    pub fn container(&mut self) -> bool {
        self.spend(1)
    }

    /// Spends the separator (or closing bracket) after an array item.
    pub fn item(&mut self) -> bool {
        self.spend(1)
    }

    /// The error of a conversion stopped by this budget: `EVENT_TOO_LARGE` at `""`, then the
    /// problems found before it stopped.
    pub fn into_error(self, found: Vec<Issue>) -> ValidationError {
        let mut issues = Vec::with_capacity(found.len() + 1);
        issues.push(Issue::error(
            ErrorCode::EventTooLarge,
            "",
            format!(
                "the event's values alone are over the limit of {} bytes serialized; \
                 their conversion stopped there",
                self.limit
            ),
        ));
        issues.extend(found);
        ValidationError::new(issues)
    }
}
