//! Caller-side cost of the client: build + validate + enqueue of the seed sample, in test mode
//! (so the worker's sending does not compete for the measurement's core), and enqueue alone.

use criterion::{criterion_group, criterion_main, Criterion};
use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config, Transport};
use std::time::{Duration, Instant};

mod common;

fn seed() -> GroupEvent {
    common::seed_event("1hKOmRA4el9Zt1WSfVJIVo4GRlm")
}

fn client() -> Client {
    let mut config = Config::new("key", "http://127.0.0.1:9");
    config.transport = Transport::Memory;
    config.max_queue_events = 10_000_000;
    config.max_queue_bytes = 4 << 30;
    config.flush_at = 1000;
    Client::new(config).expect("client")
}

/// A fresh client per sample, so that what test mode keeps in memory is freed between samples
/// (and its shutdown is not timed).
fn per_sample(iters: u64, mut f: impl FnMut(&Client)) -> Duration {
    let client = client();
    let start = Instant::now();
    for _ in 0..iters {
        f(&client);
    }
    let took = start.elapsed();
    drop(client);
    took
}

fn bench(c: &mut Criterion) {
    c.bench_function("build_validate_enqueue", |b| {
        b.iter_custom(|iters| {
            per_sample(iters, |client| {
                client.enqueue(seed()).expect("enqueued");
            })
        })
    });
    c.bench_function("enqueue_built_event", |b| {
        b.iter_custom(|iters| {
            let events: Vec<GroupEvent> = (0..iters).map(|_| seed()).collect();
            let mut events = events.into_iter();
            per_sample(iters, |client| {
                client
                    .enqueue(events.next().expect("one per iteration"))
                    .expect("enqueued");
            })
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
