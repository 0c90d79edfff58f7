//! Client settings from Python keyword arguments, read through the client crate's settings
//! table (`rudder_group_client::settings`): names, defaults, units (seconds) and ranges live
//! there, not here. Every value out of range is a `ConfigError` naming the keyword.

use crate::errors::config_error;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rudder_group::Library;
use rudder_group_client::settings::{self, Typed, Value};
use rudder_group_client::{ClientError, Config};
use std::time::Duration;

/// A number of seconds as a duration, for call arguments (`flush(timeout=...)`): negative, NaN
/// or infinite values are refused; a value too long for the clock waits without a limit.
pub(crate) fn seconds(py: Python<'_>, setting: &str, value: f64) -> PyResult<Duration> {
    if !value.is_finite() || value < 0.0 {
        return Err(config_error(
            py,
            setting,
            format!("must be a finite number of seconds, at least 0, got {value}"),
        ));
    }
    Ok(Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX))
}

/// A Python value as the settings table reads it.
pub(crate) fn value(v: &Bound<'_, PyAny>) -> Value {
    if v.is_instance_of::<PyBool>() {
        return Value::Bool(v.is_truthy().unwrap_or(false));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i128>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Other("an integer out of range".to_owned()),
        };
    }
    if v.is_instance_of::<PyFloat>() {
        return Value::Float(v.extract::<f64>().unwrap_or(f64::NAN));
    }
    if v.is_instance_of::<PyString>() {
        return Value::Str(v.extract::<String>().unwrap_or_default());
    }
    // A path (`pathlib.Path`, any `os.PathLike`) reads as its text, for `spool_dir`.
    if let Ok(path) = v.call_method0("__fspath__") {
        if let Ok(text) = path.extract::<String>() {
            return Value::Str(text);
        }
    }
    let what = if v.is_instance_of::<PyDict>() {
        "a dict".to_owned()
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        "a list".to_owned()
    } else {
        match v.get_type().name() {
            Ok(name) => format!("a {name}"),
            Err(_) => "an object".to_owned(),
        }
    };
    Value::Other(what)
}

/// The table's error as Python raises it: `ConfigError` naming the keyword.
pub(crate) fn settings_error(py: Python<'_>, e: &ClientError) -> PyErr {
    match e {
        ClientError::InvalidConfig { setting, message } => config_error(py, setting, message),
        other => crate::errors::client_error(py, other),
    }
}

/// The client's config from its keyword arguments; `None` keeps a setting's default. An
/// unknown keyword is a `TypeError`, as Python reports one.
pub(crate) fn client_config(
    py: Python<'_>,
    write_key: String,
    data_plane_url: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Config> {
    let mut config = Config::new(write_key, data_plane_url);
    config.event_options.library = Library::Python;
    let Some(kwargs) = kwargs else {
        return Ok(config);
    };
    for (key, v) in kwargs.iter() {
        let name: String = key.extract()?;
        if settings::find(Library::Python, &name).is_none() {
            let hint = settings::nearest(Library::Python, &name)
                .map(|n| format!("; did you mean '{n}'?"))
                .unwrap_or_default();
            return Err(PyTypeError::new_err(format!(
                "Client() got an unexpected keyword argument '{name}'{hint}"
            )));
        }
        if v.is_none() {
            continue;
        }
        config
            .set(Library::Python, &name, &value(&v))
            .map_err(|e| settings_error(py, &e))?;
    }
    Ok(config)
}

/// A client setting's default, read from the settings table, in Python's units: seconds as a
/// float, counts and sizes as an int, `None` where it is unset. `ValueError` for a name that is
/// no setting.
#[pyfunction]
pub(crate) fn setting_default<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let Some(setting) = settings::find(Library::Python, name) else {
        return Err(PyValueError::new_err(format!(
            "no client setting is named {name:?}"
        )));
    };
    Ok(match &setting.default {
        Typed::Text(None) | Typed::Count(None) => py.None().into_bound(py),
        Typed::Text(Some(text)) => text.into_pyobject(py)?.into_any(),
        Typed::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Typed::Count(Some(n)) => n.into_pyobject(py)?.into_any(),
        Typed::Duration(d) => d.as_secs_f64().into_pyobject(py)?.into_any(),
        Typed::Choice(choice) => choice.into_pyobject(py)?.into_any(),
    })
}
