//! A local RudderStack data plane for tests and demos.
//!
//! It answers the way the open-source rudder-server gateway does, so that what passes against it
//! passes against a real data plane, and it adds what a test needs: injected faults and a
//! read-back of everything received. Every test (Rust, Python, Node, C) and the CLI
//! `rudder-group serve` use it.
//!
//! # How it maps to the real gateway
//!
//! Routes: `POST /v1/batch` with `{"batch":[event, ...]}`; `POST /v1/group` with one event, whose
//! `type` is overwritten with `"group"` and which is handled as a one-event batch; `GET /health`
//! answers 200. Any other path answers `404 page not found`.
//!
//! The checks run in the gateway's order; every answer body is plain text (`text/plain`), the
//! message and a newline:
//!
//! | step | failure | status | body |
//! |---|---|---|---|
//! | `Content-Encoding` exactly `gzip` | body does not start with a gzip header | 500 | `failed to read body from request` |
//! | Basic-auth username (password ignored) | missing or empty | 401 | `failed to read writekey from header` |
//! | | unknown write key | 401 | `invalid write key` |
//! | | source disabled | 404 | `source is disabled` |
//! | body (gzip) | the rest of the stream is not valid gzip | 500 | `failed to read body from request` |
//! | size | decompressed body > [`MAX_REQUEST_BYTES`] | 413 | `request size exceeds max limit` |
//! | body | empty | 400 | `request body is nil` |
//! | | not JSON | 400 | `invalid json` |
//! | each `batch[i]` | not an object | 400 | `event is not a valid rudder event` |
//! | | userId and anonymousId both empty after trimming (numbers stringified first) | 400 | `request neither has anonymousId nor userId` (the whole request is rejected) |
//! | | batch has no events | 400 | `empty batch payload` |
//! | load | more than [`Config::max_in_flight`] requests in flight (those still receiving their body do not count) | 503 | `Service Unavailable` |
//! | rate limit (off by default) | over [`Config::rate_limit`] per second | 429 | `max requests limit reached` |
//! | success | | 200 | `ok` |
//!
//! The write key is checked before the body is read, as in the gateway, whose gzip reader reads
//! only the gzip header when it is created: so the first step looks at the first bytes only,
//! and a request refused by the write-key checks never has its body decompressed or parsed.
//! A refused request (any of the 4xx/5xx above) is recorded with its headers and answer but
//! without its body; what is left of its body is read and dropped so that the client reads the
//! answer.
//!
//! The size check comes right after the write-key checks, not after the per-event checks as in
//! the real gateway: the body is read with at most [`MAX_REQUEST_BYTES`] + 1 decompressed bytes
//! kept, so that a huge body is answered 413 without buffering it. Only a body that is too
//! large *and* would fail a JSON or per-event check is answered differently (413 instead of
//! 400).
//!
//! On success each event is stored (in memory, and as one NDJSON line in [`Config::store`] when
//! set) before the 200 is sent, with: a fresh UUID v4 `messageId` when it has none, `receivedAt`
//! (UTC, `2022-02-01T19:14:18.381Z`), and, when it carries no `timestamp` that parses,
//! `timestamp = receivedAt - (sentAt - originalTimestamp)` (`sentAt` is the event's own, else the
//! batch's top-level one; when either is missing or unparseable, `timestamp = receivedAt`).
//! Everything else, key order included, is kept as sent: each value keeps its JSON text (only
//! the whitespace between tokens is dropped), at any nesting depth, and reads back that way from
//! the admin API and the store file. Like the real gateway it never checks `groupId`, traits,
//! per-event size, nesting depth or `type` inside a batch, and it does not deduplicate.
//!
//! # Connections
//!
//! HTTP/1.1 with keep-alive. A connection must send a request's headers within
//! [`Config::header_read_timeout`] (10 s by default; an idle keep-alive connection too), else it
//! is closed, and its body within [`Config::body_read_timeout`] plus a second per
//! [`Config::min_body_rate`] bytes received (10 s and 64 KiB/s by default), else it is closed
//! without an answer: a client that sends headers and stalls cannot hold a request slot; at most [`Config::max_connections`] are served at once, and further ones wait in
//! the listen backlog. By default it listens on `127.0.0.1` only.
//!
//! # Beyond the real gateway
//!
//! - [`Fault`]s injected with [`DataPlane::inject`] or the admin API: a status (e.g. 429 with
//!   `Retry-After`), added latency, a dropped connection, an outage.
//! - A read-back: [`DataPlane::requests`], [`DataPlane::events`], and the admin HTTP API under
//!   `/_rudder_group/` (see the `admin` module docs, summed up on [`DataPlane`]).
//! - The admin API shares the port with the gateway and stays reachable during an
//!   [`Fault::Outage`]: one URL serves both, as `rudder-group serve` prints it, and a test can
//!   read back or end an outage early while data requests go unanswered. An outage therefore
//!   closes connections instead of refusing them (see [`Fault::Outage`]).
//!
//! ```no_run
//! use rudder_group_dataplane::{Config, DataPlane};
//! use std::time::Duration;
//!
//! let dp = DataPlane::start(Config::default()).unwrap();
//! let url = dp.url(); // e.g. "http://127.0.0.1:41234": give it to the SDK under test
//! // ... send events with write key "test-write-key" ...
//! assert!(dp.wait_for_events(1, Duration::from_secs(5)));
//! println!("{}", dp.events()[0]["receivedAt"]);
//! ```

#![warn(missing_docs)]

mod admin;
mod answer;
mod body;
mod checks;
mod config;
mod enrich;
mod faults;
mod gateway;
mod incoming;
mod json;
mod server;
mod shared;
mod store;
#[cfg(test)]
mod tests;

pub use config::{Config, DEFAULT_WRITE_KEY, MAX_REQUEST_BYTES};
pub use faults::{Fault, FaultCount};
pub use store::ReceivedRequest;

use serde_json::Value;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use shared::{lock, Shared};

/// A running local data plane. It serves on its own OS thread (a tokio runtime with 2 workers),
/// so callers need no async; it stops on [`DataPlane::shutdown`] or when dropped.
///
/// Admin HTTP API (JSON, no auth, not recorded, never faulted, served during an outage too):
///
/// | request | answer |
/// |---|---|
/// | `GET /_rudder_group/requests` | `[{"method","path","headers":{name: value},"status","body","events","received_at"}, ...]` (see [`ReceivedRequest::to_json`]) |
/// | `GET /_rudder_group/events` | the stored events |
/// | `GET /_rudder_group/stats` | `{"requests":N,"events":N}` |
/// | `POST /_rudder_group/faults` | one fault or an array, e.g. `{"status":429,"retry_after":"1","next":3}` (see [`Fault::from_json`]) → `{"ok":true}` |
/// | `DELETE /_rudder_group/faults` | clear faults → `{"ok":true}` |
/// | `POST /_rudder_group/reset` | same as [`DataPlane::reset`] → `{"ok":true}` |
pub struct DataPlane {
    shared: Arc<Shared>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl DataPlane {
    /// Starts a data plane and returns once it is listening. Fails when the address cannot be
    /// bound or the store file cannot be opened.
    pub fn start(config: Config) -> io::Result<DataPlane> {
        if !config.addr.ip().is_loopback() && config.admin_token.as_deref().unwrap_or("").is_empty()
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a loopback address: the admin API, which reads back every stored event, needs a token (Config::admin_token; `serve --admin-token`)",
                    config.addr.ip()
                ),
            ));
        }
        let store = match &config.store {
            Some(path) => Some(store::open_store(path)?),
            None => None,
        };
        let shared = Arc::new(Shared::new(&config, store));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let server_shared = shared.clone();
        let addr = config.addr;
        let thread = std::thread::Builder::new()
            .name("rudder-group-dataplane".to_string())
            .spawn(move || server::run(server_shared, addr, ready_tx))?;
        match ready_rx.recv() {
            Ok(Ok(addr)) => Ok(DataPlane {
                shared,
                addr,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other(
                    "the data plane thread ended before listening",
                ))
            }
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, with no trailing slash. When listening on
    /// an unspecified address (`0.0.0.0`, `::`), the URL names the loopback address.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The address it listens on, with the real port when [`Config::addr`] had port 0.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every data request that got an answer, in the order answered (rejected ones too; not
    /// admin, `/health`, or dropped ones).
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.records).read_requests()
    }

    /// Every stored event (200 answers only), in arrival order, as stored: with `messageId`,
    /// `receivedAt` and `timestamp` filled in.
    ///
    /// Built at any depth, but a `Value` is dropped and serialized by recursion: a caller that
    /// sends events nested tens of thousands of levels deep needs a large stack to hold them
    /// (the admin API's `GET events` and the store file never do).
    pub fn events(&self) -> Vec<Value> {
        lock(&self.shared.records).read_events()
    }

    /// How many events are stored.
    pub fn event_count(&self) -> usize {
        lock(&self.shared.records).events.len()
    }

    /// How many data requests are being handled right now (including ones held by a latency
    /// fault). A request counts once it has taken its fault, if any.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight()
    }

    /// Injects a fault. Per-request faults queue up and apply in the order given; an
    /// [`Fault::Outage`] starts at once.
    pub fn inject(&self, fault: Fault) {
        self.shared.inject(fault);
    }

    /// Removes every queued fault and ends an outage.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Forgets requests, events and faults (ends an outage, restarts the rate-limit window).
    /// The store file keeps its lines.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Waits until at least `n` events are stored; false when `timeout` passed first.
    pub fn wait_for_events(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut records = lock(&self.shared.records);
        while records.events.len() < n {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            records = self
                .shared
                .events_cv
                .wait_timeout(records, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// Stops serving: closes the port and every connection, and waits for the server thread.
    /// Dropping the data plane does the same.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for DataPlane {
    fn drop(&mut self) {
        self.shared
            .shutdown
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.control.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
