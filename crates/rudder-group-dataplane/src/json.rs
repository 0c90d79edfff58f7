//! JSON kept as text: the top-level members of an object, compact text, and a `Value` built
//! without recursion.
//!
//! Nothing here recurses on the nesting of the data: serde_json skips a nested value with a
//! loop when it captures it as a [`RawValue`], and the scanners below are loops too. So an event
//! the data plane accepted, at whatever depth, is stored and read back exactly, and never hits
//! serde_json's recursion limit (128) for a `Value`.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// The members of a JSON object in their order, each value kept as its text. A repeated key
/// keeps its first place and its last value, as in a `serde_json::Map` with `preserve_order`.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<(String, Box<RawValue>)>);

impl Fields {
    /// The members of `text` when it is a JSON object; `None` for anything else.
    pub(crate) fn parse(text: &str) -> Option<Fields> {
        serde_json::from_str(text).ok()
    }

    /// The text of a member's value.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.get())
    }

    /// A member's value when it is a JSON string.
    pub(crate) fn get_str(&self, key: &str) -> Option<String> {
        self.get(key)
            .filter(|text| text.starts_with('"'))
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// Sets a member to a string: in place when the key exists, else at the end.
    pub(crate) fn set_str(&mut self, key: &str, value: &str) {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "\"\"".to_string());
        let Ok(raw) = RawValue::from_string(text) else {
            return;
        };
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = raw,
            None => self.0.push((key.to_string(), raw)),
        }
    }

    /// The object as compact text (see [`compact`]).
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_string()));
            out.push(':');
            out.push_str(&compact(value.get()));
        }
        out.push('}');
        out
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Fields, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut members: Vec<(String, Box<RawValue>)> = Vec::new();
                let mut index: HashMap<String, usize> = HashMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Box<RawValue> = map.next_value()?;
                    match index.get(&key) {
                        Some(&i) => members[i].1 = value,
                        None => {
                            index.insert(key.clone(), members.len());
                            members.push((key, value));
                        }
                    }
                }
                Ok(Fields(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// Valid JSON text without the whitespace between its tokens (strings are kept byte for byte).
/// One line, so a stored event is one NDJSON line whatever the sender's layout.
pub(crate) fn compact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut out: Option<Vec<u8>> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            out.get_or_insert_with(|| bytes[..i].to_vec());
            continue;
        } else if b == b'"' {
            in_string = true;
        }
        if let Some(out) = out.as_mut() {
            out.push(b);
        }
    }
    match out {
        // Only ASCII whitespace was removed between tokens: still UTF-8.
        Some(out) => Cow::Owned(String::from_utf8(out).unwrap_or_default()),
        None => Cow::Borrowed(text),
    }
}

/// An open array or object while [`to_value`] builds.
enum Open {
    Array(Vec<Value>),
    Object(Map<String, Value>, Option<String>),
}

/// Valid JSON text as a `Value`, at any depth: built with a stack of open containers instead of
/// recursion. `None` when the text is not valid JSON.
///
/// Dropping or serializing a `Value` still recurses, so a caller that keeps events nested
/// tens of thousands of levels deep needs a large stack for them; the text forms never do.
pub(crate) fn to_value(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b',' | b':') {
            i += 1;
        }
        let b = *bytes.get(i)?;
        let done = match b {
            b'[' => {
                stack.push(Open::Array(Vec::new()));
                i += 1;
                None
            }
            b'{' => {
                stack.push(Open::Object(Map::new(), None));
                i += 1;
                None
            }
            b']' | b'}' => {
                i += 1;
                match stack.pop()? {
                    Open::Array(items) if b == b']' => attach(&mut stack, Value::Array(items)),
                    Open::Object(map, None) if b == b'}' => attach(&mut stack, Value::Object(map)),
                    _ => return None,
                }
            }
            b'"' => {
                let end = string_end(bytes, i)?;
                let s: String = serde_json::from_str(&text[i..end]).ok()?;
                i = end;
                match stack.last_mut() {
                    Some(Open::Object(_, key @ None)) => {
                        *key = Some(s);
                        None
                    }
                    _ => attach(&mut stack, Value::String(s)),
                }
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(bytes[i], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                {
                    i += 1;
                }
                let scalar: Value = serde_json::from_str(&text[start..i]).ok()?;
                attach(&mut stack, scalar)
            }
        };
        if let Some(value) = done {
            let rest = &bytes[i..];
            return rest
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .then_some(value);
        }
    }
}

/// Puts a finished value into the open container, or returns it when it is the whole text.
fn attach(stack: &mut [Open], value: Value) -> Option<Value> {
    match stack.last_mut() {
        None => Some(value),
        Some(Open::Array(items)) => {
            items.push(value);
            None
        }
        Some(Open::Object(map, key)) => {
            map.insert(key.take().unwrap_or_default(), value);
            None
        }
    }
}

/// The index just past the closing quote of the string that starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn fields_keep_order_and_the_last_of_a_repeated_key() {
        let mut f = Fields::parse(r#"{"a": 1, "b":{"c" : [1, "x y"]},"a":"z"}"#).unwrap();
        assert_eq!(f.get_str("a").as_deref(), Some("z"));
        assert_eq!(f.get_str("b"), None);
        f.set_str("b", "q\"");
        f.set_str("d", "e");
        assert_eq!(f.to_text(), r#"{"a":"z","b":"q\"","d":"e"}"#);
        assert!(Fields::parse("[1]").is_none());
        assert!(Fields::parse("{").is_none());
        let deep = format!(r#"{{"k":{}}}"#, nested(5000));
        assert_eq!(Fields::parse(&deep).unwrap().to_text(), deep);
    }

    #[test]
    fn compact_keeps_strings() {
        assert_eq!(compact("[1, 2]"), "[1,2]");
        assert_eq!(
            compact("{\"a b\" :\n\"c \\\" d\"}"),
            "{\"a b\":\"c \\\" d\"}"
        );
        assert!(matches!(compact("[1,2]"), Cow::Borrowed(_)));
    }

    #[test]
    fn values_match_serde_json_and_go_deeper() {
        for text in [
            r#"{"a":[1,2.50,{"b":null,"c":true}],"d":"\u00e9\n","a":false,"e":{}}"#,
            r#" [ "x" , -1e5 , [ ] ] "#,
            r#""s""#,
            "7",
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(to_value(text), Some(expected), "{text}");
        }
        for bad in ["[1", "{\"a\":1]", "[1]]", "", "\"x"] {
            assert_eq!(to_value(bad), None, "{bad}");
        }
        let deep = nested(1000);
        let value = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || serde_json::to_string(&to_value(&deep).unwrap()).unwrap() == deep)
            .unwrap()
            .join()
            .unwrap();
        assert!(value);
    }
}
