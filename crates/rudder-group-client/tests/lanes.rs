//! Several requests in flight: one lane per request, an identity's events in order on its lane,
//! a flush that waits on every lane, a 429 that pauses every lane, batches that grow with the
//! backlog but never past `max_batch_bytes`. Every check counts and orders; none times.

mod common;
use common::*;
use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config};
use rudder_group_dataplane::{DataPlane, Fault, FaultCount};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

fn lanes_config(url: &str, lanes: usize) -> Config {
    let mut c = config(url);
    c.max_concurrent_requests = lanes;
    c
}

fn seq_event(user: usize, seq: usize) -> GroupEvent {
    GroupEvent::builder("g")
        .user_id(format!("user-{user}"))
        .custom_trait("seq", serde_json::json!(seq))
        .build()
        .expect("valid event")
}

/// Each user's `seq` values in the order the data plane stored them (first storage of each).
fn stored_order(plane: &DataPlane) -> HashMap<String, Vec<u64>> {
    let mut seen = HashSet::new();
    let mut order: HashMap<String, Vec<u64>> = HashMap::new();
    for e in plane.events() {
        let id = e["messageId"].as_str().unwrap_or_default().to_owned();
        if !seen.insert(id) {
            continue;
        }
        let user = e["userId"].as_str().unwrap_or_default().to_owned();
        let seq = e["traits"]["seq"].as_u64().unwrap_or(u64::MAX);
        order.entry(user).or_default().push(seq);
    }
    order
}

#[test]
fn each_identity_arrives_in_order_across_lanes_and_retries() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 500,
        retry_after: None,
        count: FaultCount::Next(7),
    });
    let mut cfg = lanes_config(&plane.url(), 4);
    cfg.flush_at = 10;
    let client = Client::new(cfg).unwrap();
    let (users, per_user) = (24, 40);
    for seq in 0..per_user {
        for user in 0..users {
            client.enqueue(seq_event(user, seq)).unwrap();
        }
    }
    let result = client.flush(None).unwrap();
    assert_eq!(result.delivered as usize, users * per_user);
    let order = stored_order(&plane);
    assert_eq!(order.len(), users);
    let expected: Vec<u64> = (0..per_user as u64).collect();
    for (user, seqs) in order {
        assert_eq!(seqs, expected, "{user}");
    }
    assert_eq!(client.stats().retried, 7);
}

#[test]
fn flush_waits_for_every_event_before_it_on_every_lane() {
    let plane = plane();
    let mut cfg = lanes_config(&plane.url(), 4);
    cfg.flush_at = 7;
    let client = Arc::new(Client::new(cfg).unwrap());
    let enqueued = Arc::new(Mutex::new(Vec::new()));
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let (client, enqueued) = (Arc::clone(&client), Arc::clone(&enqueued));
            std::thread::spawn(move || {
                for i in 0..300 {
                    let id = client.enqueue(seq_event(p * 1000 + i % 13, i)).unwrap();
                    enqueued.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    // Flush over and over while the producers run (and once more after).
    while !producers.iter().all(|p| p.is_finished()) {
        let before: Vec<String> = enqueued.lock().unwrap().clone();
        client.flush(None).unwrap();
        let stored = stored_ids(&plane);
        for id in &before {
            assert!(stored.contains_key(id), "{id} enqueued before the flush");
        }
    }
    for p in producers {
        p.join().unwrap();
    }
    client.flush(None).unwrap();
    let all = enqueued.lock().unwrap().clone();
    assert_eq!(all.len(), 1200);
    assert_all_stored(&plane, &all);
}

#[test]
fn a_429_pauses_every_lane() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 429,
        retry_after: Some("1".into()),
        count: FaultCount::Next(1),
    });
    let mut cfg = lanes_config(&plane.url(), 4);
    cfg.flush_at = 5;
    let client = Client::new(cfg).unwrap();
    // One lane sends first and is throttled; the pause has begun once the client counted it.
    for seq in 0..5 {
        client.enqueue(seq_event(0, seq)).unwrap();
    }
    let mut polls = 0;
    while client.stats().throttled == 0 {
        polls += 1;
        assert!(polls < 60_000, "the 429 never came back");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // Then every lane has work, and none may send before the pause ends.
    for i in 1..200 {
        client.enqueue(seq_event(i, 0)).unwrap();
    }
    assert_eq!(client.flush(None).unwrap().delivered, 204);
    assert_eq!(client.stats().throttled, 1);
    let reqs = plane.requests();
    assert_eq!(reqs[0].status, 429);
    let at = |r: &rudder_group_dataplane::ReceivedRequest| {
        chrono::DateTime::parse_from_rfc3339(&r.received_at).unwrap()
    };
    for r in &reqs[1..] {
        let after = (at(r) - at(&reqs[0])).num_milliseconds();
        assert!(after >= 999, "a request {after} ms after the 429");
    }
}

#[test]
fn backlog_batches_grow_past_flush_at_but_never_past_max_batch_bytes() {
    let plane = plane();
    let mut cfg = lanes_config(&plane.url(), 1);
    cfg.flush_at = 50;
    cfg.max_batch_bytes = 40_000;
    let client = Client::new(cfg).unwrap();
    // The data plane refuses every request until the backlog is queued: the lane retries its
    // first batch meanwhile, and the rest waits behind it.
    plane.inject(Fault::Outage { millis: 120_000 });
    let ids: Vec<String> = (0..2_000)
        .map(|i| client.enqueue(seq_event(i, i)).unwrap())
        .collect();
    plane.clear_faults();
    assert_eq!(client.flush(None).unwrap().delivered, 2_000);
    assert_stored_once(&plane, &ids);
    let sizes: Vec<(usize, usize)> = plane
        .requests()
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            let body = serde_json::json!({"batch": r.events, "sentAt": "2022-02-01T19:14:18.381Z"});
            (r.events.len(), serde_json::to_vec(&body).unwrap().len())
        })
        .collect();
    assert!(sizes.iter().all(|&(_, bytes)| bytes <= 40_000), "{sizes:?}");
    assert!(sizes.iter().any(|&(n, _)| n > 50), "{sizes:?}");
}

#[test]
fn one_request_in_flight_keeps_the_enqueue_order_of_every_event() {
    let plane = plane();
    let mut cfg = lanes_config(&plane.url(), 1);
    cfg.flush_at = 9;
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 300);
    client.flush(None).unwrap();
    let stored: Vec<String> = plane
        .events()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, ids);
}
