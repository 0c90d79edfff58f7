//! The data plane's request handling, through its HTTP server on loopback: arbitrary methods,
//! paths, write keys, encodings and bodies (JSON batches, gzip or not, or any bytes), and now
//! and then arbitrary bytes as the whole request.

use crate::json::{payload, value};
use arbitrary::{Result, Unstructured};
use base64::Engine;
use rudder_group::serde_json::{self, Value};
use rudder_group_dataplane::{Config, DataPlane, DEFAULT_WRITE_KEY};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The statuses of the gateway's table (no fault is injected here).
const STATUSES: [u16; 6] = [200, 400, 401, 404, 413, 500];
/// Requests between two resets of what the data plane keeps, so that memory stays bounded.
const RESET_EVERY: u64 = 500;
/// Longer than this without an answer is a hang.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

struct Plane {
    plane: DataPlane,
    requests: u64,
}

fn plane() -> &'static Mutex<Plane> {
    static PLANE: OnceLock<Mutex<Plane>> = OnceLock::new();
    PLANE.get_or_init(|| {
        let plane = DataPlane::start(Config {
            disabled_write_keys: vec!["disabled-key".into()],
            ..Config::default()
        })
        .expect("the data plane starts on loopback");
        Mutex::new(Plane { plane, requests: 0 })
    })
}

/// A request as bytes, and how many events a 200 must store (`None`: not known).
struct Request {
    bytes: Vec<u8>,
    framed: bool,
    events: Option<usize>,
}

fn authorization(u: &mut Unstructured) -> Result<Option<String>> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    Ok(match u.int_in_range(0..=6)? {
        0 => None,
        1 => Some(format!("Basic {}", b64(&format!("{DEFAULT_WRITE_KEY}:")))),
        2 => Some(format!("basic {}", b64(&format!("{DEFAULT_WRITE_KEY}:pw")))),
        3 => Some(format!("Basic {}", b64("disabled-key:"))),
        4 => Some(format!("Basic {}", b64(":"))),
        5 => Some(format!("Basic {}", b64(&u.arbitrary::<String>()?))),
        _ => Some(u.arbitrary::<String>()?),
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// The body, and the events a 200 must store when the body is JSON this harness made.
fn body(u: &mut Unstructured, path: &str) -> Result<(Vec<u8>, Option<usize>)> {
    Ok(match u.int_in_range(0..=3)? {
        0 => (u.arbitrary::<Vec<u8>>()?, None),
        1 if path == "/v1/group" => {
            let event = Value::Object(payload(u)?);
            (serde_json::to_vec(&event).unwrap_or_default(), Some(1))
        }
        2 => (serde_json::to_vec(&value(u, 0)?).unwrap_or_default(), None),
        _ => {
            let n = u.int_in_range(0..=4)?;
            let batch: Vec<Value> = (0..n)
                .map(|_| payload(u).map(Value::Object))
                .collect::<Result<_>>()?;
            let body = serde_json::json!({"batch": batch, "sentAt": "2022-02-01T19:14:18.381Z"});
            let n = (path == "/v1/batch").then_some(n);
            (serde_json::to_vec(&body).unwrap_or_default(), n)
        }
    })
}

fn request(u: &mut Unstructured) -> Result<Request> {
    if u.ratio(1, 16)? {
        // Any bytes at all: hyper's parser and the connection handling.
        let bytes: Vec<u8> = u.arbitrary()?;
        return Ok(Request {
            bytes,
            framed: false,
            events: None,
        });
    }
    let method = *u.choose(&["POST", "POST", "POST", "GET", "PUT", "DELETE"])?;
    let path = *u.choose(&["/v1/batch", "/v1/batch", "/v1/group", "/v1/identify", "/"])?;
    let (mut body, events) = body(u, path)?;
    let mut headers = Vec::new();
    if let Some(auth) = authorization(u)? {
        headers.push(("Authorization".to_owned(), auth));
    }
    match u.int_in_range(0..=4)? {
        0 | 1 => {}
        2 => {
            body = gzip(&body);
            headers.push(("Content-Encoding".into(), "gzip".into()));
        }
        3 => headers.push(("Content-Encoding".into(), "gzip".into())),
        _ => headers.push(("Content-Encoding".into(), u.arbitrary()?)),
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let name = *u.choose(&["Content-Type", "User-Agent", "X-Any", "Accept-Encoding"])?;
        headers.push((name.to_owned(), u.arbitrary()?));
    }
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, v) in &headers {
        // A header value cannot hold CR or LF: such bytes would break the framing.
        let v: String = v.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(&format!("{name}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body);
    Ok(Request {
        bytes,
        framed: true,
        events,
    })
}

/// Sends the request, returns the answer's status (`None` when the server closed without one).
/// Arbitrary bytes are followed by a half-close, so that the server sees their end (and, as
/// hyper does by default, closes without answering what is left); a framed request is not,
/// since it says `Connection: close` itself.
fn exchange(url_addr: std::net::SocketAddr, bytes: &[u8], half_close: bool) -> Option<u16> {
    let mut stream = TcpStream::connect(url_addr).expect("the data plane accepts connections");
    stream.set_read_timeout(Some(ANSWER_WITHIN)).unwrap();
    stream.set_write_timeout(Some(ANSWER_WITHIN)).unwrap();
    // The server may answer and close before the whole body is written (e.g. 401 first).
    let _ = stream.write_all(bytes);
    if half_close {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("no answer within {ANSWER_WITHIN:?}: {e}"),
    }
    let text = String::from_utf8_lossy(&answer);
    let status = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok();
    Some(status.unwrap_or_else(|| panic!("not an HTTP answer: {text:?}")))
}

/// One request against the data plane.
pub fn dataplane_request(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(req) = request(&mut u) else { return };
    let mut shared = plane().lock().unwrap_or_else(|p| p.into_inner());
    let before = shared.plane.event_count();
    let status = exchange(shared.plane.addr(), &req.bytes, !req.framed);
    if req.framed {
        let status = status.expect("a well-framed request gets an answer");
        assert!(
            STATUSES.contains(&status),
            "status {status} is not in the table"
        );
        let stored = shared.plane.event_count() - before;
        match (status, req.events) {
            (200, Some(n)) => assert_eq!(stored, n, "a 200 stores exactly its events"),
            (200, None) => {}
            _ => assert_eq!(stored, 0, "a refused request stores nothing"),
        }
    }
    shared.requests += 1;
    if shared.requests % RESET_EVERY == 0 {
        let health = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        assert_eq!(
            exchange(shared.plane.addr(), health, false),
            Some(200),
            "still up"
        );
        shared.plane.reset();
    }
}
