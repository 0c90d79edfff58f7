//! Events nested deeper than serde_json's recursion limit (128) read back exactly, through the
//! admin API, the store file and `DataPlane::events`.

mod common;

use common::*;
use std::path::PathBuf;

/// `{"k":[{"k":[ ... 1 ... ]}]}`, `depth` levels of objects and arrays.
fn nested(depth: usize) -> String {
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(if level % 2 == 0 { "{\"k\":" } else { "[" });
    }
    text.push('1');
    for level in (0..depth).rev() {
        text.push(if level % 2 == 0 { '}' } else { ']' });
    }
    text
}

fn store_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "rudder-group-dataplane-{}-{name}.ndjson",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

/// Sends one event nested `depth` deep and returns (the event as sent, the event as it must be
/// stored, the data plane, the store file).
fn round_trip(depth: usize) -> (String, String, DataPlane, PathBuf) {
    let path = store_path(&format!("depth-{depth}"));
    let dp = DataPlane::start(Config {
        store: Some(path.clone()),
        ..Config::default()
    })
    .unwrap();
    let sent = format!(
        r#"{{"type":"group","userId":"u","groupId":"g","messageId":"m-{depth}","timestamp":"2020-01-01T00:00:00.000Z","traits":{{"deep":{}}}}}"#,
        nested(depth)
    );
    let key = auth("test-write-key");
    let body = format!(r#"{{"batch":[{sent}]}}"#);
    let reply = post(
        &dp.url(),
        "/v1/batch",
        &[("authorization", &key)],
        body.as_bytes(),
    );
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
    // messageId and timestamp are the event's own: only receivedAt is added, at the end.
    let received_at = dp.requests()[0].received_at.clone();
    let stored = format!(
        "{},\"receivedAt\":\"{received_at}\"}}",
        &sent[..sent.len() - 1]
    );
    (sent, stored, dp, path)
}

/// A `Value` nested this deep is dropped and serialized by recursion: the whole check runs on
/// a roomy stack, since the Value API (`requests()`, `events()`) hands out such values.
fn reads_back_exactly(depth: usize) {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || check_depth(depth))
        .unwrap()
        .join()
        .unwrap();
}

fn check_depth(depth: usize) {
    let (sent, stored, dp, path) = round_trip(depth);
    let events = get(&dp.url(), "/_rudder_group/events");
    assert_eq!(
        events.body,
        format!("[{stored}]"),
        "GET events at depth {depth}"
    );
    let requests = get(&dp.url(), "/_rudder_group/requests");
    assert!(
        requests.body.contains(&format!("\"events\":[{sent}]")),
        "GET requests at depth {depth}"
    );
    let file = std::fs::read_to_string(&path).unwrap();
    assert_eq!(file, format!("{stored}\n"), "store file at depth {depth}");
    let _ = std::fs::remove_file(&path);
    let as_text = |v: &serde_json::Value| serde_json::to_string(v).unwrap();
    assert_eq!(
        as_text(&dp.events()[0]),
        stored,
        "events() at depth {depth}"
    );
    assert_eq!(
        as_text(&dp.requests()[0].events[0]),
        sent,
        "requests() at depth {depth}"
    );
}

#[test]
fn an_event_200_deep_reads_back_exactly() {
    reads_back_exactly(200);
}

#[test]
fn an_event_1000_deep_reads_back_exactly() {
    reads_back_exactly(1000);
}

#[test]
fn an_event_100000_deep_reads_back_exactly() {
    reads_back_exactly(100_000);
}
