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
use std::time::Duration;

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
    let mut checked = 0;
    for _ in 0..20 {
        let before: Vec<String> = enqueued.lock().unwrap().clone();
        client.flush(None).unwrap();
        let stored = stored_ids(&plane);
        for id in &before {
            assert!(stored.contains_key(id), "{id} enqueued before the flush");
        }
        checked += before.len();
    }
    for p in producers {
        p.join().unwrap();
    }
    client.flush(None).unwrap();
    let all = enqueued.lock().unwrap().clone();
    assert_eq!(all.len(), 1200);
    assert_all_stored(&plane, &all);
    assert!(checked > 0);
}

#[test]
fn a_429_pauses_every_lane_and_halves_the_requests_in_flight() {
    let plane = plane();
    plane.inject(Fault::Status {
        status: 429,
        retry_after: Some("1".into()),
        count: FaultCount::Next(1),
    });
    let mut cfg = lanes_config(&plane.url(), 4);
    cfg.flush_at = 5;
    let client = Client::new(cfg).unwrap();
    for i in 0..200 {
        client.enqueue(seq_event(i, 0)).unwrap();
    }
    assert_eq!(client.flush(None).unwrap().delivered, 200);
    assert_eq!(client.stats().throttled, 1);
    let reqs = plane.requests();
    let at = |r: &rudder_group_dataplane::ReceivedRequest| {
        chrono::DateTime::parse_from_rfc3339(&r.received_at).unwrap()
    };
    let throttled = reqs.iter().position(|r| r.status == 429).unwrap();
    let paused_from = at(&reqs[throttled]);
    // Requests already on their way when the 429 came back may land; none is sent after it
    // before the pause ends. Those on their way are at most the other lanes' one each.
    let during: Vec<_> = reqs[throttled + 1..]
        .iter()
        .filter(|r| (at(r) - paused_from).num_milliseconds() < 990)
        .collect();
    assert!(
        during.len() <= 3,
        "{} requests during the pause",
        during.len()
    );
    assert!(reqs.len() > throttled + 1 + during.len());
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
    let _ = Duration::ZERO;
}
