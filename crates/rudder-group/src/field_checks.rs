//! The scan for depth and non-finite numbers in a caller's values given as a tree (a parsed
//! payload's): what [`crate::EventWriter`] runs on the object fields, unknown keys and
//! `timestamp` of [`crate::EventParts`].

use crate::conversion::{container_too_deep, non_finite_number, too_deep};
use crate::issue::{push_segment, Issue};
use serde_json::{Map, Number, Value};

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
