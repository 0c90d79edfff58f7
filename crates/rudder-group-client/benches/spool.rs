//! What the durable spool costs, next to the memory queue on the same run: the caller's cost
//! of `enqueue` per `spool_sync` setting, and end-to-end throughput against the local data
//! plane answering at once (0 ms). Prints figures and ratios; asserts nothing about time.
//!
//! `cargo bench -p rudder-group-client --bench spool` (SPOOL_BENCH_EVENTS sets the end-to-end
//! count, 100,000 by default).

use rudder_group::GroupEvent;
use rudder_group_client::{Client, Config, SpoolSync, Transport};
use rudder_group_dataplane::DataPlane;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;

fn seed(n: usize) -> GroupEvent {
    common::seed_event(&format!("user-{}", n % 1000))
}

#[derive(Clone, Copy)]
enum Queue {
    Memory,
    Spool(SpoolSync),
}

impl Queue {
    fn name(self) -> &'static str {
        match self {
            Queue::Memory => "memory queue",
            Queue::Spool(SpoolSync::Event) => "spool, sync per event",
            Queue::Spool(SpoolSync::Group) => "spool, group commit",
            Queue::Spool(SpoolSync::Interval) => "spool, sync every 1 s",
        }
    }
}

fn spool_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spool-bench");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn configure(config: &mut Config, queue: Queue) {
    config.max_queue_events = 10_000_000;
    config.max_queue_bytes = 4 << 30;
    if let Queue::Spool(sync) = queue {
        config.spool_dir = Some(spool_dir());
        config.spool_sync = sync;
        config.max_spool_bytes = 4 << 30;
    }
}

/// CPU time of the calling thread: what the caller pays, whatever else the machine runs.
#[cfg(unix)]
fn thread_cpu() -> Duration {
    // SAFETY: a valid clock id and a timespec the call writes.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// The spool runs on Unix systems only (where the bench runs at all).
#[cfg(not(unix))]
fn thread_cpu() -> Duration {
    Duration::ZERO
}

/// The caller's cost of one `enqueue` of a built event over `n` events, in ns of wall time and
/// of the caller's CPU time. Nothing is sent while it is measured (test mode, batches held
/// back).
fn enqueue_ns(queue: Queue, n: usize) -> (f64, f64) {
    let mut config = Config::new("key", "http://127.0.0.1:9");
    config.transport = Transport::Memory;
    config.flush_at = 1_000_000;
    config.flush_interval = Duration::from_secs(86_400);
    configure(&mut config, queue);
    let client = Client::new(config).expect("client");
    let events: Vec<GroupEvent> = (0..n).map(seed).collect();
    let (start, cpu) = (Instant::now(), thread_cpu());
    for e in events {
        client.enqueue(e).expect("enqueued");
    }
    let (took, cpu) = (start.elapsed(), thread_cpu() - cpu);
    client.close(None).expect("closed");
    let per = |d: Duration| d.as_nanos() as f64 / n as f64;
    (per(took), per(cpu))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Events per second from the first enqueue to `close` returning, every event delivered.
fn end_to_end(queue: Queue, plane: &DataPlane, n: usize) -> f64 {
    plane.reset();
    let mut config = Config::new("test-write-key", plane.url());
    configure(&mut config, queue);
    let client = Client::new(config).expect("client");
    let start = Instant::now();
    for i in 0..n {
        client.enqueue(seed(i)).expect("enqueued");
    }
    let result = client.close(None).expect("closed");
    let took = start.elapsed();
    assert_eq!(result.delivered, n as u64);
    n as f64 / took.as_secs_f64()
}

fn main() {
    if !cfg!(unix) {
        println!("the spool needs a Unix system; nothing to measure");
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let (n, runs) = if quick { (500, 1) } else { (50_000, 7) };
    let loads = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", loads.trim());
    println!("enqueue of a built event, caller's cost (median of {runs} interleaved runs):");
    let queues = [
        Queue::Memory,
        Queue::Spool(SpoolSync::Group),
        Queue::Spool(SpoolSync::Interval),
        Queue::Spool(SpoolSync::Event),
    ];
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); queues.len()];
    for _ in 0..runs {
        for (queue, (wall, cpu)) in queues.iter().zip(&mut samples) {
            // A disk flush per event: fewer events, or the run takes minutes on a real disk.
            let n = match queue {
                Queue::Spool(SpoolSync::Event) => (n / 25).max(1),
                _ => n,
            };
            let (w, c) = enqueue_ns(*queue, n);
            wall.push(w);
            cpu.push(c);
        }
    }
    let mut memory = (0.0, 0.0);
    for (queue, (wall, cpu)) in queues.iter().zip(samples) {
        let (wall, cpu) = (median(wall), median(cpu));
        if matches!(queue, Queue::Memory) {
            memory = (wall, cpu);
            println!(
                "  {:<24} wall {:>9.0} ns   caller CPU {:>7.0} ns",
                queue.name(),
                wall,
                cpu
            );
        } else {
            println!(
                "  {:<24} wall {:>9.0} ns   caller CPU {:>7.0} ns  (+{:.2} µs CPU per event, {:.2}x wall)",
                queue.name(),
                wall,
                cpu,
                (cpu - memory.1) / 1000.0,
                wall / memory.0
            );
        }
    }
    let n: usize = std::env::var("SPOOL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1000 } else { 100_000 });
    let plane = DataPlane::start(Default::default()).expect("data plane");
    println!("end to end, {n} events to the local data plane at 0 ms (median of {runs} interleaved runs):");
    let (mut memory, mut spool) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        memory.push(end_to_end(Queue::Memory, &plane, n));
        spool.push(end_to_end(Queue::Spool(SpoolSync::Group), &plane, n));
    }
    let (memory, spool) = (median(memory), median(spool));
    println!("  {:<24} {:>9.0} events/s", Queue::Memory.name(), memory);
    println!(
        "  {:<24} {:>9.0} events/s  ({:.0}% of the memory queue)",
        Queue::Spool(SpoolSync::Group).name(),
        spool,
        100.0 * spool / memory
    );
    let loads = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", loads.trim());
    let _ = std::fs::remove_dir_all(spool_dir());
}
