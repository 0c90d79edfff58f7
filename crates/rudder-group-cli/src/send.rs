//! `rudder-group send`: NDJSON group payloads in, delivered through the client.

use crate::failures::Failures;
use crate::lines::{for_each_line, open_input};
use crate::payload::{max_line_bytes, parse};
use crate::ranges::wait_seconds;
use crate::report::{line_report, plural};
use crate::settings_args::SettingArgs;
use indicatif::{ProgressBar, ProgressStyle};
use rudder_group::{Issue, Library};
use rudder_group_client::settings::Value;
use rudder_group_client::{Client, Config, LogRecord, Stats};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Validates and delivers group payloads, one JSON object per line.
///
/// messageId, originalTimestamp, context and integrations are kept when given and filled when
/// absent. Invalid lines are reported on stderr (one JSON line each, as `validate` prints them)
/// and not sent. Events that fail or are dropped are counted by reason on stderr, e.g.
/// `250 failed: 401 invalid write key`. Exit status 1 if any line was invalid or any event
/// failed or was dropped; 2 on a usage or I/O error.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The source's write key.
    #[arg(long, env = "RUDDER_WRITE_KEY", hide_env_values = true)]
    pub write_key: String,
    /// The data plane URL (`/v1/batch` is added).
    #[arg(long, env = "RUDDER_DATA_PLANE_URL")]
    pub data_plane_url: String,
    /// The NDJSON file; '-' or nothing reads stdin.
    pub file: Option<PathBuf>,
    /// The client settings given as flags (from the settings table).
    #[command(flatten)]
    pub settings: SettingArgs,
    /// Seconds to wait for delivery at the end (0 to 86,400, fractions allowed).
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = wait_seconds)]
    pub timeout: Duration,
    /// Print each request (its answer and time), retry (why, and the wait) and batch split on
    /// stderr as they happen, and each failure as it is decided. Never the write key.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Runs the command.
pub fn run(args: SendArgs) -> ExitCode {
    let failures = Failures::new(&args.write_key);
    let mut config = Config::new(args.write_key, args.data_plane_url);
    // A file is read as fast as it can be delivered: wait for room (up to an hour) rather than
    // drop.
    let block = [
        ("overflow", Value::Str("block".to_owned())),
        ("block_timeout", Value::Float(3600.0)),
    ];
    let policy = block
        .iter()
        .try_for_each(|(name, value)| config.set(Library::Rust, name, value));
    if let Err(e) = policy.and_then(|()| args.settings.apply(&mut config)) {
        eprintln!("rudder-group send: {e}");
        return ExitCode::from(2);
    }
    config.on_outcome = Some(failures.callback());
    if args.verbose {
        config.on_log = Some(Arc::new(|r: &LogRecord| {
            eprintln!("rudder-group send: {}: {}", r.level.as_str(), r.message)
        }));
    }
    let spooled = config.spool_dir.is_some();
    let options = config.event_options.clone();
    let client = match Client::new(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rudder-group send: {e}");
            return ExitCode::from(2);
        }
    };
    let input = match open_input(args.file.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rudder-group send: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} events read {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    });
    let started = Instant::now();
    let mut invalid = 0u64;
    let mut stderr = std::io::stderr().lock();
    let max_line = max_line_bytes(options.max_event_bytes);
    let result = for_each_line(input, max_line, |line_no, line| {
        let refused = match parse(line, &options) {
            Ok(event) => client
                .enqueue(event)
                .err()
                .map(|e| vec![Issue::error(e.code(), "", e.to_string())]),
            Err(issues) => Some(issues),
        };
        if let Some(issues) = refused {
            invalid += 1;
            let _ = writeln!(stderr, "{}", line_report(line_no, false, &issues));
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        Ok(())
    });
    drop(stderr);
    if let Err(e) = result {
        eprintln!("rudder-group send: reading input: {e}");
        let _ = client.close(Some(args.timeout));
        return ExitCode::from(2);
    }
    if let Some(bar) = &bar {
        bar.set_message("delivering…");
    }
    let closed = client.close(Some(args.timeout));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let stats = client.stats();
    print_summary(&stats, invalid, started.elapsed(), spooled);
    for line in failures.lines() {
        eprintln!("rudder-group send: {line}");
    }
    if let Err(e) = closed {
        eprintln!("rudder-group send: {e}");
        return ExitCode::from(1);
    }
    if invalid > 0 || stats.failed > 0 || stats.dropped > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_summary(s: &Stats, invalid: u64, took: Duration, spooled: bool) {
    let rate = s.delivered as f64 / took.as_secs_f64().max(1e-9);
    println!(
        "{} delivered, {} failed, {} dropped, {} invalid; {}, {} retried, {} sent; {:.1} s ({:.0} events/s)",
        s.delivered,
        s.failed,
        s.dropped,
        invalid,
        plural(s.batches, "request"),
        s.retried,
        plural(s.bytes, "byte"),
        took.as_secs_f64(),
        rate
    );
    if s.recovered > 0 || s.spool_skipped > 0 {
        println!(
            "spool: {} left by an earlier run {} sent again; {} skipped",
            plural(s.recovered, "event"),
            if s.recovered == 1 { "was" } else { "were" },
            plural(s.spool_skipped, "torn or damaged place"),
        );
    }
    // With a spool, an event dropped was never accepted (the spool was full): every accepted
    // event without an outcome is still in the spool.
    let left = (s.enqueued + s.recovered).saturating_sub(s.delivered + s.failed);
    if spooled && left > 0 {
        println!(
            "spool: {} not yet delivered {} in the spool for the next run",
            plural(left, "event"),
            if left == 1 { "stays" } else { "stay" }
        );
    }
}
