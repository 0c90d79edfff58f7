//! `serve` listens on loopback unless told otherwise. Its printed URL names loopback even for
//! an unspecified address, so the listening socket itself is read back from the kernel's table.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rudder-group");

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `rudder-group serve` with `args` and returns it with the port from its URL.
fn serve(args: &[&str]) -> (Server, u16) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rudder-group serve starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("its URL");
    let server = Server(child);
    let port = first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    (server, port)
}

/// The local addresses (as `/proc/net/tcp` spells them, e.g. `0100007F` for 127.0.0.1) of the
/// IPv4 sockets listening on `port`.
fn listening_on(port: u16) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let port = format!("{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (addr, state) = (fields.get(1)?, fields.get(3)?);
            let (ip, p) = addr.split_once(':')?;
            (p == port && *state == "0A").then(|| ip.to_owned())
        })
        .collect()
}

#[test]
fn serve_listens_on_loopback_by_default() {
    let (_server, port) = serve(&[]);
    assert_eq!(listening_on(port), ["0100007F"], "127.0.0.1 only");
}

#[test]
fn serve_listens_on_the_address_it_is_told() {
    // Another loopback address, so that the check is seen to read the real bind address.
    let (_server, port) = serve(&["--host", "127.0.0.2"]);
    assert_eq!(listening_on(port), ["0200007F"], "127.0.0.2 when asked");
}
