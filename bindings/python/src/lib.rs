//! `rudder_group._native`: the pyo3 layer of the Python package `rudder_group`.
//!
//! It converts Python values into the core's JSON values and maps the core's errors to Python
//! exceptions; validation, serialization and delivery are the core's and the client's. The
//! pure-Python package around it (`python/rudder_group`) adds the exception classes, the
//! `atexit` and `fork` hooks, the outcome thread and the asyncio helpers.

mod client;
mod config;
mod convert;
mod errors;
mod event;
mod fields;
mod outcome;
mod scalars;
mod to_py;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rudder_group::ErrorCode;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", rudder_group::VERSION)?;
    m.add(
        "ERROR_CODES",
        PyTuple::new(py, ErrorCode::ALL.iter().map(|c| c.as_str()))?,
    )?;
    m.add(
        "DEFAULT_MAX_EVENT_BYTES",
        rudder_group::DEFAULT_MAX_EVENT_BYTES,
    )?;
    m.add_class::<event::PyGroupEvent>()?;
    m.add_class::<errors::PyIssue>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<outcome::PyOutcome>()?;
    m.add_class::<outcome::PyOutcomeQueue>()?;
    m.add_class::<outcome::PyLogRecord>()?;
    m.add_class::<outcome::PyFlushResult>()?;
    m.add_function(wrap_pyfunction!(event::validate, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_class, m)?)?;
    Ok(())
}
