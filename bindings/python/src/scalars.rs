//! Python values that become JSON strings or numbers through their text: str (as UTF-8), big
//! ints (their digits), datetimes (ISO-8601), and the standard-library types looked up once.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateAccess, PyDateTime, PyInt, PyString, PyTimeAccess, PyType};

/// Type objects of the standard library looked up once per interpreter.
pub(crate) struct StdTypes {
    pub(crate) enum_: Py<PyType>,
    pub(crate) decimal: Py<PyType>,
    pub(crate) uuid: Py<PyType>,
    utc: Py<PyAny>,
}

static STD_TYPES: PyOnceLock<StdTypes> = PyOnceLock::new();

pub(crate) fn std_types(py: Python<'_>) -> PyResult<&StdTypes> {
    STD_TYPES.get_or_try_init(py, || {
        let ty = |module: &str, name: &str| -> PyResult<Py<PyType>> {
            Ok(py
                .import(module)?
                .getattr(name)?
                .cast_into::<PyType>()?
                .unbind())
        };
        Ok(StdTypes {
            enum_: ty("enum", "Enum")?,
            decimal: ty("decimal", "Decimal")?,
            uuid: ty("uuid", "UUID")?,
            utc: py
                .import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?
                .unbind(),
        })
    })
}

/// The UTF-8 of a str (or str subclass), borrowed from the str itself (CPython keeps it with
/// the object: `PyUnicode_AsUTF8AndSize`, in the stable ABI since 3.10); `None` for text with a
/// lone surrogate, which has no UTF-8 (its UnicodeEncodeError is dropped here).
pub(crate) fn utf8_of<'a>(obj: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    obj.cast::<PyString>().ok()?.to_str().ok()
}

/// The exact decimal digits of an int (or int subclass).
pub(crate) fn int_digits(obj: &Bound<'_, PyAny>) -> Option<String> {
    let py = obj.py();
    let repr = py.get_type::<PyInt>().getattr("__repr__").ok()?;
    repr.call1((obj,)).ok()?.extract::<String>().ok()
}

/// Python's `repr()` of a str, for `__repr__` methods.
pub(crate) fn py_repr(py: Python<'_>, s: &str) -> String {
    PyString::new(py, s)
        .repr()
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| format!("{s:?}"))
}

/// `type(obj).__qualname__`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .qualname()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// Whether a datetime has no usable UTC offset (Python's definition of naive).
pub(crate) fn is_naive(dt: &Bound<'_, PyDateTime>) -> PyResult<bool> {
    Ok(dt.call_method0("utcoffset")?.is_none())
}

/// ISO-8601 with milliseconds: an aware datetime converted to UTC with `Z` (the wire format),
/// a naive one as written, without an offset.
pub(crate) fn datetime_string(dt: &Bound<'_, PyDateTime>, types: &StdTypes) -> PyResult<String> {
    let py = dt.py();
    if is_naive(dt)? {
        return Ok(format_fields(dt, ""));
    }
    let utc = dt.call_method1("astimezone", (types.utc.bind(py),))?;
    let utc = utc
        .cast::<PyDateTime>()
        .map_err(|_| PyRuntimeError::new_err("astimezone did not return a datetime"))?;
    Ok(format_fields(utc, "Z"))
}

/// The aware datetime in the wire format (`2022-02-01T19:14:18.381Z`), or `None` when it is
/// naive.
pub(crate) fn instant_string(dt: &Bound<'_, PyDateTime>) -> PyResult<Option<String>> {
    if is_naive(dt)? {
        return Ok(None);
    }
    datetime_string(dt, std_types(dt.py())?).map(Some)
}

fn format_fields(dt: &Bound<'_, PyDateTime>, suffix: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{suffix}",
        dt.get_year(),
        dt.get_month(),
        dt.get_day(),
        dt.get_hour(),
        dt.get_minute(),
        dt.get_second(),
        dt.get_microsecond() / 1000
    )
}
