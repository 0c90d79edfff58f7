//! The steady-load soak's pieces: the data plane as its own process (`rudder-group serve`, so
//! that this process's memory is the client's alone), its admin API, and memory samples.

pub mod plot;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `rudder-group serve` on a free loopback port, killed on drop.
pub struct PlaneProcess {
    child: Child,
    pub url: String,
    agent: ureq::Agent,
}

fn binary() -> PathBuf {
    match std::env::var_os("RUDDER_GROUP_BIN") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/rudder-group"),
    }
}

impl PlaneProcess {
    pub fn start() -> PlaneProcess {
        let bin = binary();
        let mut child = Command::new(&bin)
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} (build it with make build-cli): {e}", bin.display()));
        let mut url = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut url)
            .expect("the data plane prints its URL");
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .proxy(None)
            .build()
            .into();
        PlaneProcess {
            child,
            url: url.trim().to_owned(),
            agent,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `POST /_rudder_group/faults` with one fault, e.g. `{"status":503,"next":2}`.
    pub fn fault(&self, fault: &serde_json::Value) {
        self.agent
            .post(format!("{}/_rudder_group/faults", self.url))
            .header("Content-Type", "application/json")
            .send(fault.to_string())
            .expect("the admin API answers");
    }

    /// `GET /_rudder_group/events`: how many times each messageId was stored.
    pub fn stored_ids(&self) -> std::collections::HashMap<String, u64> {
        let text = self
            .agent
            .get(format!("{}/_rudder_group/events", self.url))
            .call()
            .expect("the admin API answers")
            .body_mut()
            .with_config()
            .limit(4 << 30)
            .read_to_string()
            .expect("the events");
        let events: serde_json::Value = serde_json::from_str(&text).expect("events as JSON");
        let mut seen = std::collections::HashMap::new();
        for e in events.as_array().expect("an array") {
            let id = e["messageId"].as_str().expect("messageId").to_owned();
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }
}

impl Drop for PlaneProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process in KiB (`VmRSS`), or 0 when it cannot be read.
pub fn rss_kib(pid: Option<u32>) -> u64 {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// One sample of the run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub seconds: f64,
    pub client_rss_kib: u64,
    pub plane_rss_kib: u64,
    pub queued: u64,
}

/// The RSS curves (client blue, data plane red) and the queue (green), each scaled to its own
/// maximum, as a PNG; returns the scales for the summary.
pub fn plot(samples: &[Sample]) -> (Vec<u8>, String) {
    let mut canvas = plot::Canvas::new();
    let t_max = samples.last().map_or(1.0, |s| s.seconds).max(1.0);
    let max = |f: fn(&Sample) -> u64| samples.iter().map(f).max().unwrap_or(1).max(1);
    let (c_max, p_max, q_max) = (
        max(|s| s.client_rss_kib),
        max(|s| s.plane_rss_kib),
        max(|s| s.queued),
    );
    let series = |f: fn(&Sample) -> u64, top: u64| -> Vec<(f64, f64)> {
        samples
            .iter()
            .map(|s| (s.seconds / t_max, f(s) as f64 / top as f64))
            .collect()
    };
    // The client's RSS on the same scale as the plane's when that is larger, so that its
    // growth is not magnified.
    let rss_top = c_max.max(p_max);
    canvas.line(&series(|s| s.queued, q_max), [40, 160, 40]);
    canvas.line(&series(|s| s.plane_rss_kib, rss_top), [200, 40, 40]);
    canvas.line(&series(|s| s.client_rss_kib, rss_top), [30, 60, 200]);
    let scales = format!(
        "x: 0 to {t_max:.0} s in ten steps; blue: client RSS, red: data plane RSS, both 0 to {} MiB \
         at the top; green: events queued, 0 to {q_max} at the top",
        rss_top / 1024
    );
    (canvas.png(), scales)
}
