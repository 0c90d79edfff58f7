//! The fault matrix's pieces: one run of a client against a faulted data plane, counted from
//! both ends, and the table that `make fault-matrix` prints.
#![allow(dead_code)]

use crate::common::{config, event, stored_ids, Outcomes};
use rudder_group_client::{Client, ClientError, Config, OutcomeKind};
use rudder_group_dataplane::DataPlane;
use std::time::{Duration, Instant};

/// What one fault did to the events sent through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub fault: String,
    pub events_in: u64,
    pub delivered: u64,
    pub failed: u64,
    pub dropped: u64,
    /// messageIds the data plane stored more than once.
    pub duplicates: u64,
    /// Requests the client sent, every attempt of every batch.
    pub requests: u64,
}

/// How many requests a fault's rules allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requests {
    Exactly(u64),
    AtLeast(u64),
}

/// The counts a fault must give: exact outcomes, and the request count the retry rules fix.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    pub delivered: u64,
    pub failed: u64,
    pub dropped: u64,
    pub duplicates: u64,
    pub requests: Requests,
}

impl Row {
    /// Panics with the row when it breaks the conservation rule or its expectation.
    pub fn check(&self, expect: &Expect) {
        assert_eq!(
            self.delivered + self.failed + self.dropped,
            self.events_in,
            "delivered + failed + dropped == events in: {self:?}"
        );
        let got = (self.delivered, self.failed, self.dropped, self.duplicates);
        let want = (
            expect.delivered,
            expect.failed,
            expect.dropped,
            expect.duplicates,
        );
        assert_eq!(
            got, want,
            "(delivered, failed, dropped, duplicates): {self:?}"
        );
        match expect.requests {
            Requests::Exactly(n) => assert_eq!(self.requests, n, "requests: {self:?}"),
            Requests::AtLeast(n) => assert!(self.requests >= n, "requests: {self:?}"),
        }
    }
}

/// The table: fault | delivered | failed | dropped | duplicates | requests.
pub fn table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.fault.len()).max().unwrap_or(5).max(5);
    let mut out = format!(
        "{:<width$} | {:>6} | {:>9} | {:>6} | {:>7} | {:>10} | {:>8}\n",
        "fault", "events", "delivered", "failed", "dropped", "duplicates", "requests"
    );
    out.push_str(&format!("{}\n", "-".repeat(width + 63)));
    for r in rows {
        out.push_str(&format!(
            "{:<width$} | {:>6} | {:>9} | {:>6} | {:>7} | {:>10} | {:>8}\n",
            r.fault, r.events_in, r.delivered, r.failed, r.dropped, r.duplicates, r.requests
        ));
    }
    out
}

/// A client aimed at `url` with the fast retry settings of the delivery tests, batches of
/// `flush_at`, and its outcomes collected.
pub fn client(url: &str, flush_at: usize, tune: impl FnOnce(&mut Config)) -> (Client, Outcomes) {
    let mut cfg = config(url);
    cfg.flush_at = flush_at;
    tune(&mut cfg);
    let outcomes = Outcomes::default();
    outcomes.attach(&mut cfg);
    (Client::new(cfg).expect("valid config"), outcomes)
}

/// Flushes, waits for the data plane to finish what it still holds (a request the client gave
/// up on may still be stored), then counts from the outcomes, the client and the data plane.
pub fn settle(
    fault: &str,
    plane: &DataPlane,
    client: &Client,
    outcomes: &Outcomes,
    events_in: u64,
) -> Row {
    let result = client
        .flush(Some(Duration::from_secs(120)))
        .expect("flush finishes");
    let deadline = Instant::now() + Duration::from_secs(30);
    while plane.in_flight() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut counted = [0u64; 3];
    for o in outcomes.all() {
        let slot = match o.kind {
            OutcomeKind::Delivered => 0,
            OutcomeKind::Failed => 1,
            OutcomeKind::Dropped => 2,
        };
        counted[slot] += o.message_ids.len() as u64;
    }
    let stats = client.stats();
    assert_eq!(
        [stats.delivered, stats.failed, stats.dropped],
        counted,
        "{fault}: the counters agree with the outcomes"
    );
    assert_eq!(
        [result.delivered, result.failed, result.dropped],
        counted,
        "{fault}: the flush result agrees with the outcomes"
    );
    let stored = stored_ids(plane);
    assert_eq!(
        stored.len() as u64,
        counted[0],
        "{fault}: every delivered event is stored, and nothing else"
    );
    Row {
        fault: fault.to_owned(),
        events_in,
        delivered: counted[0],
        failed: counted[1],
        dropped: counted[2],
        duplicates: stored.values().filter(|&&n| n > 1).count() as u64,
        requests: stats.batches,
    }
}

/// Sends `n` events and settles.
pub fn send_and_settle(
    fault: &str,
    plane: &DataPlane,
    client: &Client,
    outcomes: &Outcomes,
    n: usize,
) -> Row {
    for i in 0..n {
        client.enqueue(event(i)).expect("enqueued");
    }
    settle(fault, plane, client, outcomes, n as u64)
}

/// A steady producer: one event every `every` for `count` events. Returns how many the
/// client refused with `QUEUE_FULL`.
pub fn produce_steadily(client: &Client, count: usize, every: Duration) -> u64 {
    let mut refused = 0;
    for i in 0..count {
        match client.enqueue(event(i)) {
            Ok(_) => {}
            Err(ClientError::QueueFull { .. }) => refused += 1,
            Err(e) => panic!("enqueue failed: {e}"),
        }
        std::thread::sleep(every);
    }
    refused
}
