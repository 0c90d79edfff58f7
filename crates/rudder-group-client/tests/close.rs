//! A close that runs out of time: when it returns (or the drop that closes returns), every
//! accepted event has had its one outcome, or with a spool is kept there for the next client,
//! and nothing is reported afterwards.

mod common;

use common::{config, event, plane, temp_dir, Outcomes};
use rudder_group_client::{Client, ClientError, OutcomeKind};
use rudder_group_dataplane::{DataPlane, Fault, FaultCount};
use std::collections::HashSet;
use std::time::Duration;

const N: usize = 60;

/// Every request of `plane` is answered after 3 s.
fn slow(plane: &DataPlane) {
    plane.inject(Fault::Latency {
        millis: 3_000,
        count: FaultCount::Fraction(1.0),
    });
}

/// Waits (by counting) until `plane` holds a request, so that the close finds one under way.
fn until_in_flight(plane: &DataPlane) {
    while plane.in_flight() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until the late answers were given, and a little more for the lanes to take them.
fn after_late_answers(plane: &DataPlane) {
    while plane.in_flight() > 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
}

/// A client (batches of 10, `tune`d) whose `N` events are sent to a data plane that answers
/// after 3 s, once a request of it is under way; its outcomes, and the ids it returned.
fn with_requests_under_way(
    plane: &DataPlane,
    tune: impl FnOnce(&mut rudder_group_client::Config),
) -> (Client, Outcomes, HashSet<String>) {
    slow(plane);
    let mut cfg = config(&plane.url());
    cfg.flush_at = 10;
    tune(&mut cfg);
    let outcomes = Outcomes::default();
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).expect("valid config");
    let sent = (0..N)
        .map(|i| client.enqueue(event(i)).expect("enqueued"))
        .collect();
    until_in_flight(plane);
    (client, outcomes, sent)
}

fn ids_of(outcomes: &Outcomes) -> Vec<String> {
    outcomes
        .all()
        .into_iter()
        .flat_map(|o| o.message_ids)
        .collect()
}

#[test]
fn dropping_a_client_reports_every_event_before_it_returns() {
    let plane = plane();
    let (client, outcomes, sent) = with_requests_under_way(&plane, |c| {
        c.max_concurrent_requests = 2;
        c.shutdown_timeout = Duration::from_millis(200);
    });
    drop(client);
    let reported = ids_of(&outcomes);
    assert_eq!(
        reported.len(),
        N,
        "one outcome per event when the drop returned"
    );
    assert_eq!(reported.iter().cloned().collect::<HashSet<_>>(), sent);
    assert!(outcomes
        .all()
        .iter()
        .all(|o| o.kind == OutcomeKind::Dropped));
    after_late_answers(&plane);
    assert_eq!(
        ids_of(&outcomes).len(),
        N,
        "nothing reported after the drop returned"
    );
}

#[test]
fn a_close_out_of_time_keeps_spooled_events_and_frees_the_directory_at_once() {
    let plane = plane();
    let dir = temp_dir("close-spool");
    let (client, outcomes, sent) =
        with_requests_under_way(&plane, |c| c.spool_dir = Some(dir.clone()));
    let err = client
        .close(Some(Duration::from_millis(200)))
        .expect_err("the close runs out of time");
    assert!(
        matches!(err, ClientError::FlushTimeout { pending, dropped: 0, kept } if pending == N as u64 && kept == N as u64),
        "{err:?}"
    );
    assert!(err.to_string().contains("kept in the spool"), "{err}");
    assert!(outcomes.all().is_empty(), "kept events are not outcomes");

    // The directory is free as the close returns: a new client takes it and sends what was kept.
    let fresh = common::plane();
    let mut cfg = config(&fresh.url());
    cfg.spool_dir = Some(dir.clone());
    let next_outcomes = Outcomes::default();
    next_outcomes.attach(&mut cfg);
    let next = Client::new(cfg).expect("the spool's lock was released by the close");
    assert_eq!(next.stats().recovered, N as u64);
    next.flush(Some(Duration::from_secs(60))).expect("flushed");
    let delivered: HashSet<String> = ids_of(&next_outcomes).into_iter().collect();
    assert_eq!(delivered, sent, "the next client delivers every kept event");
    // The first client's late answers neither report nor touch the new client's spool.
    after_late_answers(&plane);
    assert!(
        outcomes.all().is_empty(),
        "nothing reported after the close returned"
    );
    next.close(None).expect("closed");
    assert!(common::segments(&dir).is_empty(), "every segment finished");
}

#[test]
fn a_second_close_after_one_out_of_time_has_nothing_left_to_wait_for() {
    let plane = plane();
    let (client, _, _) = with_requests_under_way(&plane, |_| {});
    let err = client
        .close(Some(Duration::from_millis(100)))
        .expect_err("out of time");
    assert!(matches!(err, ClientError::FlushTimeout { dropped, .. } if dropped == N as u64));
    // Everything has its outcome: a second close has nothing to wait for.
    let again = client.close(None).expect("a second close succeeds");
    assert_eq!(again.dropped, 0, "the first close's result said the drops");
    assert_eq!(client.stats().queued, 0);
    assert!(matches!(client.enqueue(event(0)), Err(ClientError::Closed)));
}
