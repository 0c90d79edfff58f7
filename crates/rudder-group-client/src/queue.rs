//! A lane's queue: events held in memory, and (with a spool) events held only on disk, in the
//! order they were accepted.
//!
//! An event past the memory bounds (`max_queue_events`, `max_queue_bytes`), or found in the
//! spool at start, is kept as its [`Location`] alone: 24 bytes in blocks of [`BLOCK`] places,
//! with no messageId and no allocation of its own (the id is read back from its record when its
//! batch is made). So a long outage costs about 25 bytes of memory per event, the rest being on
//! disk (the crate docs of `spool` say how that was measured). Events in memory carry how many events held only on disk were accepted before them, so
//! the two kinds come out interleaved as they went in.

use crate::spool::Location;
use rudder_group::WireEvent;
use std::collections::VecDeque;

/// An event ready to send: its bytes, which hold its messageId ([`WireEvent::message_id`]), and
/// where the spool keeps it. 24 bytes beside its bytes, so that an event in memory costs little
/// more than its size on the wire.
pub(crate) struct Queued {
    pub wire: WireEvent,
    /// Where it is in the spool, if there is one (boxed: a client without one pays 8 bytes).
    pub spooled: Option<Box<Location>>,
}

/// An event taken off (or put on) a lane's queue: in memory, or only on disk, read back when its
/// batch is made.
pub(crate) enum Waiting {
    Ready(Queued),
    OnDisk(Location),
}

impl Waiting {
    /// Its size on the wire, `sentAt` included.
    pub fn wire_len(&self) -> usize {
        match self {
            Waiting::Ready(q) => q.wire.wire_len(),
            Waiting::OnDisk(at) => at.wire_len as usize,
        }
    }

    /// Bytes it holds in memory (counted against `max_queue_bytes`).
    pub fn memory_len(&self) -> usize {
        match self {
            Waiting::Ready(q) => q.wire.wire_len(),
            Waiting::OnDisk(_) => 0,
        }
    }
}

/// Places of events in memory an empty lane keeps (40 bytes each).
const KEPT_PLACES: usize = 1024;

/// Places of events held only on disk in one block: 24 KiB.
pub(crate) const BLOCK: usize = 1024;

/// A lane's events, in the order accepted.
#[derive(Default)]
pub(crate) struct LaneQueue {
    /// Events in memory, each after the first this many events of `on_disk` ever queued.
    ready: VecDeque<(u64, Queued)>,
    on_disk: Places,
    /// Events ever queued on disk only.
    on_disk_queued: u64,
}

impl LaneQueue {
    pub fn len(&self) -> usize {
        self.ready.len() + self.on_disk.len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push_back(&mut self, item: Waiting) {
        match item {
            Waiting::Ready(q) => self.ready.push_back((self.on_disk_queued, q)),
            Waiting::OnDisk(at) => {
                self.on_disk.push_back(at);
                self.on_disk_queued += 1;
            }
        }
    }

    /// Whether the next event is the first in memory: every event on disk accepted before it
    /// was taken. (When it is not, there is one on disk, or none at all.)
    fn ready_next(&self) -> bool {
        let taken = self.on_disk_queued - self.on_disk.len as u64;
        self.ready.front().is_some_and(|(after, _)| *after <= taken)
    }

    /// The next event's size on the wire.
    pub fn front_wire_len(&self) -> Option<usize> {
        if self.ready_next() {
            self.ready.front().map(|(_, q)| q.wire.wire_len())
        } else {
            self.on_disk.front().map(|at| at.wire_len as usize)
        }
    }

    pub fn pop_front(&mut self) -> Option<Waiting> {
        if self.ready_next() {
            let next = self.ready.pop_front().map(|(_, q)| Waiting::Ready(q));
            // A burst's places are given back once it has drained: the queue is not kept at
            // its high-water mark (100,000 events held 5 MiB of places).
            if self.ready.is_empty() && self.ready.capacity() > KEPT_PLACES {
                self.ready = VecDeque::new();
            }
            next
        } else {
            self.on_disk.pop_front().map(Waiting::OnDisk)
        }
    }

    /// Empties the queue (a close out of time): the messageIds of the events in memory, and how
    /// many events it held. The memory of the places is given back.
    pub fn clear(&mut self) -> (Vec<String>, usize) {
        let n = self.len();
        let ids = self
            .ready
            .drain(..)
            .map(|(_, q)| q.wire.message_id().into_owned())
            .collect();
        self.on_disk = Places::default();
        (ids, n)
    }
}

/// The places of a lane's events held only on disk: a queue of blocks of [`BLOCK`], so that it
/// never holds more than a block of room it does not use (a growing `VecDeque` may hold as much
/// again as it uses), and gives back a block's memory once every place in it was taken.
#[derive(Default)]
struct Places {
    blocks: VecDeque<Vec<Location>>,
    /// Places of the first block already taken.
    head: usize,
    len: usize,
}

impl Places {
    fn push_back(&mut self, at: Location) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push(at),
            _ => {
                let mut block = Vec::with_capacity(BLOCK);
                block.push(at);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    fn front(&self) -> Option<&Location> {
        self.blocks.front()?.get(self.head)
    }

    fn pop_front(&mut self) -> Option<Location> {
        let last = self.blocks.len() == 1;
        let block = self.blocks.front_mut()?;
        let at = *block.get(self.head)?;
        self.head += 1;
        self.len -= 1;
        if self.head == block.len() {
            self.head = 0;
            if last {
                // The last block: kept for the next places.
                block.clear();
            } else {
                self.blocks.pop_front();
            }
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rudder_group::GroupEvent;

    fn ready(n: u64) -> Waiting {
        let event = GroupEvent::builder("g")
            .user_id("u")
            .message_id(format!("m{n}"))
            .build()
            .unwrap();
        Waiting::Ready(Queued {
            wire: event.into_wire(),
            spooled: None,
        })
    }

    fn on_disk(n: u64) -> Waiting {
        Waiting::OnDisk(Location {
            place: n,
            seq: n,
            len: 1,
            wire_len: 1,
        })
    }

    fn name(w: &Waiting) -> u64 {
        match w {
            Waiting::Ready(q) => q.wire.message_id()[1..].parse().unwrap(),
            Waiting::OnDisk(at) => at.seq,
        }
    }

    /// An event in memory costs its bytes and 40 bytes of place; a drained burst gives its
    /// places back.
    #[test]
    fn a_queued_event_costs_its_bytes_and_a_small_place() {
        assert_eq!(std::mem::size_of::<(u64, Queued)>(), 40);
        let mut q = LaneQueue::default();
        for n in 0..5000 {
            q.push_back(ready(n));
        }
        assert!(q.ready.capacity() >= 5000);
        while q.pop_front().is_some() {}
        assert_eq!(q.ready.capacity(), 0);
        // A lane that never held more than the kept places keeps them.
        for n in 0..100 {
            q.push_back(ready(n));
        }
        let kept = q.ready.capacity();
        while q.pop_front().is_some() {}
        assert_eq!(q.ready.capacity(), kept);
    }

    /// Events in memory and on disk, pushed in any interleaving and popped at any moment, come
    /// out in the order they went in; the blocks of places are given back as they empty.
    #[test]
    fn events_in_memory_and_on_disk_keep_their_order() {
        let mut q = LaneQueue::default();
        let (mut pushed, mut popped) = (0u64, 0u64);
        // A fixed pseudo-random walk: runs of either kind, across several blocks.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let run = (x % 3000) as usize;
            match x % 3 {
                0 => (0..run).for_each(|_| {
                    q.push_back(ready(pushed));
                    pushed += 1;
                }),
                1 => (0..run).for_each(|_| {
                    q.push_back(on_disk(pushed));
                    pushed += 1;
                }),
                _ => {
                    for _ in 0..run {
                        let Some(len) = q.front_wire_len() else { break };
                        let w = q.pop_front().unwrap();
                        assert_eq!(len, w.wire_len());
                        assert_eq!(name(&w), popped);
                        popped += 1;
                    }
                }
            }
            assert_eq!(q.len() as u64, pushed - popped);
            assert!(q.on_disk.blocks.len() <= q.on_disk.len / BLOCK + 2);
        }
        while let Some(w) = q.pop_front() {
            assert_eq!(name(&w), popped);
            popped += 1;
        }
        assert_eq!((popped, q.len()), (pushed, 0));
        assert!(q.on_disk.blocks.len() <= 1);
    }

    #[test]
    fn clearing_names_the_events_in_memory_and_counts_all() {
        let mut q = LaneQueue::default();
        for n in 0..3000 {
            q.push_back(if n % 1000 == 7 { ready(n) } else { on_disk(n) });
        }
        let (ids, n) = q.clear();
        assert_eq!(
            (ids, n),
            (vec!["m7".into(), "m1007".into(), "m2007".into()], 3000)
        );
        assert!(q.is_empty() && q.pop_front().is_none());
    }
}
