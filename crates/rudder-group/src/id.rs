//! Fresh message ids: random UUID v4 from a per-thread ChaCha generator seeded by the OS.
//!
//! `uuid`'s own `v4` asks the OS for 16 bytes per id (about 250 ns); a seeded CSPRNG per thread
//! costs a few ns. A forked child would inherit its parent's generator state and repeat its ids,
//! which a data plane with deduplication on would then drop, so on Unix a `pthread_atfork` child
//! handler bumps a generation counter and every thread reseeds from the OS on its next id.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static GENERATOR: RefCell<Option<(u64, StdRng)>> = const { RefCell::new(None) };
}

#[cfg(unix)]
fn register_fork_handler() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    extern "C" fn in_child() {
        FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
    }
    ONCE.call_once(|| {
        // SAFETY: the handler only touches an atomic, which is async-signal-safe.
        unsafe {
            libc::pthread_atfork(None, None, Some(in_child));
        }
    });
}

#[cfg(not(unix))]
fn register_fork_handler() {}

/// Tells the id generator that the process was forked, for runtimes that fork without
/// `fork(2)`'s handlers. Calling it when nothing forked only costs a reseed.
pub fn reseed_after_fork() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// A fresh random UUID v4, hyphenated lower-case.
pub fn new_message_id() -> String {
    String::from_utf8_lossy(&message_id_bytes()).into_owned()
}

/// [`new_message_id`]'s text, without an allocation (ASCII).
pub(crate) fn message_id_bytes() -> [u8; uuid::fmt::Hyphenated::LENGTH] {
    let bytes: [u8; 16] = GENERATOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let generation = FORK_GENERATION.load(Ordering::Relaxed);
        match slot.as_mut() {
            Some((g, rng)) if *g == generation => rng.random(),
            _ => {
                register_fork_handler();
                let mut rng = StdRng::from_os_rng();
                let bytes = rng.random();
                *slot = Some((generation, rng));
                bytes
            }
        }
    });
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    id.hyphenated().encode_lower(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v4_and_distinct() {
        let a = new_message_id();
        let b = new_message_id();
        assert_ne!(a, b);
        let u = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 4);
        reseed_after_fork();
        assert_ne!(new_message_id(), b);
    }
}
