//! What gzip costs a lane: one full default batch body (1,024,000 bytes of the bench's events,
//! as `POST /v1/batch` sends them) compressed at the default level 6, and the same body's CRC-32
//! (what the spool's records use). It prints the throughput: the figure that decided to let
//! flate2's zlib-rs detect the CPU's SIMD at run time.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flate2::write::GzEncoder;
use flate2::Compression;
use rudder_group::GroupEvent;
use serde_json::json;
use std::io::Write;

/// A batch body near the default `max_batch_bytes`, of distinct events.
fn body() -> Vec<u8> {
    let mut raw = b"{\"batch\":[".to_vec();
    let mut n = 0;
    while raw.len() < 1_000_000 {
        if n > 0 {
            raw.push(b',');
        }
        let event = GroupEvent::builder(format!("group-{}", n % 97))
            .user_id(format!("user-{n}"))
            .name(format!("Company {n}"))
            .industry("IT")
            .employees(n)
            .plan("enterprise")
            .custom_trait("tags", json!(["b2b", "priority", n % 13]))
            .custom_trait("score", json!(n as f64 * 0.37))
            .build()
            .expect("valid");
        raw.extend_from_slice(event.to_json().as_bytes());
        n += 1;
    }
    raw.extend_from_slice(b"],\"sentAt\":\"2026-01-01T00:00:00.000Z\"}");
    raw
}

fn bench(c: &mut Criterion) {
    let raw = body();
    let mut group = c.benchmark_group("batch_body");
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.sample_size(20);
    group.bench_function("gzip_level_6", |b| {
        b.iter(|| {
            let mut enc = GzEncoder::new(Vec::with_capacity(raw.len() / 4), Compression::new(6));
            enc.write_all(&raw).expect("in memory");
            enc.finish().expect("in memory")
        })
    });
    group.bench_function("crc32", |b| {
        b.iter(|| {
            let mut crc = flate2::Crc::new();
            crc.update(&raw);
            crc.sum()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
