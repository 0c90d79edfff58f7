//! `rudder_group._native`: the pyo3 layer of the Python package `rudder_group`.
//!
//! It converts Python values into the core's JSON values and maps the core's errors to Python
//! exceptions; validation, serialization and delivery are the core's and the client's. The
//! pure-Python package around it (`python/rudder_group`) adds the exception classes, the
//! `atexit` and `fork` hooks, the outcome thread and the asyncio helpers.

mod client;
mod config;
mod convert;
mod dropin;
mod errors;
mod event;
mod fields;
mod message;
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
    m.add_class::<dropin::PyDropIn>()?;
    m.add_class::<outcome::PyOutcome>()?;
    m.add_class::<outcome::PyOutcomeQueue>()?;
    m.add_class::<outcome::PyLogRecord>()?;
    m.add_class::<outcome::PyFlushResult>()?;
    m.add_function(wrap_pyfunction!(event::validate, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_class, m)?)?;
    m.add_function(wrap_pyfunction!(config::setting_default, m)?)?;
    Ok(())
}

/// The module's Rust allocations (the events, their bytes, the batches) come from mimalloc, not
/// glibc's malloc: every event is allocated on the caller's thread and freed on a lane thread,
/// and glibc then takes the caller's arena lock from both threads (a futex wake on almost every
/// call in perf). mimalloc frees across threads without that lock. Measured with the bench's
/// event, one identity: `group()` 2.10 -> 1.8 us with the memory transport, 2.11 -> 1.75 us
/// against a local data plane. Python's own objects keep CPython's allocator; no mimalloc symbol
/// is exported from the module. The Node addon keeps the system allocator: the same change made
/// its `group()` slower (5.8 -> 6.9 us), and the C library keeps it so that a program linking
/// the static archive next to its own mimalloc meets no clash.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
