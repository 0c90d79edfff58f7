//! The durable spool: with `spool_dir` set, every event accepted by `group()` is first appended
//! to a log on disk, and leaves it only once its batch was acknowledged by the data plane or
//! failed for good. A client started on a directory with events left in it sends them again,
//! with their messageIds, before anything new.
//!
//! # Why a log of our own
//!
//! The spool's one hot path is an append per event on the caller's thread, and its one read is
//! in order, once. A segmented append-only log does exactly that. Each segment is created at its
//! full size (`segment.rs`), so an append is two `pwrite` calls into the kernel's page cache
//! under a mutex (the payload, then its header): no read-modify-write, no allocation on disk.
//! Embedded stores (redb, fjall, sled) pay for random access and transactions we never use,
//! with a B-tree or LSM commit per write.
//!
//! Segments were once mapped shared, so that an append was a copy with no system call; but a
//! store or load through a mapping past the end of its file is SIGBUS, so any program that cut
//! a segment short (a log rotation's copytruncate matching `*.log`, say) killed the client's
//! whole process. `cargo bench -p rudder-group-client --bench spool` put the two `pwrite`s at
//! about 0.4 µs of the caller's CPU per event over the mapped copy, with end-to-end throughput
//! unchanged.
//!
//! # Layout and crash safety
//!
//! The directory holds `LOCK` (the holder's pid; the lock, one live client per directory, is on
//! the directory itself: `lock.rs`) and segments `<number>.log` (20 digits, at most `u64::MAX /
//! 2`: numbers never wrap), each a header (a magic and the format's version, `segment.rs`), then
//! records framed by length and CRC-32 (`record.rs`), then zeroes. The spool reads and deletes
//! only the segments it wrote (those of the format before the header too, `scan.rs`): any other
//! entry, a link named like a segment included, is left alone and named in a warning. A client
//! appends only to segments it created; it starts a new one when the current
//! one is full (segments are a sixteenth of `max_spool_bytes`, between 64 KiB and 8 MiB), or
//! when the spool is full and the current one holds only finished events. When an event reaches
//! a terminal outcome, a small `done` record lists it, and a segment whose every event is
//! finished is deleted (once it is no longer the one appended to), as long as the client still
//! holds the directory's lock and its path still names the directory it locked. So the spool
//! never grows past what is unsent, and `max_spool_bytes` bounds the sum of the segments' sizes
//! on disk.
//!
//! - **Process crash** (a panic, SIGKILL, OOM kill): `group()` returns only after the record
//!   was written (`pwrite`), which puts it in the page cache; the kernel keeps it and writes it
//!   to the file whatever happens to the process. Nothing that `group()` accepted is lost. A
//!   record's header is written after its payload, so a record cut short by the crash reads as
//!   the end of the log (a header of zeroes).
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
//!   (a torn tail: the file was cut short) or fail their checksum ends that segment's reading:
//!   the damage is counted in `Stats::spool_skipped` and logged, never fatal, and the other
//!   segments are read as usual. Events with a `done` record are not sent again; events whose
//!   `done` record was lost are sent again with their messageId (the data plane can
//!   deduplicate by messageId): delivery is at least once.
//!
//! # Memory
//!
//! Events stay in memory as well while `max_queue_events` and `max_queue_bytes` allow (a
//! read-ahead for the lanes); past that, a lane keeps of each event only where it is on disk (a
//! `Location`, 24 bytes, in blocks of 1,024: no messageId and no allocation of its own) and
//! reads the event back, messageId included, when its batch is made. Events found at start are
//! queued the same way (while the directory is read, each costs 32 bytes more until it is
//! queued). An outage measured with `cargo run --release -p rudder-group-client --example
//! spool_memory` (the data plane down, 2,000,000 events, `max_queue_events` 1,000) costs 25 bytes
//! of anonymous memory per event held only on disk (145 when a lane kept the messageId too, in a
//! queue entry sized for an event in memory): 50 MB for 2 million events. Besides that,
//! whatever their number, each lane holds the batch it read back and retries (up to
//! `max_batch_bytes`). Segments are read with `pread`; what is cached of them is page cache,
//! which the kernel reclaims as needed.
//!
//! An event held only on disk whose record can no longer be read back (its segment cut short or
//! damaged by another program since, or the disk failing) fails alone, reported with the reason
//! and an empty messageId: its id was only in that record.
//!
//! # Fork
//!
//! A child made by `fork(2)` does not keep the lock (a fork handler closes the child's copy of
//! the locked descriptor, `lock.rs`), so it cannot use its parent's spool: the parent may still
//! be appending to it, and a child that outlives its parent leaves the directory free. The
//! bindings start a child's client without a spool (an empty memory queue, as without one); a
//! Rust program does the same by clearing `spool_dir` in the child's config. A client made in the
//! child with the same `spool_dir` gets `INVALID_CONFIG` naming the parent's pid.
//!
//! # Platforms
//!
//! The spool needs a Unix system (Linux, macOS, the BSDs): it relies on `flock`, fork handlers
//! and positioned I/O (`pread`, `pwrite`). Elsewhere (Windows) a client with `spool_dir` set is refused with
//! `INVALID_CONFIG`.

#[cfg(unix)]
mod lock;
#[cfg(unix)]
mod log;
#[cfg_attr(not(unix), allow(dead_code))]
mod record;
#[cfg(unix)]
mod scan;
#[cfg(unix)]
mod segment;
#[cfg(not(unix))]
mod unsupported;

#[cfg(unix)]
pub(crate) use self::log::Log;
pub(crate) use record::EVENT_OVERHEAD;
#[cfg(not(unix))]
pub(crate) use unsupported::{Log, Spool};

#[cfg(unix)]
use crate::config::{Config, SpoolSync};
#[cfg(unix)]
use crate::ClientError;
#[cfg(unix)]
use lock::{io_error, DirLock};
#[cfg(unix)]
use std::sync::Arc;
#[cfg(unix)]
use std::thread::JoinHandle;

/// Why an append was refused.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) enum Refused {
    /// `max_spool_bytes` would be passed.
    Full { bytes: u64 },
    /// The disk refused a new segment.
    Io(std::io::Error),
}

/// Where an event is in the spool: all a lane keeps of an event held only on disk (24 bytes,
/// no allocation of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    /// Its place in the log: the segments take consecutive ranges of one address space, in the
    /// order the log read or made them ([`log`]), so one number names the segment and the
    /// record's offset in it.
    pub place: u64,
    pub seq: u64,
    /// The record's length, header included.
    pub len: u32,
    /// The event's size on the wire (`sentAt` included), for batching without reading it.
    pub wire_len: u32,
}

const _: () = assert!(std::mem::size_of::<Location>() == 24);

/// An event found in the spool at start.
pub(crate) struct Found {
    pub location: Location,
    /// The identity's stable hash: its lane.
    pub lane: u64,
}

/// What opening a spool found.
pub(crate) struct Opened {
    pub spool: Spool,
    /// Unfinished events, oldest first.
    pub found: Vec<Found>,
    /// Torn or damaged places skipped while reading.
    pub skipped: u64,
}

/// An open spool: the log (which holds the directory's lock) and the syncer thread. Dropping
/// it stops the syncer, flushes, deletes the segments when every event is finished, and
/// releases the lock.
#[cfg(unix)]
pub(crate) struct Spool {
    log: Arc<Log>,
    syncer: Option<JoinHandle<()>>,
}

#[cfg(unix)]
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
        let scanned = scan::scan(&dir).map_err(|e| io_error(&setting, &dir, &e))?;
        let (found, skipped) = (scanned.found, scanned.skipped);
        let log = Log::open(
            config,
            &dir,
            lock,
            scanned.segments,
            scanned.next_seq,
            scanned.next_place,
        )
        .map_err(|e| io_error(&setting, &dir, &e))?;
        let log = Arc::new(log);
        let syncer = match config.spool_sync {
            SpoolSync::Event => None,
            SpoolSync::Group | SpoolSync::Interval => {
                let for_thread = Arc::clone(&log);
                let spawned = std::thread::Builder::new()
                    .name("rudder-group-spool-sync".to_owned())
                    .spawn(move || for_thread.run_syncer());
                Some(spawned.map_err(|e| {
                    ClientError::config(&setting, format!("could not start the syncer: {e}"))
                })?)
            }
        };
        if skipped > 0 {
            ::log::warn!(
                "rudder-group: the spool {} had {skipped} torn or damaged places; what follows each in its segment was skipped",
                dir.display()
            );
        }
        Ok(Opened {
            spool: Spool { log, syncer },
            found,
            skipped,
        })
    }

    /// The log, for the callers and the lanes.
    pub fn log(&self) -> Arc<Log> {
        Arc::clone(&self.log)
    }
}

#[cfg(unix)]
impl Drop for Spool {
    fn drop(&mut self) {
        self.log.close();
        if let Some(h) = self.syncer.take() {
            let _ = h.join();
        }
        self.log.finish();
        // A thread of this client that outlives it (a request abandoned at close) finds the
        // lock released and deletes nothing.
        self.log.release();
    }
}
