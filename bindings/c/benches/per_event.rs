//! Per-event cost of a group call from Rust: build and enqueue, the same work as
//! `benches/per_event.c` does through the C ABI (`make -C bindings/c bench` runs both).

use rudder_group_client::{Client, Config, Transport};
use rudder_group_core::serde_json::json;
use rudder_group_core::{GroupEvent, Library};
use std::time::Instant;

const EVENTS: usize = 50_000;
const WARMUP: usize = 5_000;
const ROUNDS: usize = 5;

fn build() -> GroupEvent {
    GroupEvent::builder("acme")
        .user_id("user-42")
        .name("Acme Inc.")
        .industry("Manufacturing")
        .employees(450)
        .plan("enterprise")
        .custom_trait("tier", json!("gold"))
        .custom_trait("seats", json!(25))
        .library(Library::C)
        .build()
        .expect("a valid event")
}

fn memory_client() -> Client {
    let mut config = Config::new("bench-key", "https://dataplane.invalid");
    config.transport = Transport::Memory;
    // As in per_event.c: the worker stays out of the way while the caller is timed.
    config.max_queue_events = 10 * EVENTS;
    config.flush_at = 10 * EVENTS;
    config.flush_interval = std::time::Duration::from_secs(600);
    config.max_batch_bytes = rudder_group_client::MAX_BATCH_BYTES_LIMIT;
    Client::new(config).expect("a valid config")
}

fn report(what: &str, mut ns: Vec<f64>) {
    ns.sort_by(f64::total_cmp);
    println!(
        "rust  {what:<16} {:8.0} ns/event (best of {ROUNDS} rounds of {EVENTS}; median {:.0})",
        ns[0],
        ns[ROUNDS / 2]
    );
}

fn main() {
    for _ in 0..WARMUP {
        drop(std::hint::black_box(build()));
    }
    let (mut build_ns, mut enqueue_ns) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..EVENTS {
            drop(std::hint::black_box(build()));
        }
        build_ns.push(start.elapsed().as_nanos() as f64 / EVENTS as f64);

        let client = memory_client();
        let start = Instant::now();
        for _ in 0..EVENTS {
            client.enqueue(build()).expect("enqueued");
        }
        enqueue_ns.push(start.elapsed().as_nanos() as f64 / EVENTS as f64);
        let result = client.close(None).expect("closed");
        assert_eq!(result.delivered, EVENTS as u64);
    }
    report("build", build_ns);
    report("build + enqueue", enqueue_ns);
}
