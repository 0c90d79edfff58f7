//! Shared pieces of the delivery tests: a local data plane, a client aimed at it, events.
#![allow(dead_code)]

pub mod spool;

use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config, Outcome, RetryPolicy};
use rudder_group_dataplane::{Config as PlaneConfig, DataPlane};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const KEY: &str = "test-write-key";

pub fn plane() -> DataPlane {
    DataPlane::start(PlaneConfig::default()).expect("data plane starts")
}

/// Fast retries so that fault tests take milliseconds, not seconds. Batches close by count or
/// by an explicit flush only, so that a slow machine cannot change how events are batched. One
/// request in flight (one lane), so that requests come in enqueue order; the lane tests raise it.
pub fn config(url: &str) -> Config {
    let mut c = Config::new(KEY, url);
    c.max_concurrent_requests = 1;
    c.flush_interval = Duration::from_secs(600);
    c.retry = RetryPolicy {
        max_attempts: None,
        max_elapsed: Duration::from_secs(60),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(100),
    };
    c
}

/// Collects every outcome the callback receives.
#[derive(Clone, Default)]
pub struct Outcomes(pub Arc<Mutex<Vec<Outcome>>>);

impl Outcomes {
    pub fn attach(&self, config: &mut Config) {
        let sink = Arc::clone(&self.0);
        config.on_outcome = Some(Arc::new(move |o: &Outcome| {
            sink.lock().unwrap().push(o.clone())
        }));
    }
    pub fn all(&self) -> Vec<Outcome> {
        self.0.lock().unwrap().clone()
    }
}

pub fn event(n: usize) -> GroupEvent {
    GroupEvent::builder(format!("g{}", n % 7))
        .user_id(format!("user-{n}"))
        .name("MyGroup")
        .employees(n)
        .build()
        .expect("valid event")
}

pub fn send(client: &Client, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| client.enqueue(event(i)).expect("enqueued"))
        .collect()
}

/// How many times each messageId was stored.
pub fn stored_ids(plane: &DataPlane) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for e in plane.events() {
        let id = e["messageId"].as_str().expect("messageId").to_owned();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

/// Every id stored at least once (retries may repeat one whose answer was lost).
pub fn assert_all_stored(plane: &DataPlane, ids: &[String]) {
    let seen = stored_ids(plane);
    for id in ids {
        assert!(seen.contains_key(id), "{id} was never stored");
    }
}

/// Every id stored exactly once and nothing else stored.
pub fn assert_stored_once(plane: &DataPlane, ids: &[String]) {
    let seen = stored_ids(plane);
    assert_eq!(seen.len(), ids.len(), "distinct events stored");
    for id in ids {
        assert_eq!(seen.get(id), Some(&1), "{id} stored once");
    }
}

/// A fresh, empty directory under the target's temporary directory.
pub fn temp_dir(what: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

/// A URL where nothing listens: every connection is refused.
pub fn refusing_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The segment files of a spool directory, oldest first.
pub fn segments(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("spool directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
}
