//! Python values to canonical JSON, in one pass, with the core's conversion kit
//! (`rudder_group::conversion`): the values are written straight into a `JsonWriter`, and only
//! what validation reads as values (ids, a timestamp, a field that is not an object) is parsed
//! back from the few bytes written for it. `traits`, `context` and `integrations` are written
//! straight into the event's own buffer (the core's `EventWriter`): no tree of the caller's
//! custom values, and no buffer per field, is ever made.
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
//!
//! The path is a stack of the caller's own key objects, written out as a JSON pointer (by the
//! kit's `JsonPath`) only for an issue, so a valid event copies no key but into its bytes.

use crate::scalars::{datetime_string, int_digits, std_types, type_name, utf8_of};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use rudder_group::conversion::{self as kit, Budget, Digits, JsonPath, JsonWriter, TextPlace};
use rudder_group::serde_json::{Number, Value};
use rudder_group::{ErrorCode, Issue, Scalar, ValidationError, MAX_DEPTH};
use std::str::FromStr;

/// One step of the path being converted.
enum Step<'py> {
    /// A top-level field.
    Field(&'static str),
    /// A dict key that is a str (rendered from its UTF-8).
    Key(Bound<'py, PyAny>),
    /// A key shown as text (one with no UTF-8, or not a str).
    Shown(String),
    /// A list or tuple index.
    Index(usize),
}

/// Converts Python values, collecting issues.
pub(crate) struct Converter<'py> {
    py: Python<'py>,
    /// Problems found so far, in the order found.
    issues: Vec<Issue>,
    /// Containers and enums on the path being converted (cycle detection).
    ancestors: Vec<*mut ffi::PyObject>,
    /// Where the conversion is.
    path: Vec<Step<'py>>,
    /// Enums whose value is being converted, one inside the other.
    enums: usize,
    /// The bytes converted so far, against `max_event_bytes`.
    budget: Budget,
    /// Where the value being converted is written.
    out: JsonWriter,
}

impl<'py> Converter<'py> {
    /// A converter with no issues that stops after `max_event_bytes` of values.
    pub(crate) fn new(py: Python<'py>, max_event_bytes: usize) -> Self {
        Converter {
            py,
            issues: Vec::new(),
            ancestors: Vec::new(),
            path: Vec::with_capacity(8),
            enums: 0,
            budget: Budget::new(max_event_bytes),
            out: JsonWriter::default(),
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

    /// Converts top-level field `name` into `out`, the event's own writer (its bytes are
    /// the event's: no buffer of the field's own).
    pub(crate) fn object_field(
        &mut self,
        name: &'static str,
        obj: &Bound<'py, PyAny>,
        out: &mut JsonWriter,
    ) {
        std::mem::swap(&mut self.out, out);
        self.path.push(Step::Field(name));
        self.value(obj);
        self.path.pop();
        std::mem::swap(&mut self.out, out);
    }

    /// Converts top-level field `name`, a scalar (an id), and hands it to `write`: an exact
    /// str borrowed as it is, anything else converted to a value first.
    pub(crate) fn scalar_field(
        &mut self,
        name: &'static str,
        obj: Option<&Bound<'py, PyAny>>,
        write: impl FnOnce(Scalar<'_>),
    ) {
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return write(Scalar::Absent);
        };
        match self.exact_text(name, obj) {
            // The common id: no copy but into the event.
            Some(text) => write(text.map_or(Scalar::Absent, Scalar::Str)),
            None => {
                let value = self.written_value(name, obj);
                write(Scalar::of(&value));
            }
        }
    }

    /// Converts top-level field `name` into a value (an id, a payload).
    pub(crate) fn value_field(&mut self, name: &'static str, obj: &Bound<'py, PyAny>) -> Value {
        match self.exact_text(name, obj) {
            // No writer, no parse.
            Some(text) => text.map_or(Value::Null, |s| Value::String(s.to_owned())),
            None => self.written_value(name, obj),
        }
    }

    /// The text of top-level field `name` when it is an exact str, its bytes spent: `Some(None)`
    /// when it has no UTF-8 form (reported) or passes the budget; `None` for any other value.
    fn exact_text<'a>(
        &mut self,
        name: &'static str,
        obj: &'a Bound<'py, PyAny>,
    ) -> Option<Option<&'a str>> {
        if !obj.is_exact_instance_of::<PyString>() || self.budget.is_spent() {
            return None;
        }
        Some(match utf8_of(obj) {
            Some(s) => self.budget.string(s.len()).then_some(s),
            None => {
                self.report_at(name, |p| kit::invalid_text(p, TextPlace::Value));
                None
            }
        })
    }

    /// Top-level field `name` written, then read back as a value.
    fn written_value(&mut self, name: &'static str, obj: &Bound<'py, PyAny>) -> Value {
        self.out = JsonWriter::default();
        self.path.push(Step::Field(name));
        self.value(obj);
        self.path.pop();
        std::mem::take(&mut self.out).into_value()
    }

    /// Converts a whole payload dict (its keys are the wire's) into a value.
    pub(crate) fn payload(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        self.out = JsonWriter::default();
        self.value(obj);
        std::mem::take(&mut self.out).into_value()
    }

    /// The current path as a JSON pointer.
    fn rendered(&self) -> String {
        let mut path = JsonPath::new();
        for step in &self.path {
            match step {
                Step::Field(name) => path.push_key(*name),
                Step::Key(key) => path.push_key(utf8_of(key).unwrap_or("?")),
                Step::Shown(text) => path.push_key(text.as_str()),
                Step::Index(i) => path.push_index(*i),
            }
        }
        path.render()
    }

    /// Reports `issue` (made with the current path); nothing is written for it.
    fn issue(&mut self, issue: impl FnOnce(String) -> Issue) {
        let issue = issue(self.rendered());
        self.issues.push(issue);
    }

    /// Reports `issue` (made with the current path) and writes the `null` that takes its place.
    pub(crate) fn report(&mut self, issue: impl FnOnce(String) -> Issue) -> Value {
        self.issue(issue);
        self.out.null();
        Value::Null
    }

    /// Reports `issue` at top-level field `name`; `null` takes the field's place.
    pub(crate) fn report_at(
        &mut self,
        name: &'static str,
        issue: impl FnOnce(String) -> Issue,
    ) -> Value {
        self.path.push(Step::Field(name));
        self.issue(issue);
        self.path.pop();
        Value::Null
    }

    fn unsupported(&mut self, obj: &Bound<'py, PyAny>, hint: &str) {
        let ty = type_name(obj);
        self.report(|p| kit::with_hint(kit::unsupported_type(p, &ty), hint));
    }

    /// Spends what the scalar written since `before` takes (its bytes: a number's digits,
    /// `null`, `true`, `false`).
    fn spent_since(&mut self, before: usize) {
        self.budget.spend(self.out.len() - before);
    }

    /// Converts `obj`, the value at the current path.
    fn value(&mut self, obj: &Bound<'py, PyAny>) {
        if self.budget.is_spent() {
            return;
        }
        let before = self.out.len();
        if obj.is_exact_instance_of::<PyString>() {
            return self.string(obj);
        }
        if obj.is_exact_instance_of::<PyBool>() {
            // SAFETY: reading the address of the `True` singleton.
            let t = obj.as_ptr() == unsafe { ffi::Py_True() };
            self.out.bool(t);
            return self.spent_since(before);
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_none() {
            self.out.null();
            return self.spent_since(before);
        }
        if let Ok(f) = obj.cast_exact::<PyFloat>() {
            return self.float(f.value());
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
    fn other(&mut self, obj: &Bound<'py, PyAny>) {
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
        if let Ok(f) = obj.cast::<PyFloat>() {
            return self.float(f.value());
        }
        if let Ok(dt) = obj.cast::<PyDateTime>() {
            match datetime_string(dt, types) {
                Ok(s) => self.text(&s),
                Err(e) => {
                    self.report(|p| {
                        Issue::error(
                            ErrorCode::UnsupportedValue,
                            p,
                            format!("this datetime cannot be written as ISO-8601 in UTC: {e}"),
                        )
                    });
                }
            }
            return;
        }
        if let Ok(d) = obj.cast::<PyDate>() {
            let s = format!(
                "{:04}-{:02}-{:02}",
                d.get_year(),
                d.get_month(),
                d.get_day()
            );
            return self.text(&s);
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
    fn enum_value(&mut self, obj: &Bound<'py, PyAny>) {
        let ptr = obj.as_ptr();
        if self.ancestors.contains(&ptr) {
            self.report(kit::circular_reference);
            return;
        }
        if self.enums >= MAX_DEPTH {
            self.report(kit::too_deep);
            return;
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
        self.value(&value);
        self.enums -= 1;
        self.ancestors.pop();
    }

    /// A str (or str subclass): its UTF-8, spent before it is copied.
    fn string(&mut self, obj: &Bound<'py, PyAny>) {
        match utf8_of(obj) {
            Some(s) => {
                if self.budget.string(s.len()) {
                    self.out.string(s);
                }
            }
            None => {
                self.report(|p| kit::invalid_text(p, TextPlace::Value));
            }
        }
    }

    /// Text the conversion made (a datetime, a date).
    fn text(&mut self, s: &str) {
        if self.budget.string(s.len()) {
            self.out.string(s);
        }
    }

    fn int(&mut self, obj: &Bound<'py, PyAny>) {
        let before = self.out.len();
        if let Ok(i) = obj.extract::<i64>() {
            self.out.i64(i);
            return self.spent_since(before);
        }
        if let Ok(u) = obj.extract::<u64>() {
            self.out.u64(u);
            return self.spent_since(before);
        }
        // Beyond 64 bits: the exact decimal digits. `int.__repr__` of the exact type, so that a
        // subclass's own repr cannot change the digits.
        let digits = int_digits(obj);
        match digits.as_deref().map(|d| self.out.number(d)) {
            Some(Digits::Finite) | Some(Digits::NonFinite) => self.spent_since(before),
            _ => self.unsupported(obj, "its digits cannot be read"),
        }
    }

    fn float(&mut self, f: f64) {
        let before = self.out.len();
        if self.out.f64(f) {
            self.spent_since(before);
        } else {
            self.report(|p| kit::non_finite_float(p, f));
        }
    }

    fn decimal(&mut self, obj: &Bound<'py, PyAny>) {
        let text = match obj.str().and_then(|s| s.extract::<String>()) {
            Ok(t) => t,
            Err(e) => return self.unsupported(obj, &e.to_string()),
        };
        // Decimal's str is JSON's number grammar for finite values (`1.50`, `-0`, `1E+3`); one
        // past a finite float is written and refused by validation's scan, as in a value.
        let before = self.out.len();
        match self.out.number(&text) {
            Digits::Finite => self.spent_since(before),
            Digits::NonFinite => {
                self.spent_since(before);
                // Shown as written (serde_json's spelling of the exponent: `1e+999`).
                let written = Number::from_str(&text).map(|n| n.as_str().to_owned());
                let path = self.rendered();
                let issue = kit::non_finite_number(path, written.as_deref().unwrap_or(&text));
                self.out.found(issue);
            }
            Digits::NotANumber => {
                self.report(|p| kit::non_finite_number(p, &format!("Decimal('{text}')")));
            }
        }
    }

    /// Enters a container: `false` when it is a cycle (`null` written) or too deep (an empty
    /// container of its kind written, which validation reports as `TOO_DEEP`).
    fn enter(&mut self, obj: &Bound<'py, PyAny>, object: bool) -> bool {
        let ptr = obj.as_ptr();
        if self.ancestors.contains(&ptr) {
            self.report(kit::circular_reference);
            return false;
        }
        self.budget.container();
        if kit::container_too_deep(self.path.len() + 1) {
            if object {
                self.out.begin_object();
                self.out.end_object();
            } else {
                self.out.begin_array();
                self.out.end_array();
            }
            let path = self.rendered();
            self.out.found(kit::too_deep(path));
            return false;
        }
        self.ancestors.push(ptr);
        true
    }

    fn dict(&mut self, dict: &Bound<'py, PyDict>) {
        if !self.enter(dict.as_any(), true) {
            return;
        }
        self.out.begin_object();
        self.dict_entries(dict);
        self.out.end_object();
        self.ancestors.pop();
    }

    /// The entries of a dict, read with `PyDict_Next`; a dict changed by code that conversion
    /// ran (a `__str__`, a tzinfo) is reported instead of read further.
    fn dict_entries(&mut self, dict: &Bound<'py, PyDict>) {
        let py = self.py;
        // SAFETY: `dict` is a live dict and the GIL is held for the whole loop.
        let len = unsafe { ffi::PyDict_Size(dict.as_ptr()) };
        let mut pos: ffi::Py_ssize_t = 0;
        while !self.budget.is_spent() {
            let mut key: *mut ffi::PyObject = std::ptr::null_mut();
            let mut value: *mut ffi::PyObject = std::ptr::null_mut();
            // SAFETY: as above; `key` and `value` are borrowed references, turned into owned
            // ones at once so that later Python code cannot free them under us.
            let (key, value) = unsafe {
                if ffi::PyDict_Size(dict.as_ptr()) != len {
                    self.issue(|p| {
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
            self.entry(key, &value);
        }
    }

    /// One entry of a dict: a str key and its converted value, or the key's issue.
    fn entry(&mut self, key: Bound<'py, PyAny>, value: &Bound<'py, PyAny>) {
        let exact = key.is_exact_instance_of::<PyString>();
        let is_str = exact || key.is_instance_of::<PyString>();
        let name = if is_str { utf8_of(&key) } else { None };
        let Some(name) = name else {
            let shown = match key.str() {
                Ok(s) => s.to_string_lossy().into_owned(),
                Err(_) => "?".to_owned(),
            };
            self.path.push(Step::Shown(shown));
            if is_str {
                self.issue(|p| kit::invalid_text(p, TextPlace::Key));
            } else {
                let ty = type_name(&key);
                self.issue(|p| kit::non_string_key(p, &ty));
            }
            self.path.pop();
            return;
        };
        // The key's text and quotes, then its colon and separator.
        if !self.budget.key(name.len()) {
            return;
        }
        // Only a str subclass (its own __eq__ and __hash__) can repeat a key's text in a dict.
        if !exact && self.out.has_key(name) {
            self.path.push(Step::Key(key));
            self.issue(kit::duplicate_key);
            self.path.pop();
            return;
        }
        self.out.key(name);
        self.path.push(Step::Key(key));
        self.value(value);
        self.path.pop();
    }

    /// The items of a sequence, read with `get(i)` until it gives `None` or the budget is spent.
    fn items(&mut self, get: impl Fn(usize) -> Option<Bound<'py, PyAny>>) {
        let mut i = 0;
        while !self.budget.is_spent() {
            let Some(item) = get(i) else { break };
            self.path.push(Step::Index(i));
            self.value(&item);
            self.path.pop();
            self.budget.item();
            i += 1;
        }
    }

    fn list(&mut self, list: &Bound<'py, PyList>) {
        if !self.enter(list.as_any(), false) {
            return;
        }
        self.out.begin_array();
        // The length is read at every step: code run by a conversion may shrink the list.
        self.items(|i| list.get_item(i).ok());
        self.out.end_array();
        self.ancestors.pop();
    }

    fn tuple(&mut self, tuple: &Bound<'py, PyTuple>) {
        if !self.enter(tuple.as_any(), false) {
            return;
        }
        self.out.begin_array();
        self.items(|i| tuple.get_item(i).ok());
        self.out.end_array();
        self.ancestors.pop();
    }
}
