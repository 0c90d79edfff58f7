//! The fault matrix: every fault of the data plane against the client, counted at both ends.
//! `make fault-matrix` prints the table; the test asserts every count that the retry rules make
//! exact, and `delivered + failed + dropped == events in` for every row.
//!
//! Each case is short (fast backoff, outages of about a second); the minute-long outage is in
//! `make soak`.

mod common;
mod matrix;

use common::plane;
use matrix::{client, produce_steadily, send_and_settle, settle, table, Expect, Requests, Row};
use rudder_group_client::{ClientError, OutcomeKind};
use rudder_group_dataplane::{Config as PlaneConfig, DataPlane, Fault, FaultCount};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

const N: usize = 100;

fn status(status: u16, retry_after: Option<&str>, count: FaultCount) -> Fault {
    Fault::Status {
        status,
        retry_after: retry_after.map(str::to_owned),
        count,
    }
}

fn all_delivered(requests: Requests) -> Expect {
    Expect {
        delivered: N as u64,
        failed: 0,
        dropped: 0,
        duplicates: 0,
        requests,
    }
}

fn all_failed(requests: Requests) -> Expect {
    Expect {
        delivered: 0,
        failed: N as u64,
        dropped: 0,
        duplicates: 0,
        requests,
    }
}

/// One batch of `N` events through one injected fault.
fn one_fault(name: &str, fault: Fault, expect: Expect) -> (Row, Expect) {
    let plane = plane();
    plane.inject(fault);
    let (client, outcomes) = client(&plane.url(), N, |_| {});
    (send_and_settle(name, &plane, &client, &outcomes, N), expect)
}

fn answers_slower_than_the_request_timeout() -> (Row, Expect) {
    let plane = plane();
    plane.inject(Fault::Latency {
        millis: 1_000,
        count: FaultCount::Next(2),
    });
    let (client, outcomes) = client(&plane.url(), N, |c| {
        c.request_timeout = Duration::from_millis(250);
    });
    let row = send_and_settle(
        "answer slower than the request timeout x2",
        &plane,
        &client,
        &outcomes,
        N,
    );
    (row, all_delivered(Requests::Exactly(3)))
}

fn retries_run_out_of_time() -> (Row, Expect) {
    let plane = plane();
    plane.inject(status(500, None, FaultCount::Fraction(1.0)));
    let (client, outcomes) = client(&plane.url(), N, |c| {
        c.retry.max_elapsed = Duration::from_millis(300);
    });
    let row = send_and_settle(
        "500 for good (300 ms retry budget)",
        &plane,
        &client,
        &outcomes,
        N,
    );
    (row, all_failed(Requests::AtLeast(2)))
}

fn wrong_write_key() -> (Row, Expect) {
    let plane = plane();
    let (client, outcomes) = client(&plane.url(), N, |c| c.write_key = "not-this-key".into());
    let row = send_and_settle("401 invalid write key", &plane, &client, &outcomes, N);
    (row, all_failed(Requests::Exactly(1)))
}

/// A port that refuses connections until a data plane starts on it, 800 ms later.
fn refusing_port_that_comes_back() -> (Row, Expect) {
    let addr: SocketAddr = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        probe.local_addr().expect("its address")
    };
    let (client, outcomes) = client(&format!("http://{addr}"), N, |_| {});
    for i in 0..N {
        client.enqueue(common::event(i)).expect("enqueued");
    }
    std::thread::sleep(Duration::from_millis(800));
    let plane = DataPlane::start(PlaneConfig {
        addr,
        ..PlaneConfig::default()
    })
    .expect("the data plane starts on the port that refused");
    let row = settle(
        "refusing port, back after 800 ms",
        &plane,
        &client,
        &outcomes,
        N as u64,
    );
    (row, all_delivered(Requests::AtLeast(2)))
}

/// A steady producer through an outage of the data plane: with a queue that holds the outage,
/// nothing is lost; with a queue of 20 events, exactly the events refused are dropped.
fn outage_with_a_steady_producer(max_queue_events: usize) -> (Row, Expect) {
    const PRODUCED: usize = 300;
    let plane = plane();
    let (client, outcomes) = client(&plane.url(), 10, |c| {
        c.max_queue_events = max_queue_events;
        c.flush_interval = Duration::from_millis(50);
    });
    plane.inject(Fault::Outage { millis: 1_200 });
    let refused = produce_steadily(&client, PRODUCED, Duration::from_millis(5));
    let name = format!("1.2 s outage, steady producer, queue {max_queue_events}");
    let row = settle(&name, &plane, &client, &outcomes, PRODUCED as u64);
    let expect = Expect {
        delivered: PRODUCED as u64 - refused,
        failed: 0,
        dropped: refused,
        duplicates: 0,
        requests: Requests::AtLeast(2),
    };
    if max_queue_events >= PRODUCED {
        assert_eq!(refused, 0, "a queue larger than the outage refuses nothing");
    } else {
        assert!(refused > 0, "a 20-event queue overflows during the outage");
    }
    (row, expect)
}

/// Every request answered after 3 s, and a close given 300 ms once requests are under way: when
/// the close returns, every event has been reported dropped (those of requests under way as
/// "abandoned in flight"), and the answers that come later report nothing more.
fn close_times_out_with_requests_in_flight() -> (Row, Expect) {
    let plane = plane();
    plane.inject(Fault::Latency {
        millis: 3_000,
        count: FaultCount::Fraction(1.0),
    });
    let (client, outcomes) = client(&plane.url(), 10, |c| c.max_concurrent_requests = 4);
    for i in 0..N {
        client.enqueue(common::event(i)).expect("enqueued");
    }
    // Counting, not timing: the close starts once a request is under way.
    while plane.in_flight() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let err = client
        .close(Some(Duration::from_millis(300)))
        .expect_err("the close runs out of time");
    let at_return = outcomes.all();
    let reported = |all: &[rudder_group_client::Outcome]| -> u64 {
        all.iter().map(|o| o.message_ids.len() as u64).sum()
    };
    assert_eq!(
        reported(&at_return),
        N as u64,
        "every event reported before the close returned"
    );
    assert!(at_return.iter().all(|o| o.kind == OutcomeKind::Dropped));
    assert!(
        at_return
            .iter()
            .any(|o| o.reason == "abandoned in flight; may have been delivered"),
        "{at_return:?}"
    );
    assert!(
        matches!(
            err,
            ClientError::FlushTimeout {
                pending: 100,
                dropped: 100,
                kept: 0
            }
        ),
        "{err:?}"
    );
    // The answers come after the close: nothing more is reported or counted.
    while plane.in_flight() > 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        outcomes.all().len(),
        at_return.len(),
        "no outcome after the close returned"
    );
    let stats = client.stats();
    assert_eq!((stats.delivered, stats.dropped, stats.queued), (0, 100, 0));
    let stored = common::stored_ids(&plane);
    let row = Row {
        fault: "close (300 ms) with requests in flight".to_owned(),
        events_in: N as u64,
        delivered: stats.delivered,
        failed: stats.failed,
        dropped: stats.dropped,
        duplicates: stored.values().filter(|&&n| n > 1).count() as u64,
        requests: stats.batches,
    };
    let expect = Expect {
        delivered: 0,
        failed: 0,
        dropped: N as u64,
        duplicates: 0,
        requests: Requests::AtLeast(1),
    };
    (row, expect)
}

#[test]
fn fault_matrix() {
    type Case = Box<dyn FnOnce() -> (Row, Expect) + Send>;
    let cases: Vec<Case> = vec![
        Box::new(|| {
            one_fault(
                "none",
                status(200, None, FaultCount::Next(0)),
                all_delivered(Requests::Exactly(1)),
            )
        }),
        Box::new(|| {
            one_fault(
                "429 + Retry-After: 1, x2",
                status(429, Some("1"), FaultCount::Next(2)),
                all_delivered(Requests::Exactly(3)),
            )
        }),
        Box::new(|| {
            one_fault(
                "500 burst x3",
                status(500, None, FaultCount::Next(3)),
                all_delivered(Requests::Exactly(4)),
            )
        }),
        Box::new(|| {
            one_fault(
                "503 burst x5",
                status(503, None, FaultCount::Next(5)),
                all_delivered(Requests::Exactly(6)),
            )
        }),
        Box::new(|| {
            one_fault(
                "dropped connection x3",
                Fault::DropConnection {
                    count: FaultCount::Next(3),
                },
                all_delivered(Requests::Exactly(4)),
            )
        }),
        Box::new(answers_slower_than_the_request_timeout),
        Box::new(refusing_port_that_comes_back),
        Box::new(|| {
            one_fault(
                "outage (connections closed) 1 s",
                Fault::Outage { millis: 1_000 },
                all_delivered(Requests::AtLeast(2)),
            )
        }),
        Box::new(|| {
            one_fault(
                "413 x1 (split in two)",
                status(413, None, FaultCount::Next(1)),
                all_delivered(Requests::Exactly(3)),
            )
        }),
        Box::new(wrong_write_key),
        Box::new(|| {
            one_fault(
                "400 x1",
                status(400, None, FaultCount::Next(1)),
                all_failed(Requests::Exactly(1)),
            )
        }),
        Box::new(retries_run_out_of_time),
        Box::new(|| outage_with_a_steady_producer(100_000)),
        Box::new(|| outage_with_a_steady_producer(20)),
        Box::new(close_times_out_with_requests_in_flight),
    ];
    // Independent planes and clients: the cases run side by side.
    let results: Vec<(Row, Expect)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases.into_iter().map(|case| scope.spawn(case)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a case panicked"))
            .collect()
    });
    let rows: Vec<Row> = results.iter().map(|(row, _)| row.clone()).collect();
    println!("\n{}", table(&rows));
    for (row, expect) in &results {
        row.check(expect);
    }
}
