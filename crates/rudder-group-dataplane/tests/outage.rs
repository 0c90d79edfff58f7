//! Outages: data requests go unanswered while the admin API stays reachable on the same port.

mod common;

use common::*;
use serde_json::json;
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn start() -> DataPlane {
    DataPlane::start(Config::default()).unwrap()
}

fn unanswered(url: &str) -> bool {
    let key = auth("test-write-key");
    let body = one_event().to_string();
    try_post(
        url,
        "/v1/batch",
        &[("authorization", &key)],
        body.as_bytes(),
    )
    .is_err()
}

/// Polls `/health` until it answers; returns when it did. The guard only stops a hung test.
fn wait_until_answered(url: &str) -> Instant {
    let guard = Instant::now() + Duration::from_secs(120);
    while try_get(url, "/health").is_err() {
        assert!(Instant::now() < guard, "the outage never ended");
        std::thread::sleep(Duration::from_millis(5));
    }
    Instant::now()
}

#[test]
fn an_outage_leaves_data_requests_unanswered_until_it_ends() {
    let dp = start();
    let url = dp.url();
    let started = Instant::now();
    dp.inject(Fault::Outage { millis: 300 });
    assert!(unanswered(&url), "no answer during the outage");
    assert!(try_get(&url, "/health").is_err(), "nor to /health");
    let ended = wait_until_answered(&url);
    assert!(ended - started >= Duration::from_millis(300));
    assert_eq!(post_batch(&url, &one_event()).status, 200);
    // clear_faults ends an outage early.
    dp.inject(Fault::Outage { millis: 600_000 });
    assert!(unanswered(&url));
    dp.clear_faults();
    assert_eq!(post_batch(&url, &one_event()).status, 200);
    assert_eq!(
        dp.requests().len(),
        2,
        "unanswered requests are not recorded"
    );
}

#[test]
fn the_admin_api_stays_reachable_during_an_outage() {
    let dp = start();
    let url = dp.url();
    assert_eq!(post_batch(&url, &one_event()).status, 200);
    let (status, _) = post_admin(&url, "/_rudder_group/faults", &json!({"outage_ms":600_000}));
    assert_eq!(status, 200);
    assert!(unanswered(&url));
    assert_eq!(
        get_json(&url, "/_rudder_group/stats"),
        json!({"requests":1,"events":1})
    );
    assert_eq!(
        get_json(&url, "/_rudder_group/events")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get_json(&url, "/_rudder_group/requests")
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let cleared = delete(&url, "/_rudder_group/faults");
    assert_eq!(
        (cleared.status, cleared.body.as_str()),
        (200, r#"{"ok":true}"#)
    );
    assert_eq!(post_batch(&url, &one_event()).status, 200);

    // An outage ended by reset, from the admin API too.
    post_admin(&url, "/_rudder_group/faults", &json!({"outage_ms":600_000}));
    assert!(unanswered(&url));
    assert_eq!(
        post_admin(&url, "/_rudder_group/reset", &json!(null)).0,
        200
    );
    assert_eq!(post_batch(&url, &one_event()).status, 200);
}

#[test]
fn an_outage_closes_open_keep_alive_connections() {
    let dp = start();
    let mut stream = TcpStream::connect(dp.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_eq!(raw_exchange(&mut stream, request).0, 200);
    dp.inject(Fault::Outage { millis: 600_000 });
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut stream, &mut rest);
    assert!(read.is_ok() && rest.is_empty(), "closed by the data plane");
    dp.clear_faults();
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
}
