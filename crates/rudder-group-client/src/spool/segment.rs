//! One segment file: created at its full size (`posix_fallocate`, so that no later write can
//! meet a full disk), written with `pwrite` and read with `pread`. What `pwrite` returned is in
//! the kernel's page cache: a crash of the process cannot take it back. No segment is mapped
//! into memory, so a segment truncated by another program costs a read error or a file grown
//! back, never SIGBUS.
//!
//! A segment starts with a header, [`MAGIC`] then the format's [`VERSION`], so that the spool
//! reads and deletes only files it wrote. Segments written before the header existed (records
//! from the first byte) are still read.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// The first bytes of every segment, before its format's version.
pub(crate) const MAGIC: &[u8; 7] = b"RGSPOOL";
/// The format of the records that follow the header.
pub(crate) const VERSION: u8 = 1;
/// The header's length: where the first record starts.
pub(crate) const SEGMENT_HEADER: usize = MAGIC.len() + 1;
/// The highest segment number: half of u64's range, so far past any real count that only a
/// file not written by the spool could reach it, and the next number never wraps.
pub(crate) const MAX_ID: u64 = u64::MAX / 2;

/// A segment: its number (its file's name), its file, and whether this client appends to it (it
/// created it).
pub(crate) struct Segment {
    pub id: u64,
    pub file: Arc<File>,
    appends: bool,
    /// Its size on disk (what counts against `max_spool_bytes`).
    pub size: u64,
    /// Bytes of records in it.
    pub used: u64,
    /// Events in it not yet finished.
    pub live: u64,
}

impl Segment {
    /// Creates the file `path` of segment `id` with `size` bytes of zeroes (at least a
    /// header's, [`Segment::size_for`]) and writes its header. Fails with `AlreadyExists` when
    /// the name is taken.
    pub fn create(path: &Path, id: u64, size: u64) -> io::Result<Segment> {
        let size = Segment::size_for(size);
        within_file_size_limit(size)?;
        let file = OpenOptions::new()
            .create_new(true)
            .read(true)
            .write(true)
            .open(path)?;
        let mut header = [VERSION; SEGMENT_HEADER];
        header[..MAGIC.len()].copy_from_slice(MAGIC);
        let made = allocate(&file, size).and_then(|()| file.write_all_at(&header, 0));
        match made {
            Ok(()) => Ok(Segment {
                id,
                file: Arc::new(file),
                appends: true,
                size,
                used: SEGMENT_HEADER as u64,
                live: 0,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// A segment an earlier client wrote: read, never appended to.
    pub fn existing(id: u64, file: File, size: u64, used: u64, live: u64) -> Segment {
        Segment {
            id,
            file: Arc::new(file),
            appends: false,
            size,
            used,
            live,
        }
    }

    /// The size of a segment made for `size` bytes: at least its header.
    pub fn size_for(size: u64) -> u64 {
        size.max(SEGMENT_HEADER as u64)
    }

    /// Whether `len` more bytes fit.
    pub fn fits(&self, len: u64) -> bool {
        self.appends && self.used + len <= self.size
    }

    /// Appends a record (header first in `record`): the payload is written before the header,
    /// so that a record is either whole or reads as the end of the log (a header of zeroes),
    /// whenever the process dies. Returns its offset. The caller checked [`Segment::fits`].
    pub fn append(&mut self, record: &[u8], header: usize) -> io::Result<u64> {
        if !self.appends {
            return Err(io::Error::other("the segment is not open for appends"));
        }
        let offset = self.used;
        self.file
            .write_all_at(&record[header..], offset + header as u64)?;
        self.file.write_all_at(&record[..header], offset)?;
        self.used += record.len() as u64;
        Ok(offset)
    }

    /// What reads this segment's records back, usable without the spool's lock.
    pub fn reader(&self) -> Reader {
        Reader {
            file: Arc::clone(&self.file),
        }
    }
}

/// The segment that holds `place`, with its first place, among `segments` keyed by their first
/// places (each segment takes the `size` places from its first).
pub(crate) fn holding(segments: &BTreeMap<u64, Segment>, place: u64) -> Option<(u64, &Segment)> {
    let (&first, s) = segments.range(..=place).next_back()?;
    (place - first < s.size).then_some((first, s))
}

/// [`holding`], to change the segment.
pub(crate) fn holding_mut(
    segments: &mut BTreeMap<u64, Segment>,
    place: u64,
) -> Option<(u64, &mut Segment)> {
    let (&first, s) = segments.range_mut(..=place).next_back()?;
    (place - first < s.size).then_some((first, s))
}

/// Reads records of one segment.
pub(crate) struct Reader {
    file: Arc<File>,
}

impl Reader {
    pub fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.file.read_exact_at(out, offset)
    }
}

/// Refuses a file of `size` bytes past the process's file size limit (`ulimit -f`): the kernel
/// enforces it with SIGXFSZ, whose default ends the process, and a library never changes a
/// signal's disposition. So the limit is read before the file is made, and passing it is an
/// error of EFBIG's kind (`FileTooLarge`).
pub(crate) fn within_file_size_limit(size: u64) -> io::Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid resource and an initialized `rlimit` the call writes.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } != 0 {
        // Unknown: the file is made as if there were none.
        return Ok(());
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return Ok(());
    }
    // `rlim_t` is u64 on Linux and macOS, i64 on FreeBSD (where no limit is negative).
    #[allow(clippy::unnecessary_cast)]
    let most = limit.rlim_cur as u64;
    if size <= most {
        return Ok(());
    }
    // The kind EFBIG maps to (`FileTooLarge`, named in std only since Rust 1.83).
    let kind = io::Error::from_raw_os_error(libc::EFBIG).kind();
    Err(io::Error::new(
        kind,
        format!(
            "File too large: a spool file of {size} bytes passes the process's file size limit (ulimit -f) of {most} bytes"
        ),
    ))
}

/// Gives the file `size` bytes of zeroes with their blocks allocated, so that no write of a
/// record can meet a full disk.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn allocate(file: &File, size: u64) -> io::Result<()> {
    let len = libc::off_t::try_from(size).map_err(|_| io::Error::other("segment too large"))?;
    // SAFETY: a valid descriptor; the range is within off_t.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// Where `posix_fallocate` is missing (macOS): the zeroes are written.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn allocate(file: &File, size: u64) -> io::Result<()> {
    use std::io::Write;
    let zeroes = vec![0u8; 64 << 10];
    let mut left = size;
    let mut out = file;
    while left > 0 {
        let n = left.min(zeroes.len() as u64) as usize;
        out.write_all(&zeroes[..n])?;
        left -= n as u64;
    }
    Ok(())
}
