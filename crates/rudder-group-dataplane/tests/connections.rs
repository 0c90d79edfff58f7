//! Connections: headers must arrive in time, and a bounded number are served at once.

mod common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A connection that sent part of a request line and nothing more.
fn half_open(dp: &DataPlane) -> TcpStream {
    let mut stream = TcpStream::connect(dp.addr()).unwrap();
    stream.write_all(b"POST /v1/ba").unwrap();
    // Only a guard against a hung test: the data plane closes it long before.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
}

/// Reads until the data plane closes the connection; false when the read timed out instead.
fn closed_by_the_data_plane(stream: &mut TcpStream) -> bool {
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => !answer.starts_with(b"HTTP/1.1 2"),
        Err(e) => e.kind() == ErrorKind::ConnectionReset,
    }
}

#[test]
fn half_open_connections_are_closed_and_do_not_starve_others() {
    let dp = DataPlane::start(Config {
        header_read_timeout: Duration::from_millis(200),
        max_connections: 8,
        ..Config::default()
    })
    .unwrap();
    let mut stale: Vec<TcpStream> = (0..24).map(|_| half_open(&dp)).collect();
    let senders: Vec<_> = (0..3)
        .map(|_| {
            let url = dp.url();
            std::thread::spawn(move || post_batch(&url, &one_event()).status)
        })
        .collect();
    let statuses: Vec<u16> = senders.into_iter().map(|s| s.join().unwrap()).collect();
    assert_eq!(statuses, [200, 200, 200], "every full request is served");
    let closed = stale
        .iter_mut()
        .map(closed_by_the_data_plane)
        .filter(|c| *c)
        .count();
    assert_eq!(closed, 24, "every half-open connection is closed");
    assert_eq!(dp.event_count(), 3);
    assert_eq!(dp.requests().len(), 3, "half-open ones are not requests");
}

#[test]
fn no_more_than_max_connections_are_served_at_once() {
    let dp = DataPlane::start(Config {
        header_read_timeout: Duration::from_secs(600),
        max_connections: 2,
        ..Config::default()
    })
    .unwrap();
    let first = half_open(&dp);
    let second = half_open(&dp);
    let url = dp.url();
    let sender = std::thread::spawn(move || post_batch(&url, &one_event()).status);
    // While both slots are held, the third connection waits in the backlog.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(dp.requests().len(), 0, "not served while two are open");
    drop(first);
    assert_eq!(sender.join().unwrap(), 200, "served once a slot is free");
    drop(second);
}

#[test]
fn idle_keep_alive_connections_are_closed_too() {
    let dp = DataPlane::start(Config {
        header_read_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .unwrap();
    let mut stream = TcpStream::connect(dp.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_eq!(raw_exchange(&mut stream, request).0, 200);
    assert!(closed_by_the_data_plane(&mut stream));
}

/// A connection that sent a whole request's headers, with a write key the data plane accepts
/// and `Content-Length: 1000`, then no body.
fn stalled_body(dp: &DataPlane, key: &str) -> TcpStream {
    let mut stream = TcpStream::connect(dp.addr()).unwrap();
    let head = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        dp.addr(),
        auth(key)
    );
    stream.write_all(head.as_bytes()).unwrap();
    // Only a guard against a hung test: the data plane closes it long before.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream
}

#[test]
fn stalled_bodies_take_no_request_slot_and_are_cut_off() {
    let dp = DataPlane::start(Config {
        max_in_flight: 4,
        body_read_timeout: Duration::from_millis(500),
        ..Config::default()
    })
    .unwrap();
    // Past the write-key check (their bodies are awaited) and refused by it (drained).
    let mut stalled: Vec<TcpStream> = (0..8)
        .map(|i| {
            stalled_body(
                &dp,
                if i % 2 == 0 {
                    "test-write-key"
                } else {
                    "wrong"
                },
            )
        })
        .collect();
    while dp.in_flight() < stalled.len() {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Eight requests wait for their bodies, twice max_in_flight: data requests are still served.
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
    let closed = stalled
        .iter_mut()
        .map(closed_by_the_data_plane)
        .filter(|c| *c)
        .count();
    assert_eq!(closed, stalled.len(), "every stalled body is cut off");
    assert_eq!(dp.event_count(), 1);
}

#[test]
fn a_trickling_body_is_cut_off_and_a_steady_one_is_not() {
    let dp = DataPlane::start(Config {
        body_read_timeout: Duration::from_millis(300),
        min_body_rate: 2_000,
        ..Config::default()
    })
    .unwrap();
    let body = serde_json::to_vec(&one_event()).unwrap();
    let send = |every: Duration, chunk: usize| {
        let mut stream = TcpStream::connect(dp.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .unwrap();
        let head = format!(
            "POST /v1/batch HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            dp.addr(),
            auth("test-write-key"),
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        for part in body.chunks(chunk) {
            if stream.write_all(part).is_err() {
                break;
            }
            std::thread::sleep(every);
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    // One byte every 100 ms: 10 bytes/s, far under 2,000.
    let trickled = send(Duration::from_millis(100), 1);
    assert!(!trickled.starts_with("HTTP/1.1 200"), "{trickled}");
    // The whole body in four writes a few milliseconds apart.
    let steady = send(Duration::from_millis(5), body.len() / 4 + 1);
    assert!(steady.starts_with("HTTP/1.1 200"), "{steady}");
    assert_eq!(dp.event_count(), 1);
}

#[test]
fn off_loopback_the_data_plane_needs_an_admin_token() {
    let any = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let refused = DataPlane::start(Config {
        addr: any,
        ..Config::default()
    });
    let Err(err) = refused else {
        panic!("no token: refused")
    };
    assert!(err.to_string().contains("needs a token"), "{err}");
    let dp = DataPlane::start(Config {
        addr: any,
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .unwrap();
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
    assert_eq!(get(&dp.url(), "/_rudder_group/stats").status, 401);
    let requests = dp.requests();
    let auth = requests[0]
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
        .map(|(_, value)| value.as_str());
    assert_eq!(auth, Some("[redacted]"));
}
