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
