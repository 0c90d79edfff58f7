//! The durable spool: with `spool_dir` set, every event accepted by `group()` is first appended
//! to a log on disk, and leaves it only once its batch was acknowledged by the data plane or
//! failed for good. A client started on a directory with events left in it sends them again,
//! with their messageIds, before anything new.
//!
//! # Why a log of our own
//!
//! The spool's one hot path is an append per event on the caller's thread, and its one read is
//! in order, once. A segmented append-only log does exactly that with a single `write(2)` per
//! event and no read-modify-write; embedded stores (redb, fjall, sled) pay for random access we
//! never use with a B-tree or LSM commit per write, or give up durability per call. Measured on
//! the project's 2-core machine (`cargo bench -p rudder-group-client --bench spool`): see the
//! crate README's benchmark table; with group commit the append adds about one system call to
//! the memory queue's cost.
//!
//! # Layout and crash safety
//!
//! The directory holds `LOCK` ([`lock`]: one live client per directory) and segments
//! `<number>.log`, each a sequence of records framed by length and CRC-32 ([`record`]). A client
//! appends only to a segment it created; it starts a new one when the current one passes the
//! segment size (a sixteenth of `max_spool_bytes`, between 64 KiB and 64 MiB), or when the spool
//! is full and the current one holds only finished events. When an event
//! reaches a terminal outcome, a small `done` record lists it, and a segment whose every event
//! is finished is deleted (once it is no longer the one being appended to). So the spool never
//! grows past what is unsent, and `max_spool_bytes` bounds the sum of its segments.
//!
//! - **Process crash** (a panic, SIGKILL, OOM kill): `group()` returns only after `write(2)`
//!   handed the record to the kernel, which keeps it whatever happens to the process. Nothing
//!   that `group()` accepted is lost.
//! - **Power loss or kernel crash** depends on `spool_sync`:
//!   - `"event"`: `group()` also waits for `fdatasync` of the segment: an accepted event
//!     survives power loss. Costs a disk flush per event (milliseconds on most disks).
//!   - `"group"` (default): a syncer thread flushes the segment as soon as it has unsynced
//!     appends, one flush covering every append made while the previous one ran (group commit,
//!     off the caller's thread). Power loss loses at most the events accepted during the last
//!     flush in progress, typically a few milliseconds' worth.
//!   - `"interval"`: the syncer flushes every `spool_sync_interval`; power loss loses at most
//!     the events accepted in the last interval.
//!
//!   New segments and deletions are followed by a flush of the directory.
//! - **Reading back**: a new client reads every segment in order. A record whose bytes run out
//!   (a torn tail: the crash cut a write short) or fail their checksum ends that segment's
//!   reading: the damage is counted in `Stats::spool_skipped` and logged, never fatal, and the
//!   other segments are read as usual. Events with a `done` record are not sent again; events
//!   whose `done` record was lost are sent again with their messageId (the data plane can
//!   deduplicate by messageId): delivery is at least once.
//!
//! # Memory
//!
//! Events stay in memory as well while `max_queue_events` and `max_queue_bytes` allow; past
//! that, the lanes keep only where each event is on disk (about 100 bytes per event) and read it
//! back when its batch is made. Events found at start are read back the same way.
//!
//! # Fork
//!
//! A child made by `fork(2)` does not inherit the lock (a POSIX record lock belongs to the
//! process), so it cannot use its parent's spool: the parent may still be appending to it. The
//! bindings start a child's client without a spool (an empty memory queue, as without one); a
//! Rust program does the same by clearing `spool_dir` in the child's config. A client made in the
//! child with the same `spool_dir` gets `INVALID_CONFIG` naming the parent's pid.

mod lock;
mod record;

pub(crate) use record::EVENT_OVERHEAD;

use crate::config::{Config, SpoolSync};
use crate::ClientError;
use lock::{io_error, DirLock};
use record::{Read, Record};
use rudder_group::WireEvent;
use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where an event is in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    pub segment: u64,
    pub offset: u64,
    /// The record's length, header included.
    pub len: u32,
    pub seq: u64,
    /// The event's size on the wire (`sentAt` included), for batching without reading it.
    pub wire_len: u32,
}

/// An event found in the spool at start.
pub(crate) struct Found {
    pub location: Location,
    pub lane: u64,
    pub message_id: Box<str>,
}

/// What opening a spool found.
pub(crate) struct Opened {
    pub spool: Spool,
    /// Unfinished events, oldest first.
    pub found: Vec<Found>,
    /// Torn or damaged places skipped while reading.
    pub skipped: u64,
}

struct Segment {
    file: Arc<File>,
    bytes: u64,
    /// Events in it not yet finished.
    live: u64,
}

struct Writer {
    segments: BTreeMap<u64, Segment>,
    active: u64,
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
    sync: SpoolSync,
    interval: Duration,
    segment_bytes: u64,
    max_bytes: u64,
    writer: Mutex<Writer>,
    wake: Condvar,
}

/// An open spool: the directory's lock, its segments, and the syncer thread.
pub(crate) struct Spool {
    log: Arc<Log>,
    syncer: Option<JoinHandle<()>>,
    _lock: DirLock,
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

/// Why an append was refused.
pub(crate) enum Refused {
    /// `max_spool_bytes` would be passed.
    Full { bytes: u64 },
    /// The disk refused the write.
    Io(std::io::Error),
}

impl Spool {
    /// Locks the directory (creating it), reads what is left in it and starts the syncer.
    pub fn open(config: &Config) -> Result<Opened, ClientError> {
        let setting = config.setting_name("spool_dir");
        let Some(dir) = &config.spool_dir else {
            return Err(ClientError::config(setting, "is not set"));
        };
        std::fs::create_dir_all(dir).map_err(|e| io_error(&setting, dir, &e))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| io_error(&setting, dir, &e))?;
        let lock = DirLock::acquire(&dir, &setting)?;
        let max_bytes = config.max_spool_bytes as u64;
        // A sixteenth of the bound, so that finished segments free it in steps; at least 64 KiB
        // (fewer files) unless the bound is small, at most 64 MiB (reading one back at start).
        let segment_bytes = (max_bytes / 16).clamp((64 << 10).min(max_bytes / 4), 64 << 20);
        let read = read_dir(&dir).map_err(|e| io_error(&setting, &dir, &e))?;
        let active = read.last_segment + 1;
        let inner = Arc::new(Log {
            dir: dir.clone(),
            sync: config.spool_sync,
            interval: config.spool_sync_interval,
            segment_bytes,
            max_bytes,
            writer: Mutex::new(Writer {
                segments: read.segments,
                active,
                total_bytes: 0,
                next_seq: read.next_seq,
                unsynced: Vec::new(),
                dir_unsynced: false,
                syncer_idle: false,
                closed: false,
                buf: Vec::with_capacity(1024),
            }),
            wake: Condvar::new(),
        });
        {
            let mut w = inner.lock();
            let finished: Vec<u64> = w
                .segments
                .iter()
                .filter(|(_, s)| s.live == 0)
                .map(|(id, _)| *id)
                .collect();
            for id in finished {
                inner.remove(&mut w, id);
            }
            inner
                .start_segment(&mut w)
                .map_err(|e| io_error(&setting, &dir, &e))?;
            w.total_bytes = w.segments.values().map(|s| s.bytes).sum();
        }
        let syncer = match config.spool_sync {
            SpoolSync::Event => None,
            SpoolSync::Group | SpoolSync::Interval => {
                let for_thread = Arc::clone(&inner);
                let spawned = std::thread::Builder::new()
                    .name("rudder-group-spool-sync".to_owned())
                    .spawn(move || for_thread.run_syncer());
                Some(spawned.map_err(|e| {
                    ClientError::config(&setting, format!("could not start the syncer: {e}"))
                })?)
            }
        };
        if read.skipped > 0 {
            log::warn!(
                "rudder-group: the spool {} had {} torn or damaged places; what follows each in its segment was skipped",
                dir.display(),
                read.skipped
            );
        }
        Ok(Opened {
            spool: Spool {
                log: inner,
                syncer,
                _lock: lock,
            },
            found: read.found,
            skipped: read.skipped,
        })
    }

    /// The log, for the callers and the lanes.
    pub fn log(&self) -> Arc<Log> {
        Arc::clone(&self.log)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        {
            let mut w = self.log.lock();
            w.closed = true;
            self.log.wake.notify_all();
        }
        if let Some(h) = self.syncer.take() {
            let _ = h.join();
        }
        let inner = &*self.log;
        let mut w = inner.lock();
        let w = &mut *w;
        if w.segments.values().all(|s| s.live == 0) {
            // Nothing left to send: the directory is left with its lock file only.
            let ids: Vec<u64> = w.segments.keys().copied().collect();
            w.active = u64::MAX;
            for id in ids {
                inner.remove(w, id);
            }
        } else {
            for f in w.unsynced.drain(..) {
                let _ = f.sync_data();
            }
        }
        if std::mem::take(&mut w.dir_unsynced) {
            sync_dir(&inner.dir);
        }
    }
}

impl Log {
    /// Appends an event; the returned location names it for [`Spool::read`] and
    /// [`Spool::done`]. With `spool_sync` "event" the caller then runs the `MustSync`.
    pub fn append(
        &self,
        lane: u64,
        message_id: &str,
        wire: &WireEvent,
    ) -> Result<(Location, Option<MustSync>), Refused> {
        let inner = self;
        let mut w = inner.lock();
        let w = &mut *w;
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        record::event(&mut buf, w.next_seq, lane, message_id, wire);
        let len = buf.len() as u64;
        let result = inner.append_record(w, &buf, len).map(|(segment, offset)| {
            let location = Location {
                segment,
                offset,
                len: len as u32,
                seq: w.next_seq,
                wire_len: wire.wire_len() as u32,
            };
            w.next_seq += 1;
            if let Some(s) = w.segments.get_mut(&segment) {
                s.live += 1;
            }
            location
        });
        w.buf = buf;
        let location = result?;
        let file = Arc::clone(&w.segments[&location.segment].file);
        let must = match inner.sync {
            SpoolSync::Event => {
                let dir = std::mem::take(&mut w.dir_unsynced).then(|| inner.dir.clone());
                Some(MustSync(file, dir))
            }
            _ => {
                inner.mark_unsynced(w, file);
                None
            }
        };
        Ok((location, must))
    }

    /// Reads an event back.
    pub fn read(&self, at: &Location) -> Result<(String, WireEvent), String> {
        let file = {
            let w = self.lock();
            match w.segments.get(&at.segment) {
                Some(s) => Arc::clone(&s.file),
                None => return Err(format!("segment {} is gone", at.segment)),
            }
        };
        let mut bytes = vec![0; at.len as usize];
        file.read_exact_at(&mut bytes, at.offset)
            .map_err(|e| format!("reading the spool failed: {e}"))?;
        match record::read(&bytes) {
            Read::Record(Record::Event(e), _) if e.seq == at.seq => Ok((e.message_id, e.wire)),
            _ => Err("the event's record in the spool is damaged".to_owned()),
        }
    }

    /// Marks events finished: a `done` record, and segments left with nothing to send are
    /// deleted. Errors are logged: at worst the events are sent again by a later client.
    pub fn done(&self, finished: &[Location]) {
        if finished.is_empty() {
            return;
        }
        let inner = self;
        let mut w = inner.lock();
        let w = &mut *w;
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        let seqs: Vec<u64> = finished.iter().map(|l| l.seq).collect();
        record::done(&mut buf, &seqs);
        if let Err(Refused::Io(e)) = inner.append_record(w, &buf, buf.len() as u64) {
            log::warn!("rudder-group: writing to the spool failed: {e}");
        }
        w.buf = buf;
        for l in finished {
            let Some(s) = w.segments.get_mut(&l.segment) else {
                continue;
            };
            s.live = s.live.saturating_sub(1);
            if s.live == 0 && l.segment != w.active {
                inner.remove(w, l.segment);
            }
        }
    }

    /// Bytes on disk now.
    pub fn bytes(&self) -> u64 {
        self.lock().total_bytes
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        // Every update under this lock is a few assignments around one write: a panic cannot
        // leave it inconsistent in a way that loses events.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn segment_path(&self, id: u64) -> PathBuf {
        self.dir.join(format!("{id:020}.log"))
    }

    /// Writes `bytes` at the end of the active segment (starting a new one when it is full);
    /// returns the segment and the offset.
    fn append_record(&self, w: &mut Writer, bytes: &[u8], len: u64) -> Result<(u64, u64), Refused> {
        if w.total_bytes + len > self.max_bytes {
            // The segment being appended to may hold only finished events: start afresh.
            let active = w.active;
            if w.segments
                .get(&active)
                .is_some_and(|s| s.live == 0 && s.bytes > 0)
            {
                self.start_segment(w).map_err(Refused::Io)?;
                self.remove(w, active);
            }
        }
        if w.total_bytes + len > self.max_bytes {
            return Err(Refused::Full {
                bytes: w.total_bytes,
            });
        }
        let active = w.segments.get(&w.active).map_or(0, |s| s.bytes);
        if active > 0 && active + len > self.segment_bytes {
            let old = w.active;
            self.start_segment(w).map_err(Refused::Io)?;
            if w.segments.get(&old).is_some_and(|s| s.live == 0) {
                self.remove(w, old);
            }
        }
        let active = w.active;
        let Some(s) = w.segments.get_mut(&active) else {
            return Err(Refused::Io(std::io::Error::other(
                "no segment to append to",
            )));
        };
        let offset = s.bytes;
        // One write(2) in the common case: the record is whole in the kernel's hands.
        if let Err(e) = (&*s.file).write_all(bytes) {
            // A short write may leave a torn record, which the next client skips; later
            // appends go to a fresh segment, so that nothing follows it.
            if let Ok(size) = s.file.metadata().map(|m| m.len()) {
                w.total_bytes += size.saturating_sub(s.bytes);
                s.bytes = size;
            }
            let _ = self.start_segment(w);
            return Err(Refused::Io(e));
        }
        s.bytes += len;
        w.total_bytes += len;
        Ok((active, offset))
    }

    fn start_segment(&self, w: &mut Writer) -> std::io::Result<()> {
        let id = w
            .active
            .max(w.segments.keys().next_back().map_or(0, |k| k + 1));
        let id = if w.segments.contains_key(&id) {
            id + 1
        } else {
            id
        };
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .read(true)
            .open(self.segment_path(id))?;
        w.segments.insert(
            id,
            Segment {
                file: Arc::new(file),
                bytes: 0,
                live: 0,
            },
        );
        w.active = id;
        w.dir_unsynced = true;
        Ok(())
    }

    fn remove(&self, w: &mut Writer, id: u64) {
        if let Some(s) = w.segments.remove(&id) {
            w.total_bytes = w.total_bytes.saturating_sub(s.bytes);
            w.unsynced.retain(|f| !Arc::ptr_eq(f, &s.file));
            if let Err(e) = std::fs::remove_file(self.segment_path(id)) {
                log::warn!("rudder-group: removing a finished spool segment failed: {e}");
            }
            w.dir_unsynced = true;
        }
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
    fn run_syncer(&self) {
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
}

fn sync_dir(dir: &Path) {
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        log::warn!("rudder-group: flushing the spool directory failed: {e}");
    }
}

/// What reading a directory found.
struct ReadDir {
    segments: BTreeMap<u64, Segment>,
    found: Vec<Found>,
    skipped: u64,
    next_seq: u64,
    last_segment: u64,
}

/// Reads every segment in order: the events, the `done` records, the damage.
fn read_dir(dir: &Path) -> std::io::Result<ReadDir> {
    let mut ids: Vec<u64> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(id) = name.strip_suffix(".log").and_then(|n| n.parse().ok()) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    let mut out = ReadDir {
        segments: BTreeMap::new(),
        found: Vec::new(),
        skipped: 0,
        next_seq: 0,
        last_segment: ids.last().copied().unwrap_or(0),
    };
    let mut finished = HashSet::new();
    for id in ids {
        let path = dir.join(format!("{id:020}.log"));
        let file = OpenOptions::new().read(true).open(&path)?;
        let bytes = std::fs::read(&path)?;
        let mut at = 0;
        let mut live = 0;
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
                    live += 1;
                    at += n;
                }
            }
        }
        out.segments.insert(
            id,
            Segment {
                file: Arc::new(file),
                bytes: bytes.len() as u64,
                live,
            },
        );
    }
    out.found.retain(|f| !finished.contains(&f.location.seq));
    for s in out.segments.values_mut() {
        s.live = 0;
    }
    for f in &out.found {
        if let Some(s) = out.segments.get_mut(&f.location.segment) {
            s.live += 1;
        }
    }
    out.found.sort_by_key(|f| f.location.seq);
    Ok(out)
}
