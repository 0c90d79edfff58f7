//! `rudder_client`: validate in the caller's thread, enqueue, and let one worker thread deliver.

use crate::args::Out;
use crate::builder::rudder_event_builder;
use crate::config::rudder_client_config;
use crate::cstr::output_string;
use crate::error::{guard, guard_value, Error, Result};
use crate::event::rudder_event;
use crate::issues::rudder_issues;
use crate::reentry::not_inside_callback;
use crate::status::rudder_status;
use rudder_group_client::{Client, ClientError, FlushResult, Stats};
use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

/// A client: a bounded queue and one background worker thread that batches events and sends
/// them to the data plane. Made by `rudder_client_new`; freed with `rudder_client_free`.
///
/// Thread-safe: every function taking a `const rudder_client *` may be called from several
/// threads at once. `rudder_client_free` must be the last call.
///
/// After `fork(2)` the child must neither use nor free a client made before the fork (its worker
/// thread does not exist there): leave it alone and make a new client in the child, without the
/// parent's spool directory (the parent keeps its spool and its lock).
pub struct rudder_client {
    // Shared only with the exit hook, which holds a weak reference (see exit.rs).
    client: Arc<Client>,
}

/// Counters since the client started.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rudder_stats {
    /// Events accepted into the queue.
    pub enqueued: u64,
    /// Events delivered (2xx).
    pub delivered: u64,
    /// Events that failed for good.
    pub failed: u64,
    /// Events dropped (queue full, or closed before delivery).
    pub dropped: u64,
    /// Requests retried.
    pub retried: u64,
    /// Requests sent (every attempt of every batch).
    pub batches: u64,
    /// Body bytes sent (after gzip; the memory transport's bodies stay uncompressed), every
    /// attempt.
    pub bytes: u64,
    /// Events waiting or in flight now.
    pub queued: u64,
    /// Events an earlier client left in the spool, queued again at start.
    pub recovered: u64,
    /// Torn or damaged places skipped while reading the spool at start.
    pub spool_skipped: u64,
    /// 429 answers (each halved the requests allowed in flight).
    pub throttled: u64,
}

/// The terminal outcomes reached since the previous flush (or close) of the client returned.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rudder_flush_result {
    /// Events delivered.
    pub delivered: u64,
    /// Events that failed for good.
    pub failed: u64,
    /// Events dropped.
    pub dropped: u64,
}

impl From<FlushResult> for rudder_flush_result {
    fn from(r: FlushResult) -> Self {
        rudder_flush_result {
            delivered: r.delivered,
            failed: r.failed,
            dropped: r.dropped,
        }
    }
}

impl From<Stats> for rudder_stats {
    fn from(s: Stats) -> Self {
        rudder_stats {
            enqueued: s.enqueued,
            delivered: s.delivered,
            failed: s.failed,
            dropped: s.dropped,
            retried: s.retried,
            batches: s.batches,
            bytes: s.bytes,
            queued: s.queued,
            recovered: s.recovered,
            spool_skipped: s.spool_skipped,
            throttled: s.throttled,
        }
    }
}

fn client_error(err: &ClientError) -> Error {
    Error::new(err.code().into(), err.to_string())
}

/// A timeout in milliseconds; negative means no limit.
fn timeout(ms: i64) -> Option<Duration> {
    u64::try_from(ms).ok().map(Duration::from_millis)
}

/// Checks `config` and starts a client (and its worker thread); writes it to `*out`.
///
/// The config is copied: it may be freed or changed afterwards without affecting the client.
/// A setting out of range is `RUDDER_INVALID_CONFIG`, and the message names it. The caller owns
/// the client and frees it with `rudder_client_free`.
#[no_mangle]
pub extern "C" fn rudder_client_new(
    config: *const rudder_client_config,
    out: *mut *mut rudder_client,
) -> rudder_status {
    guard(|| {
        let config = arg!(ref config);
        let out = arg!(out out);
        let client = Arc::new(Client::new(config.config.clone()).map_err(|e| client_error(&e))?);
        if config.flush_at_exit {
            crate::exit::close_at_exit(&client, config.config.shutdown_timeout)?;
        } else {
            crate::exit::warn_at_exit(&client);
        }
        let handle = Box::into_raw(Box::new(rudder_client { client }));
        out.write(handle);
        Ok(())
    })
}

fn enqueued(id: &str, out_message_id: Option<Out<*mut c_char>>) {
    if let Some(out) = out_message_id {
        out.write(output_string(id));
    }
}

/// Enqueues a built event and returns at once: the network is never touched in the caller's
/// thread. Consumes `event`: the pointer is invalid after the call, whatever it returns.
///
/// When `out_message_id` is not NULL it receives the event's `messageId` on success (free it
/// with `rudder_string_free`). Fails with `RUDDER_CLIENT_CLOSED` after `rudder_client_close`,
/// `RUDDER_QUEUE_FULL` when the overflow policy drops the event (reported to the outcome
/// callback too), and `RUDDER_EVENT_TOO_LARGE` when the event is over the client's
/// `max_event_bytes`. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_client_enqueue(
    client: *const rudder_client,
    event: *mut rudder_event,
    out_message_id: *mut *mut c_char,
) -> rudder_status {
    guard(|| {
        let event = arg!(take event);
        let client = arg!(ref client);
        let event = event.ok_or_else(|| Error::null("event"))?;
        let id = client
            .client
            .enqueue(event.event)
            .map_err(|e| client_error(&e))?;
        enqueued(&id, arg!(opt_out out_message_id));
        Ok(())
    })
}

/// Builds the builder's event with the client's validation settings (`lenient` and
/// `max_event_bytes` of its config replace the builder's own) and enqueues it: the one-call form
/// of `rudder_event_builder_build` + `rudder_client_enqueue`. Consumes `builder`: the pointer is
/// invalid after the call, whatever it returns.
///
/// On a refused event the status is the code of its first error and, when `out_issues` is not
/// NULL, `*out_issues` receives every problem (free it with `rudder_issues_free`). When
/// `out_message_id` is not NULL it receives the `messageId` on success. Other failures as for
/// `rudder_client_enqueue`. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_client_group(
    client: *const rudder_client,
    builder: *mut rudder_event_builder,
    out_message_id: *mut *mut c_char,
    out_issues: *mut *mut rudder_issues,
) -> rudder_status {
    guard(|| {
        let builder = arg!(take builder);
        let client = arg!(ref client);
        let builder = builder.ok_or_else(|| Error::null("builder"))?;
        let parts = builder.into_inner().into_parts();
        let id = client.client.group(parts).map_err(|e| {
            if !e.issues().is_empty() {
                rudder_issues::write_to(e.issues(), arg!(opt_out out_issues));
            }
            client_error(&e)
        })?;
        enqueued(&id, arg!(opt_out out_message_id));
        Ok(())
    })
}

fn finish(
    result: std::result::Result<FlushResult, ClientError>,
    out: Option<Out<rudder_flush_result>>,
) -> Result<()> {
    let result = result.map_err(|e| client_error(&e))?;
    if let Some(out) = out {
        out.write(result.into());
    }
    Ok(())
}

/// Sends what is queued without waiting for `flush_at` or `flush_interval`, and waits until
/// every event enqueued before the call has a terminal outcome (delivered, failed or dropped).
///
/// `timeout_ms` bounds the wait in milliseconds; a negative value waits without a limit. On
/// timeout the call returns `RUDDER_FLUSH_TIMEOUT` and nothing is lost: the events stay queued.
/// When `out_result` is not NULL it receives, on success, the outcomes reached since the
/// previous flush: failed or dropped events are counted there (and reported to the callback),
/// they do not make the call fail. Thread-safe. From inside an outcome or log callback it
/// returns `RUDDER_CALLED_FROM_CALLBACK` at once (it would wait for the callback itself).
#[no_mangle]
pub extern "C" fn rudder_client_flush(
    client: *const rudder_client,
    timeout_ms: i64,
    out_result: *mut rudder_flush_result,
) -> rudder_status {
    guard(|| {
        let client = arg!(ref client);
        not_inside_callback("rudder_client_flush")?;
        finish(
            client.client.flush(timeout(timeout_ms)),
            arg!(opt_out out_result),
        )
    })
}

/// Flushes, then stops the worker thread. Idempotent; afterwards `rudder_client_enqueue`
/// returns `RUDDER_CLIENT_CLOSED`. The client must still be freed with `rudder_client_free`.
///
/// `timeout_ms` as for `rudder_client_flush` (negative: no limit). When the call returns, every
/// event the client accepted has had its one outcome delivered to the callback, and the
/// callback is never called again. If the timeout passes first, the events still queued are
/// reported as dropped, and so are those of requests still under way ("abandoned in flight; may
/// have been delivered": their worker threads end later by themselves and report nothing); the
/// call returns `RUDDER_FLUSH_TIMEOUT`, its message giving the counts. With a spool those events
/// stay in it for the next client instead, unreported. `out_result` as for
/// `rudder_client_flush`. Thread-safe. From inside an outcome or log callback it returns
/// `RUDDER_CALLED_FROM_CALLBACK` at once (it would wait for the callback itself).
#[no_mangle]
pub extern "C" fn rudder_client_close(
    client: *const rudder_client,
    timeout_ms: i64,
    out_result: *mut rudder_flush_result,
) -> rudder_status {
    guard(|| {
        let client = arg!(ref client);
        not_inside_callback("rudder_client_close")?;
        finish(
            client.client.close(timeout(timeout_ms)),
            arg!(opt_out out_result),
        )
    })
}

/// Writes the client's counters to `*out`. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_client_stats(
    client: *const rudder_client,
    out: *mut rudder_stats,
) -> rudder_status {
    guard(|| {
        let client = arg!(ref client);
        let out = arg!(out out);
        out.write(client.client.stats().into());
        Ok(())
    })
}

/// Whether `rudder_client_close` was called; false for NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_client_is_closed(client: *const rudder_client) -> bool {
    guard_value(false, || {
        arg!(opt_ref client).is_some_and(|c| c.client.is_closed())
    })
}

/// Test mode (`rudder_client_config_set_memory_transport`): writes every event "sent" so far,
/// as the data plane would have received it (with `sentAt`), to `*out` as a JSON array; `[]`
/// over HTTP. The caller frees the string with `rudder_string_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn rudder_client_sent_events_json(
    client: *const rudder_client,
    out: *mut *mut c_char,
) -> rudder_status {
    guard(|| {
        let client = arg!(ref client);
        let out = arg!(out out);
        let events = rudder_group_core::serde_json::Value::Array(client.client.sent_events());
        out.write(output_string(&events.to_string()));
        Ok(())
    })
}

/// Closes the client, waiting at most the config's shutdown timeout to deliver what is queued
/// (what is left is reported as dropped, as `rudder_client_close` does), and frees it. When it
/// returns every outcome has been delivered to the callback and the callback is never called
/// again, so its `user_data` may be freed next. NULL is accepted and ignored. Call it once,
/// after every other call on the client has returned. From inside an outcome or log callback it
/// does nothing (the client stays usable and must be freed later, from another thread), and
/// `rudder_last_error_message` says why.
#[no_mangle]
pub extern "C" fn rudder_client_free(client: *mut rudder_client) {
    // Refused from inside a callback (the client is left as it is, the reason in
    // `rudder_last_error_message`): status-returning guard, result dropped.
    let _ = guard(|| {
        not_inside_callback("rudder_client_free")?;
        drop(arg!(take client));
        Ok(())
    });
}
