//! `rudder_client_config`: every client setting, with the client's defaults.

use crate::error::{guard, Error, Result};
use crate::log::{c_log_callback, rudder_log_callback};
use crate::options::c_options;
use crate::outcome::{c_callback, rudder_outcome_callback};
use crate::status::rudder_status;
use rudder_group_client::settings::Value;
use rudder_group_client::{Config, Overflow, Transport};
use rudder_group_core::Library;
use std::ffi::{c_char, c_void};
use std::time::Duration;

/// The settings of a client. Made by `rudder_client_config_new` with the defaults; read (and
/// copied) by `rudder_client_new`, so one config may serve several clients and may be freed
/// once they are made. Free it with `rudder_client_config_free`.
///
/// Setters only store: every value is checked by `rudder_client_new`, which answers
/// `RUDDER_INVALID_CONFIG` naming the first setting out of range. Not thread-safe: set it up from
/// one thread.
pub struct rudder_client_config {
    pub(crate) config: Config,
    /// Close clients made from this config at process exit (the C-only exit flush).
    pub(crate) flush_at_exit: bool,
}

fn with_config(
    config: *mut rudder_client_config,
    set: impl FnOnce(&mut Config) -> Result<()>,
) -> rudder_status {
    guard(|| {
        let config = arg!(mut config);
        set(&mut config.config)
    })
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Makes a config with the defaults for a source's write key and a data plane URL (e.g.
/// `"https://hosted.rudderlabs.com"`; `/v1/batch` is added), and writes it to `*out`. Both
/// strings are copied. Events are named `rudder-group-c` in `context.library`.
///
/// Defaults (the settings table of the client crate): flush_at 100 events, flush_interval
/// 1,000 ms, max_batch_bytes 1,024,000, max_queue_events 100,000, max_queue_bytes 67,108,864,
/// overflow drop-newest, block timeout 1,000 ms, gzip on (level 6), connect timeout 10,000 ms,
/// request timeout 30,000 ms, retries until 120,000 ms after a batch's first attempt (no attempt
/// cap) with backoff from 100 ms up to 10,000 ms, proxy from the environment, strict
/// validation, max_event_bytes 32,768, HTTP transport, shutdown timeout 5,000 ms, no outcome
/// callback, no spool (max_spool_bytes 1 GiB, spool_sync "group", its interval 1,000 ms).
/// Every duration is at most 86,400,000 ms.
#[no_mangle]
pub extern "C" fn rudder_client_config_new(
    write_key: *const c_char,
    data_plane_url: *const c_char,
    out: *mut *mut rudder_client_config,
) -> rudder_status {
    guard(|| {
        let write_key = arg!(str write_key);
        let url = arg!(str data_plane_url);
        let out = arg!(out out);
        let mut config = Config::new(write_key, url);
        config.event_options = c_options(false, 0);
        let handle = Box::into_raw(Box::new(rudder_client_config {
            config,
            flush_at_exit: false,
        }));
        out.write(handle);
        Ok(())
    })
}

/// Frees a config. NULL is accepted and ignored. Clients made from it are not affected.
#[no_mangle]
pub extern "C" fn rudder_client_config_free(config: *mut rudder_client_config) {
    ffi_free!(config)
}

/// A batch is sent when it holds this many events (default 100; at least 1).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_flush_at(
    config: *mut rudder_client_config,
    flush_at: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.flush_at = flush_at;
        Ok(())
    })
}

/// A batch is also sent when its oldest event has waited this long, in milliseconds (default
/// 1,000; more than 0).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_flush_interval_ms(
    config: *mut rudder_client_config,
    interval_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.flush_interval = millis(interval_ms);
        Ok(())
    })
}

/// A batch is also sent when it would grow past this many bytes uncompressed (default 1,024,000;
/// at most 4,096,000, the gateway's limit, and at least one event of max_event_bytes).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_batch_bytes(
    config: *mut rudder_client_config,
    value: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.max_batch_bytes = value;
        Ok(())
    })
}

/// Events queued at most (default 100,000).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_queue_events(
    config: *mut rudder_client_config,
    value: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.max_queue_events = value;
        Ok(())
    })
}

/// Bytes queued at most (default 64 MiB).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_queue_bytes(
    config: *mut rudder_client_config,
    value: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.max_queue_bytes = value;
        Ok(())
    })
}

/// gzip request bodies (default true; data planes older than 1.4 reject gzip).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_gzip(
    config: *mut rudder_client_config,
    gzip: bool,
) -> rudder_status {
    with_config(config, |c| {
        c.gzip = gzip;
        Ok(())
    })
}

/// gzip level, 0 to 9 (default 6).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_gzip_level(
    config: *mut rudder_client_config,
    level: u32,
) -> rudder_status {
    with_config(config, |c| {
        c.gzip_level = level;
        Ok(())
    })
}

/// Connection timeout in milliseconds (default 10,000; more than 0).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_connect_timeout_ms(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.connect_timeout = millis(timeout_ms);
        Ok(())
    })
}

/// Whole-request timeout in milliseconds (default 30,000; more than 0).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_request_timeout_ms(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.request_timeout = millis(timeout_ms);
        Ok(())
    })
}

/// Requests per batch at most, the first included (default: no cap, `retry_max_elapsed` alone
/// ends retries; at least 1). Retried: 408, 429, 5xx,
/// connection errors and timeouts, with capped exponential backoff and full jitter; `Retry-After`
/// is a floor under the wait.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_retry_max_attempts(
    config: *mut rudder_client_config,
    attempts: u32,
) -> rudder_status {
    with_config(config, |c| {
        c.retry.max_attempts = Some(attempts);
        Ok(())
    })
}

/// Time from a batch's first attempt after which it is not retried again, in milliseconds (default
/// 120,000).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_retry_max_elapsed_ms(
    config: *mut rudder_client_config,
    elapsed_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.retry.max_elapsed = millis(elapsed_ms);
        Ok(())
    })
}

/// The first backoff's cap in milliseconds (default 100; more than 0, at most the max backoff).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_retry_initial_backoff_ms(
    config: *mut rudder_client_config,
    backoff_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.retry.initial_backoff = millis(backoff_ms);
        Ok(())
    })
}

/// The largest backoff in milliseconds (default 10,000).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_retry_max_backoff_ms(
    config: *mut rudder_client_config,
    backoff_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.retry.max_backoff = millis(backoff_ms);
        Ok(())
    })
}

/// How long `rudder_client_free` waits to deliver what is queued, in milliseconds (default 5,000).
/// What is still queued then is reported as dropped.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_shutdown_timeout_ms(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.shutdown_timeout = millis(timeout_ms);
        Ok(())
    })
}

/// Lenient validation of the events `rudder_client_group` builds (default false): reserved-trait
/// problems become warnings. Events given to `rudder_client_enqueue` were validated when they were
/// built.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_lenient(
    config: *mut rudder_client_config,
    lenient: bool,
) -> rudder_status {
    with_config(config, |c| {
        c.event_options.lenient = lenient;
        Ok(())
    })
}

/// The largest serialized event the client accepts, `sentAt` included; `rudder_client_enqueue`
/// refuses a larger one with `RUDDER_EVENT_TOO_LARGE` (default 32,768; 0 restores it; at least 64).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_event_bytes(
    config: *mut rudder_client_config,
    max_event_bytes: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.event_options = c_options(c.event_options.lenient, max_event_bytes);
        Ok(())
    })
}

/// When true, clients made from this config are closed at process exit (when `main` returns or
/// `exit` is called) if they were not freed: what they hold is delivered within each client's
/// shutdown timeout, one client after the other, and what is left is reported as dropped.
/// Without it, a client that is never freed loses what it holds at exit. Default false.
///
/// The hook is registered with `atexit` by the first such client and keeps no client alive:
/// `rudder_client_free` still frees at once. It is not run by `_exit`, `quick_exit`, a crash or
/// a signal, and a program that unloads the library with `dlclose` must free its clients first.
/// This is a C option rather than a client setting: the other bindings close their clients
/// themselves (Rust on drop, Python at interpreter exit, Node at process exit or collection).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_flush_at_exit(
    config: *mut rudder_client_config,
    on: bool,
) -> rudder_status {
    guard(|| {
        let config = arg!(mut config);
        config.flush_at_exit = on;
        Ok(())
    })
}

/// Test mode when true: nothing leaves the process; every batch is answered 200 and its events are
/// kept in memory for `rudder_client_sent_events_json`. Default false (HTTP).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_memory_transport(
    config: *mut rudder_client_config,
    memory: bool,
) -> rudder_status {
    with_config(config, |c| {
        c.transport = if memory {
            Transport::Memory
        } else {
            Transport::Http
        };
        Ok(())
    })
}

/// Requests in flight at most, one per lane (default 8; 1 to 64). Every event of one identity
/// (user id, else anonymous id) takes the same lane, so its events arrive in the order they were
/// enqueued; 1 sends one request at a time.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_concurrent_requests(
    config: *mut rudder_client_config,
    requests: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.max_concurrent_requests = requests;
        Ok(())
    })
}

/// When the queue is full, drop the new event (the default): `rudder_client_enqueue` returns
/// `RUDDER_QUEUE_FULL` and the drop is counted and reported to the outcome callback.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_overflow_drop_newest(
    config: *mut rudder_client_config,
) -> rudder_status {
    with_config(config, |c| {
        c.overflow = Overflow::DropNewest;
        Ok(())
    })
}

/// When the queue is full, block the enqueuing thread until there is room, up to `timeout_ms`
/// milliseconds (the same as `rudder_client_config_set_block_timeout_ms`); then drop the event
/// as with drop-newest.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_overflow_block(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.overflow = Overflow::Block;
        c.block_timeout = millis(timeout_ms);
        Ok(())
    })
}

/// With overflow "block": how long `rudder_client_enqueue` waits for room before dropping the
/// event (default 1,000 ms; at most 86,400,000).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_block_timeout_ms(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.block_timeout = millis(timeout_ms);
        Ok(())
    })
}

/// An HTTP(S) proxy URL (copied); NULL restores the default, reading `HTTPS_PROXY`,
/// `https_proxy` or `ALL_PROXY` from the environment.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_proxy(
    config: *mut rudder_client_config,
    proxy: *const c_char,
) -> rudder_status {
    with_config(config, |c| {
        c.proxy = arg!(opt_str proxy).map(str::to_owned);
        Ok(())
    })
}

/// A directory for the durable spool (copied; NULL, the default, turns it off). When set,
/// `rudder_client_enqueue` and `rudder_client_group` return only once the event is written to
/// the spool's log, so a crash or `kill -9` loses nothing they accepted; an event leaves the
/// spool when its batch is acknowledged or fails for good; a client made on a directory with
/// events left in it sends them first, with their messageIds, and its flush waits for them. A
/// close that times out leaves what is unsent in the spool (not reported as dropped). One live
/// client per directory: `rudder_client_new` answers `RUDDER_INVALID_CONFIG` naming the
/// holder's pid. After `fork(2)` the child's config must not set it (the parent keeps its
/// spool).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_spool_dir(
    config: *mut rudder_client_config,
    dir: *const c_char,
) -> rudder_status {
    with_config(config, |c| {
        c.spool_dir = arg!(opt_str dir).map(std::path::PathBuf::from);
        Ok(())
    })
}

/// With a spool: its size on disk at most, in bytes (default 1 GiB); past it the overflow
/// policy applies, and `max_queue_bytes` bounds only what is also kept in memory.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_max_spool_bytes(
    config: *mut rudder_client_config,
    value: usize,
) -> rudder_status {
    with_config(config, |c| {
        c.max_spool_bytes = value;
        Ok(())
    })
}

/// With a spool, for power loss only (a process crash loses nothing in any mode): `"event"`
/// flushes to disk before each call returns, `"group"` (the default) flushes from a background
/// thread as soon as there are writes (the last few milliseconds may be lost), `"interval"`
/// every `spool_sync_interval_ms`. Any other string, or NULL, is `RUDDER_INVALID_CONFIG` at
/// once.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_spool_sync(
    config: *mut rudder_client_config,
    mode: *const c_char,
) -> rudder_status {
    with_config(config, |c| {
        let mode = arg!(str mode);
        c.set(Library::C, "spool_sync", &Value::Str(mode.to_owned()))
            .map_err(|e| Error::new(e.code().into(), e.to_string()))
    })
}

/// With spool_sync "interval": milliseconds between flushes to disk (default 1,000; more than
/// 0, at most 86,400,000).
#[no_mangle]
pub extern "C" fn rudder_client_config_set_spool_sync_interval_ms(
    config: *mut rudder_client_config,
    interval_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        c.spool_sync_interval = millis(interval_ms);
        Ok(())
    })
}

/// Sets the outcome callback (NULL removes it) and the `user_data` pointer passed to it. See
/// `rudder_outcome_callback` for the thread it runs on. `user_data` is not touched by the
/// library; it must stay valid as long as a client made from this config lives.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_outcome_callback(
    config: *mut rudder_client_config,
    callback: rudder_outcome_callback,
    user_data: *mut c_void,
) -> rudder_status {
    with_config(config, |c| {
        c.on_outcome = callback.map(|cb| c_callback(cb, user_data));
        Ok(())
    })
}

/// Sets the log callback (NULL removes it) and the `user_data` pointer passed to it: every log
/// line of a client made from this config, at every level (see `rudder_log_level`; filter in
/// the callback). See `rudder_log_callback` for the threads it runs on. `user_data` is not
/// touched by the library; it must stay valid as long as a client made from this config lives.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_log_callback(
    config: *mut rudder_client_config,
    callback: rudder_log_callback,
    user_data: *mut c_void,
) -> rudder_status {
    with_config(config, |c| {
        c.on_log = callback.map(|cb| c_log_callback(cb, user_data));
        Ok(())
    })
}
