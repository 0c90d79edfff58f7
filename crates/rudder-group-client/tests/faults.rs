//! Under every fault of the data plane: nothing lost, the same messageIds, the right outcomes.

mod common;
use common::*;
use rudder_group_client::{Client, ClientError, ErrorCode, OutcomeKind, Overflow};
use rudder_group_dataplane::{Fault, FaultCount};
use std::time::{Duration, Instant};

fn status(status: u16, count: FaultCount) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
        count,
    }
}

fn rides_through(
    fault: Fault,
    n: usize,
) -> (Client, Vec<String>, rudder_group_dataplane::DataPlane) {
    let plane = plane();
    plane.inject(fault);
    let client = Client::new(config(&plane.url())).unwrap();
    let ids = send(&client, n);
    let result = client.flush(Some(Duration::from_secs(60))).unwrap();
    assert_eq!(
        (result.delivered, result.failed, result.dropped),
        (n as u64, 0, 0)
    );
    assert_all_stored(&plane, &ids);
    (client, ids, plane)
}

#[test]
fn server_errors_are_retried_with_the_same_ids() {
    let (client, ids, plane) = rides_through(status(500, FaultCount::Next(2)), 150);
    assert_stored_once(&plane, &ids);
    assert_eq!(client.stats().retried, 2);
    let reqs = plane.requests();
    assert_eq!(reqs[0].status, 500);
    assert_eq!(reqs[1].status, 500);
    let first: Vec<_> = reqs[0]
        .events
        .iter()
        .map(|e| e["messageId"].clone())
        .collect();
    let last: Vec<_> = reqs[2]
        .events
        .iter()
        .map(|e| e["messageId"].clone())
        .collect();
    assert_eq!(first, last, "a retry sends the same messageIds");
    assert_eq!(
        reqs[0].events[0]["originalTimestamp"],
        reqs[2].events[0]["originalTimestamp"]
    );
}

#[test]
fn service_unavailable_half_of_the_time() {
    let (_c, ids, plane) = rides_through(status(503, FaultCount::Fraction(0.5)), 1_000);
    assert_stored_once(&plane, &ids);
}

#[test]
fn request_timeout_408_is_retried() {
    let (_c, ids, plane) = rides_through(status(408, FaultCount::Next(3)), 10);
    assert_stored_once(&plane, &ids);
}

#[test]
fn dropped_connections_are_retried() {
    let (client, ids, plane) = rides_through(
        Fault::DropConnection {
            count: FaultCount::Next(3),
        },
        250,
    );
    assert_stored_once(&plane, &ids);
    assert!(client.stats().retried >= 3);
}

#[test]
fn latency_slows_but_loses_nothing() {
    let (_c, ids, plane) = rides_through(
        Fault::Latency {
            millis: 300,
            count: FaultCount::Next(2),
        },
        200,
    );
    assert_stored_once(&plane, &ids);
}

#[test]
fn a_refusing_port_is_ridden_through() {
    let (_c, ids, plane) = rides_through(Fault::Outage { millis: 1_500 }, 120);
    assert_stored_once(&plane, &ids);
}

/// A `Retry-After` of u64::MAX seconds once overflowed `elapsed + wait` and killed the worker:
/// the events were never sent and a flush without timeout never returned. It is now honoured up
/// to 60 s, and the wait is cut to the retry budget's end (1 s here), when the batch is tried
/// once more.
#[test]
fn an_absurd_retry_after_is_capped_and_the_worker_lives_on() {
    for value in ["18446744073709551615", "99999999999999999999999999"] {
        let plane = plane();
        plane.inject(Fault::Status {
            status: 429,
            retry_after: Some(value.into()),
            count: FaultCount::Next(1),
        });
        let mut cfg = config(&plane.url());
        cfg.retry.max_elapsed = Duration::from_secs(1);
        let client = Client::new(cfg).unwrap();
        let first = send(&client, 5);
        let result = client.flush(Some(Duration::from_secs(50))).unwrap();
        assert_eq!((result.delivered, result.failed, result.dropped), (5, 0, 0));
        let later = send(&client, 5);
        assert_eq!(
            client
                .flush(Some(Duration::from_secs(50)))
                .unwrap()
                .delivered,
            5
        );
        let statuses: Vec<u16> = plane.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 200, 200], "{value}");
        assert_stored_once(&plane, &[first, later].concat());
    }
}

/// A `Retry-After` longer than what is left of the retry budget used to fail the batch at once.
/// The wait is shortened to end with the budget, and the batch is tried once more then.
#[test]
fn a_retry_after_past_the_budget_is_shortened_not_fatal() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 503,
        retry_after: Some("30".into()),
        count: FaultCount::Next(1),
    });
    let mut cfg = config(&plane.url());
    cfg.retry.max_elapsed = Duration::from_millis(300);
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 7);
    let result = client.flush(Some(Duration::from_secs(25))).unwrap();
    assert_eq!((result.delivered, result.failed), (7, 0));
    assert_eq!(plane.requests().len(), 2);
    assert_stored_once(&plane, &ids);
}

/// Once the budget is spent, the attempt made at its end was the last: a batch fails after
/// exactly one attempt past a wait cut short, not earlier and not later.
#[test]
fn the_time_budget_ends_retries_with_one_attempt_at_its_end() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 503,
        retry_after: Some("30".into()),
        count: FaultCount::Fraction(1.0),
    });
    let mut cfg = config(&plane.url());
    cfg.retry.max_elapsed = Duration::from_millis(200);
    let client = Client::new(cfg).unwrap();
    send(&client, 3);
    let result = client.flush(Some(Duration::from_secs(25))).unwrap();
    assert_eq!((result.delivered, result.failed), (0, 3));
    // The Retry-After floor (cut to the budget) leaves room for exactly one more attempt.
    assert_eq!(plane.requests().len(), 2);
}

#[test]
fn retry_after_is_a_floor_under_the_wait() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 429,
        retry_after: Some("1".into()),
        count: FaultCount::Next(1),
    });
    let client = Client::new(config(&plane.url())).unwrap();
    let ids = send(&client, 5);
    let started = Instant::now();
    client.flush(None).unwrap();
    // The configured backoff is at most 100 ms; only the header makes it wait a second.
    assert!(
        started.elapsed() >= Duration::from_millis(1_000),
        "waited {:?}",
        started.elapsed()
    );
    assert_stored_once(&plane, &ids);
    let reqs = plane.requests();
    assert_eq!((reqs[0].status, reqs[1].status), (429, 200));
}

#[test]
fn unauthorized_is_terminal_and_reported_with_status_and_body() {
    let plane = plane();
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    cfg.write_key = "wrong-key".into();
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 3);
    let result = client.flush(None).unwrap();
    assert_eq!((result.delivered, result.failed), (0, 3));
    assert_eq!(plane.requests().len(), 1, "a 4xx is never retried");
    let all = outcomes.all();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].kind, OutcomeKind::Failed);
    assert_eq!(all[0].status, Some(401));
    assert_eq!(all[0].body.as_deref(), Some("invalid write key\n"));
    assert_eq!(all[0].message_ids, ids);
    assert_eq!(client.stats().failed, 3);
    let err = result.ok().unwrap_err();
    assert_eq!(err.code(), ErrorCode::DeliveryFailed);
}

#[test]
fn bad_request_is_terminal() {
    let plane = plane();
    plane.inject(status(400, FaultCount::Next(1)));
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    send(&client, 4);
    let result = client.flush(None).unwrap();
    assert_eq!((result.delivered, result.failed), (0, 4));
    assert_eq!(outcomes.all()[0].status, Some(400));
    assert_eq!(plane.requests().len(), 1);
}

#[test]
fn too_large_splits_the_batch_in_two() {
    let plane = plane();
    plane.inject(status(413, FaultCount::Next(2)));
    let client = Client::new(config(&plane.url())).unwrap();
    let ids = send(&client, 100);
    let result = client.flush(None).unwrap();
    assert_eq!(result.delivered, 100);
    assert_stored_once(&plane, &ids);
    let sizes: Vec<(u16, usize)> = plane
        .requests()
        .iter()
        .map(|r| (r.status, r.events.len()))
        .collect();
    assert_eq!(
        sizes,
        [(413, 100), (413, 50), (200, 25), (200, 25), (200, 50)]
    );
}

#[test]
fn retries_give_up_within_the_budget_and_report_failure() {
    let plane = plane();
    plane.inject(status(500, FaultCount::Fraction(1.0)));
    let mut cfg = config(&plane.url());
    cfg.retry.max_attempts = Some(4);
    let client = Client::new(cfg).unwrap();
    send(&client, 2);
    let result = client.flush(None).unwrap();
    assert_eq!((result.delivered, result.failed), (0, 2));
    assert_eq!(plane.requests().len(), 4);
    assert_eq!(client.stats().retried, 3);
}

#[test]
fn a_spent_retry_budget_is_said_in_words_and_human_units() {
    let plane = plane();
    plane.inject(status(503, FaultCount::Fraction(1.0)));
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    cfg.retry.max_attempts = Some(1);
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    send(&client, 1);
    assert_eq!(client.flush(None).unwrap().failed, 1);
    let [outcome] = outcomes.all().try_into().unwrap();
    // "gave up after 1 attempt in 3 ms; last: status 503", never "1 attempts in 3.208452ms".
    let rest = outcome
        .reason
        .strip_prefix("gave up after 1 attempt in ")
        .unwrap_or_else(|| panic!("{}", outcome.reason));
    let (took, last) = rest.split_once("; ").unwrap();
    let (number, unit) = took.split_once(' ').unwrap();
    assert!(unit == "ms" || unit == "s", "{took}");
    assert!(
        number.parse::<f64>().is_ok() && !number.contains('e'),
        "{took}"
    );
    assert_eq!(last, "last: status 503");
    assert!(
        outcome
            .describe()
            .starts_with("1 event failed after 1 attempt (status 503: "),
        "{}",
        outcome.describe()
    );
}

#[test]
fn flush_timeout_returns_and_loses_nothing() {
    let plane = plane();
    plane.inject(Fault::Latency {
        millis: 1_500,
        count: FaultCount::Next(1),
    });
    let client = Client::new(config(&plane.url())).unwrap();
    let ids = send(&client, 20);
    let err = client.flush(Some(Duration::from_millis(200))).unwrap_err();
    assert!(
        matches!(err, ClientError::FlushTimeout { pending: 20, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::FlushTimeout);
    assert_eq!(client.flush(None).unwrap().delivered, 20);
    assert_stored_once(&plane, &ids);
}

#[test]
fn queue_overflow_is_counted_and_reported() {
    let plane = plane();
    plane.inject(Fault::Latency {
        millis: 500,
        count: FaultCount::Next(1),
    });
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    cfg.max_queue_events = 10;
    cfg.flush_at = 5;
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for i in 0..40 {
        match client.enqueue(event(i)) {
            Ok(id) => accepted.push(id),
            Err(ClientError::QueueFull { message_id, .. }) => refused.push(message_id),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(!refused.is_empty());
    let result = client.flush(None).unwrap();
    assert_eq!(result.dropped as usize, refused.len());
    assert_eq!(result.delivered as usize, accepted.len());
    assert_eq!(accepted.len() + refused.len(), 40);
    let dropped: Vec<String> = outcomes
        .all()
        .iter()
        .filter(|o| o.kind == OutcomeKind::Dropped)
        .flat_map(|o| o.message_ids.clone())
        .collect();
    assert_eq!(dropped, refused);
    assert_stored_once(&plane, &accepted);
    assert_eq!(client.stats().dropped as usize, refused.len());
}

#[test]
fn blocking_overflow_waits_for_room() {
    let plane = plane();
    plane.inject(Fault::Latency {
        millis: 200,
        count: FaultCount::Next(1),
    });
    let mut cfg = config(&plane.url());
    cfg.max_queue_events = 10;
    cfg.flush_at = 10;
    cfg.overflow = Overflow::Block;
    cfg.block_timeout = Duration::from_secs(10);
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 100);
    assert_eq!(client.flush(None).unwrap().delivered, 100);
    assert_stored_once(&plane, &ids);
    assert_eq!(client.stats().dropped, 0);
}

#[test]
fn close_that_times_out_reports_the_rest_as_dropped() {
    let plane = plane();
    plane.inject(status(503, FaultCount::Fraction(1.0)));
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    cfg.flush_at = 10;
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    send(&client, 30);
    let err = client.close(Some(Duration::from_millis(300))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::FlushTimeout);
    // The worker reports everything it still held as dropped.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.stats().dropped < 30 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = client.stats();
    assert_eq!((s.delivered, s.failed, s.dropped), (0, 0, 30));
    let dropped: usize = outcomes
        .all()
        .iter()
        .filter(|o| o.kind == OutcomeKind::Dropped)
        .map(|o| o.message_ids.len())
        .sum();
    assert_eq!(dropped, 30);
}
