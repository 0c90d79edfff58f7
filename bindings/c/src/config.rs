//! `rudder_client_config`: every client setting, with the client's defaults.

use crate::error::{guard, Error, Result};
use crate::log::{c_log_callback, rudder_log_callback};
use crate::options::c_options;
use crate::outcome::{c_callback, rudder_outcome_callback};
use crate::status::rudder_status;
use rudder_group_client::settings::Value;
use rudder_group_client::Config;
use rudder_group_core::Library;
use std::ffi::{c_char, c_void};

/// The settings of a client. Made by `rudder_client_config_new` with the defaults; read (and
/// copied) by `rudder_client_new`, so one config may serve several clients and may be freed
/// once they are made. Free it with `rudder_client_config_free`.
///
/// Each setter checks its value against the client's settings table and refuses one it does not
/// accept with `RUDDER_INVALID_CONFIG`, naming the setting and changing nothing;
/// `rudder_client_new` checks how the settings fit together. Not thread-safe: set it up from one
/// thread.
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

/// Sets one setting by its C name through `Config::set`, which checks it against the settings
/// table: what every generated setter (`config_setters.rs`, through `c_setter!`) does.
pub(crate) fn set(config: &mut Config, name: &str, value: Value) -> Result<()> {
    config
        .set(Library::C, name, &value)
        .map_err(|e| Error::new(e.code().into(), e.to_string()))
}

/// Makes a config with every setting at its default (each setter's doc states it) for a source's
/// write key and a data plane URL (e.g. `"https://hosted.rudderlabs.com"`; `/v1/batch` is added),
/// and writes it to `*out`. Both strings are copied. Events are named `rudder-group-c` in
/// `context.library`. No outcome or log callback is set.
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

/// `rudder_client_config_set_overflow(config, "drop")`: when the queue is full,
/// `rudder_client_enqueue` returns `RUDDER_QUEUE_FULL` and the drop is counted and reported to
/// the outcome callback.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_overflow_drop_newest(
    config: *mut rudder_client_config,
) -> rudder_status {
    with_config(config, |c| {
        set(c, "overflow", Value::Str("drop".to_owned()))
    })
}

/// `rudder_client_config_set_overflow(config, "block")` and
/// `rudder_client_config_set_block_timeout_ms(config, timeout_ms)` in one call: when the queue
/// is full, the enqueuing thread waits for room up to `timeout_ms`, then the event is dropped.
#[no_mangle]
pub extern "C" fn rudder_client_config_set_overflow_block(
    config: *mut rudder_client_config,
    timeout_ms: u64,
) -> rudder_status {
    with_config(config, |c| {
        let mut next = c.clone();
        set(&mut next, "overflow", Value::Str("block".to_owned()))?;
        set(&mut next, "block_timeout_ms", Value::Int(timeout_ms.into()))?;
        *c = next;
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
