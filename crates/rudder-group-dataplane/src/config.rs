//! What a [`DataPlane`](crate::DataPlane) accepts: address, write keys, limits.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The gateway's limit on one request body, measured after gunzip: 4000 KiB = 4,096,000 bytes.
///
/// A body of exactly this many bytes passes the size check; one byte more is answered
/// `413 request size exceeds max limit`.
pub const MAX_REQUEST_BYTES: usize = 4_096_000;

/// The write key that [`Config::default`] accepts.
pub const DEFAULT_WRITE_KEY: &str = "test-write-key";

/// How a [`DataPlane`](crate::DataPlane) is set up.
///
/// Build it with struct update syntax so that new fields keep their defaults:
///
/// ```
/// use rudder_group_dataplane::Config;
/// let config = Config { rate_limit: Some(10), ..Config::default() };
/// assert_eq!(config.write_keys, vec!["test-write-key".to_string()]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where to listen. Default `127.0.0.1:0`: port 0 picks a free port, read it back with
    /// [`DataPlane::addr`](crate::DataPlane::addr) or [`DataPlane::url`](crate::DataPlane::url).
    pub addr: SocketAddr,
    /// Write keys of enabled sources (the Basic-auth username). Default `["test-write-key"]`.
    pub write_keys: Vec<String>,
    /// Write keys of sources that exist but are disabled: answered `404 source is disabled`.
    /// A key listed here is disabled even when it is also in [`Config::write_keys`].
    pub disabled_write_keys: Vec<String>,
    /// When set, each stored event is also appended to this file as one NDJSON line (the file
    /// is created if missing, never truncated). The lines of a request are written before it
    /// is answered 200.
    pub store: Option<PathBuf>,
    /// How many data requests may be handled at once; one more is answered
    /// `503 Service Unavailable`. Default 64. Admin and `/health` requests do not count.
    pub max_in_flight: usize,
    /// Accepted data requests per second (a fixed one-second window that starts with the first
    /// request counted); over it `429 max requests limit reached`. Default `None`: no limit,
    /// as in the open-source gateway.
    pub rate_limit: Option<u32>,
    /// How long a connection may take to send the headers of a request, counted from when it
    /// opens or finished its previous answer; a connection that takes longer (a half-open one
    /// trickling headers, or an idle keep-alive one) is closed without an answer. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive, counted from when its headers were read
    /// (after any added latency), plus one second per [`Config::min_body_rate`] bytes already
    /// received. A client that sends headers with a `Content-Length` and then no body, or
    /// trickles it, has its connection closed without an answer once that passes. While a body
    /// is being read the request does not count against [`Config::max_in_flight`]. Default 10 s.
    pub body_read_timeout: Duration,
    /// The slowest a body may come once [`Config::body_read_timeout`] is used up, in bytes per
    /// second. Default 64 KiB/s (a full 4,096,000-byte batch in about a minute).
    pub min_body_rate: u64,
    /// How many connections are served at once, admin ones included. When that many are open,
    /// new ones wait in the listen backlog until one closes. Default 256.
    pub max_connections: usize,
    /// Added to every data request before it is answered, as a data plane that far away would
    /// be (a hosted one is about 50 ms). Default zero. Faults' latency comes on top.
    pub latency: Duration,
    /// The token the admin API requires (`Authorization: Bearer <token>`), or `None`. On a
    /// loopback address the admin API is open to the machine alone and needs none; on any other
    /// address (`0.0.0.0`, a LAN address) [`DataPlane::start`](crate::DataPlane::start) refuses
    /// to start without one, since the admin API reads back every stored event and fault
    /// injection; there, recorded requests also have their `authorization` header (the
    /// senders' write keys) redacted. Default `None`.
    pub admin_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            write_keys: vec![DEFAULT_WRITE_KEY.to_string()],
            disabled_write_keys: Vec::new(),
            store: None,
            max_in_flight: 64,
            rate_limit: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            min_body_rate: 64 * 1024,
            max_connections: 256,
            latency: Duration::ZERO,
            admin_token: None,
        }
    }
}
