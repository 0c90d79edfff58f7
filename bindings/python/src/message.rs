//! The message of the drop-in `rudder_group.analytics`: a validated event as a new dict, equal to
//! `GroupEvent.to_dict()`, made in the call that validates and enqueues the event.
//!
//! `to_dict()` writes the event's JSON and parses it back into new objects: most of a drop-in
//! call's cost. Here the dict is put together from the event's fields, and the caller's own
//! `traits`, `context` and `integrations` are copied rather than parsed back when the event holds
//! them exactly as given: exact `dict`s with `str` keys, whose values are exact `str`, `int`,
//! `float`, `bool`, `None`, or such `dict`s and `list`s. Those convert to JSON without a change
//! and without running any Python code, so nothing can have changed them since their conversion
//! (the GIL was held throughout). Any other value (a `datetime`, a `tuple`, a subclass, an
//! `Enum`...) may convert to something else, or run code that changes them: the event's own
//! fields are read instead, as `to_dict()` reads them.

use crate::to_py;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use rudder_group::{GroupEvent, Library};

/// The caller's values of one call, as given (`None` where not given).
pub(crate) struct Given<'a, 'py> {
    pub(crate) group_id: &'a Bound<'py, PyAny>,
    pub(crate) user_id: Option<&'a Bound<'py, PyAny>>,
    pub(crate) anonymous_id: Option<&'a Bound<'py, PyAny>>,
    pub(crate) traits: Option<&'a Bound<'py, PyAny>>,
    pub(crate) context: Option<&'a Bound<'py, PyAny>>,
    pub(crate) integrations: Option<&'a Bound<'py, PyAny>>,
}

/// The event as a dict. With `given`, the caller's values are taken where the event holds them
/// as given; `None` (the GIL was released while validating) reads them all from the event.
pub(crate) fn message<'py>(
    py: Python<'py>,
    event: &GroupEvent,
    given: Option<Given<'_, 'py>>,
) -> PyResult<Bound<'py, PyDict>> {
    let objects = match &given {
        Some(given) => copied(py, given)?,
        None => None,
    };
    let (traits, context, integrations) = match objects {
        Some(objects) => objects,
        None => (
            to_py::object(py, event.traits().as_map())?,
            to_py::object(py, event.context())?,
            to_py::object(py, event.integrations())?,
        ),
    };
    // An id given as an exact str is the event's id, unchanged: the caller's object serves.
    let id = |given: Option<&Bound<'py, PyAny>>, held: &str| -> Bound<'py, PyAny> {
        match given.filter(|g| g.is_exact_instance_of::<PyString>()) {
            Some(g) => g.clone(),
            None => PyString::new(py, held).into_any(),
        }
    };
    let shape = Shape::of(event);
    let dict = match shape {
        Some(shape) => skeleton(py, shape)?,
        None => PyDict::new(py),
    };
    if shape.is_none() {
        dict.set_item(intern!(py, "type"), intern!(py, "group"))?;
    }
    dict.set_item(intern!(py, "messageId"), event.message_id())?;
    let group_id = given.as_ref().map(|g| g.group_id);
    dict.set_item(intern!(py, "groupId"), id(group_id, event.group_id()))?;
    if let Some(user_id) = event.user_id() {
        let given_id = given.as_ref().and_then(|g| g.user_id);
        dict.set_item(intern!(py, "userId"), id(given_id, user_id))?;
    }
    if let Some(anonymous_id) = event.anonymous_id() {
        let given_id = given.as_ref().and_then(|g| g.anonymous_id);
        dict.set_item(intern!(py, "anonymousId"), id(given_id, anonymous_id))?;
    }
    dict.set_item(intern!(py, "traits"), traits)?;
    dict.set_item(intern!(py, "context"), context)?;
    dict.set_item(intern!(py, "integrations"), integrations)?;
    dict.set_item(intern!(py, "originalTimestamp"), event.original_timestamp())?;
    if let Some(timestamp) = event.timestamp() {
        dict.set_item(intern!(py, "timestamp"), to_py::value(py, timestamp)?)?;
    }
    if shape.is_some() {
        return Ok(dict);
    }
    if let Some(sent_at) = event.sent_at() {
        dict.set_item(intern!(py, "sentAt"), sent_at)?;
    }
    dict.set_item(intern!(py, "channel"), event.channel())?;
    for (key, value) in event.extra() {
        dict.set_item(key, to_py::value(py, value)?)?;
    }
    Ok(dict)
}

/// Which of its optional keys a call's event has: `userId`, `anonymousId`, `timestamp`. An
/// event with keys no call gives (a parsed payload's) has none.
#[derive(Clone, Copy)]
struct Shape(usize);

impl Shape {
    fn of(event: &GroupEvent) -> Option<Shape> {
        let call =
            event.sent_at().is_none() && event.extra().is_empty() && event.channel() == "server";
        call.then(|| {
            Shape(
                usize::from(event.user_id().is_some())
                    | usize::from(event.anonymous_id().is_some()) << 1
                    | usize::from(event.timestamp().is_some()) << 2,
            )
        })
    }
}

/// A new dict with the keys of a message of `shape` in the event's order, the constants set and
/// the rest `None`: filling a copy of it sets values in place, where a new dict grows twice.
fn skeleton(py: Python<'_>, shape: Shape) -> PyResult<Bound<'_, PyDict>> {
    static SKELETONS: [PyOnceLock<Py<PyDict>>; 8] = [const { PyOnceLock::new() }; 8];
    let template = SKELETONS[shape.0].get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let dict = PyDict::new(py);
        let none = py.None();
        dict.set_item(intern!(py, "type"), intern!(py, "group"))?;
        for (key, bit) in [
            (intern!(py, "messageId"), 0),
            (intern!(py, "groupId"), 0),
            (intern!(py, "userId"), 1),
            (intern!(py, "anonymousId"), 2),
            (intern!(py, "traits"), 0),
            (intern!(py, "context"), 0),
            (intern!(py, "integrations"), 0),
            (intern!(py, "originalTimestamp"), 0),
            (intern!(py, "timestamp"), 4),
        ] {
            if bit == 0 || shape.0 & bit != 0 {
                dict.set_item(key, &none)?;
            }
        }
        dict.set_item(intern!(py, "channel"), intern!(py, "server"))?;
        Ok(dict.unbind())
    })?;
    template.bind(py).copy()
}

type Objects<'py> = (Bound<'py, PyDict>, Bound<'py, PyDict>, Bound<'py, PyDict>);

/// `traits`, `context` (with `library`) and `integrations` copied from the caller's objects, or
/// `None` when one of them is not held as given.
fn copied<'py>(py: Python<'py>, given: &Given<'_, 'py>) -> PyResult<Option<Objects<'py>>> {
    let object = |obj: Option<&Bound<'py, PyAny>>| -> PyResult<Option<Option<Bound<'py, PyDict>>>> {
        match obj.filter(|o| !o.is_none()) {
            None => Ok(Some(None)),
            Some(o) => Ok(plain_dict(o)?.map(Some)),
        }
    };
    let Some(traits) = object(given.traits)? else {
        return Ok(None);
    };
    let Some(context) = object(given.context)? else {
        return Ok(None);
    };
    let Some(integrations) = object(given.integrations)? else {
        return Ok(None);
    };
    let traits = traits.unwrap_or_else(|| PyDict::new(py));
    // `library` is set over the caller's, in its place, or added last (as the core writes it).
    let context = match context {
        Some(context) => context,
        None => constant(py, Constant::Context)?,
    };
    context.set_item(intern!(py, "library"), constant(py, Constant::Library)?)?;
    let integrations = match integrations {
        Some(integrations) => integrations,
        None => constant(py, Constant::Integrations)?,
    };
    Ok(Some((traits, context, integrations)))
}

/// The dicts a message holds when the caller gave none of its own.
#[derive(Clone, Copy)]
enum Constant {
    /// `{"library": None}`: the context before `library` is set.
    Context,
    /// `{"name": "rudder-group-python", "version": ...}`.
    Library,
    /// `{"All": True}`.
    Integrations,
}

/// A new copy of a constant dict (each message has its own: the caller may change it).
fn constant(py: Python<'_>, which: Constant) -> PyResult<Bound<'_, PyDict>> {
    static CONSTANTS: [PyOnceLock<Py<PyDict>>; 3] = [const { PyOnceLock::new() }; 3];
    let template = CONSTANTS[which as usize].get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        let dict = PyDict::new(py);
        match which {
            Constant::Context => dict.set_item(intern!(py, "library"), py.None())?,
            Constant::Library => {
                dict.set_item(intern!(py, "name"), Library::Python.name())?;
                dict.set_item(intern!(py, "version"), Library::Python.version())?;
            }
            Constant::Integrations => dict.set_item(intern!(py, "All"), true)?,
        }
        Ok(dict.unbind())
    })?;
    template.bind(py).copy()
}

/// A copy of an exact `dict` whose keys are exact `str` and whose values are plain (below); `None`
/// for anything else. A dict of scalars is copied in one call.
fn plain_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Ok(dict) = obj.cast_exact::<PyDict>() else {
        return Ok(None);
    };
    let mut nested = false;
    for (key, value) in dict.iter() {
        if !key.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        match kind(&value) {
            Kind::Scalar => {}
            Kind::Container => nested = true,
            Kind::Other => return Ok(None),
        }
    }
    if !nested {
        return dict.copy().map(Some);
    }
    let copy = PyDict::new(obj.py());
    for (key, value) in dict.iter() {
        let Some(value) = plain_value(&value)? else {
            return Ok(None);
        };
        copy.set_item(key, value)?;
    }
    Ok(Some(copy))
}

/// A plain value: a scalar itself (immutable), a container copied; `None` for anything else.
fn plain_value<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match kind(value) {
        Kind::Scalar => Ok(Some(value.clone())),
        Kind::Other => Ok(None),
        Kind::Container => {
            if let Ok(list) = value.cast_exact::<PyList>() {
                let copy = PyList::empty(value.py());
                for item in list.iter() {
                    let Some(item) = plain_value(&item)? else {
                        return Ok(None);
                    };
                    copy.append(item)?;
                }
                return Ok(Some(copy.into_any()));
            }
            Ok(plain_dict(value)?.map(Bound::into_any))
        }
    }
}

enum Kind {
    /// Exact `str`, `int`, `float`, `bool` or `None`: JSON as it is.
    Scalar,
    /// Exact `dict` or `list`.
    Container,
    Other,
}

fn kind(value: &Bound<'_, PyAny>) -> Kind {
    if value.is_exact_instance_of::<PyString>()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyBool>()
        || value.is_none()
    {
        Kind::Scalar
    } else if value.is_exact_instance_of::<PyDict>() || value.is_exact_instance_of::<PyList>() {
        Kind::Container
    } else {
        Kind::Other
    }
}
