//! The exit flush: clients made from a config with `rudder_client_config_set_flush_at_exit` are
//! closed by an `atexit` hook, so what they hold is delivered when `main` returns (or `exit` is
//! called) without `rudder_client_free`.
//!
//! A client that neither opted in nor was freed is not closed, but it is not silent either: a
//! second hook, registered by the first client of the process, counts at exit what each such
//! client still held and says it on stderr (`rudder-group: at exit, 25 events of a client never
//! freed were lost: ...`). It only reads counters: it waits for nothing and sends nothing.
//!
//! This is a C option, not a client setting of the settings table: Rust closes a client when it
//! is dropped, Python closes its clients at interpreter exit and Node at process exit or when a
//! client is collected. Only a C program can leave a client that nothing ever closes, so only the
//! C ABI has the switch, and it is opt-in: an exit hook waits (up to the shutdown timeout of each
//! client) in a place where a program may not expect to wait.
//!
//! The hook holds no client alive: it keeps weak references, so `rudder_client_free` still frees
//! at once and a freed client is skipped. It closes the clients all at once, each within its own
//! shutdown timeout; what is left then is reported as dropped before the hook returns, as
//! `rudder_client_close` does, and said on stderr. The hook is registered once per process, by
//! the first client that asks for it.

use crate::error::{Error, Result};
use crate::status::rudder_status;
use rudder_group_client::{Client, ClientError};
use std::ffi::c_int;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

extern "C" {
    fn atexit(hook: extern "C" fn()) -> c_int;
}

/// Every client to close at exit, with its shutdown timeout.
static CLIENTS: Mutex<Vec<(Weak<Client>, Duration)>> = Mutex::new(Vec::new());
/// Whether the hook was registered (atexit answered 0), decided by the first client asking.
static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Every client made without the switch, with the process that made it: what the warning at
/// exit counts (a forked child does not speak for its parent's clients).
static WATCHED: Mutex<Vec<(Weak<Client>, u32)>> = Mutex::new(Vec::new());
/// Whether the warning hook was registered, decided by the first client without the switch.
static WATCHING: OnceLock<bool> = OnceLock::new();

/// Watches a client made without the switch: if it is still alive at exit, the hook says on
/// stderr how many events it held. A failed `atexit` only loses that warning.
pub(crate) fn warn_at_exit(client: &Arc<Client>) {
    // SAFETY: `warn_unfreed` is a plain function of this library taking nothing; atexit only
    // stores it.
    if !*WATCHING.get_or_init(|| unsafe { atexit(warn_unfreed) } == 0) {
        return;
    }
    let mut watched = WATCHED.lock().unwrap_or_else(|e| e.into_inner());
    watched.retain(|(weak, _)| weak.strong_count() > 0);
    watched.push((Arc::downgrade(client), std::process::id()));
}

/// The warning hook: for each watched client of this process still alive (never freed), the
/// events it still holds, said on stderr. It closes nothing. A panic must not unwind into libc.
extern "C" fn warn_unfreed() {
    let _ = std::panic::catch_unwind(|| {
        let watched = std::mem::take(&mut *WATCHED.lock().unwrap_or_else(|e| e.into_inner()));
        let pid = std::process::id();
        for (weak, owner) in watched {
            let Some(client) = weak.upgrade().filter(|_| owner == pid) else {
                continue;
            };
            if let Some(line) = unfreed_line(&client) {
                eprintln!("{line}");
            }
        }
    });
}

/// What a client never freed held at exit, or `None` when it held nothing (or was closed).
fn unfreed_line(client: &Client) -> Option<String> {
    let held = client.stats().queued;
    if held == 0 || client.is_closed() {
        return None;
    }
    let (events, were) = if held == 1 {
        ("1 event".to_owned(), "was")
    } else {
        (format!("{held} events"), "were")
    };
    let fate = if client.config().spool_dir.is_some() {
        format!("{were} left in its spool for the next client")
    } else {
        format!("{were} lost")
    };
    Some(format!(
        "rudder-group: at exit, {events} of a client never freed {fate}: call rudder_client_free \
         before exit, or set rudder_client_config_set_flush_at_exit"
    ))
}

/// Adds a client to those the exit hook closes, registering the hook first if needed.
pub(crate) fn close_at_exit(client: &Arc<Client>, timeout: Duration) -> Result<()> {
    // SAFETY: `run` is a plain function of this library taking nothing; atexit only stores it.
    let registered = *REGISTERED.get_or_init(|| unsafe { atexit(run) } == 0);
    if !registered {
        return Err(Error::new(
            rudder_status::RUDDER_INVALID_CONFIG,
            "flush_at_exit: the exit hook could not be registered (atexit failed)".to_owned(),
        ));
    }
    let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
    // Freed clients leave nothing to do: forget them so the list stays as long as the live ones.
    clients.retain(|(weak, _)| weak.strong_count() > 0);
    clients.push((Arc::downgrade(client), timeout));
    Ok(())
}

/// The exit hook: closes every live client on the list, all at once (a thread each), so the
/// exit waits as long as the longest shutdown timeout, not their sum. When it returns every
/// event of those clients has had its outcome, and a loss is said on stderr (a program that
/// opted in has nobody left to read an error). A panic must not unwind into libc.
extern "C" fn run() {
    let _ = std::panic::catch_unwind(|| {
        let clients = std::mem::take(&mut *CLIENTS.lock().unwrap_or_else(|e| e.into_inner()));
        let live: Vec<(Arc<Client>, Duration)> = clients
            .into_iter()
            .filter_map(|(weak, timeout)| weak.upgrade().map(|c| (c, timeout)))
            .collect();
        std::thread::scope(|scope| {
            for (client, timeout) in &live {
                let spawned = std::thread::Builder::new()
                    .name("rudder-group-exit".to_owned())
                    .spawn_scoped(scope, move || close_one(client, *timeout));
                if spawned.is_err() {
                    close_one(client, *timeout);
                }
            }
        });
    });
}

/// Closes one client at exit, saying on stderr what it could not deliver.
fn close_one(client: &Client, timeout: Duration) {
    if let Err(ClientError::FlushTimeout {
        pending,
        dropped,
        kept,
    }) = client.close(Some(timeout))
    {
        let fate = match (dropped, kept) {
            (_, 0) => "dropped".to_owned(),
            (0, _) => "kept in the spool for the next client".to_owned(),
            _ => format!("{dropped} dropped, {kept} kept in the spool for the next client"),
        };
        eprintln!(
            "rudder-group: at exit, {pending} event{} not delivered within {}: {fate}",
            if pending == 1 { " was" } else { "s were" },
            rudder_group_client::human_duration(timeout)
        );
    }
}
