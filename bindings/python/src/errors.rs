//! The one error model in Python: every [`ErrorCode`] maps to exactly one exception class of
//! `rudder_group._errors`, and [`Issue`] is a frozen Python class.

use crate::scalars::py_repr;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple};
use rudder_group::{ErrorCode, Issue, Severity, ValidationError};
use rudder_group_client::ClientError;

/// The exception class of a code. Exhaustive: a new code breaks this build until it is mapped.
pub(crate) fn class_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::MissingGroupId
        | ErrorCode::MissingIdentity
        | ErrorCode::InvalidFieldType
        | ErrorCode::InvalidTrait
        | ErrorCode::InvalidTimestamp
        | ErrorCode::NonFiniteNumber
        | ErrorCode::UnsupportedValue
        | ErrorCode::TooDeep
        | ErrorCode::EventTooLarge
        | ErrorCode::InvalidJson => "ValidationError",
        ErrorCode::ClientClosed => "ClientClosedError",
        ErrorCode::QueueFull => "QueueFullError",
        ErrorCode::FlushTimeout => "FlushTimeoutError",
        ErrorCode::DeliveryFailed => "DeliveryFailedError",
        ErrorCode::InvalidConfig => "ConfigError",
    }
}

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The exception class for `code`, from the pure-Python `rudder_group._errors`.
pub(crate) fn class_for(py: Python<'_>, code: ErrorCode) -> PyResult<Bound<'_, PyAny>> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("rudder_group._errors")?.unbind())
    })?;
    module.bind(py).getattr(class_name(code))
}

/// An exception of the class of `code`, with `.code`, `.issues` and any extra attributes.
pub(crate) fn error(
    py: Python<'_>,
    code: ErrorCode,
    message: String,
    issues: &[Issue],
    extra: &[(&str, Detail<'_>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = class_for(py, code)?;
        let issues = PyList::new(py, issues.iter().map(|i| PyIssue::from(i.clone())))?;
        let kwargs = PyDict::new(py);
        for (k, v) in extra {
            match v {
                Detail::Count(n) => kwargs.set_item(*k, *n)?,
                Detail::Text(s) => kwargs.set_item(*k, *s)?,
            }
        }
        let value = class.call((message.as_str(), code.as_str(), issues), Some(&kwargs))?;
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| PyRuntimeError::new_err(format!("{code}: {message} ({e})")))
}

/// An extra attribute of an exception (`pending`, `failed`, `setting`, ...).
pub(crate) enum Detail<'a> {
    /// A count.
    Count(u64),
    /// A string.
    Text(&'a str),
}

/// The exception for a client error, with its details as attributes.
pub(crate) fn client_error(py: Python<'_>, err: &ClientError) -> PyErr {
    let code = err.code();
    let message = err.to_string();
    match err {
        ClientError::Validation(e) => validation_error(py, e),
        ClientError::Closed => error(py, code, message, &[], &[]),
        ClientError::QueueFull {
            message_id,
            queued_events,
            queued_bytes,
        } => error(
            py,
            code,
            message,
            &[],
            &[
                ("message_id", Detail::Text(message_id)),
                ("queued_events", Detail::Count(*queued_events)),
                ("queued_bytes", Detail::Count(*queued_bytes)),
            ],
        ),
        ClientError::FlushTimeout {
            pending,
            dropped,
            kept,
        } => error(
            py,
            code,
            message,
            &[],
            &[
                ("pending", Detail::Count(*pending)),
                ("dropped", Detail::Count(*dropped)),
                ("kept", Detail::Count(*kept)),
            ],
        ),
        ClientError::DeliveryFailed { failed, dropped } => error(
            py,
            code,
            message,
            &[],
            &[
                ("failed", Detail::Count(*failed)),
                ("dropped", Detail::Count(*dropped)),
            ],
        ),
        ClientError::InvalidConfig { setting, .. } => error(
            py,
            code,
            message,
            &[],
            &[("setting", Detail::Text(setting))],
        ),
    }
}

/// A `ValidationError` holding every issue.
pub(crate) fn validation_error(py: Python<'_>, err: &ValidationError) -> PyErr {
    error(py, err.code(), err.to_string(), err.issues(), &[])
}

/// An `INVALID_CONFIG` error (`ConfigError`) naming the setting.
pub(crate) fn config_error(
    py: Python<'_>,
    setting: &str,
    message: impl std::fmt::Display,
) -> PyErr {
    error(
        py,
        ErrorCode::InvalidConfig,
        format!("invalid setting `{setting}`: {message}"),
        &[],
        &[("setting", Detail::Text(setting))],
    )
}

/// One problem with an event: a stable code, a JSON-pointer path, a message, a severity.
#[pyclass(name = "Issue", module = "rudder_group", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyIssue {
    /// The stable code, e.g. `"MISSING_GROUP_ID"`.
    #[pyo3(get)]
    code: &'static str,
    /// JSON pointer to the offending value, `""` for the event as a whole.
    #[pyo3(get)]
    path: String,
    /// What is wrong and what would be right.
    #[pyo3(get)]
    message: String,
    /// `"error"` or `"warning"`.
    #[pyo3(get)]
    severity: &'static str,
}

impl From<Issue> for PyIssue {
    fn from(i: Issue) -> Self {
        PyIssue {
            code: i.code.as_str(),
            path: i.path,
            message: i.message,
            severity: i.severity.as_str(),
        }
    }
}

#[pymethods]
impl PyIssue {
    /// An issue; `code` must be a known code and `severity` `"error"` or `"warning"`.
    #[new]
    #[pyo3(signature = (code, path, message, severity = "error"))]
    fn new(code: &str, path: String, message: String, severity: &str) -> PyResult<Self> {
        let code = code
            .parse::<ErrorCode>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let severity = match severity {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "severity must be \"error\" or \"warning\", got {other:?}"
                )))
            }
        };
        Ok(PyIssue {
            code: code.as_str(),
            path,
            message,
            severity: severity.as_str(),
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Issue(code={}, path={}, message={}, severity={})",
            py_repr(py, self.code),
            py_repr(py, &self.path),
            py_repr(py, &self.message),
            py_repr(py, self.severity)
        )
    }

    fn __str__(&self) -> String {
        let path = if self.path.is_empty() {
            "(event)"
        } else {
            &self.path
        };
        format!("{} at {}: {}", self.code, path, self.message)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let me = slf.get();
        let args = (me.code, me.path.clone(), me.message.clone(), me.severity);
        Ok((slf.get_type().into_any(), args.into_pyobject(slf.py())?))
    }
}

/// The exception class of an error code (e.g. `error_class("QUEUE_FULL") is QueueFullError`).
#[pyfunction]
pub(crate) fn error_class<'py>(py: Python<'py>, code: &str) -> PyResult<Bound<'py, PyAny>> {
    let code = code
        .parse::<ErrorCode>()
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    class_for(py, code)
}
