//! Calls made from inside a callback: an outcome or log callback runs on a client's worker
//! thread (or, for a drop because the queue is full, inside `rudder_client_enqueue`), so a
//! `rudder_client_flush`, `rudder_client_close` or `rudder_client_free` made from it would wait
//! for the very callback it runs in. Such calls are refused at once with
//! `RUDDER_CALLED_FROM_CALLBACK`, whichever client they name: a thread-local count says whether
//! the calling thread is inside one of this library's callbacks.

use crate::error::{Error, Result};
use crate::status::rudder_status;
use std::cell::Cell;

thread_local! {
    static INSIDE: Cell<u32> = const { Cell::new(0) };
}

/// Runs a C callback, counted as inside one for the calls it makes.
pub(crate) fn inside_callback<T>(call: impl FnOnce() -> T) -> T {
    INSIDE.with(|n| n.set(n.get() + 1));
    let out = call();
    INSIDE.with(|n| n.set(n.get().saturating_sub(1)));
    out
}

/// `Err(RUDDER_CALLED_FROM_CALLBACK)` when the calling thread is inside a callback.
pub(crate) fn not_inside_callback(call: &str) -> Result<()> {
    if INSIDE.with(Cell::get) == 0 {
        return Ok(());
    }
    Err(Error::new(
        rudder_status::RUDDER_CALLED_FROM_CALLBACK,
        format!(
            "{call} was called from inside an outcome or log callback, where it would wait for \
             the callback itself; call it from another thread"
        ),
    ))
}
