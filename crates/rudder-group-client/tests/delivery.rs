//! The happy path, headers, batching, flush/close, threads, test mode, config.

mod common;
use common::*;
use rudder_group_client::{Client, ClientError, ErrorCode, OutcomeKind, Transport};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn every_event_delivered_exactly_once() {
    let plane = plane();
    let outcomes = Outcomes::default();
    let mut cfg = config(&plane.url());
    outcomes.attach(&mut cfg);
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 2_500);
    let result = client.flush(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(
        (result.delivered, result.failed, result.dropped),
        (2_500, 0, 0)
    );
    assert_stored_once(&plane, &ids);
    let stats = client.stats();
    assert_eq!(
        (
            stats.enqueued,
            stats.delivered,
            stats.failed,
            stats.dropped,
            stats.retried
        ),
        (2_500, 2_500, 0, 0, 0)
    );
    assert_eq!(stats.queued, 0);
    // flush_at makes a batch due at 100 events; a backlog fills it further (up to
    // max_batch_bytes), and the flush sends what is left.
    let sizes: Vec<usize> = plane.requests().iter().map(|r| r.events.len()).collect();
    assert_eq!(stats.batches as usize, sizes.len());
    assert!(sizes.len() <= 25, "{sizes:?}");
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n >= 100),
        "{sizes:?}"
    );
    let delivered: usize = outcomes
        .all()
        .iter()
        .filter(|o| o.kind == OutcomeKind::Delivered)
        .map(|o| o.message_ids.len())
        .sum();
    assert_eq!(delivered, 2_500);
    // A second flush reports only what happened since the first.
    assert_eq!(client.flush(None).unwrap().delivered, 0);
}

#[test]
fn requests_carry_auth_gzip_user_agent_and_sent_at() {
    let plane = plane();
    let client = Client::new(config(&format!("{}/", plane.url()))).unwrap();
    send(&client, 3);
    client.flush(None).unwrap();
    let reqs = plane.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/v1/batch");
    assert_eq!(
        r.header("authorization"),
        Some("Basic dGVzdC13cml0ZS1rZXk6")
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(format!("rudder-group-rust/{}", rudder_group::VERSION).as_str())
    );
    let e = &r.events[0];
    let sent_at = e["sentAt"].as_str().unwrap();
    assert_eq!(sent_at.len(), 24);
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "type",
            "messageId",
            "groupId",
            "userId",
            "traits",
            "context",
            "integrations",
            "originalTimestamp",
            "sentAt",
            "channel"
        ]
    );
    let stored = &plane.events()[0];
    assert!(stored["receivedAt"].is_string() && stored["timestamp"].is_string());
}

#[test]
fn gzip_can_be_turned_off() {
    let plane = plane();
    let mut cfg = config(&plane.url());
    cfg.gzip = false;
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 10);
    client.flush(None).unwrap();
    assert_eq!(plane.requests()[0].header("content-encoding"), None);
    assert_stored_once(&plane, &ids);
}

#[test]
fn batches_close_by_size() {
    let plane = plane();
    let mut cfg = config(&plane.url());
    cfg.flush_at = 1_000;
    cfg.max_batch_bytes = 40_000;
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 300);
    client.flush(None).unwrap();
    assert_stored_once(&plane, &ids);
    let reqs = plane.requests();
    assert!(reqs.len() > 1);
    for r in &reqs {
        let size: usize = r
            .events
            .iter()
            .map(|e| e.to_string().len() + 1)
            .sum::<usize>()
            + 47;
        assert!(size <= 40_000, "a batch of {size} bytes");
    }
}

#[test]
fn batches_close_by_age() {
    let plane = plane();
    let mut cfg = config(&plane.url());
    cfg.flush_interval = Duration::from_millis(100);
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 5);
    assert!(
        plane.wait_for_events(5, Duration::from_secs(10)),
        "sent without a flush"
    );
    assert_stored_once(&plane, &ids);
}

#[test]
fn eight_threads_enqueue_at_once() {
    let plane = plane();
    let client = Arc::new(Client::new(config(&plane.url())).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let c = Arc::clone(&client);
            std::thread::spawn(move || send(&c, 1_000))
        })
        .collect();
    let ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let result = client.close(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(result.delivered, 8_000);
    assert_stored_once(&plane, &ids);
}

#[test]
fn close_is_idempotent_and_enqueue_after_close_fails() {
    let plane = plane();
    let client = Client::new(config(&plane.url())).unwrap();
    let ids = send(&client, 42);
    assert_eq!(client.close(None).unwrap().delivered, 42);
    assert_eq!(client.close(None).unwrap().delivered, 0);
    assert!(client.is_closed());
    let err = client.enqueue(event(1)).unwrap_err();
    assert!(matches!(err, ClientError::Closed));
    assert_eq!(err.code(), ErrorCode::ClientClosed);
    assert_stored_once(&plane, &ids);
}

#[test]
fn dropping_the_client_delivers_what_is_queued() {
    let plane = plane();
    let mut cfg = config(&plane.url());
    cfg.flush_interval = Duration::from_secs(60);
    let ids = {
        let client = Client::new(cfg).unwrap();
        send(&client, 7)
    };
    assert_stored_once(&plane, &ids);
}

#[test]
fn test_mode_keeps_events_in_memory() {
    let mut cfg = config("unused");
    cfg.transport = Transport::Memory;
    let client = Client::new(cfg).unwrap();
    let ids = send(&client, 3);
    assert_eq!(client.flush(None).unwrap().delivered, 3);
    let sent: Vec<String> = client
        .sent_events()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, ids);
}

#[test]
fn group_validates_with_the_client_options() {
    let mut cfg = config("unused");
    cfg.transport = Transport::Memory;
    cfg.event_options.library = rudder_group::Library::C;
    let client = Client::new(cfg).unwrap();
    let parts = rudder_group::EventParts::from_map(
        serde_json::json!({"groupId": "g", "userId": 7})
            .as_object()
            .unwrap()
            .clone(),
    );
    client.group(parts).unwrap();
    let err = client
        .group(rudder_group::EventParts::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MissingGroupId);
    assert_eq!(err.issues().len(), 2);
    client.flush(None).unwrap();
    let sent = client.sent_events();
    assert_eq!(sent[0]["userId"], "7");
    assert_eq!(sent[0]["context"]["library"]["name"], "rudder-group-c");
}

#[test]
fn an_event_over_the_client_limit_says_its_size_as_validation_does() {
    let built = event(1);
    let size = built.wire_len();
    let mut cfg = config("unused");
    cfg.transport = Transport::Memory;
    cfg.event_options.max_event_bytes = size - 1;
    let client = Client::new(cfg).unwrap();
    let err = client.enqueue(built).unwrap_err();
    assert_eq!(err.code(), ErrorCode::EventTooLarge);
    let message = format!(
        "the event is {size} bytes serialized with sentAt, over the limit of {} bytes",
        size - 1
    );
    assert_eq!(err.issues()[0].message, message);
    // Validation, with the same limit, says the same.
    let options = rudder_group::EventOptions {
        max_event_bytes: size - 1,
        ..Default::default()
    };
    let refused = rudder_group::GroupEvent::from_json_with(&event(1).to_json(), &options)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(refused.issues()[0].message, message);
    assert_eq!(client.stats().enqueued, 0);
}

#[test]
fn invalid_config_names_the_setting() {
    type Change = Box<dyn Fn(&mut rudder_group_client::Config)>;
    let cases: Vec<(&str, Change)> = vec![
        ("write_key", Box::new(|c| c.write_key = " ".into())),
        (
            "data_plane_url",
            Box::new(|c| c.data_plane_url = "ftp://x".into()),
        ),
        ("flush_at", Box::new(|c| c.flush_at = 0)),
        (
            "max_batch_bytes",
            Box::new(|c| c.max_batch_bytes = 5_000_000),
        ),
        ("max_batch_bytes", Box::new(|c| c.max_batch_bytes = 1_000)),
        ("max_queue_events", Box::new(|c| c.max_queue_events = 0)),
        (
            "retry.max_attempts",
            Box::new(|c| c.retry.max_attempts = Some(0)),
        ),
        (
            "proxy",
            Box::new(|c| c.proxy = Some("::not a url::".into())),
        ),
    ];
    for (setting, change) in cases {
        let mut cfg = config("http://127.0.0.1:9");
        change(&mut cfg);
        match Client::new(cfg) {
            Err(e @ ClientError::InvalidConfig { .. }) => {
                assert_eq!(e.code(), ErrorCode::InvalidConfig);
                assert!(e.to_string().contains(setting), "{e} names {setting}");
            }
            other => panic!("{setting}: expected INVALID_CONFIG, got {other:?}"),
        }
    }
}

#[test]
fn config_debug_never_shows_the_write_key() {
    let mut cfg = config("http://127.0.0.1:9");
    cfg.write_key = "super-secret-key".into();
    assert!(!format!("{cfg:?}").contains("super-secret"));
}
