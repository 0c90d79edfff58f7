//! One live client per spool directory: `flock(LOCK_EX | LOCK_NB)` on a descriptor of the
//! directory itself, which only this module opens and closes. The file `LOCK` in the directory
//! holds the holder's pid as text, for people reading the directory and for the error a refused
//! client gets; it is not the lock.
//!
//! Why this lock:
//! - The kernel releases it when its holder dies, a SIGKILL included: its last descriptor
//!   closes.
//! - It belongs to the descriptor's open file description, not to the process, so nothing else
//!   the program does releases it: opening and closing `LOCK` or the directory (which drops a
//!   POSIX record lock), or a stale-lock cleanup that removes `LOCK`. A second client of the
//!   same process opens its own description and is refused like another process's.
//! - A child made by `fork(2)` would share it, and hold it after its parent died. A
//!   `pthread_atfork` child handler closes the child's copy of every descriptor held here: the
//!   parent's copy keeps the lock, and once the parent is gone nobody holds it. The descriptor
//!   is close-on-exec, so a program started with `exec` holds nothing either. (A process made
//!   by a raw `clone`, bypassing the C library's `fork`, keeps it until it execs or exits.)
//! - Before it deletes a segment, the log asks [`DirLock::still_ours`]: the lock still held by
//!   this process, on the directory its path names now.
//!
//! The descriptors held are listed under a mutex that the fork handlers take around `fork`, so
//! a fork in another thread never sees a lock half taken or half released.

use crate::ClientError;
use std::cell::UnsafeCell;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::fd::{IntoRawFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The lock of one directory; released when dropped or by [`DirLock::release`].
#[derive(Debug)]
pub(crate) struct DirLock {
    dir: PathBuf,
    /// Names this lock in the registry; a child after `fork` inherits this value but finds it
    /// no longer listed.
    token: u64,
    fd: RawFd,
    /// The locked directory's device and inode.
    id: (u64, u64),
}

impl DirLock {
    /// Locks `dir` (an absolute, canonical path) for this client, or says who holds it.
    pub fn acquire(dir: &Path, setting: &str) -> Result<DirLock, ClientError> {
        install_fork_handler().map_err(|e| io_error(setting, dir, &e))?;
        let opened = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(dir)
            .and_then(|d| Ok((d.metadata()?, d)));
        let (meta, file) = opened.map_err(|e| io_error(setting, dir, &e))?;
        let locked = {
            let mut registry = REGISTRY.enter();
            let fd = file.into_raw_fd();
            // SAFETY: a descriptor this function owns.
            if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                registry.next_token += 1;
                let token = registry.next_token;
                registry.held.push((token, fd));
                Ok((token, fd))
            } else {
                let e = std::io::Error::last_os_error();
                // SAFETY: the descriptor is owned here and closed once.
                unsafe { libc::close(fd) };
                Err(e)
            }
        };
        let (token, fd) = match locked {
            Ok(held) => held,
            Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => {
                return Err(held_by(setting, dir, pid_in(dir)));
            }
            Err(e) => {
                let e = std::io::Error::new(e.kind(), format!("locking the directory: {e}"));
                return Err(io_error(setting, dir, &e));
            }
        };
        write_pid(dir);
        Ok(DirLock {
            dir: dir.to_owned(),
            token,
            fd,
            id: (meta.dev(), meta.ino()),
        })
    }

    /// Whether the directory may still be changed as this client's: the lock is held by this
    /// process (not released, not inherited through `fork`), and `dir` is still the directory
    /// that was locked (not moved away and replaced). If not, says why.
    pub fn still_ours(&self) -> Result<(), String> {
        {
            let registry = REGISTRY.enter();
            if !registry.held.contains(&(self.token, self.fd)) {
                return Err("the spool's lock is no longer held by this client".to_owned());
            }
            // Taking a lock its own description holds is a no-op: this confirms it.
            // SAFETY: the descriptor is listed, so it is open and this lock's.
            if unsafe { libc::flock(self.fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let e = std::io::Error::last_os_error();
                return Err(format!("the spool's lock could not be confirmed: {e}"));
            }
        }
        match std::fs::metadata(&self.dir) {
            Ok(m) if (m.dev(), m.ino()) == self.id => Ok(()),
            Ok(_) => Err(format!(
                "{} is no longer the directory this client locked",
                self.dir.display()
            )),
            Err(e) => Err(format!("{}: {e}", self.dir.display())),
        }
    }

    /// Releases the lock (once; later calls do nothing).
    pub fn release(&self) {
        let mut registry = REGISTRY.enter();
        let before = registry.held.len();
        registry.held.retain(|h| *h != (self.token, self.fd));
        if registry.held.len() < before {
            // SAFETY: the descriptor was listed, so it is open and this lock's; it is closed
            // once, under the registry's mutex, so no fork sees it half released.
            unsafe { libc::close(self.fd) };
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        self.release();
    }
}

/// The descriptors this process holds locked, with their tokens.
struct Registry {
    next_token: u64,
    held: Vec<(u64, RawFd)>,
}

/// The registry behind a pthread mutex, which the fork handlers take and give back (a Rust
/// mutex's guard cannot be held from one C callback to the next).
struct Guarded {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    registry: UnsafeCell<Registry>,
}

// SAFETY: `registry` is only reached through `enter`, which holds `mutex`, or from the fork
// handlers while `prepare` holds it.
unsafe impl Sync for Guarded {}

static REGISTRY: Guarded = Guarded {
    mutex: UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER),
    registry: UnsafeCell::new(Registry {
        next_token: 0,
        held: Vec::new(),
    }),
};

/// The registry, while its mutex is held.
struct Entered<'a>(&'a Guarded);

impl Guarded {
    fn enter(&self) -> Entered<'_> {
        // SAFETY: a statically initialized mutex that never moves; it is not held by this
        // thread (no code under it calls back here).
        unsafe { libc::pthread_mutex_lock(self.mutex.get()) };
        Entered(self)
    }
}

impl std::ops::Deref for Entered<'_> {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        // SAFETY: the mutex is held for as long as `self` lives.
        unsafe { &*self.0.registry.get() }
    }
}

impl std::ops::DerefMut for Entered<'_> {
    fn deref_mut(&mut self) -> &mut Registry {
        // SAFETY: the mutex is held for as long as `self` lives, and `self` is borrowed
        // mutably: no other reference to the registry exists.
        unsafe { &mut *self.0.registry.get() }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // SAFETY: held by this thread since `enter`.
        unsafe { libc::pthread_mutex_unlock(self.0.mutex.get()) };
    }
}

/// Registers the fork handlers once per process.
fn install_fork_handler() -> std::io::Result<()> {
    static INSTALLED: OnceLock<libc::c_int> = OnceLock::new();
    // SAFETY: the three handlers are `extern "C"` functions that live as long as the process.
    let rc = *INSTALLED.get_or_init(|| unsafe {
        libc::pthread_atfork(
            Some(before_fork),
            Some(after_fork_parent),
            Some(after_fork_child),
        )
    });
    match rc {
        0 => Ok(()),
        rc => Err(std::io::Error::from_raw_os_error(rc)),
    }
}

/// Before `fork`: no lock is taken or released while the process is copied.
extern "C" fn before_fork() {
    // SAFETY: the registry's mutex, given back by one of the two handlers below.
    unsafe { libc::pthread_mutex_lock(REGISTRY.mutex.get()) };
}

extern "C" fn after_fork_parent() {
    // SAFETY: taken by `before_fork` in this thread.
    unsafe { libc::pthread_mutex_unlock(REGISTRY.mutex.get()) };
}

/// In the child: close its copy of every locked descriptor, so that the locks stay with the
/// parent alone. Only async-signal-safe calls (`close`, the unlock of a mutex this thread
/// holds), and no allocation: `clear` keeps the vector's buffer.
extern "C" fn after_fork_child() {
    // SAFETY: `before_fork` took the mutex in the thread that is this child's only thread, so
    // nothing else reaches the registry.
    let registry = unsafe { &mut *REGISTRY.registry.get() };
    for (_, fd) in registry.held.drain(..) {
        // SAFETY: a descriptor the child inherited; closing the copy leaves the parent's lock.
        unsafe { libc::close(fd) };
    }
    // SAFETY: taken by `before_fork` in the thread this child continues.
    unsafe { libc::pthread_mutex_unlock(REGISTRY.mutex.get()) };
}

/// Writes this process's pid to `LOCK`, for people and for refused clients. The lock does not
/// depend on it, so a failure is only logged.
fn write_pid(dir: &Path) {
    let path = dir.join("LOCK");
    let text = format!("{}\n", std::process::id());
    let written = super::segment::within_file_size_limit(text.len() as u64).and_then(|()| {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?
            .write_all(text.as_bytes())
    });
    if let Err(e) = written {
        log::warn!(
            "rudder-group: could not write the pid to {}: {e}",
            path.display()
        );
    }
}

/// The pid the holder wrote to `LOCK`, if it is there.
fn pid_in(dir: &Path) -> Option<u32> {
    let mut text = String::new();
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join("LOCK"))
        .ok()?;
    file.take(32).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn held_by(setting: &str, dir: &Path, pid: Option<u32>) -> ClientError {
    let who = match pid {
        Some(pid) if pid == std::process::id() => {
            format!("the client of process {pid} (another client of this process)")
        }
        Some(pid) => format!("the client of process {pid}"),
        None => "another client (its LOCK file names no pid)".to_owned(),
    };
    ClientError::config(
        setting,
        format!(
            "{} is in use by {who}: one live client per spool directory",
            dir.display()
        ),
    )
}

pub(crate) fn io_error(setting: &str, path: &Path, e: &std::io::Error) -> ClientError {
    ClientError::config(setting, format!("{}: {e}", path.display()))
}
