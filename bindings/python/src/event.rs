//! `GroupEvent` and `validate`: building, parsing and checking events without a client.

use crate::errors::{validation_error, PyIssue};
use crate::fields::{event_options, payload_parts, CallFields, DETACH_BYTES};
use crate::scalars::py_repr;
use crate::to_py;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rudder_group::{EventOptions, EventParts, GroupEvent, ValidationError};

/// Validates parts, with the GIL released when the event is large.
pub(crate) fn validate_parts(
    py: Python<'_>,
    parts: EventParts,
    size: usize,
    options: &EventOptions,
) -> Result<GroupEvent, ValidationError> {
    if size > DETACH_BYTES {
        py.detach(|| parts.validate(options))
    } else {
        parts.validate(options)
    }
}

/// One validated group call. Immutable; built by `GroupEvent.build` or `GroupEvent.from_json`.
#[pyclass(name = "GroupEvent", module = "rudder_group", frozen, eq)]
pub(crate) struct PyGroupEvent {
    pub(crate) event: GroupEvent,
    /// A rough size, to release the GIL while serializing large events.
    size: usize,
}

impl PartialEq for PyGroupEvent {
    fn eq(&self, other: &Self) -> bool {
        self.event == other.event
    }
}

#[pymethods]
impl PyGroupEvent {
    /// Builds and validates an event from Python values; raises `ValidationError` with every
    /// problem. `wire_timestamp` is sent as the event's `timestamp`, unchanged (and, without
    /// `timestamp`, is the event's `originalTimestamp` too).
    #[staticmethod]
    #[pyo3(signature = (
        group_id, traits = None, *, user_id = None, anonymous_id = None, context = None,
        integrations = None, timestamp = None, message_id = None, validation = "strict",
        max_event_bytes = 32768, wire_timestamp = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn build(
        py: Python<'_>,
        group_id: &Bound<'_, PyAny>,
        traits: Option<&Bound<'_, PyAny>>,
        user_id: Option<&Bound<'_, PyAny>>,
        anonymous_id: Option<&Bound<'_, PyAny>>,
        context: Option<&Bound<'_, PyAny>>,
        integrations: Option<&Bound<'_, PyAny>>,
        timestamp: Option<&Bound<'_, PyAny>>,
        message_id: Option<&Bound<'_, PyAny>>,
        validation: &str,
        max_event_bytes: i64,
        wire_timestamp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let options = event_options(py, validation, max_event_bytes)?;
        let fields = CallFields {
            group_id,
            traits,
            user_id,
            anonymous_id,
            context,
            integrations,
            timestamp,
            message_id,
            wire_timestamp,
        };
        match fields.into_event(py, &options) {
            Ok((event, size)) => Ok(PyGroupEvent { event, size }),
            Err(e) => Err(validation_error(py, &e)),
        }
    }

    /// Parses and validates a JSON payload, as a data plane would receive it.
    #[staticmethod]
    #[pyo3(signature = (text, *, validation = "strict", max_event_bytes = 32768))]
    fn from_json(
        py: Python<'_>,
        text: &str,
        validation: &str,
        max_event_bytes: i64,
    ) -> PyResult<Self> {
        let options = event_options(py, validation, max_event_bytes)?;
        let size = text.len();
        let parsed = if size > DETACH_BYTES {
            py.detach(|| GroupEvent::from_json_with(text, &options))
        } else {
            GroupEvent::from_json_with(text, &options)
        };
        match parsed {
            Ok(event) => Ok(PyGroupEvent { event, size }),
            Err(e) => Err(validation_error(py, &e)),
        }
    }

    /// Canonical JSON: the same bytes as the core writes.
    fn to_json(&self, py: Python<'_>) -> String {
        if self.size > DETACH_BYTES {
            py.detach(|| self.event.to_json())
        } else {
            self.event.to_json()
        }
    }

    /// The event as a dict, equal to `json.loads(event.to_json())`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = self.event.to_value();
        to_py::value(py, &value)
    }

    /// The event's id (stays the same across retries).
    #[getter]
    fn message_id(&self) -> &str {
        self.event.message_id()
    }

    /// The group's id.
    #[getter]
    fn group_id(&self) -> &str {
        self.event.group_id()
    }

    /// The user's id, if given.
    #[getter]
    fn user_id(&self) -> Option<&str> {
        self.event.user_id()
    }

    /// The anonymous id, if given.
    #[getter]
    fn anonymous_id(&self) -> Option<&str> {
        self.event.anonymous_id()
    }

    /// When the event happened, in the wire format (`2022-02-01T19:14:18.381Z`).
    #[getter]
    fn original_timestamp(&self) -> &str {
        self.event.original_timestamp()
    }

    /// The traits (a new dict at every access).
    #[getter]
    fn traits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_py::object(py, self.event.traits().as_map())
    }

    /// The context, `library` included (a new dict at every access).
    #[getter]
    fn context<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_py::object(py, self.event.context())
    }

    /// The integrations (a new dict at every access).
    #[getter]
    fn integrations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_py::object(py, self.event.integrations())
    }

    /// Reserved-trait problems let through by `validation="lenient"`.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.event.warnings().iter().cloned().map(PyIssue::from))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "GroupEvent(message_id={}, group_id={})",
            py_repr(py, self.event.message_id()),
            py_repr(py, self.event.group_id())
        )
    }
}

/// Every problem of a payload (a JSON str, or a dict with the wire's camelCase keys), errors
/// first, then warnings; an empty list for a valid event.
#[pyfunction]
#[pyo3(signature = (payload, *, validation = "strict", max_event_bytes = 32768))]
pub(crate) fn validate<'py>(
    py: Python<'py>,
    payload: &Bound<'py, PyAny>,
    validation: &str,
    max_event_bytes: i64,
) -> PyResult<Bound<'py, PyList>> {
    let options = event_options(py, validation, max_event_bytes)?;
    let result = if let Ok(text) = payload.cast::<PyString>() {
        let text = text.to_cow()?;
        if text.len() > DETACH_BYTES {
            py.detach(|| GroupEvent::from_json_with(&text, &options))
        } else {
            GroupEvent::from_json_with(&text, &options)
        }
    } else if let Ok(dict) = payload.cast::<PyDict>() {
        payload_parts(py, dict, options.max_event_bytes)
            .and_then(|(parts, size)| validate_parts(py, parts, size, &options))
    } else {
        return Err(PyTypeError::new_err(format!(
            "validate() takes a dict or a JSON str, got {}",
            crate::scalars::type_name(payload)
        )));
    };
    let issues = match result {
        Ok(event) => event.warnings().to_vec(),
        Err(e) => e.into_issues(),
    };
    PyList::new(py, issues.into_iter().map(PyIssue::from))
}
