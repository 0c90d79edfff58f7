//! Fault injection, load and rate limits, and the admin HTTP API, over real HTTP on loopback.

mod common;

use common::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn start() -> DataPlane {
    DataPlane::start(Config::default()).unwrap()
}

fn status_fault(status: u16, count: FaultCount) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
        count,
    }
}

#[test]
fn status_fault_with_retry_after_for_the_next_n() {
    let dp = start();
    dp.inject(Fault::Status {
        status: 429,
        retry_after: Some("1".into()),
        count: FaultCount::Next(2),
    });
    for _ in 0..2 {
        let reply = post_batch(&dp.url(), &one_event());
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (429, "max requests limit reached\n")
        );
        assert_eq!(reply.retry_after.as_deref(), Some("1"));
    }
    let reply = post_batch(&dp.url(), &one_event());
    assert_eq!((reply.status, reply.retry_after), (200, None));
    assert_eq!(dp.event_count(), 1);
    let requests = dp.requests();
    assert_eq!(
        requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 429, 200]
    );
    assert_eq!(
        requests[0].events.len(),
        1,
        "faulted requests keep their events"
    );
}

#[test]
fn faults_apply_in_the_order_given() {
    let dp = start();
    dp.inject(status_fault(500, FaultCount::Next(1)));
    dp.inject(status_fault(503, FaultCount::Next(1)));
    let a = post_batch(&dp.url(), &one_event());
    let b = post_batch(&dp.url(), &one_event());
    let c = post_batch(&dp.url(), &one_event());
    assert_eq!(
        (a.status, a.body.as_str()),
        (500, "Internal Server Error\n")
    );
    assert_eq!((b.status, b.body.as_str()), (503, "Service Unavailable\n"));
    assert_eq!(c.status, 200);
}

#[test]
fn fraction_fault_is_spread_evenly_until_cleared() {
    let dp = start();
    dp.inject(status_fault(500, FaultCount::Fraction(0.5)));
    let seen: Vec<u16> = (0..4)
        .map(|_| post_batch(&dp.url(), &one_event()).status)
        .collect();
    assert_eq!(seen, [500, 200, 500, 200]);
    dp.clear_faults();
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
}

#[test]
fn latency_fault_delays_the_next_request() {
    let dp = start();
    dp.inject(Fault::Latency {
        millis: 300,
        count: FaultCount::Next(1),
    });
    let started = Instant::now();
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Used up: a fault queued now applies to the very next request (were the latency still
    // queued, that request would take it and answer 200).
    dp.inject(Fault::Status {
        status: 503,
        retry_after: None,
        count: FaultCount::Next(1),
    });
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 503);
}

#[test]
fn drop_fault_closes_the_connection_without_an_answer() {
    let dp = start();
    dp.inject(Fault::DropConnection {
        count: FaultCount::Next(1),
    });
    let key = auth("test-write-key");
    let body = one_event().to_string();
    assert!(try_post(
        &dp.url(),
        "/v1/batch",
        &[("authorization", &key)],
        body.as_bytes()
    )
    .is_err());
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
    assert_eq!(dp.requests().len(), 1, "a dropped request got no answer");
    assert_eq!(dp.event_count(), 1);
}

#[test]
fn faults_never_apply_to_admin_or_health() {
    let dp = start();
    dp.inject(status_fault(500, FaultCount::Next(1)));
    dp.inject(Fault::DropConnection {
        count: FaultCount::Next(1),
    });
    assert_eq!(get(&dp.url(), "/health").status, 200);
    assert_eq!(
        get_json(&dp.url(), "/_rudder_group/stats"),
        json!({"requests":0,"events":0})
    );
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 500);
}

#[test]
fn too_many_in_flight_is_503() {
    let dp = DataPlane::start(Config {
        max_in_flight: 1,
        ..Config::default()
    })
    .unwrap();
    dp.inject(Fault::Latency {
        millis: 600,
        count: FaultCount::Next(1),
    });
    let url = dp.url();
    let slow = std::thread::spawn(move || post_batch(&url, &one_event()).status);
    let deadline = Instant::now() + Duration::from_secs(5);
    while dp.in_flight() == 0 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(1));
    }
    let busy = post_batch(&dp.url(), &one_event());
    assert_eq!(
        (busy.status, busy.body.as_str()),
        (503, "Service Unavailable\n")
    );
    assert_eq!(slow.join().unwrap(), 200);
    assert_eq!(dp.event_count(), 1);
}

#[test]
fn rate_limit_is_429() {
    let dp = DataPlane::start(Config {
        rate_limit: Some(2),
        ..Config::default()
    })
    .unwrap();
    let seen: Vec<u16> = (0..3)
        .map(|_| post_batch(&dp.url(), &one_event()).status)
        .collect();
    assert_eq!(seen, [200, 200, 429]);
    let last = &dp.requests()[2];
    assert_eq!(last.body_text, "max requests limit reached\n");
    assert_eq!(dp.event_count(), 2);
}

#[test]
fn admin_api_reads_back_and_injects() {
    let dp = start();
    let url = dp.url();
    assert_eq!(post_batch(&url, &one_event()).status, 200);
    assert_eq!(post_batch(&url, &json!({"batch":[]})).status, 400);

    let requests = get_json(&url, "/_rudder_group/requests");
    let first = &requests[0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "method",
            "path",
            "headers",
            "status",
            "body",
            "events",
            "received_at"
        ]
    );
    assert_eq!(
        (first["method"].as_str(), first["path"].as_str()),
        (Some("POST"), Some("/v1/batch"))
    );
    assert_eq!(
        (first["status"].as_u64(), first["body"].as_str()),
        (Some(200), Some("ok\n"))
    );
    assert_eq!(first["headers"]["authorization"], auth("test-write-key"));
    assert_eq!(first["headers"]["content-type"], "application/json");
    assert_eq!(first["events"], one_event()["batch"]);
    assert_eq!(requests[1]["status"], 400);
    let events = get_json(&url, "/_rudder_group/events");
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert!(events[0]["receivedAt"].is_string());
    assert_eq!(
        get_json(&url, "/_rudder_group/stats"),
        json!({"requests":2,"events":1})
    );

    let ok = json!({"ok":true});
    assert_eq!(
        post_admin(
            &url,
            "/_rudder_group/faults",
            &json!({"status":429,"retry_after":"1","next":1})
        ),
        (200, ok.clone())
    );
    let limited = post_batch(&url, &one_event());
    assert_eq!(
        (limited.status, limited.retry_after.as_deref()),
        (429, Some("1"))
    );
    let both = json!([{"latency_ms":1,"next":1},{"drop":true,"next":1}]);
    assert_eq!(post_admin(&url, "/_rudder_group/faults", &both).0, 200);
    assert_eq!(post_batch(&url, &one_event()).status, 200, "latency only");
    let key = auth("test-write-key");
    assert!(
        try_post(&url, "/v1/batch", &[("authorization", &key)], b"{}").is_err(),
        "dropped"
    );
    assert_eq!(
        post_admin(
            &url,
            "/_rudder_group/faults",
            &json!({"status":500,"fraction":1.0})
        )
        .0,
        200
    );
    assert_eq!(post_batch(&url, &one_event()).status, 500);
    assert_eq!(delete(&url, "/_rudder_group/faults").status, 200);
    assert_eq!(post_batch(&url, &one_event()).status, 200);

    for bad in [
        json!({"status":42}),
        json!({"bogus":1}),
        json!([{"drop":true},{"latency_ms":-1}]),
    ] {
        let (status, answer) = post_admin(&url, "/_rudder_group/faults", &bad);
        assert_eq!(status, 400, "{bad}");
        assert!(answer["error"].is_string());
    }
    assert_eq!(
        post_batch(&url, &one_event()).status,
        200,
        "a rejected array injects nothing"
    );
    assert_eq!(get(&url, "/_rudder_group/nope").status, 404);
    assert_eq!(get(&url, "/_rudder_group/faults").status, 405);

    let statuses: Vec<u16> = dp.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [200, 400, 429, 200, 500, 200, 200],
        "admin requests are not recorded"
    );
    assert_eq!(
        post_admin(&url, "/_rudder_group/reset", &json!(null)),
        (200, ok)
    );
    assert_eq!(
        get_json(&url, "/_rudder_group/stats"),
        json!({"requests":0,"events":0})
    );
}
