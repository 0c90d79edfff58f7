//! `rudder-group serve`: the local data plane as a process, for tests in any language.

use crate::ranges::count;
use rudder_group_dataplane::{Config, DataPlane};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;

/// `--max-in-flight`: at least one request (zero would answer every request 503; the faults API
/// does that on purpose), at most one per port.
const MAX_IN_FLIGHT: RangeInclusive<usize> = 1..=65_536;

/// `--rate-limit`: at least one request per second (zero would answer every request 429; the
/// faults API does that on purpose).
const RATE_LIMIT: RangeInclusive<usize> = 1..=1_000_000;

/// Runs a local RudderStack data plane until killed. Prints its URL as the first line on stdout.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// An accepted write key (repeat for several). Default: test-write-key.
    #[arg(long = "write-key")]
    pub write_keys: Vec<String>,
    /// A write key whose source is disabled (answered 404).
    #[arg(long = "disabled-write-key")]
    pub disabled_write_keys: Vec<String>,
    /// Also append every stored event to this file as NDJSON.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Requests handled at once before 503 (1 to 65,536).
    #[arg(long, value_name = "N", default_value = "64", value_parser = max_in_flight)]
    pub max_in_flight: usize,
    /// Requests per second before 429 (1 to 1,000,000; off by default, as in the real gateway).
    #[arg(long, value_name = "N", value_parser = rate_limit)]
    pub rate_limit: Option<u32>,
    /// Milliseconds added before every data request is answered, as a data plane that far away
    /// would (0 to 600,000; a hosted data plane is about 50).
    #[arg(long, value_name = "MS", default_value = "0", value_parser = latency_ms)]
    pub latency_ms: u64,
    /// The token the admin API (/_rudder_group/) then requires as `Authorization: Bearer
    /// <token>`. Needed off loopback: with a --host other than a loopback address and no token,
    /// one is made up and printed on stderr. On loopback the admin API needs none unless given.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "RUDDER_GROUP_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// Exit when standard input reaches its end: a test helper that starts serve with a pipe
    /// as its stdin is then never outlived by it, even when the helper's process is killed.
    #[arg(long)]
    pub exit_with_stdin: bool,
}

/// Reads standard input to its end on a thread of its own, then ends the process: the parent
/// holding the pipe's other end has closed it or died.
fn exit_when_stdin_ends() {
    let watch = std::thread::Builder::new()
        .name("stdin-watch".to_owned())
        .spawn(|| {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            loop {
                match std::io::Read::read(&mut stdin, &mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            std::process::exit(0);
        });
    if let Err(e) = watch {
        eprintln!("rudder-group serve: cannot watch stdin: {e}");
        std::process::exit(2);
    }
}

/// A token no one can guess: 128 bits from the system's random source (a UUID v4).
fn made_up_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn latency_ms(s: &str) -> Result<u64, String> {
    count(s, 0..=600_000).map(|n| n as u64)
}

fn max_in_flight(s: &str) -> Result<usize, String> {
    count(s, MAX_IN_FLIGHT)
}

fn rate_limit(s: &str) -> Result<u32, String> {
    let n = count(s, RATE_LIMIT)?;
    u32::try_from(n).map_err(|e| e.to_string())
}

/// Starts the data plane, prints its URL, and serves until the process is killed.
pub fn run(args: ServeArgs) -> ExitCode {
    let mut config = Config {
        addr: SocketAddr::new(args.host, args.port),
        disabled_write_keys: args.disabled_write_keys,
        store: args.store,
        max_in_flight: args.max_in_flight,
        rate_limit: args.rate_limit,
        latency: std::time::Duration::from_millis(args.latency_ms),
        ..Config::default()
    };
    if !args.write_keys.is_empty() {
        config.write_keys = args.write_keys;
    }
    let exposed = !args.host.is_loopback();
    let made_up = exposed && args.admin_token.as_deref().unwrap_or("").is_empty();
    config.admin_token = if made_up {
        Some(made_up_token())
    } else {
        args.admin_token.filter(|t| !t.is_empty())
    };
    let token = config.admin_token.clone();
    match DataPlane::start(config) {
        Ok(plane) => {
            // stdout is line-buffered: the URL line reaches a reading parent at once.
            println!("{}", plane.url());
            eprintln!(
                "rudder-group: local data plane listening on {} ({}); admin API under /_rudder_group/; stop with Ctrl-C",
                plane.addr(),
                plane.url()
            );
            if exposed {
                eprintln!(
                    "rudder-group: warning: {} is reachable from other machines; the admin API needs `Authorization: Bearer <token>`, and recorded requests have their authorization header redacted",
                    plane.addr()
                );
            }
            if let (true, Some(token)) = (made_up, token) {
                eprintln!("rudder-group: admin token: {token}");
            }
            if args.exit_with_stdin {
                exit_when_stdin_ends();
            }
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            eprintln!("rudder-group serve: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}
