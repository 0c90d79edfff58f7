//! [`JsonWriter`]: canonical JSON written while a binding converts a caller's value, straight
//! into the event's bytes (an [`EventWriter`](crate::EventWriter) hands it out for `traits`,
//! `context` and `integrations`).
//!
//! Decisions:
//! - **No tree for what the core only copies.** Validation reads few facts of an object field:
//!   the reserved traits, the caller's `context.library` (replaced), and the depth and
//!   non-finite numbers below. The writer notes, while a binding writes such a field, the byte
//!   ranges of the top-level entries validation reads (the *watched* keys of the field: the
//!   reserved traits, `library`) and the problems the scan would report (`found`: `TOO_DEEP`
//!   and non-finite numbers, in the order met). Validation parses only the watched values. The
//!   result is the same event, byte for byte, with the same issues in the same order, as the
//!   same value given as a `serde_json::Value`.
//! - **Well-formed by construction.** The writer places every comma, colon and quote itself,
//!   escapes strings as `serde_json` does and checks number text against JSON's grammar, so its
//!   bytes are always one JSON value.
//! - **Keys.** An object's keys must be unique; a converter whose language can give two keys of
//!   the same text (Python, with `str` subclasses) asks [`JsonWriter::has_key`] first.

use crate::issue::Issue;
use crate::json_text::string_end;
use serde_json::{Number, Value};
use std::ops::Range;
use std::str::FromStr;

/// The top-level keys of `traits` whose values validation reads: the reserved traits.
pub(crate) const TRAITS_WATCH: &[&str] = &crate::traits::RESERVED_TRAITS;
/// The top-level key of `context` that the SDK replaces.
pub(crate) const CONTEXT_WATCH: &[&str] = &["library"];

/// The watched top-level entries of an object field: each key and where its value is.
pub(crate) type Watched = Vec<(&'static str, Range<usize>)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    Object { first: bool },
    Array { first: bool },
}

/// Canonical JSON (UTF-8, no insignificant whitespace, `serde_json`'s escapes) written one
/// token at a time. `JsonWriter::default()` allocates nothing and watches no key.
#[derive(Debug, Clone, Default)]
pub struct JsonWriter {
    pub(crate) out: Vec<u8>,
    /// The open containers, each with the offset of its opening bracket in `out` (where
    /// [`JsonWriter::has_key`] reads an object's keys back).
    pub(crate) open: Vec<(Open, usize)>,
    watch: &'static [&'static str],
    watching: Option<(&'static str, usize)>,
    pub(crate) watched: Watched,
    pub(crate) found: Vec<Issue>,
}

impl JsonWriter {
    /// An empty writer with room for `bytes`, watching nothing (an event's buffer).
    pub(crate) fn with_capacity(bytes: usize) -> JsonWriter {
        JsonWriter {
            out: Vec::with_capacity(bytes),
            open: Vec::with_capacity(8),
            watched: Vec::with_capacity(8),
            ..JsonWriter::default()
        }
    }

    /// Empties the writer, keeping its buffers.
    pub(crate) fn reset(&mut self) {
        self.out.clear();
        self.open.clear();
        self.watch = &[];
        self.watching = None;
        self.watched.clear();
        self.found.clear();
    }

    /// Starts the value of an object field of the event, after what is written: its
    /// top-level entries named in `watch` are noted.
    pub(crate) fn begin_field(&mut self, watch: &'static [&'static str]) {
        self.open.clear();
        self.watch = watch;
        self.watching = None;
        self.watched.clear();
    }

    /// Appends a whole value's canonical bytes, outside the token stream (the event writer's
    /// own fields).
    pub(crate) fn value_bytes<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        // Writing to a Vec cannot fail, and these values always serialize.
        let _ = serde_json::to_writer(&mut self.out, v);
    }

    /// The bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Notes a problem that validation's scan of the field would report (`TOO_DEEP` at an
    /// empty container put in place of a deeper one, a non-finite number): validation reports
    /// it where it scans the field's values.
    #[inline]
    pub fn found(&mut self, issue: Issue) {
        self.found.push(issue);
    }

    /// The separator before a value.
    #[inline]
    fn before_value(&mut self) {
        if let Some((Open::Array { first }, _)) = self.open.last_mut() {
            if !*first {
                self.out.push(b',');
            }
            *first = false;
        }
    }

    /// After a value: a watched top-level entry ends here.
    #[inline]
    fn after_value(&mut self) {
        if self.open.len() == 1 {
            if let Some((key, start)) = self.watching.take() {
                self.watched.push((key, start..self.out.len()));
            }
        }
    }

    /// Opens an object.
    #[inline]
    pub fn begin_object(&mut self) {
        self.before_value();
        self.open
            .push((Open::Object { first: true }, self.out.len()));
        self.out.push(b'{');
    }

    /// Closes the innermost object.
    #[inline]
    pub fn end_object(&mut self) {
        self.out.push(b'}');
        self.open.pop();
        self.after_value();
    }

    /// Opens an array.
    #[inline]
    pub fn begin_array(&mut self) {
        self.before_value();
        self.open
            .push((Open::Array { first: true }, self.out.len()));
        self.out.push(b'[');
    }

    /// Closes the innermost array.
    #[inline]
    pub fn end_array(&mut self) {
        self.out.push(b']');
        self.open.pop();
        self.after_value();
    }

    /// Writes an object key; its value comes next.
    #[inline]
    pub fn key(&mut self, key: &str) {
        if let Some((Open::Object { first }, _)) = self.open.last_mut() {
            if !*first {
                self.out.push(b',');
            }
            *first = false;
        }
        write_str(&mut self.out, key);
        self.out.push(b':');
        if self.open.len() == 1 {
            // Length and first byte first: most keys are no watched name.
            let watched = |name: &&&str| {
                name.len() == key.len() && name.as_bytes().first() == key.as_bytes().first()
            };
            if let Some(name) = self.watch.iter().filter(watched).find(|name| **name == key) {
                self.watching = Some((name, self.out.len()));
            }
        }
    }

    /// Whether the innermost object already has key `key`. Its keys are read back from the
    /// bytes written (only a converter that can meet two keys of one text asks, and rarely), so
    /// that writing a key records nothing.
    pub fn has_key(&self, key: &str) -> bool {
        let Some((Open::Object { .. }, start)) = self.open.last() else {
            return false;
        };
        let mut escaped = Vec::with_capacity(key.len() + 2);
        write_str(&mut escaped, key);
        let bytes = &self.out[*start..];
        // The writer's own bytes: well-formed, so a shallow walk finds the object's keys.
        let (mut i, mut depth, mut at_key) = (1, 0usize, true);
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    let end = string_end(bytes, i).unwrap_or(bytes.len());
                    if depth == 0 && at_key {
                        if bytes[i..end] == escaped[..] {
                            return true;
                        }
                        at_key = false;
                    }
                    i = end;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => at_key = true,
                _ => {}
            }
            i += 1;
        }
        false
    }

    /// Writes a string.
    #[inline]
    pub fn string(&mut self, s: &str) {
        self.before_value();
        write_str(&mut self.out, s);
        self.after_value();
    }

    /// Writes `null`.
    #[inline]
    pub fn null(&mut self) {
        self.scalar(b"null");
    }

    /// Writes `true` or `false`.
    #[inline]
    pub fn bool(&mut self, b: bool) {
        self.scalar(if b { b"true" } else { b"false" });
    }

    /// Writes an integer.
    #[inline]
    pub fn i64(&mut self, i: i64) {
        self.serialized(&i);
    }

    /// Writes an integer.
    #[inline]
    pub fn u64(&mut self, u: u64) {
        self.serialized(&u);
    }

    /// Writes a finite float as `serde_json` does (shortest round-trip digits); `false`, and
    /// nothing written, for NaN and ±Infinity.
    #[inline]
    pub fn f64(&mut self, f: f64) -> bool {
        if !f.is_finite() {
            return false;
        }
        self.serialized(&f);
        true
    }

    /// Writes a number given as text, keeping its digits (`1.50`, `1E+3`, a big integer).
    /// Nothing is written for text that is not a JSON number; a number too large for a finite
    /// float (`1E+999`) is written, and is for validation's scan to report (see
    /// [`JsonWriter::found`]).
    pub fn number(&mut self, text: &str) -> Digits {
        match Number::from_str(text) {
            Ok(n) => {
                self.scalar(n.as_str().as_bytes());
                if is_finite(&n) {
                    Digits::Finite
                } else {
                    Digits::NonFinite
                }
            }
            Err(_) => Digits::NotANumber,
        }
    }

    /// Writes a `serde_json` number as its digits.
    pub fn json_number(&mut self, n: &Number) {
        self.scalar(n.as_str().as_bytes());
    }

    /// Writes a whole `serde_json` value.
    pub fn value(&mut self, v: &Value) {
        self.serialized(v);
    }

    /// A scalar or value as `serde_json` writes it (integers, floats with the shortest
    /// round-trip digits).
    #[inline]
    fn serialized<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        self.before_value();
        // Writing to a Vec cannot fail, and these values always serialize.
        let _ = serde_json::to_writer(&mut self.out, v);
        self.after_value();
    }

    #[inline]
    fn scalar(&mut self, bytes: &[u8]) {
        self.before_value();
        self.out.extend_from_slice(bytes);
        self.after_value();
    }

    /// The value written, as a `serde_json` value (`null` when nothing complete was written).
    pub fn into_value(self) -> Value {
        if !self.open.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.out).unwrap_or(Value::Null)
    }
}

/// What [`JsonWriter::number`] made of a number's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digits {
    /// Written: a finite number.
    Finite,
    /// Written, but past a finite float: validation refuses it (`NON_FINITE_NUMBER`).
    NonFinite,
    /// Not JSON's number grammar: nothing written.
    NotANumber,
}

/// Integers are exact at any size; other numbers must fit a finite f64.
pub(crate) fn is_finite(n: &Number) -> bool {
    if crate::traits::is_integer(n) {
        return true;
    }
    n.as_str()
        .parse::<f64>()
        .map(f64::is_finite)
        .unwrap_or(false)
}

/// A JSON string with `serde_json`'s escapes. Text with nothing to escape (no `"`, `\\` or
/// control character: nearly every key and value) is copied as it is.
#[inline]
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a Vec cannot fail, and a str always serializes.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Whether `bytes` hold a `"`, a `\\` or a control character (below 0x20): what JSON must
/// escape. Eight bytes at a time, with no branch per byte: every key and most values are
/// scanned, and nearly all of them have nothing to escape.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    /// Nonzero exactly when some byte of `x` is zero (a borrow can mark a byte above a zero
    /// one, never a word with none).
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGH
    }
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        // A byte below 0x20 has its three high bits clear: zero after masking them out.
        let control = zero_bytes(x & u64::from_ne_bytes([0xe0; 8]));
        let quote = zero_bytes(x ^ u64::from_ne_bytes([b'"'; 8]));
        let backslash = zero_bytes(x ^ u64::from_ne_bytes([b'\\'; 8]));
        if (control | quote | backslash) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().fold(false, |found, &b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(w: &JsonWriter) -> &str {
        std::str::from_utf8(&w.out).unwrap()
    }

    #[test]
    fn separators_escapes_and_numbers() {
        let mut w = JsonWriter::with_capacity(64);
        w.begin_field(TRAITS_WATCH);
        w.begin_object();
        w.key("a\"b");
        w.begin_array();
        w.i64(-1);
        w.f64(1.5);
        assert!(!w.f64(f64::NAN));
        assert_eq!(w.number("1E+999"), Digits::NonFinite);
        assert_eq!(w.number("1.50"), Digits::Finite);
        assert_eq!(w.number("NaN"), Digits::NotANumber);
        w.end_array();
        w.key("name");
        w.string("line\n");
        w.end_object();
        assert_eq!(text(&w), r#"{"a\"b":[-1,1.5,1e+999,1.50],"name":"line\n"}"#);
        let watched: Vec<_> = w
            .watched
            .iter()
            .map(|(k, r)| (*k, &w.out[r.clone()]))
            .collect();
        assert_eq!(watched, [("name", &br#""line\n""#[..])]);
    }

    #[test]
    fn the_escape_scan_agrees_with_a_byte_check() {
        let plain = |bytes: &[u8]| bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    assert_eq!(needs_escape(&bytes), !plain(&bytes), "{bytes:?}");
                }
            }
        }
        // Bytes next to each other that could borrow into one another.
        for a in 0..=255u8 {
            for b in [0u8, 0x1f, 0x20, 0x21, b'"', b'\\', 0x80, 0xff] {
                let bytes = [a, b, a, b, a, b, a, b, a];
                assert_eq!(needs_escape(&bytes), !plain(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn keys_of_the_innermost_object() {
        let mut w = JsonWriter::default();
        w.begin_object();
        w.key("a");
        w.begin_object();
        assert!(!w.has_key("a"));
        w.key("b");
        w.null();
        assert!(w.has_key("b"));
        w.end_object();
        assert!(w.has_key("a") && !w.has_key("b"));
        // Keys are found by their escaped text; brackets, commas and quotes inside strings or
        // nested values are not keys.
        w.key("q\"{,");
        w.string(",\"c\":[{");
        w.key("arr");
        w.begin_array();
        w.string("d");
        w.begin_object();
        w.key("e");
        w.null();
        w.end_object();
        w.end_array();
        assert!(w.has_key("q\"{,") && w.has_key("arr"));
        assert!(!w.has_key("c") && !w.has_key("d") && !w.has_key("e") && !w.has_key("q"));
        w.key("z");
        w.begin_array();
        assert!(!w.has_key("a"));
        w.end_array();
        w.end_object();
        assert_eq!(
            &w.out[..],
            br#"{"a":{"b":null},"q\"{,":",\"c\":[{","arr":["d",{"e":null}],"z":[]}"#
        );
    }
}
