//! `rudder_outcome`: what happened to a set of events, handed to the outcome callback.

use crate::args::UserData;
use crate::cstr::to_c_lossy;
use crate::error::{guard, guard_value};
use crate::reentry::inside_callback;
use crate::status::rudder_status;
use rudder_group_client::{Outcome, OutcomeCallback, OutcomeKind};
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The kind of a terminal outcome.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum rudder_outcome_kind {
    /// The data plane answered 2xx.
    RUDDER_OUTCOME_DELIVERED = 0,
    /// The data plane refused the events for good (a 4xx other than 408/413/429), or retries ran
    /// out.
    RUDDER_OUTCOME_FAILED = 1,
    /// The events were never sent: the queue was full, or the client closed before they could be.
    RUDDER_OUTCOME_DROPPED = 2,
}

/// One terminal outcome for a set of events (a batch, half of a split batch, or one dropped
/// event). Only ever lent to the outcome callback: it and every string read from it are valid
/// until the callback returns. Copy what you keep.
pub struct rudder_outcome {
    kind: rudder_outcome_kind,
    status: u16,
    body: Option<CString>,
    reason: CString,
    message_ids: Vec<CString>,
    attempts: u32,
}

impl rudder_outcome {
    fn new(outcome: &Outcome) -> rudder_outcome {
        rudder_outcome {
            kind: match outcome.kind {
                OutcomeKind::Delivered => rudder_outcome_kind::RUDDER_OUTCOME_DELIVERED,
                OutcomeKind::Failed => rudder_outcome_kind::RUDDER_OUTCOME_FAILED,
                OutcomeKind::Dropped => rudder_outcome_kind::RUDDER_OUTCOME_DROPPED,
            },
            status: outcome.status.unwrap_or(0),
            body: outcome.body.as_deref().map(to_c_lossy),
            reason: to_c_lossy(&outcome.reason),
            message_ids: outcome
                .message_ids
                .iter()
                .map(|id| to_c_lossy(id))
                .collect(),
            attempts: outcome.attempts,
        }
    }
}

/// Receives every terminal outcome of a client's events.
///
/// It is called on the client's worker threads (one per request in flight), one call at a time
/// for one client: the calls are serialized, so the callback needs no lock of its own for state
/// only it touches. An event dropped because the queue is full is reported on the thread calling
/// `rudder_client_enqueue`, before the call returns `RUDDER_QUEUE_FULL` (after any call running
/// then; an enqueue made from inside the callback reports its drop at once). Keep it short: a
/// slow callback holds up every lane's next outcome. Make it safe to run on another thread than
/// the one that set it. `rudder_client_flush`, `rudder_client_close` and `rudder_client_free`
/// called from it are refused with `RUDDER_CALLED_FROM_CALLBACK` (they would wait for the
/// callback itself). It must not unwind (no C++ exception may leave it). `user_data` is the pointer
/// given with the callback, passed through untouched.
pub type rudder_outcome_callback =
    Option<extern "C" fn(outcome: *const rudder_outcome, user_data: *mut c_void)>;

/// Wraps a C callback as the client's outcome callback.
pub(crate) fn c_callback(
    callback: extern "C" fn(*const rudder_outcome, *mut c_void),
    user_data: *mut c_void,
) -> OutcomeCallback {
    let user_data = UserData(user_data);
    let one_at_a_time = Mutex::new(());
    // The thread running the callback now (0: none), so that a call it makes itself (an
    // enqueue that drops) runs at once instead of waiting for itself.
    let running = AtomicUsize::new(0);
    Arc::new(move |outcome: &Outcome| {
        let data = user_data;
        let lent = rudder_outcome::new(outcome);
        let me = thread_marker();
        if running.load(Ordering::Acquire) == me {
            inside_callback(|| callback(&lent, data.0));
            return;
        }
        let _turn = one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        running.store(me, Ordering::Release);
        inside_callback(|| callback(&lent, data.0));
        running.store(0, Ordering::Release);
    })
}

/// A number no other live thread has: the address of this thread's own marker.
fn thread_marker() -> usize {
    thread_local! {
        static MARKER: u8 = const { 0 };
    }
    MARKER.with(|m| m as *const u8 as usize)
}

/// Writes the outcome's kind to `*out`. Returns `RUDDER_NULL_ARGUMENT` when an argument is NULL.
#[no_mangle]
pub extern "C" fn rudder_outcome_get_kind(
    outcome: *const rudder_outcome,
    out: *mut rudder_outcome_kind,
) -> rudder_status {
    guard(|| {
        let outcome = arg!(ref outcome);
        let out = arg!(out out);
        out.write(outcome.kind);
        Ok(())
    })
}

/// The last HTTP status the data plane answered for these events, or 0 when no answer came (a
/// dropped event, a connection error) or `outcome` is NULL.
#[no_mangle]
pub extern "C" fn rudder_outcome_http_status(outcome: *const rudder_outcome) -> u16 {
    guard_value(0, || arg!(opt_ref outcome).map_or(0, |o| o.status))
}

/// The body of the last answer (the data plane answers plain text), or NULL when no answer came
/// or `outcome` is NULL. Borrowed: valid until the callback returns.
#[no_mangle]
pub extern "C" fn rudder_outcome_body(outcome: *const rudder_outcome) -> *const c_char {
    guard_value(std::ptr::null(), || {
        arg!(opt_ref outcome)
            .and_then(|o| o.body.as_ref())
            .map_or(std::ptr::null(), |b| b.as_ptr())
    })
}

/// A sentence saying why, for logs; NULL only when `outcome` is NULL. Borrowed: valid until the
/// callback returns.
#[no_mangle]
pub extern "C" fn rudder_outcome_reason(outcome: *const rudder_outcome) -> *const c_char {
    guard_value(std::ptr::null(), || {
        arg!(opt_ref outcome).map_or(std::ptr::null(), |o| o.reason.as_ptr())
    })
}

/// How many requests were made for these events (0 for an event never sent, or a NULL
/// `outcome`).
#[no_mangle]
pub extern "C" fn rudder_outcome_attempts(outcome: *const rudder_outcome) -> u32 {
    guard_value(0, || arg!(opt_ref outcome).map_or(0, |o| o.attempts))
}

/// The number of events this outcome is about; 0 for NULL.
#[no_mangle]
pub extern "C" fn rudder_outcome_message_id_count(outcome: *const rudder_outcome) -> usize {
    guard_value(0, || {
        arg!(opt_ref outcome).map_or(0, |o| o.message_ids.len())
    })
}

/// The `messageId` of event number `index` (from 0), or NULL when `index` is not below
/// `rudder_outcome_message_id_count` or `outcome` is NULL. Borrowed: valid until the callback
/// returns.
#[no_mangle]
pub extern "C" fn rudder_outcome_message_id(
    outcome: *const rudder_outcome,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        arg!(opt_ref outcome)
            .and_then(|o| o.message_ids.get(index))
            .map_or(std::ptr::null(), |id| id.as_ptr())
    })
}

/// The name of an outcome kind: `"delivered"`, `"failed"` or `"dropped"` (`"unknown"` for a
/// number that is not a kind). Static: never free it.
#[no_mangle]
pub extern "C" fn rudder_outcome_kind_name(kind: u32) -> *const c_char {
    match kind {
        0 => c"delivered".as_ptr(),
        1 => c"failed".as_ptr(),
        2 => c"dropped".as_ptr(),
        _ => c"unknown".as_ptr(),
    }
}
