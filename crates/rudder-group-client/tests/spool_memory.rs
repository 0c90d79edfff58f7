//! What an event held only on disk costs in memory: during an outage the spool takes events
//! past `max_queue_events`, and the lanes keep only where each is. A global allocator counts the
//! heap bytes and blocks alive (this binary holds this one test, so nothing else allocates
//! meanwhile). The spool needs a Unix system.
#![cfg(unix)]

mod common;
use common::spool::*;
use common::*;
use rudder_group_client::{Client, ClientError};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

/// The system allocator, counting what is alive.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);

fn counted(bytes: isize, blocks: isize) {
    LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(blocks, Ordering::Relaxed);
}

// SAFETY: every call is passed to `System` with the caller's own arguments, so it keeps the
// contract of `GlobalAlloc`; the counting beside it allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires of it.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            counted(layout.size() as isize, 1);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            counted(layout.size() as isize, 1);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        counted(-(layout.size() as isize), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by `System` with `layout`; the caller checked `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            counted(new_size as isize - layout.size() as isize, 0);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> (isize, isize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_BLOCKS.load(Ordering::Relaxed),
    )
}

/// 100,000 events past the memory bounds, with the data plane down: the memory they hold grows
/// by at most 32 bytes per event, with no heap block of its own per event. The close keeps
/// every event not failed in the spool, counted exactly.
#[test]
fn an_event_held_only_on_disk_costs_at_most_32_bytes_and_no_allocation() {
    const WARM: usize = 10_000;
    const MEASURED: usize = 100_000;
    let dir = temp_dir("spool-memory");
    let mut c = spool_config(&refusing_url(), &dir);
    c.max_queue_events = 100;
    // The batch a lane reads back while it retries stays small.
    c.event_options.max_event_bytes = 1024;
    c.max_batch_bytes = 2048;
    let client = Client::new(c).expect("client");
    // The memory queue fills, the lane takes its first batch, the spool its first segment.
    send(&client, WARM);
    let (bytes, blocks) = live();
    send(&client, MEASURED);
    let (bytes_after, blocks_after) = live();
    let per_event = (bytes_after - bytes) as f64 / MEASURED as f64;
    let new_blocks = blocks_after - blocks;
    let failed = client.stats().failed;
    let err = client
        .close(Some(Duration::ZERO))
        .expect_err("nothing could be sent");
    let ClientError::FlushTimeout { pending, kept, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(pending, kept, "with a spool, everything left is kept");
    assert_eq!(kept + failed, (WARM + MEASURED) as u64);
    drop(client);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        per_event <= 32.0,
        "{per_event:.1} bytes of memory per event held only on disk ({new_blocks} heap blocks more)"
    );
    assert!(
        new_blocks < (MEASURED / 100) as isize,
        "{new_blocks} heap blocks more for {MEASURED} events held only on disk"
    );
}
