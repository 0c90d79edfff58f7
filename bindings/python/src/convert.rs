//! Python values to JSON values, with the core's conversion kit (`rudder_group::conversion`).
//!
//! Exact built-in types are recognised first by a pointer compare of their type (str, int, bool,
//! None, float, dict, list, tuple), then, in this order: `enum.Enum` (its value), subclasses of
//! str / int / float, `datetime.datetime`, `datetime.date`, `decimal.Decimal`, `uuid.UUID`,
//! subclasses of dict / list / tuple. Anything else, a non-str key, a cycle, a lone surrogate or a
//! non-finite number becomes an [`Issue`] with its JSON-pointer path and `null` in its place, so
//! that the core reports every problem of an event together. The caller's objects are only read.
//!
//! Every user object meets a bound: containers the depth rule and the cycle check, an enum's
//! value (user code that may lead back to the enum) the cycle check and a bound on chained enums,
//! and everything the budget: past `max_event_bytes` of converted values nothing more is read.

use crate::scalars::{datetime_string, int_digits, std_types, str_of, type_name, Text};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use rudder_group::conversion::{self as kit, Budget, JsonPath, TextPlace};
use rudder_group::serde_json::{Map, Number, Value};
use rudder_group::{ErrorCode, Issue, ValidationError, MAX_DEPTH};
use std::str::FromStr;

/// Converts Python values, collecting issues.
pub(crate) struct Converter<'py> {
    py: Python<'py>,
    /// Problems found so far, in the order found.
    pub(crate) issues: Vec<Issue>,
    /// Containers and enums on the path being converted (cycle detection).
    ancestors: Vec<*mut ffi::PyObject>,
    /// Where the conversion is.
    pub(crate) path: JsonPath,
    /// Enums whose value is being converted, one inside the other.
    enums: usize,
    /// The bytes converted so far, against `max_event_bytes`.
    budget: Budget,
}

impl<'py> Converter<'py> {
    /// A converter with no issues that stops after `max_event_bytes` of values.
    pub(crate) fn new(py: Python<'py>, max_event_bytes: usize) -> Self {
        Converter {
            py,
            issues: Vec::new(),
            ancestors: Vec::new(),
            path: JsonPath::new(),
            enums: 0,
            budget: Budget::new(max_event_bytes),
        }
    }

    /// The bytes converted (to decide when to release the GIL).
    pub(crate) fn size(&self) -> usize {
        self.budget.used()
    }

    /// The issues found, or the `EVENT_TOO_LARGE` error when the budget ran out.
    pub(crate) fn finish(self) -> Result<Vec<Issue>, ValidationError> {
        if self.budget.is_spent() {
            Err(self.budget.into_error(self.issues))
        } else {
            Ok(self.issues)
        }
    }

    /// Reports `issue` (made with the current path) and gives the `null` that takes its place.
    pub(crate) fn report(&mut self, issue: impl FnOnce(String) -> Issue) -> Value {
        let issue = issue(self.path.render());
        self.issues.push(issue);
        Value::Null
    }

    fn unsupported(&mut self, obj: &Bound<'py, PyAny>, hint: &str) -> Value {
        let ty = type_name(obj);
        self.report(|p| kit::with_hint(kit::unsupported_type(p, &ty), hint))
    }

    /// Spends what a converted scalar takes.
    fn scalar(&mut self, v: Value) -> Value {
        self.budget.scalar(&v);
        v
    }

    /// Converts `obj`, the value at the current path.
    pub(crate) fn value(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        if self.budget.is_spent() {
            return Value::Null;
        }
        if obj.is_exact_instance_of::<PyString>() {
            return self.string(obj);
        }
        if obj.is_exact_instance_of::<PyBool>() {
            return self.scalar(Value::Bool(obj.is_truthy().unwrap_or(false)));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_none() {
            return self.scalar(Value::Null);
        }
        if obj.is_exact_instance_of::<PyFloat>() {
            return self.float(obj);
        }
        if let Ok(dict) = obj.cast_exact::<PyDict>() {
            return self.dict(dict);
        }
        if let Ok(list) = obj.cast_exact::<PyList>() {
            return self.list(list);
        }
        if let Ok(tuple) = obj.cast_exact::<PyTuple>() {
            return self.tuple(tuple);
        }
        self.other(obj)
    }

    /// The slow path: standard-library types and subclasses.
    fn other(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        let types = match std_types(self.py) {
            Ok(t) => t,
            Err(e) => return self.unsupported(obj, &e.to_string()),
        };
        if obj.is_instance(types.enum_.bind(self.py)).unwrap_or(false) {
            return self.enum_value(obj);
        }
        if obj.is_instance_of::<PyString>() {
            return self.string(obj);
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_instance_of::<PyFloat>() {
            return self.float(obj);
        }
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            return match datetime_string(dt, types) {
                Ok(s) => self.scalar(Value::String(s)),
                Err(e) => self.report(|p| {
                    Issue::error(
                        ErrorCode::UnsupportedValue,
                        p,
                        format!("this datetime cannot be written as ISO-8601 in UTC: {e}"),
                    )
                }),
            };
        }
        if let Ok(d) = obj.cast::<PyDate>() {
            let s = format!(
                "{:04}-{:02}-{:02}",
                d.get_year(),
                d.get_month(),
                d.get_day()
            );
            return self.scalar(Value::String(s));
        }
        if obj
            .is_instance(types.decimal.bind(self.py))
            .unwrap_or(false)
        {
            return self.decimal(obj);
        }
        if obj.is_instance(types.uuid.bind(self.py)).unwrap_or(false) {
            return match obj.str() {
                Ok(s) => self.string(s.as_any()),
                Err(e) => self.unsupported(obj, &e.to_string()),
            };
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            return self.dict(dict);
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return self.list(list);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return self.tuple(tuple);
        }
        let hint = if obj.is_instance_of::<pyo3::types::PyBytes>() {
            "decode bytes to str first"
        } else if obj.is_instance_of::<pyo3::types::PySet>()
            || obj.is_instance_of::<pyo3::types::PyFrozenSet>()
        {
            "use a list instead of a set"
        } else {
            ""
        };
        self.unsupported(obj, hint)
    }

    /// An enum member as its value. The value is user code that may lead back to the member
    /// (a cycle) or to other enums without end: both are bounded.
    fn enum_value(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        let ptr = obj.as_ptr();
        if self.ancestors.contains(&ptr) {
            return self.report(kit::circular_reference);
        }
        if self.enums >= MAX_DEPTH {
            return self.report(kit::too_deep);
        }
        let value = match obj.getattr("value") {
            Ok(v) => v,
            Err(e) => {
                let hint = format!("its value cannot be read ({e})");
                return self.unsupported(obj, &hint);
            }
        };
        self.ancestors.push(ptr);
        self.enums += 1;
        let v = self.value(&value);
        self.enums -= 1;
        self.ancestors.pop();
        v
    }

    fn string(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        match str_of(obj, &mut self.budget) {
            Text::Utf8(s) => Value::String(s),
            Text::OverBudget => Value::Null,
            Text::LoneSurrogate => self.report(|p| kit::invalid_text(p, TextPlace::Value)),
        }
    }

    fn int(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        if let Ok(i) = obj.extract::<i64>() {
            return self.scalar(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return self.scalar(Value::Number(u.into()));
        }
        // Beyond 64 bits: the exact decimal digits. `int.__repr__` of the exact type, so that a
        // subclass's own repr cannot change the digits.
        match int_digits(obj).as_deref().map(Number::from_str) {
            Some(Ok(n)) => self.scalar(Value::Number(n)),
            _ => self.unsupported(obj, "its digits cannot be read"),
        }
    }

    fn float(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        let f = match obj.cast::<PyFloat>() {
            Ok(f) => f.value(),
            Err(_) => return self.unsupported(obj, ""),
        };
        match Number::from_f64(f) {
            Some(n) => self.scalar(Value::Number(n)),
            None => self.report(|p| kit::non_finite_float(p, f)),
        }
    }

    fn decimal(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        let text = match obj.str().and_then(|s| s.extract::<String>()) {
            Ok(t) => t,
            Err(e) => return self.unsupported(obj, &e.to_string()),
        };
        // Decimal's str is JSON's number grammar for finite values (`1.50`, `-0`, `1E+3`).
        match Number::from_str(&text) {
            Ok(n) => self.scalar(Value::Number(n)),
            Err(_) => self.report(|p| kit::non_finite_number(p, &format!("Decimal('{text}')"))),
        }
    }

    /// Enters a container: `Err` with what takes its place when it is a cycle (`null`) or too
    /// deep (an empty container of its kind, which validation reports as `TOO_DEEP`).
    fn enter(&mut self, obj: &Bound<'py, PyAny>, empty: Value) -> Result<(), Value> {
        let ptr = obj.as_ptr();
        if self.ancestors.contains(&ptr) {
            return Err(self.report(kit::circular_reference));
        }
        self.budget.container();
        if kit::container_too_deep(self.path.level()) {
            return Err(empty);
        }
        self.ancestors.push(ptr);
        Ok(())
    }

    fn dict(&mut self, dict: &Bound<'py, PyDict>) -> Value {
        if let Err(v) = self.enter(dict.as_any(), Value::Object(Map::new())) {
            return v;
        }
        let map = self.dict_entries(dict);
        self.ancestors.pop();
        Value::Object(map)
    }

    /// The entries of a dict, read with `PyDict_Next`; a dict changed by code that conversion
    /// ran (a `__str__`, a tzinfo) is reported instead of read further.
    fn dict_entries(&mut self, dict: &Bound<'py, PyDict>) -> Map<String, Value> {
        let py = self.py;
        // SAFETY: `dict` is a live dict and the GIL is held for the whole loop.
        let len = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
        let len_hint = usize::try_from(len).unwrap_or(0).min(self.budget.left());
        let mut map = Map::with_capacity(len_hint);
        let mut pos: ffi::Py_ssize_t = 0;
        while !self.budget.is_spent() {
            let mut key: *mut ffi::PyObject = std::ptr::null_mut();
            let mut value: *mut ffi::PyObject = std::ptr::null_mut();
            // SAFETY: as above; `key` and `value` are borrowed references, turned into owned
            // ones at once so that later Python code cannot free them under us.
            let (key, value) = unsafe {
                if ffi::PyDict_Size(dict.as_ptr()) != len {
                    self.report(|p| {
                        Issue::error(
                            ErrorCode::UnsupportedValue,
                            p,
                            "the dict changed while it was being read",
                        )
                    });
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
            self.entry(&mut map, &key, &value);
        }
        map
    }

    /// One entry of a dict: a str key and its converted value, or the key's issue.
    fn entry(
        &mut self,
        map: &mut Map<String, Value>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
    ) {
        let is_str = key.is_instance_of::<PyString>();
        let name = if is_str {
            str_of(key, &mut self.budget)
        } else {
            Text::LoneSurrogate
        };
        match name {
            Text::Utf8(name) => {
                // The key's text and quotes are spent: its colon and separator remain.
                self.budget.spend(2);
                self.path.push_key(name);
                let v = self.value(value);
                if let Some(name) = self.path.pop_key() {
                    map.insert(name, v);
                }
            }
            Text::OverBudget => {}
            Text::LoneSurrogate => {
                let shown = match key.str() {
                    Ok(s) => s.to_string_lossy().into_owned(),
                    Err(_) => "?".to_owned(),
                };
                self.path.push_key(shown);
                if is_str {
                    self.report(|p| kit::invalid_text(p, TextPlace::Key));
                } else {
                    let ty = type_name(key);
                    self.report(|p| kit::non_string_key(p, &ty));
                }
                self.path.pop();
            }
        }
    }

    /// The items of a sequence, read with `get(i)` until it gives `None` or the budget is spent.
    fn items(
        &mut self,
        len: usize,
        get: impl Fn(usize) -> Option<Bound<'py, PyAny>>,
    ) -> Vec<Value> {
        let mut items = Vec::with_capacity(len.min(self.budget.left()));
        let mut i = 0;
        while !self.budget.is_spent() {
            let Some(item) = get(i) else { break };
            self.path.push_index(i);
            items.push(self.value(&item));
            self.path.pop();
            self.budget.item();
            i += 1;
        }
        items
    }

    fn list(&mut self, list: &Bound<'py, PyList>) -> Value {
        if let Err(v) = self.enter(list.as_any(), Value::Array(Vec::new())) {
            return v;
        }
        // The length is read at every step: code run by a conversion may shrink the list.
        let items = self.items(list.len(), |i| list.get_item(i).ok());
        self.ancestors.pop();
        Value::Array(items)
    }

    fn tuple(&mut self, tuple: &Bound<'py, PyTuple>) -> Value {
        if let Err(v) = self.enter(tuple.as_any(), Value::Array(Vec::new())) {
            return v;
        }
        let items = self.items(tuple.len(), |i| tuple.get_item(i).ok());
        self.ancestors.pop();
        Value::Array(items)
    }
}
