//! Reading a spool directory at start: which entries are segments the spool wrote, then every
//! segment in order, its events, its `done` records and its damage. Anything else in the
//! directory is neither read past its first record nor deleted: it is named in a warning.

use super::record::{self, Read, Record, HEADER};
use super::segment::{holding_mut, Segment, MAGIC, MAX_ID, SEGMENT_HEADER, VERSION};
use super::{Found, Location};
use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// What reading a directory found.
pub(crate) struct Scanned {
    /// The segments by their first places: in the order of their numbers, each takes the next
    /// `size` places of the log's address space from 0 (see [`super::Location`]).
    pub segments: BTreeMap<u64, Segment>,
    /// Unfinished events, oldest first.
    pub found: Vec<Found>,
    /// Torn or damaged places; what followed each in its segment was not read.
    pub skipped: u64,
    pub next_seq: u64,
    /// The first place after the segments.
    pub next_place: u64,
}

/// The file name of segment `id`: 20 digits, so that names sort as numbers.
pub(crate) fn segment_name(id: u64) -> String {
    format!("{id:020}.log")
}

/// The number a segment's name carries: exactly 20 ASCII digits then `.log`, at most
/// [`MAX_ID`]. Any other name is not a segment's.
fn segment_id(name: &OsStr) -> Option<u64> {
    let digits = name.to_str()?.strip_suffix(".log")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id <= MAX_ID)
}

/// A segment the spool wrote: its file, its bytes, and where its records start.
struct Written {
    file: File,
    bytes: Vec<u8>,
    start: usize,
}

/// Whether the file at `path` (named like a segment) is one the spool wrote, or why not.
/// It is opened without following a link, and read past its first record only if it is.
fn written(path: &Path) -> io::Result<Result<Written, &'static str>> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Ok(Err("not a regular file"));
    }
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(Err("a symbolic link")),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Ok(Err("not a regular file"));
    }
    let size = meta.len();
    let mut head = [0u8; SEGMENT_HEADER];
    if size < head.len() as u64 {
        return Ok(Err("too short for a segment"));
    }
    file.read_exact_at(&mut head, 0)?;
    let start = if head[..MAGIC.len()] == MAGIC[..] {
        if head[MAGIC.len()] != VERSION {
            return Ok(Err("a segment of another format (a newer rudder-group?)"));
        }
        SEGMENT_HEADER
    } else if first_record_decodes(&file, &head, size)? {
        // Written before segments had a header: records from the first byte.
        0
    } else {
        return Ok(Err("not written by the spool"));
    };
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    (&file).read_to_end(&mut bytes)?;
    Ok(Ok(Written { file, bytes, start }))
}

/// Whether the file starts with a whole record (the mark of a segment without a header).
fn first_record_decodes(file: &File, head: &[u8; SEGMENT_HEADER], size: u64) -> io::Result<bool> {
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as u64;
    let whole = HEADER as u64 + len;
    if whole > size {
        return Ok(false);
    }
    let mut first = vec![0; whole as usize];
    file.read_exact_at(&mut first, 0)?;
    Ok(matches!(record::read(&first), Read::Record(..)))
}

/// Reads every segment of `dir` in order; warns about the entries that are not the spool's.
pub(crate) fn scan(dir: &Path) -> io::Result<Scanned> {
    let mut ours: BTreeMap<u64, Written> = BTreeMap::new();
    let mut foreign: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        if name == "LOCK" {
            continue;
        }
        let why = match segment_id(&name) {
            Some(id) => match written(&dir.join(&name))? {
                Ok(w) => {
                    ours.insert(id, w);
                    continue;
                }
                Err(why) => why,
            },
            None => "not named as a segment",
        };
        foreign.push(format!("{} ({why})", name.to_string_lossy()));
    }
    warn_foreign(dir, &mut foreign);
    let mut out = Scanned {
        segments: BTreeMap::new(),
        found: Vec::new(),
        skipped: 0,
        next_seq: 0,
        next_place: 0,
    };
    let mut finished = HashSet::new();
    for (id, Written { file, bytes, start }) in ours {
        let first = out.next_place;
        let size = bytes.len() as u64;
        out.next_place = first
            .checked_add(size)
            .ok_or_else(|| io::Error::other("the spool's segments are too large together"))?;
        let mut at = start;
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
                    // Lengths past u32 (only a file larger than 4 GiB holds them) are damage.
                    let lens = (u32::try_from(n), u32::try_from(e.wire.wire_len()));
                    let (Ok(len), Ok(wire_len)) = lens else {
                        out.skipped += 1;
                        break;
                    };
                    out.next_seq = out.next_seq.max(e.seq.saturating_add(1));
                    out.found.push(Found {
                        location: Location {
                            place: first + at as u64,
                            seq: e.seq,
                            len,
                            wire_len,
                        },
                        lane: e.lane,
                    });
                    at += n;
                }
            }
        }
        out.segments
            .insert(first, Segment::existing(id, file, size, at as u64, 0));
    }
    out.found.retain(|f| !finished.contains(&f.location.seq));
    for f in &out.found {
        if let Some((_, s)) = holding_mut(&mut out.segments, f.location.place) {
            s.live += 1;
        }
    }
    out.found.sort_by_key(|f| f.location.seq);
    Ok(out)
}

/// One warning naming what the spool leaves alone (the first ten entries, then a count).
fn warn_foreign(dir: &Path, foreign: &mut [String]) {
    if foreign.is_empty() {
        return;
    }
    foreign.sort();
    let shown = foreign.len().min(10);
    let more = match foreign.len() - shown {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    log::warn!(
        "rudder-group: the spool {} holds entries it did not write, left alone: {}{more}",
        dir.display(),
        foreign[..shown].join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_twenty_digits_up_to_the_highest_number_name_a_segment() {
        let id = |n: &str| segment_id(OsStr::new(n));
        assert_eq!(id("00000000000000000007.log"), Some(7));
        assert_eq!(id(&segment_name(MAX_ID)), Some(MAX_ID));
        for other in [
            "1.log",
            "+1.log",
            "+0000000000000000001.log",
            "18446744073709551615.log",
            "99999999999999999999.log",
            "09223372036854775808.log",
            "00000000000000000007.log.tmp",
            "00000000000000000007",
            "０0000000000000000007.log",
        ] {
            assert_eq!(id(other), None, "{other}");
        }
    }
}
