//! The log: appends (the callers), reads back and `done` records (the lanes), deletion of
//! finished segments, and the syncer thread.

use super::lock::DirLock;
use super::record::{self, Read, Record, HEADER};
use super::scan::segment_name;
use super::segment::{holding, holding_mut, Segment, MAX_ID, SEGMENT_HEADER};
use super::{Location, Refused};
use crate::config::{Config, SpoolSync};
use rudder_group::WireEvent;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

struct Writer {
    /// The segments by their first place: each takes the next `size` places of the log's
    /// address space, in the order read or made, so a [`Location`]'s place names one.
    segments: BTreeMap<u64, Segment>,
    /// The first place of the segment appended to.
    active: u64,
    /// Where the next segment's places start.
    next_place: u64,
    /// The highest segment number read or made: a new segment takes a higher one.
    last_id: u64,
    /// The segments' sizes on disk.
    total_bytes: u64,
    next_seq: u64,
    /// Segments with appends not yet flushed (by the syncer).
    unsynced: Vec<Arc<File>>,
    /// The directory changed (a segment made or deleted) since its last flush.
    dir_unsynced: bool,
    syncer_idle: bool,
    closed: bool,
    buf: Vec<u8>,
}

/// The log itself, shared by the callers (appends) and the lanes (reads, `done`).
pub(crate) struct Log {
    dir: PathBuf,
    /// The directory's lock: segments are made and deleted only while it is held.
    lock: DirLock,
    sync: SpoolSync,
    interval: Duration,
    segment_bytes: u64,
    max_bytes: u64,
    writer: Mutex<Writer>,
    wake: Condvar,
}

/// An append that must be flushed before `group()` returns (`spool_sync` "event").
pub(crate) struct MustSync(Arc<File>, Option<PathBuf>);

impl MustSync {
    pub fn sync(self) {
        if let Err(e) = self.0.sync_data() {
            log::error!("rudder-group: flushing the spool failed: {e}");
        }
        if let Some(dir) = self.1 {
            sync_dir(&dir);
        }
    }
}

impl Log {
    /// The log of `dir`, with the segments an earlier client left (by their first places, the
    /// next free place `next_place`), and a fresh segment to append to. Segments with nothing
    /// left to send are deleted.
    pub fn open(
        config: &Config,
        dir: &Path,
        lock: DirLock,
        segments: BTreeMap<u64, Segment>,
        next_seq: u64,
        next_place: u64,
    ) -> std::io::Result<Log> {
        let max_bytes = config.max_spool_bytes as u64;
        // A sixteenth of the bound, so that finished segments free it in steps; at least 64 KiB
        // unless the bound is small, at most 8 MiB (allocated at once, read back whole at start).
        let segment_bytes = (max_bytes / 16).clamp((64 << 10).min(max_bytes / 4), 8 << 20);
        let total_bytes = segments.values().map(|s| s.size).sum();
        let last_id = segments.values().map(|s| s.id).max().unwrap_or(0);
        let log = Log {
            dir: dir.to_owned(),
            lock,
            sync: config.spool_sync,
            interval: config.spool_sync_interval,
            segment_bytes,
            max_bytes,
            writer: Mutex::new(Writer {
                segments,
                active: next_place,
                next_place,
                last_id,
                total_bytes,
                next_seq,
                unsynced: Vec::new(),
                dir_unsynced: false,
                syncer_idle: false,
                closed: false,
                buf: Vec::with_capacity(1024),
            }),
            wake: Condvar::new(),
        };
        {
            let mut w = log.lock();
            let finished: Vec<u64> = w
                .segments
                .iter()
                .filter(|(_, s)| s.live == 0)
                .map(|(first, _)| *first)
                .collect();
            for first in finished {
                log.remove(&mut w, first);
            }
            // Appends go to a segment of this client only.
            let size = segment_bytes.min(max_bytes.saturating_sub(w.total_bytes));
            log.start_segment(&mut w, size.max((SEGMENT_HEADER + HEADER) as u64))?;
        }
        Ok(log)
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        // Every update under this lock is a few assignments around one copy: a panic cannot
        // leave it inconsistent in a way that loses events.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an event; the returned location names it for [`Log::read`] and [`Log::done`].
    /// With `spool_sync` "event" the caller then runs the `MustSync`.
    pub fn append(
        &self,
        lane: u64,
        message_id: &str,
        wire: &WireEvent,
    ) -> Result<(Location, Option<MustSync>), Refused> {
        let mut guard = self.lock();
        let w = &mut *guard;
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        let seq = w.next_seq;
        record::event(&mut buf, seq, lane, message_id, wire);
        let appended = self.append_record(w, &buf);
        w.buf = buf;
        let (first, offset) = appended?;
        // Both far below u32::MAX: `max_event_bytes` is at most the gateway's batch limit.
        let location = Location {
            place: first + offset,
            seq,
            len: w.buf.len() as u32,
            wire_len: wire.wire_len() as u32,
        };
        w.next_seq += 1;
        let Some(s) = w.segments.get_mut(&first) else {
            return Err(Refused::Io(std::io::Error::other("the segment vanished")));
        };
        s.live += 1;
        let file = Arc::clone(&s.file);
        let must = match self.sync {
            SpoolSync::Event => {
                let dir = std::mem::take(&mut w.dir_unsynced).then(|| self.dir.clone());
                Some(MustSync(file, dir))
            }
            _ => {
                self.mark_unsynced(w, file);
                None
            }
        };
        Ok((location, must))
    }

    /// Reads an event back: its messageId and wire bytes.
    pub fn read(&self, at: &Location) -> Result<(String, WireEvent), String> {
        let (reader, offset) = match holding(&self.lock().segments, at.place) {
            Some((first, s)) => (s.reader(), at.place - first),
            None => return Err("the event's spool segment is gone".to_owned()),
        };
        let mut bytes = vec![0; at.len as usize];
        reader
            .read(offset, &mut bytes)
            .map_err(|e| format!("reading the spool failed: {e}"))?;
        match record::read(&bytes) {
            Read::Record(Record::Event(e), _) if e.seq == at.seq => Ok((e.message_id, e.wire)),
            _ => Err("the event's record in the spool is damaged".to_owned()),
        }
    }

    /// Marks events finished: a `done` record, and segments left with nothing to send are
    /// deleted. A `done` record that does not fit is left out: at worst the events are sent
    /// again by a later client.
    pub fn done(&self, finished: &[Location]) {
        if finished.is_empty() {
            return;
        }
        let mut guard = self.lock();
        let w = &mut *guard;
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        let seqs: Vec<u64> = finished.iter().map(|l| l.seq).collect();
        record::done(&mut buf, &seqs);
        if let Err(Refused::Io(e)) = self.append_record(w, &buf) {
            log::warn!("rudder-group: writing to the spool failed: {e}");
        }
        w.buf = buf;
        for l in finished {
            let Some((first, s)) = holding_mut(&mut w.segments, l.place) else {
                continue;
            };
            s.live = s.live.saturating_sub(1);
            if s.live == 0 && first != w.active {
                self.remove(w, first);
            }
        }
    }

    /// The segments' sizes on disk now.
    pub fn bytes(&self) -> u64 {
        self.lock().total_bytes
    }

    /// Stores `record` at the end of the active segment, starting a new segment when it does
    /// not fit; returns the segment's first place and the record's offset in it.
    fn append_record(&self, w: &mut Writer, record: &[u8]) -> Result<(u64, u64), Refused> {
        let len = record.len() as u64;
        let fits = w.segments.get(&w.active).is_some_and(|s| s.fits(len));
        if !fits {
            let need = self.segment_bytes.max(SEGMENT_HEADER as u64 + len);
            let old = w.active;
            let old_finished = w.segments.get(&old).is_some_and(|s| s.live == 0);
            let freed = if old_finished {
                w.segments.get(&old).map_or(0, |s| s.size)
            } else {
                0
            };
            if w.total_bytes - freed + need > self.max_bytes {
                return Err(Refused::Full {
                    bytes: w.total_bytes,
                });
            }
            if old_finished {
                self.remove(w, old);
            }
            self.start_segment(w, need).map_err(Refused::Io)?;
        }
        let active = w.active;
        let Some(s) = w.segments.get_mut(&active) else {
            return Err(Refused::Io(std::io::Error::other(
                "no segment to append to",
            )));
        };
        let offset = s.append(record, HEADER).map_err(Refused::Io)?;
        Ok((active, offset))
    }

    fn start_segment(&self, w: &mut Writer, size: u64) -> std::io::Result<()> {
        self.lock.still_ours().map_err(std::io::Error::other)?;
        let first = w.next_place;
        let next_place = first
            .checked_add(Segment::size_for(size))
            .ok_or_else(|| std::io::Error::other("the spool's places are used up"))?;
        let mut id = w.last_id;
        let segment = loop {
            id = id.checked_add(1).filter(|id| *id <= MAX_ID).ok_or_else(|| {
                std::io::Error::other(format!(
                    "the spool's segment numbers are used up ({MAX_ID} is the highest): rename its segments to lower numbers, in the same order"
                ))
            })?;
            match Segment::create(&self.dir.join(segment_name(id)), id, size) {
                // A name the spool did not write (left alone at open): the next one.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                made => break made?,
            }
        };
        w.total_bytes += segment.size;
        w.segments.insert(first, segment);
        w.active = first;
        w.next_place = next_place;
        w.last_id = id;
        w.dir_unsynced = true;
        Ok(())
    }

    /// Forgets a finished segment (by its first place) and deletes its file, if the directory
    /// is still this client's (locked, and the one its path names): a client never deletes in a
    /// directory another client may hold.
    fn remove(&self, w: &mut Writer, first: u64) {
        if let Some(s) = w.segments.remove(&first) {
            w.total_bytes = w.total_bytes.saturating_sub(s.size);
            w.unsynced.retain(|f| !Arc::ptr_eq(f, &s.file));
            let path = self.dir.join(segment_name(s.id));
            if let Err(why) = self.lock.still_ours() {
                log::warn!(
                    "rudder-group: the finished spool segment {} is kept: {why}",
                    path.display()
                );
                return;
            }
            if let Err(e) = std::fs::remove_file(&path) {
                log::warn!("rudder-group: removing a finished spool segment failed: {e}");
            }
            w.dir_unsynced = true;
        }
    }

    /// Releases the directory's lock: from now on this log neither makes nor deletes a file.
    pub fn release(&self) {
        self.lock.release();
    }

    fn mark_unsynced(&self, w: &mut Writer, file: Arc<File>) {
        if !w.unsynced.iter().any(|f| Arc::ptr_eq(f, &file)) {
            w.unsynced.push(file);
        }
        // Group commit: the syncer is woken only when idle; while it flushes, appends gather
        // for its next flush without a wake-up each.
        if self.sync == SpoolSync::Group && w.syncer_idle {
            w.syncer_idle = false;
            self.wake.notify_one();
        }
    }

    /// The syncer thread: flushes what was appended, at once ("group": one flush covers every
    /// append made while the previous one ran) or at most once per interval ("interval").
    pub fn run_syncer(&self) {
        let mut w = self.lock();
        loop {
            let files = std::mem::take(&mut w.unsynced);
            let dir = std::mem::take(&mut w.dir_unsynced);
            if !files.is_empty() || dir {
                drop(w);
                for f in &files {
                    if let Err(e) = f.sync_data() {
                        log::error!("rudder-group: flushing the spool failed: {e}");
                    }
                }
                if dir {
                    sync_dir(&self.dir);
                }
                w = self.lock();
            }
            if w.closed {
                if w.unsynced.is_empty() && !w.dir_unsynced {
                    return;
                }
                continue;
            }
            match self.sync {
                SpoolSync::Interval => {
                    w = self
                        .wake
                        .wait_timeout(w, self.interval)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                _ if w.unsynced.is_empty() && !w.dir_unsynced => {
                    w.syncer_idle = true;
                    w = self.wake.wait(w).unwrap_or_else(|p| p.into_inner());
                    w.syncer_idle = false;
                }
                _ => {}
            }
        }
    }

    /// Asks the syncer to flush what is left and stop.
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
    }

    /// After the syncer stopped: deletes every segment when nothing is left to send (the
    /// directory keeps its lock file only), else flushes what is not yet flushed.
    pub fn finish(&self) {
        let mut guard = self.lock();
        let w = &mut *guard;
        if w.segments.values().all(|s| s.live == 0) {
            let firsts: Vec<u64> = w.segments.keys().copied().collect();
            for first in firsts {
                self.remove(w, first);
            }
        } else {
            for f in w.unsynced.drain(..) {
                let _ = f.sync_data();
            }
        }
        if std::mem::take(&mut w.dir_unsynced) {
            sync_dir(&self.dir);
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        log::warn!("rudder-group: flushing the spool directory failed: {e}");
    }
}
