//! What the spool costs in memory per event held only on disk, during an outage: a client on a
//! spool whose data plane refuses connections takes N events (2,000,000 by default) with
//! `max_queue_events` 1,000, and prints its anonymous resident memory (`RssAnon`, Linux) at the
//! start, half way and at the end. The second half's growth per event is what each event held
//! only on disk costs; the rest is the same at any count (the 1,000 events in memory, and each
//! lane's batch read back while it retries, up to `max_batch_bytes`, and its request buffers).
//! Segment pages are page cache, not counted here.
//!
//! `cargo run --release -p rudder-group-client --example spool_memory -- [events]`

use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config};
use std::time::Duration;

/// A field of `/proc/self/status` in bytes (`None` off Linux).
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn event(i: usize) -> GroupEvent {
    GroupEvent::builder("12345")
        .user_id(format!("user-{}", i % 1000))
        .name("MyGroup")
        .industry("IT")
        .employees(450)
        .plan("basic")
        .custom_trait("seq", serde_json::json!(i))
        .build()
        .expect("a valid event")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let events: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 2_000_000,
    };
    let memory = 1_000;
    let dir =
        std::env::temp_dir().join(format!("rudder-group-spool-memory-{}", std::process::id()));
    // Nothing listens on the discard port: the data plane is down.
    let mut config = Config::new("key", "http://127.0.0.1:9");
    config.spool_dir = Some(dir.clone());
    config.max_spool_bytes = 8 << 30;
    config.max_queue_events = memory;
    config.shutdown_timeout = Duration::ZERO;
    let client = Client::new(config)?;
    let rss = || status_bytes("RssAnon:").ok_or("RssAnon is read on Linux only");
    let start = rss()?;
    let half = events / 2;
    for i in 0..half {
        client.enqueue(event(i))?;
    }
    let middle = rss()?;
    for i in half..events {
        client.enqueue(event(i))?;
    }
    let end = rss()?;
    let per_event = end.saturating_sub(middle) as f64 / (events - half).max(1) as f64;
    let fixed = end.saturating_sub(start) as f64 - per_event * events.saturating_sub(memory) as f64;
    println!(
        "{events} events, {memory} in memory: RssAnon {:.1} MB, {:.1} MB half way, {:.1} MB at the end: {per_event:.1} bytes per event held only on disk, {:.1} MB whatever their number",
        start as f64 / 1e6,
        middle as f64 / 1e6,
        end as f64 / 1e6,
        fixed / 1e6
    );
    let _ = client.close(Some(Duration::ZERO));
    drop(client);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
