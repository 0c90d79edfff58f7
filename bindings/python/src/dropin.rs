//! `DropIn`: the group call of the drop-in `rudder_group.analytics`, for one of its clients.
//!
//! The drop-in's `Client.group(user_id, group_id, traits, ...)` returns `(success, message)`, the
//! message a new dict of the event as it is sent. Built from Python parts (`GroupEvent.build`,
//! `to_dict()`, `Client.enqueue`) a call cost four times `Client.group()`: the dict was the
//! event's JSON parsed back, and the Python around it cost as much again. Here one call converts
//! and validates the event, makes the message (`crate::message`), keeps it for `on_error` and
//! enqueues the event. A call the peer's arguments make plain (ids `str`, `int` or `None`, no
//! `timestamp`, `dict`s or nothing for the objects) that ends in a queued event and no word to
//! log is done here from the caller's arguments to its `(True, message)`; any other is handed to
//! the drop-in's own `group` (`general`), and a call that was queued or dropped with a word to
//! say (a lenient warning, a full queue, a closed client) to its `finish`.

use crate::client::PyClient;
use crate::errors::{class_for, client_error, validation_error, PyIssue};
use crate::fields::{CallFields, DETACH_BYTES};
use crate::message::{message, Given};
use pyo3::gc::{PyTraverseError, PyVisit};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};
use rudder_group::ErrorCode;
use rudder_group_client::{Client, ClientError};

/// The drop-in's group call for one client.
#[pyclass(name = "DropIn", module = "rudder_group._native", frozen)]
pub(crate) struct PyDropIn {
    client: Py<PyClient>,
    /// Messages waiting for their outcome, for `on_error` (`None`: no `on_error`).
    kept: Option<Py<PyDict>>,
    /// Past this many kept messages, `finish` forgets the oldest.
    kept_max: usize,
    /// The drop-in's `group`, with the peer's arguments.
    general: Py<PyAny>,
    /// `finish(message, warnings, error)` of the drop-in: the `(success, message)` of a call
    /// with a word to say.
    finish: Py<PyAny>,
}

/// What a call made of an event that passed validation.
struct Sent<'py> {
    message: Bound<'py, PyDict>,
    warnings: Option<Bound<'py, PyList>>,
    /// The enqueue's error (a full queue, a closed client).
    error: Option<PyErr>,
}

impl PyDropIn {
    /// Converts, validates with the client's options, makes the message, keeps it and enqueues
    /// the event. `Err` is a validation error (nothing was queued) or one raised while waiting.
    fn send<'py>(
        &self,
        py: Python<'py>,
        client: &Client,
        fields: CallFields<'_, 'py>,
    ) -> PyResult<Sent<'py>> {
        let options = &client.config().event_options;
        // Ids and a timestamp of these types convert without running Python code.
        let untouched = [Some(fields.group_id), fields.user_id, fields.anonymous_id]
            .into_iter()
            .chain([fields.message_id, fields.wire_timestamp])
            .flatten()
            .all(|v| plain_id(Some(v)));
        let given = Given {
            group_id: fields.group_id,
            user_id: fields.user_id,
            anonymous_id: fields.anonymous_id,
            traits: fields.traits,
            context: fields.context,
            integrations: fields.integrations,
        };
        let (event, size) = fields
            .into_event(py, options)
            .map_err(|e| validation_error(py, &e))?;
        // Validated with the GIL held: the caller's values are as they were converted.
        let given = (untouched && size <= DETACH_BYTES).then_some(given);
        let message = message(py, &event, given)?;
        let warnings = match event.warnings() {
            [] => None,
            issues => Some(PyList::new(py, issues.iter().cloned().map(PyIssue::from))?),
        };
        // Kept before the event can have an outcome.
        let kept = match &self.kept {
            Some(kept) => {
                let id = PyString::new(py, event.message_id());
                kept.bind(py).set_item(&id, &message)?;
                Some((kept.bind(py), id))
            }
            None => None,
        };
        let error = match self.client.get().enqueue_event(py, client, event)? {
            Ok(_) => None,
            Err(err) => {
                // A dropped event's outcome reaches on_error with its message; no other comes.
                if let (false, Some((kept, id))) =
                    (matches!(err, ClientError::QueueFull { .. }), &kept)
                {
                    kept.del_item(id)?;
                }
                Some(client_error(py, &err))
            }
        };
        Ok(Sent {
            message,
            warnings,
            error,
        })
    }
}

#[pymethods]
impl PyDropIn {
    #[new]
    fn new(
        client: Py<PyClient>,
        kept: Option<Py<PyDict>>,
        kept_max: usize,
        general: Py<PyAny>,
        finish: Py<PyAny>,
    ) -> Self {
        PyDropIn {
            client,
            kept,
            kept_max,
            general,
            finish,
        }
    }

    /// `Client.group` of the drop-in: `(success, message)`. A method, not `__call__`: a call
    /// with keywords reaches a method without a dict made for them.
    #[pyo3(signature = (
        user_id = None, group_id = None, traits = None, context = None, timestamp = None,
        anonymous_id = None, integrations = None, message_id = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn group<'py>(
        &self,
        py: Python<'py>,
        user_id: Option<&Bound<'py, PyAny>>,
        group_id: Option<&Bound<'py, PyAny>>,
        traits: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        timestamp: Option<&Bound<'py, PyAny>>,
        anonymous_id: Option<&Bound<'py, PyAny>>,
        integrations: Option<&Bound<'py, PyAny>>,
        message_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let general = || {
            let args = [
                user_id,
                group_id,
                traits,
                context,
                timestamp,
                anonymous_id,
                integrations,
                message_id,
            ]
            .map(|a| a.map_or_else(|| py.None().into_bound(py), Bound::clone));
            self.general.bind(py).call1(PyTuple::new(py, args)?)
        };
        // The peer's `traits or {}`: a value that is false is no value; another that is no dict
        // is the general path's to refuse.
        let (Some(traits), Some(context), Some(integrations)) =
            (object(traits)?, object(context)?, object(integrations)?)
        else {
            return general();
        };
        let plain = timestamp.is_none_or(|t| t.is_none())
            && [user_id, anonymous_id, message_id]
                .into_iter()
                .all(plain_id);
        let Some(group_id) = group_id.filter(|g| plain && plain_id(Some(g)) && !g.is_none()) else {
            return general();
        };
        let (client, debug) = PyClient::for_call(self.client.bind(py))?;
        if debug {
            // The general path logs each message at DEBUG.
            return general();
        }
        let fields = CallFields {
            group_id,
            traits,
            user_id,
            anonymous_id,
            context,
            integrations,
            timestamp: None,
            message_id,
            wire_timestamp: None,
        };
        let sent = match self.send(py, &client, fields) {
            Ok(sent) => sent,
            // Refused: nothing was queued, and the general path says how (it raises or returns).
            Err(e) if e.is_instance(py, &class_for(py, ErrorCode::InvalidJson)?) => {
                return general()
            }
            Err(e) => return Err(e),
        };
        let crowded = self
            .kept
            .as_ref()
            .is_some_and(|kept| kept.bind(py).len() > self.kept_max);
        match sent {
            Sent {
                message,
                warnings: None,
                error: None,
            } if !crowded => Ok(PyTuple::new(
                py,
                [
                    PyBool::new(py, true).to_owned().into_any(),
                    message.into_any(),
                ],
            )?
            .into_any()),
            Sent {
                message,
                warnings,
                error,
            } => self
                .finish
                .bind(py)
                .call1((message, warnings, error.map(|e| e.into_value(py)))),
        }
    }

    /// One call of the drop-in's general path: converts and validates (raising
    /// `ValidationError`), makes the message, keeps it for `on_error` and enqueues. Returns
    /// `(message, warnings or None, error or None)`, the error the enqueue's.
    #[pyo3(signature = (
        group_id, traits, user_id, anonymous_id, context, integrations, message_id,
        wire_timestamp, /
    ))]
    #[allow(clippy::too_many_arguments)]
    fn send_call<'py>(
        &self,
        py: Python<'py>,
        group_id: &Bound<'py, PyAny>,
        traits: Option<&Bound<'py, PyAny>>,
        user_id: Option<&Bound<'py, PyAny>>,
        anonymous_id: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, PyAny>>,
        integrations: Option<&Bound<'py, PyAny>>,
        message_id: Option<&Bound<'py, PyAny>>,
        wire_timestamp: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let fields = CallFields {
            group_id,
            traits,
            user_id,
            anonymous_id,
            context,
            integrations,
            timestamp: None,
            message_id,
            wire_timestamp,
        };
        let (client, _) = PyClient::for_call(self.client.bind(py))?;
        let sent = self.send(py, &client, fields)?;
        let none = || py.None().into_bound(py);
        PyTuple::new(
            py,
            [
                sent.message.into_any(),
                sent.warnings.map_or_else(none, Bound::into_any),
                sent.error
                    .map_or_else(none, |e| e.into_value(py).into_bound(py).into_any()),
            ],
        )
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.client)?;
        if let Some(kept) = &self.kept {
            visit.call(kept)?;
        }
        visit.call(&self.general)?;
        visit.call(&self.finish)
    }
}

/// An id the core takes as it is, without running Python code: `str`, `int`, or none.
fn plain_id(value: Option<&Bound<'_, PyAny>>) -> bool {
    value.is_none_or(|v| {
        v.is_none() || v.is_exact_instance_of::<PyString>() || v.is_exact_instance_of::<PyInt>()
    })
}

/// `traits`, `context` or `integrations` as the peer read it: `Some(None)` for none (a value
/// that is false), `Some(Some(dict))` for an exact dict, `None` for the general path.
fn object<'a, 'py>(
    value: Option<&'a Bound<'py, PyAny>>,
) -> PyResult<Option<Option<&'a Bound<'py, PyAny>>>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Some(None));
    };
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        return Ok(Some((!dict.is_empty()).then_some(value)));
    }
    Ok(None)
}
