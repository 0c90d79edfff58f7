//! The spool's record format: every record is framed by its length and a CRC-32 of its
//! payload, so that a torn tail or a damaged byte is found when the log is read back.
//!
//! ```text
//! record  = len:u32le crc:u32le payload[len]          crc = CRC-32 (IEEE) of payload
//! segment = "RGSPOOL" version:u8 record* zeroes        version 1 (see `segment`); zeroes where
//!                                                       a record's header would start end the log
//!         | record* zeroes                              written before segments had a header
//! payload = 1 seq:u64 lane:u64 id_len:u16 message_id splice:u32 wire     an event
//!         | 2 seq:u64*                                                   events finished
//! ```
//!
//! `lane` is the identity's stable hash (the client's lane is `lane % lanes`), so that a client
//! started with another number of lanes still keeps each identity's events in one lane.

use rudder_group::WireEvent;

/// Bytes before the payload: its length and checksum.
pub(crate) const HEADER: usize = 8;
/// An event record's bytes around its message id and wire bytes.
pub(crate) const EVENT_OVERHEAD: usize = HEADER + 1 + 8 + 8 + 2 + 4;

const EVENT: u8 = 1;
const DONE: u8 = 2;

/// A record read back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Record {
    /// An event accepted by `group()`.
    Event(Event),
    /// Events that reached a terminal outcome: they need not be sent again.
    Done(Vec<u64>),
}

/// An event as stored.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub seq: u64,
    pub lane: u64,
    pub message_id: String,
    pub wire: WireEvent,
}

/// How reading a record at some offset went.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// A whole, intact record of `len` bytes (header included).
    Record(Record, usize),
    /// No byte left: the log ends cleanly here.
    End,
    /// The bytes left are too few for the record they start (a torn tail), or fail their
    /// checksum, or do not decode: nothing after this offset can be trusted in this segment.
    Damaged,
}

fn crc(payload: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(payload);
    c.sum()
}

/// Appends the record of one event to `out`.
pub(crate) fn event(out: &mut Vec<u8>, seq: u64, lane: u64, message_id: &str, wire: &WireEvent) {
    let id = &message_id.as_bytes()[..message_id.len().min(u16::MAX as usize)];
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    out.push(EVENT);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&lane.to_le_bytes());
    out.extend_from_slice(&(id.len() as u16).to_le_bytes());
    out.extend_from_slice(id);
    out.extend_from_slice(&(wire.splice() as u32).to_le_bytes());
    out.extend_from_slice(wire.bytes());
    seal(out, start);
}

/// Appends the record saying that these events are finished.
pub(crate) fn done(out: &mut Vec<u8>, seqs: &[u64]) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER]);
    out.push(DONE);
    for s in seqs {
        out.extend_from_slice(&s.to_le_bytes());
    }
    seal(out, start);
}

fn seal(out: &mut [u8], start: usize) {
    let payload = &out[start + HEADER..];
    let len = payload.len() as u32;
    let sum = crc(payload);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + HEADER].copy_from_slice(&sum.to_le_bytes());
}

/// Reads the record that starts at `bytes[0]`.
pub(crate) fn read(bytes: &[u8]) -> Read {
    // Segments are made of zeroes, and a record's header is stored last: a header of zeroes is
    // where the log ends. So are the zeroes left at a segment's end when a record filled it to
    // fewer than a header's bytes (or to none): no record can start there.
    let head = &bytes[..bytes.len().min(HEADER)];
    if head.iter().all(|b| *b == 0) {
        return Read::End;
    }
    let Some(header) = bytes.get(..HEADER) else {
        return Read::Damaged;
    };
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let sum = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let Some(payload) = bytes.get(HEADER..HEADER + len) else {
        return Read::Damaged;
    };
    if crc(payload) != sum {
        return Read::Damaged;
    }
    match decode(payload) {
        Some(record) => Read::Record(record, HEADER + len),
        None => Read::Damaged,
    }
}

fn decode(payload: &[u8]) -> Option<Record> {
    let (&kind, rest) = payload.split_first()?;
    match kind {
        EVENT => {
            let mut r = Reader(rest);
            let seq = r.u64()?;
            let lane = r.u64()?;
            let id_len = r.u16()? as usize;
            let message_id = String::from_utf8(r.take(id_len)?.to_vec()).ok()?;
            let splice = r.u32()? as usize;
            let wire = WireEvent::from_parts(r.0.to_vec(), splice)?;
            Some(Record::Event(Event {
                seq,
                lane,
                message_id,
                wire,
            }))
        }
        DONE if rest.len() % 8 == 0 => Some(Record::Done(
            rest.chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        )),
        _ => None,
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_group::GroupEvent;

    fn wire() -> (String, WireEvent) {
        let e = GroupEvent::builder("g").user_id("u").build().unwrap();
        (e.message_id().to_owned(), e.into_wire())
    }

    #[test]
    fn an_event_and_a_done_record_read_back() {
        let (id, w) = wire();
        let mut log = Vec::new();
        event(&mut log, 7, 42, &id, &w);
        let first = log.len();
        assert_eq!(first, EVENT_OVERHEAD + id.len() + w.bytes().len());
        done(&mut log, &[7, 9]);
        let Read::Record(Record::Event(e), n) = read(&log) else {
            panic!("no event")
        };
        assert_eq!(
            (n, e.seq, e.lane, e.message_id.as_str()),
            (first, 7, 42, id.as_str())
        );
        assert_eq!(e.wire, w);
        assert_eq!(
            read(&log[first..]),
            Read::Record(Record::Done(vec![7, 9]), log.len() - first)
        );
        assert_eq!(read(&[]), Read::End);
        assert_eq!(read(&[0; 64]), Read::End);
        for left in 1..HEADER {
            assert_eq!(read(&vec![0; left]), Read::End, "{left} zeroes");
        }
    }

    /// Every prefix of a record is a torn record, and every flipped byte fails the checksum.
    #[test]
    fn any_torn_or_flipped_byte_is_damage() {
        let (id, w) = wire();
        let mut log = Vec::new();
        event(&mut log, 1, 1, &id, &w);
        for cut in 1..log.len() {
            assert_eq!(read(&log[..cut]), Read::Damaged, "cut at {cut}");
        }
        for at in 0..log.len() {
            let mut bad = log.clone();
            bad[at] ^= 0x20;
            assert_eq!(read(&bad), Read::Damaged, "flip at {at}");
        }
    }
}
