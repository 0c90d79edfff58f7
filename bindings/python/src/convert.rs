//! Python values to JSON values.
//!
//! Exact built-in types are recognised first by a pointer compare of their type (str, int, bool,
//! None, float, dict, list, tuple), then, in this order: `enum.Enum` (its value), subclasses of
//! str / int / float, `datetime.datetime`, `datetime.date`, `decimal.Decimal`, `uuid.UUID`,
//! subclasses of dict / list / tuple. Anything else, a non-str key, a cycle, a lone surrogate or a
//! non-finite number becomes an [`Issue`] with its JSON-pointer path and `null` in its place, so
//! that the core reports every problem of an event together. The caller's objects are only read.

use crate::path::{Path, Seg};
use crate::text::{datetime_string, int_digits, std_types, str_of, type_name};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use rudder_group::serde_json::{Map, Number, Value};
use rudder_group::{ErrorCode, Issue, MAX_DEPTH};
use std::str::FromStr;

/// Converts Python values, collecting issues.
pub(crate) struct Converter<'py> {
    py: Python<'py>,
    /// Problems found so far, in the order found.
    pub(crate) issues: Vec<Issue>,
    /// Containers on the path being converted (cycle detection).
    ancestors: Vec<*mut ffi::PyObject>,
    /// A rough size of what was converted, in bytes (to decide when to release the GIL).
    pub(crate) size: usize,
}

impl<'py> Converter<'py> {
    /// A converter with no issues.
    pub(crate) fn new(py: Python<'py>) -> Self {
        Converter {
            py,
            issues: Vec::new(),
            ancestors: Vec::new(),
            size: 0,
        }
    }

    fn issue(&mut self, code: ErrorCode, path: &Path<'_>, message: String) -> Value {
        self.issues.push(Issue::error(code, path.render(), message));
        Value::Null
    }

    fn unsupported(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>, why: &str) -> Value {
        let ty = type_name(obj);
        self.issue(
            ErrorCode::UnsupportedValue,
            path,
            format!("a value of type {ty} has no JSON form{why}"),
        )
    }

    /// Converts `obj`, which sits at nesting level `depth` (the event object is level 1).
    pub(crate) fn value(
        &mut self,
        obj: &Bound<'py, PyAny>,
        path: &Path<'_>,
        depth: usize,
    ) -> Value {
        if obj.is_exact_instance_of::<PyString>() {
            return self.string(obj, path);
        }
        if obj.is_exact_instance_of::<PyBool>() {
            self.size += 5;
            return Value::Bool(obj.is_truthy().unwrap_or(false));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return self.int(obj, path);
        }
        if obj.is_none() {
            self.size += 4;
            return Value::Null;
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return self.float(obj, path);
        }
        if let Ok(dict) = obj.cast_exact::<PyDict>() {
            return self.dict(dict, path, depth);
        }
        if let Ok(list) = obj.cast_exact::<PyList>() {
            return self.list(list, path, depth);
        }
        if let Ok(tuple) = obj.cast_exact::<PyTuple>() {
            return self.tuple(tuple, path, depth);
        }
        self.other(obj, path, depth)
    }

    /// The slow path: standard-library types and subclasses.
    fn other(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>, depth: usize) -> Value {
        let types = match std_types(self.py) {
            Ok(t) => t,
            Err(e) => return self.unsupported(obj, path, &format!(" ({e})")),
        };
        if obj.is_instance(types.enum_.bind(self.py)).unwrap_or(false) {
            return match obj.getattr("value") {
                Ok(v) => self.value(&v, path, depth),
                Err(e) => self.unsupported(obj, path, &format!(": its value cannot be read ({e})")),
            };
        }
        if obj.is_instance_of::<PyString>() {
            return self.string(obj, path);
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(obj, path);
        }
        if obj.is_instance_of::<PyFloat>() {
            return self.float(obj, path);
        }
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            return match datetime_string(dt, types) {
                Ok(s) => {
                    self.size += s.len() + 2;
                    Value::String(s)
                }
                Err(e) => self.issue(
                    ErrorCode::UnsupportedValue,
                    path,
                    format!("this datetime cannot be written as ISO-8601 in UTC: {e}"),
                ),
            };
        }
        if let Ok(d) = obj.cast::<PyDate>() {
            self.size += 12;
            return Value::String(format!(
                "{:04}-{:02}-{:02}",
                d.get_year(),
                d.get_month(),
                d.get_day()
            ));
        }
        if obj
            .is_instance(types.decimal.bind(self.py))
            .unwrap_or(false)
        {
            return self.decimal(obj, path);
        }
        if obj.is_instance(types.uuid.bind(self.py)).unwrap_or(false) {
            return match obj.str() {
                Ok(s) => self.string(s.as_any(), path),
                Err(e) => self.unsupported(obj, path, &format!(" ({e})")),
            };
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            return self.dict(dict, path, depth);
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return self.list(list, path, depth);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return self.tuple(tuple, path, depth);
        }
        let hint = if obj.is_instance_of::<pyo3::types::PyBytes>() {
            "; decode bytes to str first"
        } else if obj.is_instance_of::<pyo3::types::PySet>()
            || obj.is_instance_of::<pyo3::types::PyFrozenSet>()
        {
            "; use a list instead of a set"
        } else {
            ""
        };
        self.unsupported(obj, path, hint)
    }

    fn string(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>) -> Value {
        match str_of(obj) {
            Some(s) => {
                self.size += s.len() + 2;
                Value::String(s)
            }
            None => self.issue(
                ErrorCode::UnsupportedValue,
                path,
                "a str with a lone surrogate has no UTF-8 (JSON) form".to_owned(),
            ),
        }
    }

    fn int(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>) -> Value {
        self.size += 8;
        if let Ok(i) = obj.extract::<i64>() {
            return Value::Number(i.into());
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Value::Number(u.into());
        }
        // Beyond 64 bits: the exact decimal digits. `int.__repr__` of the exact type, so that a
        // subclass's own repr cannot change the digits.
        let digits = int_digits(obj);
        match digits.as_deref().map(Number::from_str) {
            Some(Ok(n)) => {
                self.size += digits.map_or(0, |d| d.len());
                Value::Number(n)
            }
            _ => self.unsupported(obj, path, ": its digits cannot be read"),
        }
    }

    fn float(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>) -> Value {
        self.size += 12;
        let f = match obj.cast::<PyFloat>() {
            Ok(f) => f.value(),
            Err(_) => return self.unsupported(obj, path, ""),
        };
        match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => self.issue(
                ErrorCode::NonFiniteNumber,
                path,
                format!("{f} is not a finite number; JSON cannot carry NaN or Infinity"),
            ),
        }
    }

    fn decimal(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>) -> Value {
        let text = match obj.str().and_then(|s| s.extract::<String>()) {
            Ok(t) => t,
            Err(e) => return self.unsupported(obj, path, &format!(" ({e})")),
        };
        // Decimal's str is JSON's number grammar for finite values (`1.50`, `-0`, `1E+3`).
        match Number::from_str(&text) {
            Ok(n) => {
                self.size += text.len();
                Value::Number(n)
            }
            Err(_) => self.issue(
                ErrorCode::NonFiniteNumber,
                path,
                format!(
                    "Decimal('{text}') is not a finite number; JSON cannot carry NaN or Infinity"
                ),
            ),
        }
    }

    /// Enters a container; `None` when it is a cycle or too deep to matter.
    fn enter(&mut self, obj: &Bound<'py, PyAny>, path: &Path<'_>, depth: usize) -> Option<Value> {
        let ptr = obj.as_ptr();
        if self.ancestors.contains(&ptr) {
            return Some(self.issue(
                ErrorCode::UnsupportedValue,
                path,
                format!(
                    "a circular reference: this {} contains itself",
                    type_name(obj)
                ),
            ));
        }
        if depth > MAX_DEPTH + 1 {
            // The core reports its container at level MAX_DEPTH + 1 as TOO_DEEP and never looks
            // inside: what is below needs no conversion.
            return Some(Value::Null);
        }
        self.ancestors.push(ptr);
        None
    }

    fn dict(&mut self, dict: &Bound<'py, PyDict>, path: &Path<'_>, depth: usize) -> Value {
        if let Some(v) = self.enter(dict.as_any(), path, depth) {
            return v;
        }
        let map = self.dict_entries(dict, path, depth);
        self.ancestors.pop();
        Value::Object(map)
    }

    /// The entries of a dict, read with `PyDict_Next`; a dict changed by code that conversion
    /// ran (a `__str__`, a tzinfo) is reported instead of read further.
    fn dict_entries(
        &mut self,
        dict: &Bound<'py, PyDict>,
        path: &Path<'_>,
        depth: usize,
    ) -> Map<String, Value> {
        let py = self.py;
        // SAFETY: `dict` is a live dict and the GIL is held for the whole loop.
        let len = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
        let mut map = Map::with_capacity(usize::try_from(len).unwrap_or(0));
        let mut pos: ffi::Py_ssize_t = 0;
        loop {
            let mut key: *mut ffi::PyObject = std::ptr::null_mut();
            let mut value: *mut ffi::PyObject = std::ptr::null_mut();
            // SAFETY: as above; `key` and `value` are borrowed references, turned into owned
            // ones at once so that later Python code cannot free them under us.
            let (key, value) = unsafe {
                if ffi::PyDict_Size(dict.as_ptr()) != len {
                    self.issue(
                        ErrorCode::UnsupportedValue,
                        path,
                        "the dict changed while it was being read".to_owned(),
                    );
                    break;
                }
                if ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key, &mut value) == 0 {
                    break;
                }
                (
                    Bound::from_borrowed_ptr(py, key),
                    Bound::from_borrowed_ptr(py, value),
                )
            };
            let name = if key.is_instance_of::<PyString>() {
                str_of(&key)
            } else {
                None
            };
            match name {
                Some(name) => {
                    let child = path.child(Seg::Key(&name));
                    let v = self.value(&value, &child, depth + 1);
                    self.size += name.len() + 4;
                    map.insert(name, v);
                }
                None => {
                    let shown = match key.str() {
                        Ok(s) => s.to_string_lossy().into_owned(),
                        Err(_) => "?".to_owned(),
                    };
                    let child = path.child(Seg::Key(&shown));
                    let why = if key.is_instance_of::<PyString>() {
                        "a str key with a lone surrogate has no UTF-8 (JSON) form".to_owned()
                    } else {
                        format!(
                            "object keys must be str, got a key of type {}",
                            type_name(&key)
                        )
                    };
                    self.issue(ErrorCode::UnsupportedValue, &child, why);
                }
            }
        }
        map
    }

    fn list(&mut self, list: &Bound<'py, PyList>, path: &Path<'_>, depth: usize) -> Value {
        if let Some(v) = self.enter(list.as_any(), path, depth) {
            return v;
        }
        let mut items = Vec::with_capacity(list.len());
        let mut i = 0;
        // The length is read at every step: code run by a conversion may shrink the list.
        while let Ok(item) = list.get_item(i) {
            let child = path.child(Seg::Index(i));
            items.push(self.value(&item, &child, depth + 1));
            i += 1;
        }
        self.ancestors.pop();
        self.size += items.len() + 2;
        Value::Array(items)
    }

    fn tuple(&mut self, tuple: &Bound<'py, PyTuple>, path: &Path<'_>, depth: usize) -> Value {
        if let Some(v) = self.enter(tuple.as_any(), path, depth) {
            return v;
        }
        let mut items = Vec::with_capacity(tuple.len());
        for (i, item) in tuple.iter().enumerate() {
            let child = path.child(Seg::Index(i));
            items.push(self.value(&item, &child, depth + 1));
        }
        self.ancestors.pop();
        self.size += items.len() + 2;
        Value::Array(items)
    }
}
