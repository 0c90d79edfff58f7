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

mod steady;

/// `SOAK_SECONDS` (default 1,800) of steady load, about 200 events a second, while a random
/// fault hits the data plane every few seconds (bursts of 429/500/503, dropped connections,
/// latency past the request timeout, outages of up to 5 s, 413, and a rare 400 that fails its
/// batch for good). At the end: events in == delivered + failed + dropped, every delivered
/// event stored, and the client's RSS sampled every second, written with the queue's depth as
/// `target/soak/rss.png` (`SOAK_OUT` names another directory) next to `summary.txt`.
#[test]
fn steady_load_with_random_faults() {
    use rand::{Rng, SeedableRng};
    use rudder_group_client::ClientError;
    use serde_json::json;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use steady::{rss_kib, PlaneProcess, Sample};

    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_800);
    let out_dir = std::env::var_os("SOAK_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/soak")
        });
    let plane = PlaneProcess::start();
    let mut cfg = config(&plane.url);
    cfg.flush_interval = Duration::from_millis(200);
    cfg.request_timeout = Duration::from_secs(2);
    cfg.max_queue_events = 5_000;
    cfg.retry.max_elapsed = Duration::from_secs(30);
    cfg.retry.max_backoff = Duration::from_secs(1);
    let client = Client::new(cfg).unwrap();
    let run = Duration::from_secs(seconds);
    let started = Instant::now();
    let stop = AtomicBool::new(false);
    let (accepted, refused) = (AtomicU64::new(0), AtomicU64::new(0));
    let mut samples = Vec::new();
    let mut faults = Vec::new();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                for _ in 0..2 {
                    match client.enqueue(event(n)) {
                        Ok(_) => accepted.fetch_add(1, Ordering::SeqCst),
                        Err(ClientError::QueueFull { .. }) => {
                            refused.fetch_add(1, Ordering::SeqCst)
                        }
                        Err(e) => panic!("enqueue: {e}"),
                    };
                    n += 1;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x50A4);
        let mut next_fault = Instant::now() + Duration::from_secs(2);
        while started.elapsed() < run {
            std::thread::sleep(Duration::from_secs(1));
            samples.push(Sample {
                seconds: started.elapsed().as_secs_f64(),
                client_rss_kib: rss_kib(None),
                plane_rss_kib: rss_kib(Some(plane.pid())),
                queued: client.stats().queued,
            });
            if Instant::now() >= next_fault {
                let k = rng.random_range(1..=4);
                let fault = match rng.random_range(0..20) {
                    0..=3 => json!({"status": 500, "next": k}),
                    4..=7 => json!({"status": 503, "next": k}),
                    8..=9 => json!({"status": 429, "retry_after": "1", "next": 1}),
                    10..=12 => json!({"drop": true, "next": k}),
                    13..=14 => json!({"latency_ms": 2_500, "next": 1}),
                    15..=17 => json!({"outage_ms": rng.random_range(500..5_000)}),
                    18 => json!({"status": 413, "next": 1}),
                    _ => json!({"status": 400, "next": 1}),
                };
                plane.fault(&fault);
                faults.push(fault);
                next_fault = Instant::now() + Duration::from_millis(rng.random_range(1_000..6_000));
            }
        }
        stop.store(true, Ordering::SeqCst);
    });
    let result = client.flush(Some(Duration::from_secs(300))).unwrap();
    let s = client.stats();
    let events_in = accepted.load(Ordering::SeqCst) + refused.load(Ordering::SeqCst);
    let stored = plane.stored_ids();
    let duplicates = stored.values().filter(|&&n| n > 1).count();
    let (png, scales) = steady::plot(&samples);
    let rss = |i: usize| samples.get(i).map_or(0, |s| s.client_rss_kib);
    let summary = format!(
        "soak: {seconds} s, {} faults\nevents in {events_in} = delivered {} + failed {} + dropped {} \
         (queue full {})\nrequests {}, retried {}, stored {} distinct, {duplicates} stored more than once\n\
         client RSS: {} KiB after 10 s, {} KiB at the end, {} KiB at most\nplot: {scales}\n",
        faults.len(),
        s.delivered,
        s.failed,
        s.dropped,
        refused.load(Ordering::SeqCst),
        s.batches,
        s.retried,
        stored.len(),
        rss(9),
        rss(samples.len().saturating_sub(1)),
        samples.iter().map(|s| s.client_rss_kib).max().unwrap_or(0),
    );
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("rss.png"), png).unwrap();
    std::fs::write(out_dir.join("summary.txt"), &summary).unwrap();
    println!("{summary}written to {}", out_dir.display());
    assert_eq!(s.queued, 0);
    assert_eq!(s.enqueued, accepted.load(Ordering::SeqCst));
    assert_eq!(
        s.delivered + s.failed + s.dropped,
        events_in,
        "nothing lost"
    );
    assert_eq!(
        s.dropped,
        refused.load(Ordering::SeqCst),
        "only the overflow dropped"
    );
    assert_eq!(
        stored.len() as u64,
        s.delivered,
        "every delivered event stored"
    );
    assert!(result.delivered > 0);
}
