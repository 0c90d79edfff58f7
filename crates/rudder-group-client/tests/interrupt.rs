//! The interruptible waits: a check ends `flush`, `close` and a blocking `enqueue` while they
//! wait on a data plane that never answers, and nothing queued is lost.

mod common;

use common::{config, event};
use rudder_group_client::{Client, ClientError, Interrupt, Overflow};
use std::net::TcpListener;
use std::time::Duration;

/// A port that accepts connections (the kernel's backlog) and never answers, and a client aimed
/// at it that would wait for an hour.
fn silent() -> (TcpListener, Client) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut c = config(&url);
    c.flush_at = 1;
    c.request_timeout = Duration::from_secs(3600);
    c.shutdown_timeout = Duration::ZERO;
    (listener, Client::new(c).expect("client"))
}

/// Runs `wait` with a check every 10 ms that ends it at its third call; the wait's result and
/// the number of calls.
fn interrupted_at_third_call<T>(
    wait: impl FnOnce(&mut Interrupt<'_, &'static str>) -> Result<T, &'static str>,
) -> (Result<T, &'static str>, u32) {
    let mut calls = 0;
    let mut check = || {
        calls += 1;
        if calls >= 3 {
            Err("interrupted")
        } else {
            Ok(())
        }
    };
    let waited = wait(&mut Interrupt::new(Duration::from_millis(10), &mut check));
    (waited, calls)
}

#[test]
fn an_interrupted_flush_keeps_the_events_queued() {
    let (_listener, client) = silent();
    client.enqueue(event(1)).expect("enqueued");
    let (waited, calls) = interrupted_at_third_call(|i| client.flush_interruptible(None, Some(i)));
    assert_eq!((waited.err(), calls), (Some("interrupted"), 3));
    let stats = client.stats();
    assert_eq!((stats.enqueued, stats.queued, stats.dropped), (1, 1, 0));
    // The wait was the only thing ended: a later flush still waits (and times out).
    let again = client.flush(Some(Duration::from_millis(20)));
    assert!(matches!(
        again,
        Err(ClientError::FlushTimeout { pending: 1, .. })
    ));
}

#[test]
fn an_interrupted_close_leaves_a_closed_client_still_delivering() {
    let (_listener, client) = silent();
    client.enqueue(event(1)).expect("enqueued");
    let (waited, calls) = interrupted_at_third_call(|i| client.close_interruptible(None, Some(i)));
    assert_eq!((waited.err(), calls), (Some("interrupted"), 3));
    assert!(client.is_closed());
    assert!(matches!(client.enqueue(event(2)), Err(ClientError::Closed)));
    let stats = client.stats();
    assert_eq!((stats.queued, stats.dropped), (1, 0));
}

#[test]
fn an_interrupted_blocking_enqueue_neither_queues_nor_counts_the_event() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut c = config(&url);
    c.flush_at = 1;
    c.max_queue_events = 1;
    c.overflow = Overflow::Block;
    c.block_timeout = Duration::from_secs(86_400);
    c.request_timeout = Duration::from_secs(3600);
    c.shutdown_timeout = Duration::ZERO;
    let client = Client::new(c).expect("client");
    client.enqueue(event(1)).expect("enqueued");
    // The first event is in flight once its request is counted; the second fills the queue.
    while client.stats().batches == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    client.enqueue(event(2)).expect("enqueued");
    let (waited, calls) =
        interrupted_at_third_call(|i| client.enqueue_interruptible(event(3), Some(i)));
    assert_eq!((waited.err(), calls), (Some("interrupted"), 3));
    let stats = client.stats();
    assert_eq!((stats.enqueued, stats.queued, stats.dropped), (2, 2, 0));
}
