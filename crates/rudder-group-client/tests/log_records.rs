//! `Config::on_log`: one `Debug` record per request, retry and split, one `Warn` per failed or
//! dropped outcome, counted against what the data plane saw.

mod common;
use common::{config, send};
use rudder_group_client::{Client, LogKind, LogLevel, LogRecord};
use rudder_group_dataplane::{Fault, FaultCount};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn status(status: u16, count: FaultCount) -> Fault {
    Fault::Status {
        status,
        retry_after: None,
        count,
    }
}

/// A client whose log records are collected.
fn logged_client(url: &str, flush_at: usize) -> (Client, Arc<Mutex<Vec<LogRecord>>>) {
    let records = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&records);
    let mut c = config(url);
    c.flush_at = flush_at;
    c.on_log = Some(Arc::new(move |r: &LogRecord| {
        sink.lock().unwrap().push(r.clone())
    }));
    (Client::new(c).unwrap(), records)
}

fn of_kind(records: &[LogRecord], kind: LogKind) -> Vec<LogRecord> {
    records.iter().filter(|r| r.kind == kind).cloned().collect()
}

#[test]
fn each_request_and_retry_is_a_debug_record() {
    let plane = common::plane();
    plane.inject(status(503, FaultCount::Next(2)));
    let (client, records) = logged_client(&plane.url(), 10);
    send(&client, 10);
    client.flush(Some(Duration::from_secs(60))).unwrap();
    let records = records.lock().unwrap().clone();

    let requests = of_kind(&records, LogKind::Request);
    assert_eq!(requests.len(), plane.requests().len(), "{records:#?}");
    assert_eq!(requests.len(), 3);
    let statuses: Vec<_> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(200)]);
    let attempts: Vec<_> = requests.iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
    for r in &requests {
        assert_eq!((r.level, r.events), (LogLevel::Debug, 10));
        assert!(
            r.message.starts_with("POST /v1/batch: 10 events, "),
            "{}",
            r.message
        );
    }
    assert!(requests[0].message.contains("attempt 1: status 503 in "));

    let retries = of_kind(&records, LogKind::Retry);
    assert_eq!(retries.len(), 2, "{records:#?}");
    assert!(retries[0].message.starts_with("retrying 10 events in "));
    assert!(
        retries[0].message.ends_with("(attempt 1: status 503)"),
        "{}",
        retries[0].message
    );
    assert!(
        of_kind(&records, LogKind::Outcome).is_empty(),
        "nothing failed"
    );
}

#[test]
fn a_413_split_and_a_refusal_are_logged() {
    let plane = common::plane();
    plane.inject(status(413, FaultCount::Next(1)));
    plane.inject(status(400, FaultCount::Next(1)));
    let (client, records) = logged_client(&plane.url(), 4);
    send(&client, 4);
    let result = client.flush(Some(Duration::from_secs(60))).unwrap();
    assert_eq!((result.delivered, result.failed), (2, 2));
    let records = records.lock().unwrap().clone();

    let splits = of_kind(&records, LogKind::Split);
    assert_eq!(splits.len(), 1, "{records:#?}");
    assert_eq!(
        splits[0].message,
        "status 413 for 4 events: sending them again as two batches of 2 and 2"
    );
    assert_eq!(of_kind(&records, LogKind::Request).len(), 3);

    let failures = of_kind(&records, LogKind::Outcome);
    assert_eq!(failures.len(), 1, "{records:#?}");
    let f = &failures[0];
    assert_eq!(
        (f.level, f.events, f.status),
        (LogLevel::Warn, 2, Some(400))
    );
    assert!(
        f.message
            .starts_with("2 events failed after 1 attempt (status 400: "),
        "{}",
        f.message
    );
    assert!(f.message.contains("retrying cannot help"), "{}", f.message);
}

#[test]
fn a_panicking_log_callback_does_not_stop_delivery() {
    let plane = common::plane();
    let mut c = config(&plane.url());
    c.flush_at = 5;
    c.on_log = Some(Arc::new(|_: &LogRecord| panic!("a broken logger")));
    let client = Client::new(c).unwrap();
    for _ in 0..2 {
        send(&client, 5);
        let result = client.flush(Some(Duration::from_secs(60))).unwrap();
        assert_eq!(result.delivered, 5);
    }
    assert_eq!(plane.requests().len(), 2);
}
