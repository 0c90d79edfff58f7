//! The durable spool through the client's public API: what a timed-out close leaves, what a new
//! client finds, torn and damaged records, the lock, the bound, events kept only on disk, and
//! several requests in flight. The SIGKILL tests are in `spool_kill.rs`. Every check counts and
//! orders; none times. The spool needs a Unix system.
#![cfg(unix)]

mod common;
use common::spool::*;
use common::*;
use rudder_group::{ErrorCode, GroupEvent};
use rudder_group_client::{Client, OutcomeKind, SpoolSync, Transport};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[test]
fn a_timed_out_close_leaves_events_for_the_next_client_which_flushes_them() {
    let dir = temp_dir("spool-close");
    let ids = leave_in_spool(&dir, 40, |_| {});
    let plane = plane();
    let mut c = spool_config(&plane.url(), &dir);
    let outcomes = Outcomes::default();
    outcomes.attach(&mut c);
    let client = Client::new(c).expect("client");
    let newer = send(&client, 5);
    let flushed = client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_eq!(flushed.delivered, 45);
    let stats = client.stats();
    assert_eq!(
        (stats.recovered, stats.enqueued, stats.delivered),
        (40, 5, 45)
    );
    // Resent first, with their messageIds, in their order.
    let stored: Vec<String> = plane
        .events()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(&stored[..40], &ids[..]);
    assert_stored_once(&plane, &[ids, newer].concat());
    let reported: usize = outcomes
        .all()
        .iter()
        .filter(|o| o.kind == OutcomeKind::Delivered)
        .map(|o| o.message_ids.len())
        .sum();
    assert_eq!(reported, 45);
    client.close(None).expect("closed");
    assert!(
        segments(&dir).is_empty(),
        "a finished spool keeps no segment"
    );
}

/// The last record cut at every byte offset: the cut record is skipped and counted, every
/// record before it is delivered.
#[test]
fn a_torn_last_record_is_skipped_and_counted_at_every_offset() {
    let dir = temp_dir("spool-torn");
    let ids = leave_in_spool(&dir, 3, |_| {});
    let segs = segments(&dir);
    assert_eq!(segs.len(), 1);
    let full = std::fs::read(&segs[0]).expect("segment");
    let start = frame(&full, frame(&full, records_start(&full)));
    let end = frame(&full, start);
    assert_eq!(records_end(&full), end, "three records");
    let name = segs[0].file_name().expect("name");
    for cut in start..end {
        let copy = temp_dir("spool-torn-cut");
        std::fs::write(copy.join(name), &full[..cut]).expect("write");
        let (client, _) = memory_client(&copy);
        client
            .flush(Some(Duration::from_secs(60)))
            .expect("flushed");
        let stats = client.stats();
        assert_eq!(stats.spool_skipped, u64::from(cut > start), "cut at {cut}");
        assert_eq!(stats.recovered, 2, "cut at {cut}");
        assert_eq!(sent_ids(&client), ids[..2].to_vec(), "cut at {cut}");
        client.close(None).expect("closed");
        let _ = std::fs::remove_dir_all(&copy);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A segment whose last record leaves 0 to 16 bytes of zeroes at its end (too few, for some,
/// to hold the next record's header) is clean: nothing is counted as skipped.
#[test]
fn a_segment_ending_a_few_bytes_after_its_last_record_is_clean() {
    let dir = temp_dir("spool-leftover");
    let ids = leave_in_spool(&dir, 3, |_| {});
    let segs = segments(&dir);
    assert_eq!(segs.len(), 1);
    let full = std::fs::read(&segs[0]).expect("segment");
    let end = records_end(&full);
    let name = segs[0].file_name().expect("name");
    for left in 0..=16 {
        let copy = temp_dir("spool-leftover-copy");
        std::fs::write(copy.join(name), &full[..end + left]).expect("write");
        let (client, _) = memory_client(&copy);
        client
            .flush(Some(Duration::from_secs(60)))
            .expect("flushed");
        let stats = client.stats();
        assert_eq!(
            (stats.spool_skipped, stats.recovered),
            (0, 3),
            "{left} bytes left"
        );
        assert_eq!(sent_ids(&client), ids, "{left} bytes left");
        client.close(None).expect("closed");
        let _ = std::fs::remove_dir_all(&copy);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_segment_does_not_stop_the_others() {
    let dir = temp_dir("spool-damaged");
    // Small segments: 64 KiB each, so 400 events of about 300 bytes fill a few.
    let ids = leave_in_spool(&dir, 400, |c| c.max_spool_bytes = 1 << 20);
    let segs = segments(&dir);
    assert!(segs.len() >= 2, "{} segments", segs.len());
    let mut bytes = std::fs::read(&segs[0]).expect("segment");
    let middle = records_end(&bytes) / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&segs[0], &bytes).expect("write");
    let (client, _) = memory_client(&dir);
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    let stats = client.stats();
    assert_eq!(stats.spool_skipped, 1);
    let sent: HashSet<String> = sent_ids(&client).into_iter().collect();
    // Every event of the later segments, and the first segment's up to the damage.
    let lost: Vec<&String> = ids.iter().filter(|id| !sent.contains(*id)).collect();
    assert!(
        !lost.is_empty() && lost.len() < ids.len() / 2,
        "{} lost",
        lost.len()
    );
    let first_lost = ids
        .iter()
        .position(|id| !sent.contains(id))
        .expect("a loss");
    assert!(ids[first_lost..first_lost + lost.len()]
        .iter()
        .all(|id| !sent.contains(id)));
    assert!(ids[first_lost + lost.len()..]
        .iter()
        .all(|id| sent.contains(id)));
    client.close(None).expect("closed");
}

#[test]
fn one_live_client_per_directory() {
    let dir = temp_dir("spool-lock");
    let first = Client::new(spool_config(&refusing_url(), &dir)).expect("first");
    let err = Client::new(spool_config(&refusing_url(), &dir)).expect_err("held");
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    let text = err.to_string();
    assert!(text.contains("spool_dir"), "{text}");
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    first.close(None).expect("closed");
    let again = Client::new(spool_config(&refusing_url(), &dir)).expect("released by close");
    again.close(None).expect("closed");
}

/// A client deletes nothing in a directory it did not lock: once its directory was moved away
/// and another made at its path, its close leaves the segments found there alone.
#[test]
fn a_client_whose_directory_was_replaced_deletes_nothing_at_its_path() {
    let dir = temp_dir("spool-replaced");
    let (first, _) = memory_client(&dir);
    send(&first, 5);
    let flushed = first.flush(Some(Duration::from_secs(60))).expect("flushed");
    assert_eq!(flushed.delivered, 5);
    let moved = dir.with_extension("moved");
    let _ = std::fs::remove_dir_all(&moved);
    std::fs::rename(&dir, &moved).expect("moved away");
    std::fs::create_dir(&dir).expect("made again");
    let ids = leave_in_spool(&dir, 3, |_| {});
    assert_eq!(segments(&dir).len(), 1);
    first.close(None).expect("closed");
    assert_eq!(
        segments(&dir).len(),
        1,
        "the other client's segment is kept"
    );
    let (next, _) = memory_client(&dir);
    next.flush(Some(Duration::from_secs(60))).expect("flushed");
    assert_eq!(sent_ids(&next), ids);
    next.close(None).expect("closed");
    let _ = std::fs::remove_dir_all(&moved);
}

#[test]
fn a_full_spool_applies_the_overflow_policy_and_counts_it() {
    let dir = temp_dir("spool-full");
    let mut c = spool_config(&refusing_url(), &dir);
    c.flush_at = 1_000_000;
    c.event_options.max_event_bytes = 1024;
    c.max_spool_bytes = 4096;
    let outcomes = Outcomes::default();
    outcomes.attach(&mut c);
    let client = Client::new(c).expect("client");
    let mut accepted = 0;
    let mut full = 0;
    for i in 0..40 {
        match client.enqueue(event(i)) {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::QueueFull);
                full += 1;
            }
        }
    }
    assert!(accepted > 0 && full > 0, "{accepted} accepted, {full} full");
    let stats = client.stats();
    assert_eq!((stats.enqueued, stats.dropped), (accepted, full));
    let dropped = outcomes.all();
    assert_eq!(dropped.len() as u64, full);
    assert!(dropped
        .iter()
        .all(|o| o.kind == OutcomeKind::Dropped && o.reason.contains("max_spool_bytes")));
    let bytes: u64 = segments(&dir)
        .iter()
        .map(|p| std::fs::metadata(p).expect("segment").len())
        .sum();
    assert!(bytes <= 4096, "{bytes} bytes on disk");
    let _ = client.close(Some(Duration::ZERO));
    drop(client);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Past `max_queue_events` events are kept only on disk and read back for their batches;
/// with four requests in flight every event is delivered once, each identity's in order, and
/// the spool ends empty.
#[test]
fn events_kept_only_on_disk_are_delivered_in_order_on_every_lane() {
    let dir = temp_dir("spool-lanes");
    let plane = plane();
    let mut c = spool_config(&plane.url(), &dir);
    c.max_concurrent_requests = 4;
    c.max_queue_events = 10;
    c.flush_at = 25;
    let client = Client::new(c).expect("client");
    let ids: Vec<String> = (0..1000)
        .map(|i| {
            let event = GroupEvent::builder("g")
                .user_id(format!("user-{}", i % 10))
                .custom_trait("seq", serde_json::json!(i))
                .build()
                .expect("valid");
            client.enqueue(event).expect("enqueued")
        })
        .collect();
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_stored_once(&plane, &ids);
    let mut last: HashMap<String, u64> = HashMap::new();
    for e in plane.events() {
        let user = e["userId"].as_str().unwrap_or_default().to_owned();
        let seq = e["traits"]["seq"].as_u64().expect("seq");
        let before = last.insert(user.clone(), seq);
        assert!(
            before.is_none_or(|b| b < seq),
            "{user}: {before:?} then {seq}"
        );
    }
    assert_eq!(last.len(), 10);
    client.close(None).expect("closed");
    assert!(
        segments(&dir).is_empty(),
        "a finished spool keeps no segment"
    );
}

/// Each durability setting keeps what `group()` accepted for the next client.
#[test]
fn every_spool_sync_setting_keeps_accepted_events() {
    for sync in [SpoolSync::Event, SpoolSync::Group, SpoolSync::Interval] {
        let dir = temp_dir("spool-sync");
        let ids = leave_in_spool(&dir, 20, |c| {
            c.spool_sync = sync;
            c.spool_sync_interval = Duration::from_millis(10);
        });
        let (client, _) = memory_client(&dir);
        client
            .flush(Some(Duration::from_secs(60)))
            .expect("flushed");
        assert_eq!(sent_ids(&client), ids, "{sync:?}");
        client.close(None).expect("closed");
    }
}

/// A small spool keeps taking events as long as they are delivered: finished segments are
/// removed, and the one being appended to starts afresh when it holds only finished events.
#[test]
fn a_small_spool_is_reused_as_events_are_delivered() {
    let dir = temp_dir("spool-reuse");
    let mut c = spool_config("http://127.0.0.1:9", &dir);
    c.transport = Transport::Memory;
    c.flush_at = 1;
    c.event_options.max_event_bytes = 1024;
    c.max_spool_bytes = 4096;
    c.overflow = rudder_group_client::Overflow::Block;
    c.block_timeout = Duration::from_secs(60);
    let client = Client::new(c).expect("client");
    let ids = send(&client, 300);
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_eq!(sent_ids(&client), ids);
    let stats = client.stats();
    assert_eq!((stats.delivered, stats.dropped), (300, 0));
    client.close(None).expect("closed");
    assert!(segments(&dir).is_empty());
}
