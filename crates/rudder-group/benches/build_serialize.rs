//! The caller's share of a group call: build + validate + serialize, against a plain
//! `serde_json::Value` built and serialized, and parsing + validating the canonical text.
//!
//! The event is the seed sample (groupId, userId, name, industry, employees, plan) plus ten
//! custom traits; each iteration makes a fresh messageId and reads the clock, as a real call does.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rudder_group::serde_json::{self, json, Value};
use rudder_group::{time, GroupEvent, GroupEventBuilder};
use std::hint::black_box;

fn custom_traits(b: GroupEventBuilder) -> GroupEventBuilder {
    b.custom_trait("region", json!("eu-west"))
        .custom_trait("tier", json!(2))
        .custom_trait("mrr", json!(1234.5))
        .custom_trait("active", json!(true))
        .custom_trait("seats", json!(120))
        .custom_trait("owner", json!("ops@acme.example"))
        .custom_trait("tags", json!(["b2b", "saas"]))
        .custom_trait("trial", json!(false))
        .custom_trait("source", json!("website"))
        .custom_trait("score", json!(87))
}

fn build() -> GroupEvent {
    custom_traits(
        GroupEvent::builder("12345")
            .user_id("u-1001")
            .name("MyGroup")
            .industry("IT")
            .employees(450)
            .plan("basic"),
    )
    .build()
    .expect("a valid event")
}

fn as_value() -> Value {
    json!({
        "type": "group",
        "messageId": rudder_group::new_message_id(),
        "groupId": "12345",
        "userId": "u-1001",
        "traits": {
            "name": "MyGroup", "industry": "IT", "employees": 450, "plan": "basic",
            "region": "eu-west", "tier": 2, "mrr": 1234.5, "active": true, "seats": 120,
            "owner": "ops@acme.example", "tags": ["b2b", "saas"], "trial": false,
            "source": "website", "score": 87
        },
        "context": {"library": {"name": "rudder-group-rust", "version": rudder_group::VERSION}},
        "integrations": {"All": true},
        "originalTimestamp": time::now(),
        "channel": "server"
    })
}

fn benches(c: &mut Criterion) {
    let bytes = build().to_json().len() as u64;

    let mut g = c.benchmark_group("build_validate_serialize");
    g.throughput(Throughput::Bytes(bytes));
    let mut out = Vec::with_capacity(1024);
    g.bench_function("builder", |b| {
        b.iter(|| {
            out.clear();
            build().write_json(&mut out);
            black_box(out.len())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("serde_value_to_vec");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("json_macro", |b| {
        b.iter(|| serde_json::to_vec(&as_value()).expect("serializable"))
    });
    g.finish();

    let text = build().to_json();
    let mut g = c.benchmark_group("parse_validate");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("from_json", |b| {
        b.iter(|| GroupEvent::from_json(black_box(&text)).expect("valid"))
    });
    g.finish();
}

criterion_group!(build_serialize, benches);
criterion_main!(build_serialize);
