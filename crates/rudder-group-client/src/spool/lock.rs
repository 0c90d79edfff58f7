//! One live client per spool directory: a POSIX record lock (`fcntl(F_SETLK)`) on the file
//! `LOCK` in it, which also holds the holder's pid as text.
//!
//! Why a POSIX lock: the kernel releases it when its process dies (a SIGKILL included), a
//! child made by `fork(2)` does not inherit it, and `F_GETLK` names the holder's pid. Its one
//! trap, that closing any descriptor of the file in the process drops the lock, is avoided by a
//! table of the directories this process holds, checked before the file is opened: a second
//! client of the same process never opens the file. The descriptor is opened close-on-exec, so
//! a program started with `exec` holds nothing either.

use crate::ClientError;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directories locked by this process, with the pid that locked them (a child after `fork`
/// inherits the table but not the locks: entries of another pid are stale).
static HELD: Mutex<Vec<(PathBuf, u32)>> = Mutex::new(Vec::new());

/// The lock of one directory; released when dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    dir: PathBuf,
    _file: File,
}

impl DirLock {
    /// Locks `dir` (an absolute, canonical path) for this client, or says who holds it.
    pub fn acquire(dir: &Path, setting: &str) -> Result<DirLock, ClientError> {
        let pid = std::process::id();
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        held.retain(|(_, p)| *p == pid);
        if held.iter().any(|(d, _)| d == dir) {
            return Err(held_by(
                setting,
                dir,
                pid,
                " (another client of this process)",
            ));
        }
        let path = dir.join("LOCK");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| io_error(setting, &path, &e))?;
        if let Err(holder) = try_lock(&file) {
            let holder = holder.or_else(|| pid_in(&mut file)).unwrap_or(0);
            return Err(held_by(setting, dir, holder, ""));
        }
        // The pid is only for people reading the directory; the lock is what counts.
        let text = format!("{pid}\n");
        let written = super::segment::within_file_size_limit(text.len() as u64)
            .and_then(|()| file.set_len(0))
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()));
        if let Err(e) = written {
            return Err(io_error(setting, &path, &e));
        }
        held.push((dir.to_owned(), pid));
        Ok(DirLock {
            dir: dir.to_owned(),
            _file: file,
        })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let pid = std::process::id();
        let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
        held.retain(|(d, p)| !(d == &self.dir && *p == pid));
        // Closing the file (the field's drop) releases the lock.
    }
}

/// `Err(Some(pid))` when another process holds the lock.
fn try_lock(file: &File) -> Result<(), Option<u32>> {
    let mut want = whole_file(libc::F_WRLCK);
    // SAFETY: a valid descriptor and a valid, initialized `flock` the call may read and write.
    if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLK, &mut want) } == 0 {
        return Ok(());
    }
    let mut probe = whole_file(libc::F_WRLCK);
    // SAFETY: as above.
    let asked = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut probe) };
    if asked == 0 && probe.l_type != libc::F_UNLCK as libc::c_short && probe.l_pid > 0 {
        Err(Some(probe.l_pid as u32))
    } else {
        Err(None)
    }
}

fn whole_file(kind: libc::c_int) -> libc::flock {
    // SAFETY: `flock` is plain data; all zeroes is a valid value (start 0, length 0 = the whole
    // file), and the fields that matter are set below.
    let mut l: libc::flock = unsafe { std::mem::zeroed() };
    l.l_type = kind as libc::c_short;
    l.l_whence = libc::SEEK_SET as libc::c_short;
    l
}

fn pid_in(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn held_by(setting: &str, dir: &Path, pid: u32, who: &str) -> ClientError {
    ClientError::config(
        setting,
        format!(
            "{} is in use by the client of process {pid}{who}: one live client per spool directory",
            dir.display()
        ),
    )
}

pub(crate) fn io_error(setting: &str, path: &Path, e: &std::io::Error) -> ClientError {
    ClientError::config(setting, format!("{}: {e}", path.display()))
}
