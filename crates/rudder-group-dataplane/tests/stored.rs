//! What the data plane stores and how a caller reads it back, over real HTTP on loopback.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::{json, Value};
use std::net::TcpStream;
use std::time::Duration;

const KEY: &str = "test-write-key";

fn start() -> DataPlane {
    DataPlane::start(Config::default()).unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap();
    assert_eq!(text.len(), 24, "{text}");
    assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn stored_events_get_message_id_received_at_and_timestamp() {
    let dp = start();
    let body = json!({"batch":[
        {"type":"group","userId":"u","groupId":"g","originalTimestamp":"2022-02-01T10:00:00.000Z"},
        {"messageId":"m-1","userId":"u","originalTimestamp":"2022-02-01T10:00:00.000Z","sentAt":"2022-02-01T10:00:02.000Z"},
        {"userId":"u","timestamp":"2020-01-01T00:00:00Z","originalTimestamp":"2022-02-01T10:00:00.000Z"},
        {"userId":"u","messageId":null}
    ], "sentAt":"2022-02-01T10:00:10.000Z"});
    assert_eq!(post_batch(&dp.url(), &body).status, 200);
    let events = dp.events();
    let received = time(&events[0]["receivedAt"]);
    assert_eq!(dp.requests()[0].received_at, events[0]["receivedAt"]);
    let keys: Vec<&str> = events[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "userId",
            "groupId",
            "originalTimestamp",
            "messageId",
            "receivedAt",
            "timestamp"
        ]
    );
    let id = events[0]["messageId"].as_str().unwrap();
    assert_eq!((id.len(), &id[14..15]), (36, "4"), "UUID v4: {id}");
    assert_eq!(
        time(&events[0]["timestamp"]),
        received - chrono::Duration::seconds(10)
    );
    assert_eq!(events[1]["messageId"], "m-1");
    assert_eq!(
        time(&events[1]["timestamp"]),
        received - chrono::Duration::seconds(2),
        "own sentAt first"
    );
    assert_eq!(
        events[2]["timestamp"], "2020-01-01T00:00:00Z",
        "own timestamp kept"
    );
    assert_eq!(
        time(&events[3]["timestamp"]),
        received,
        "no originalTimestamp"
    );
    assert!(events[3]["messageId"].is_string());
    assert_ne!(events[0]["messageId"], events[3]["messageId"]);
    // Without any sentAt the timestamp is receivedAt.
    assert_eq!(
        post_batch(
            &dp.url(),
            &json!({"batch":[{"userId":"u","originalTimestamp":"2001-01-01T00:00:00Z"}]})
        )
        .status,
        200
    );
    let last = &dp.events()[4];
    assert_eq!(last["timestamp"], last["receivedAt"]);
}

#[test]
fn store_file_gets_one_line_per_stored_event() {
    let path = std::env::temp_dir().join(format!(
        "rudder-group-dataplane-{}.ndjson",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let dp = DataPlane::start(Config {
        store: Some(path.clone()),
        ..Config::default()
    })
    .unwrap();
    let two = json!({"batch":[{"userId":"a"},{"userId":"b"}]});
    assert_eq!(post_batch(&dp.url(), &two).status, 200);
    assert_eq!(
        post_batch(&dp.url(), &json!({"batch":[{"groupId":"rejected"}]})).status,
        400
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(post_batch(&dp.url(), &one_event()).status, 200);
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(text.lines().count(), 2, "written before the 200");
    assert_eq!(lines, dp.events());
    dp.shutdown();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let dp = start();
    let mut stream = TcpStream::connect(dp.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let body = one_event().to_string();
    let request = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        auth(KEY),
        body.len()
    );
    assert_eq!(
        raw_exchange(&mut stream, &request),
        (200, "ok\n".to_string())
    );
    assert_eq!(
        raw_exchange(&mut stream, &request),
        (200, "ok\n".to_string())
    );
    assert_eq!(dp.event_count(), 2);
}

#[test]
fn requests_keep_headers_answers_and_events() {
    let dp = start();
    let key = auth(KEY);
    let body = one_event().to_string();
    post(
        &dp.url(),
        "/v1/batch",
        &[
            ("Authorization", &key),
            ("User-Agent", "rudder-group-rust/0.1.0"),
        ],
        body.as_bytes(),
    );
    post(&dp.url(), "/v1/batch", &[], body.as_bytes());
    let requests = dp.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("POST", "/v1/batch")
    );
    assert_eq!((first.status, first.body_text.as_str()), (200, "ok\n"));
    assert_eq!(first.header("user-agent"), Some("rudder-group-rust/0.1.0"));
    assert!(
        first
            .headers
            .iter()
            .any(|(n, v)| n == "authorization" && *v == key),
        "names lowercased"
    );
    assert_eq!(
        first.events,
        one_event()["batch"].as_array().unwrap().clone()
    );
    assert_eq!(requests[1].status, 401);
    assert!(
        requests[1].events.is_empty(),
        "a refused request keeps no body"
    );
}

#[test]
fn wait_for_events_reset_and_start_errors() {
    let dp = start();
    assert!(!dp.wait_for_events(1, Duration::from_millis(20)));
    let url = dp.url();
    let sender = std::thread::spawn(move || post_batch(&url, &one_event()).status);
    assert!(dp.wait_for_events(1, Duration::from_secs(5)));
    assert_eq!(sender.join().unwrap(), 200);
    dp.reset();
    assert_eq!((dp.event_count(), dp.requests().len()), (0, 0));
    let taken = DataPlane::start(Config {
        addr: dp.addr(),
        ..Config::default()
    });
    assert!(taken.is_err(), "the port is in use");
    let bad_store = Config {
        store: Some("/nonexistent-dir/x/events.ndjson".into()),
        ..Config::default()
    };
    assert!(DataPlane::start(bad_store).is_err());
}
