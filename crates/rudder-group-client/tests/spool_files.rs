//! What the spool reads and deletes in its directory: the segments it wrote, and nothing else.
//! A file or link named like a segment that it did not write is left alone and named in a
//! warning; segments written before segments had a header are still read; segment numbers never
//! wrap. Every check counts files and events; none times. The spool needs a Unix system.
#![cfg(unix)]

mod common;
use common::spool::*;
use common::*;
use rudder_group::ErrorCode;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Every warning logged in this test binary (the spool logs through the `log` facade).
struct Warnings(Mutex<Vec<String>>);

static WARNINGS: Warnings = Warnings(Mutex::new(Vec::new()));

impl log::Log for Warnings {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
            all.push(r.args().to_string());
        }
    }
    fn flush(&self) {}
}

/// The warnings that name both `dir` and `name`.
fn warnings_naming(dir: &Path, name: &str) -> usize {
    let dir = dir.display().to_string();
    let all = WARNINGS.0.lock().unwrap_or_else(|p| p.into_inner());
    all.iter()
        .filter(|w| w.contains(&dir) && w.contains(name))
        .count()
}

fn capture_warnings() {
    if log::set_logger(&WARNINGS).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

/// What an entry is, to see that it was left alone: a link's target, or a file's bytes.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Link(PathBuf),
    File(Vec<u8>),
}

fn entry(path: &Path) -> Entry {
    let meta = std::fs::symlink_metadata(path).expect("the entry is there");
    if meta.file_type().is_symlink() {
        Entry::Link(std::fs::read_link(path).expect("link"))
    } else {
        Entry::File(std::fs::read(path).expect("file"))
    }
}

/// The names in `dir` other than `LOCK` and `foreign`, sorted.
fn others(dir: &Path, foreign: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("spool directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "LOCK" && n != foreign)
        .collect();
    names.sort();
    names
}

/// With events left in the spool and an entry `name` made by `make` beside them: a client
/// opens, sends those events and new ones, and closes. The entry is unchanged and named in a
/// warning; the spool's own segments are numbered from 1 and all deleted at the end.
fn left_alone(name: &str, make: impl FnOnce(&Path)) {
    capture_warnings();
    let dir = temp_dir("spool-foreign");
    let ids = leave_in_spool(&dir, 3, |_| {});
    let foreign = dir.join(name);
    make(&foreign);
    let before = entry(&foreign);
    let (client, _) = memory_client(&dir);
    let more = send(&client, 2);
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_eq!(sent_ids(&client), [ids, more].concat(), "{name}");
    let stats = client.stats();
    assert_eq!((stats.recovered, stats.spool_skipped), (3, 0), "{name}");
    let made = others(&dir, name);
    assert!(
        made.iter().all(|n| {
            let id = n.strip_suffix(".log").unwrap_or_default();
            id.len() == 20 && id.parse::<u64>().is_ok_and(|id| (1..=3).contains(&id))
        }),
        "{name}: {made:?}"
    );
    client.close(None).expect("closed");
    assert_eq!(entry(&foreign), before, "{name} left alone");
    assert_eq!(others(&dir, name), Vec::<String>::new(), "{name}");
    assert!(warnings_naming(&dir, name) > 0, "no warning names {name}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn write(text: &'static [u8]) -> impl FnOnce(&Path) {
    move |path| std::fs::write(path, text).expect("write")
}

#[test]
fn a_file_named_like_a_segment_that_the_spool_did_not_write_is_left_alone() {
    left_alone(
        "00000000000000000007.log",
        write(b"the log of another program\n"),
    );
}

#[test]
fn a_segment_name_of_fewer_digits_is_left_alone() {
    left_alone("1.log", write(b"one\n"));
}

#[test]
fn a_segment_name_with_a_sign_is_left_alone() {
    left_alone("+1.log", write(b"plus one\n"));
}

#[test]
fn the_highest_number_as_a_segment_name_is_left_alone_and_numbers_do_not_wrap() {
    left_alone("18446744073709551615.log", write(b"u64::MAX\n"));
}

#[test]
fn a_link_named_like_the_next_segment_to_a_directory_not_made_yet_is_left_alone() {
    left_alone("00000000000000000002.log", |path| {
        let target = path.with_file_name("made-later");
        std::os::unix::fs::symlink(target, path).expect("symlink");
    });
}

#[test]
fn a_segment_of_a_newer_format_is_left_alone() {
    left_alone("00000000000000000005.log", |path| {
        let mut bytes = SEGMENT_MAGIC.to_vec();
        bytes.push(SEGMENT_VERSION + 1);
        bytes.resize(4096, 0);
        std::fs::write(path, bytes).expect("write");
    });
}

/// A segment of the format before segments had a header (records from its first byte) is
/// read and, once its events are sent, deleted.
#[test]
fn a_segment_without_a_header_is_read_and_deleted() {
    let dir = temp_dir("spool-headerless");
    let ids = leave_in_spool(&dir, 3, |_| {});
    let segs = segments(&dir);
    assert_eq!(segs.len(), 1);
    let bytes = std::fs::read(&segs[0]).expect("segment");
    let start = records_start(&bytes);
    let older = temp_dir("spool-headerless-copy");
    std::fs::write(older.join("00000000000000000004.log"), &bytes[start..]).expect("write");
    let (client, _) = memory_client(&older);
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_eq!(sent_ids(&client), ids);
    let stats = client.stats();
    assert_eq!((stats.recovered, stats.spool_skipped), (3, 0));
    client.close(None).expect("closed");
    assert!(segments(&older).is_empty(), "{:?}", segments(&older));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&older);
}

/// Segment numbers stop at u64::MAX / 2: a spool whose last segment has that number is
/// refused with a clear error (nothing wraps, nothing is lost), and opens once it is renamed.
#[test]
fn segment_numbers_stop_short_of_wrapping() {
    let dir = temp_dir("spool-last-number");
    let ids = leave_in_spool(&dir, 3, |_| {});
    let segs = segments(&dir);
    assert_eq!(segs.len(), 1);
    let last = dir.join(format!("{:020}.log", u64::MAX / 2));
    std::fs::rename(&segs[0], &last).expect("renamed");
    let err = memory_client_result(&dir).expect_err("no number is left");
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert!(err.to_string().contains("segment numbers"), "{err}");
    assert_eq!(segments(&dir), vec![last.clone()], "the segment is kept");
    std::fs::rename(&last, dir.join("00000000000000000001.log")).expect("renamed");
    let (client, _) = memory_client(&dir);
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    assert_eq!(sent_ids(&client), ids);
    client.close(None).expect("closed");
    let _ = std::fs::remove_dir_all(&dir);
}
