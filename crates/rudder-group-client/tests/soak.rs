//! Real-time runs that take minutes: `make soak`, never the default `cargo test`.
//! (`required-features = ["soak"]`: built only with `--features soak`.)

mod common;
use common::*;
use rudder_group_client::Client;
use rudder_group_dataplane::Fault;
use std::time::{Duration, Instant};

#[test]
fn a_sixty_second_outage_is_ridden_through_with_the_default_retry_rules() {
    let plane = plane();
    let mut cfg = config(&plane.url());
    cfg.retry = Default::default();
    let client = Client::new(cfg).unwrap();
    let early = send(&client, 50);
    client.flush(None).unwrap();
    plane.inject(Fault::Outage { millis: 60_000 });
    let started = Instant::now();
    let during = send(&client, 300);
    let result = client.flush(Some(Duration::from_secs(180))).unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(59),
        "delivered only after the outage"
    );
    assert_eq!(
        (result.delivered, result.failed, result.dropped),
        (300, 0, 0)
    );
    assert!(client.stats().retried > 5);
    let all: Vec<String> = early.into_iter().chain(during).collect();
    assert_stored_once(&plane, &all);
}
