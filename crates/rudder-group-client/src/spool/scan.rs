//! Reading a spool directory at start: every segment in order, its events, its `done` records
//! and its damage.

use super::record::{self, Read, Record};
use super::segment::Segment;
use super::{Found, Location};
use std::collections::{BTreeMap, HashSet};
use std::fs::OpenOptions;
use std::path::Path;

/// What reading a directory found.
pub(crate) struct Scanned {
    pub segments: BTreeMap<u64, Segment>,
    /// Unfinished events, oldest first.
    pub found: Vec<Found>,
    /// Torn or damaged places; what followed each in its segment was not read.
    pub skipped: u64,
    pub next_seq: u64,
    pub last_segment: u64,
}

/// The file name of segment `id`.
pub(crate) fn segment_name(id: u64) -> String {
    format!("{id:020}.log")
}

/// Reads every segment of `dir` in order.
pub(crate) fn scan(dir: &Path) -> std::io::Result<Scanned> {
    let mut ids: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(id) = name.strip_suffix(".log").and_then(|n| n.parse().ok()) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    let mut out = Scanned {
        segments: BTreeMap::new(),
        found: Vec::new(),
        skipped: 0,
        next_seq: 0,
        last_segment: ids.last().copied().unwrap_or(0),
    };
    let mut finished = HashSet::new();
    for id in ids {
        let path = dir.join(segment_name(id));
        let file = OpenOptions::new().read(true).open(&path)?;
        let bytes = std::fs::read(&path)?;
        let mut at = 0;
        loop {
            match record::read(&bytes[at..]) {
                Read::End => break,
                Read::Damaged => {
                    out.skipped += 1;
                    break;
                }
                Read::Record(Record::Done(seqs), n) => {
                    finished.extend(seqs);
                    at += n;
                }
                Read::Record(Record::Event(e), n) => {
                    out.next_seq = out.next_seq.max(e.seq + 1);
                    out.found.push(Found {
                        location: Location {
                            segment: id,
                            offset: at as u64,
                            len: n as u32,
                            seq: e.seq,
                            wire_len: e.wire.wire_len() as u32,
                        },
                        lane: e.lane,
                        message_id: e.message_id.into(),
                    });
                    at += n;
                }
            }
        }
        let size = bytes.len() as u64;
        out.segments
            .insert(id, Segment::existing(file, size, at as u64, 0));
    }
    out.found.retain(|f| !finished.contains(&f.location.seq));
    for f in &out.found {
        if let Some(s) = out.segments.get_mut(&f.location.segment) {
            s.live += 1;
        }
    }
    out.found.sort_by_key(|f| f.location.seq);
    Ok(out)
}
