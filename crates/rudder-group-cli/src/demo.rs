//! `rudder-group demo`: the main job end to end, against the embedded local data plane.

use crate::ranges::count;
use crate::report::plural;
use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config, Overflow};
use rudder_group_dataplane::{Config as PlaneConfig, DataPlane, DEFAULT_WRITE_KEY};
use serde_json::json;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Starts a local data plane on loopback, sends the spec's sample group call and N generated
/// ones through the client, and shows what the data plane received.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How many generated group calls to send after the sample (0 to 1,000,000).
    #[arg(long, value_name = "N", default_value = "100000", value_parser = events)]
    pub events: usize,
}

/// `--events`: at most a million, since the local data plane keeps every event in memory.
fn events(s: &str) -> Result<usize, String> {
    count(s, 0..=1_000_000)
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> ExitCode {
    let plane = match DataPlane::start(PlaneConfig::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rudder-group demo: cannot start the local data plane: {e}");
            return ExitCode::from(2);
        }
    };
    println!("local data plane: {}", plane.url());
    let mut config = Config::new(DEFAULT_WRITE_KEY, plane.url());
    // A bulk job waits for room instead of dropping.
    config.overflow = Overflow::Block;
    config.block_timeout = Duration::from_secs(60);
    let client = match Client::new(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rudder-group demo: {e}");
            return ExitCode::from(2);
        }
    };

    let started = Instant::now();
    // The RudderStack Group spec's own sample.
    let sample = GroupEvent::builder("12345")
        .user_id("1hKOmRA4el9Zt1WSfVJIVo4GRlm")
        .name("MyGroup")
        .industry("IT")
        .employees(450)
        .plan("basic")
        .build();
    let sample_id = match sample
        .map_err(|e| e.to_string())
        .and_then(|e| client.enqueue(e).map_err(|e| e.to_string()))
    {
        Ok(id) => id,
        Err(e) => {
            eprintln!("rudder-group demo: the sample was refused: {e}");
            return ExitCode::from(1);
        }
    };
    let plans = ["basic", "team", "enterprise"];
    let industries = ["IT", "Retail", "Finance", "Health"];
    let mut refused = 0u64;
    for i in 0..args.events {
        let event = GroupEvent::builder(format!("group-{}", i % 5_000))
            .user_id(format!("user-{i}"))
            .name(format!("Group {}", i % 5_000))
            .industry(industries[i % industries.len()])
            .employees(10 + i % 990)
            .plan(plans[i % plans.len()])
            .website("https://example.com")
            .custom_trait("tier", json!(i % 3))
            .custom_trait("region", json!("eu-west"))
            .build();
        match event
            .map_err(|e| e.to_string())
            .and_then(|e| client.enqueue(e).map_err(|e| e.to_string()))
        {
            Ok(_) => {}
            Err(e) => {
                refused += 1;
                eprintln!("rudder-group demo: event {i} refused: {e}");
            }
        }
    }
    let enqueued_in = started.elapsed();
    let closed = client.close(Some(Duration::from_secs(120)));
    let took = started.elapsed();
    let stats = client.stats();

    println!("\nThe sample group call as the data plane received it:");
    match plane
        .events()
        .into_iter()
        .find(|e| e["messageId"] == sample_id.as_str())
    {
        Some(e) => println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default()),
        None => println!("(not received)"),
    }
    let stored = plane.event_count();
    println!();
    println!(
        "sent:       {} group calls (the sample + {})",
        args.events + 1,
        args.events
    );
    println!("delivered:  {}", stats.delivered);
    println!("failed:     {}", stats.failed);
    println!("dropped:    {}", stats.dropped);
    println!(
        "stored:     {} at the data plane",
        plural(stored as u64, "event")
    );
    println!(
        "batches:    {}, {} gzipped",
        plural(stats.batches, "request"),
        plural(stats.bytes, "byte")
    );
    println!(
        "throughput: {:.0} events/s end to end ({:.2} s, enqueue {:.2} µs/call)",
        stats.delivered as f64 / took.as_secs_f64().max(1e-9),
        took.as_secs_f64(),
        enqueued_in.as_secs_f64() * 1e6 / (args.events + 1) as f64
    );
    if let Err(e) = closed {
        eprintln!("rudder-group demo: {e}");
        return ExitCode::from(1);
    }
    let all = (args.events + 1) as u64;
    if refused > 0 || stats.delivered != all || stored as u64 != all {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
