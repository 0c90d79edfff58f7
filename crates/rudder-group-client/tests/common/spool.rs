//! Shared pieces of the spool tests: a client on a spool directory, events left in it, and
//! the segment format as the tests read it.

use super::{config, refusing_url, send, Outcomes};
use rudder_group::ErrorCode;
use rudder_group_client::{Client, ClientError, Config, Transport};
use std::path::Path;
use std::time::Duration;

pub fn spool_config(url: &str, dir: &Path) -> Config {
    let mut c = config(url);
    c.spool_dir = Some(dir.to_owned());
    c
}

/// A client whose events cannot leave (the data plane refuses connections), closed at once:
/// every event stays in the spool.
pub fn leave_in_spool(dir: &Path, n: usize, tune: impl FnOnce(&mut Config)) -> Vec<String> {
    let mut c = spool_config(&refusing_url(), dir);
    c.flush_at = 1_000_000;
    tune(&mut c);
    let outcomes = Outcomes::default();
    outcomes.attach(&mut c);
    let client = Client::new(c).expect("client");
    let ids = send(&client, n);
    let err = client
        .close(Some(Duration::ZERO))
        .expect_err("nothing could be sent");
    assert_eq!(err.code(), ErrorCode::FlushTimeout);
    drop(client);
    assert!(
        outcomes.all().is_empty(),
        "left in the spool, not reported: {:?}",
        outcomes.all()
    );
    ids
}

/// A segment starts with a header: this magic, then the format's version (one byte).
pub const SEGMENT_MAGIC: &[u8] = b"RGSPOOL";
pub const SEGMENT_VERSION: u8 = 1;

/// Where a segment's records start: after its header.
pub fn records_start(log: &[u8]) -> usize {
    let header = SEGMENT_MAGIC.len() + 1;
    assert_eq!(
        &log[..SEGMENT_MAGIC.len()],
        SEGMENT_MAGIC,
        "a segment's magic"
    );
    assert_eq!(
        log[SEGMENT_MAGIC.len()],
        SEGMENT_VERSION,
        "a segment's version"
    );
    header
}

/// Where the record at `at` ends: records are framed by their payload's length (u32,
/// little-endian) and a checksum (u32).
pub fn frame(log: &[u8], at: usize) -> usize {
    let len = u32::from_le_bytes(log[at..at + 4].try_into().expect("4 bytes"));
    at + 8 + len as usize
}

/// Where a segment's records end: the zeroes it was made of follow.
pub fn records_end(log: &[u8]) -> usize {
    let mut at = records_start(log);
    while at + 8 <= log.len() && log[at..at + 8] != [0; 8] {
        at = frame(log, at);
    }
    assert!(
        log[at..].iter().all(|b| *b == 0),
        "zeroes after the records"
    );
    at
}

pub fn memory_client(dir: &Path) -> (Client, Outcomes) {
    let mut c = spool_config("http://127.0.0.1:9", dir);
    c.transport = Transport::Memory;
    let outcomes = Outcomes::default();
    outcomes.attach(&mut c);
    (Client::new(c).expect("client"), outcomes)
}

/// A client of the in-memory transport on `dir`, or why it could not open.
pub fn memory_client_result(dir: &Path) -> Result<Client, ClientError> {
    let mut c = spool_config("http://127.0.0.1:9", dir);
    c.transport = Transport::Memory;
    Client::new(c)
}

pub fn sent_ids(client: &Client) -> Vec<String> {
    client
        .sent_events()
        .iter()
        .map(|e| e["messageId"].as_str().expect("messageId").to_owned())
        .collect()
}
