//! The spool against a real crash: a child process enqueues with the spool on and is killed
//! with SIGKILL at a random point; a new client on the same directory must deliver every event
//! whose `group()` had returned in the child (each messageId at least once). Once with the data
//! plane down during the kill, once with it up. Also: a second process on a held directory gets
//! `INVALID_CONFIG` naming the holder's pid, a process the holder starts does not inherit
//! the lock, a process under a file size limit (`ulimit -f`) gets an error, not SIGXFSZ, and a
//! live segment cut short by another program costs its events (reported failed), not a crash.
//!
//! This test has its own `main` (no libtest harness), so that the same binary can be the child:
//! with `SPOOL_CHILD` set it plays that role instead. Every check counts; none times.

mod common;
use common::*;
use rand::Rng;
use rudder_group::ErrorCode;
use rudder_group_client::{Client, ClientError, Config, Transport};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn spool_config(url: &str, dir: &Path) -> Config {
    let mut c = config(url);
    c.spool_dir = Some(dir.to_owned());
    c.max_concurrent_requests = 4;
    c.flush_at = 50;
    c
}

fn main() {
    if !cfg!(unix) {
        println!("spool_kill: the spool needs a Unix system; nothing to run");
        return;
    }
    match std::env::var("SPOOL_CHILD").as_deref() {
        Ok("enqueue") => child_enqueue(),
        Ok("hold") => child_hold(),
        Ok("try") => child_try(),
        #[cfg(unix)]
        Ok("file-size-limit") => child_under_a_file_size_limit(),
        #[cfg(unix)]
        Ok("fork") => child_fork_then_hold(),
        Ok("cut") => child_with_its_segment_cut(),
        _ => run_checks(),
    }
}

/// Runs every check, or those whose name holds the first argument (as libtest's filter).
fn run_checks() {
    let mut checks: Vec<(&str, fn())> = vec![
        (
            "killed_while_the_data_plane_is_down",
            killed_while_the_data_plane_is_down,
        ),
        (
            "killed_while_the_data_plane_is_up",
            killed_while_the_data_plane_is_up,
        ),
        (
            "a_second_process_gets_invalid_config_naming_the_holder",
            a_second_process_gets_invalid_config_naming_the_holder,
        ),
        (
            "a_child_of_the_holder_does_not_inherit_the_lock",
            a_child_of_the_holder_does_not_inherit_the_lock,
        ),
        (
            "the_lock_survives_the_holder_closing_its_lock_file",
            the_lock_survives_the_holder_closing_its_lock_file,
        ),
        (
            "the_lock_survives_its_lock_file_removed",
            the_lock_survives_its_lock_file_removed,
        ),
        (
            "a_segment_cut_short_by_another_program_is_no_crash",
            a_segment_cut_short_by_another_program_is_no_crash,
        ),
    ];
    #[cfg(unix)]
    checks.extend([
        (
            "a_file_size_limit_is_an_error_not_a_signal",
            a_file_size_limit_is_an_error_not_a_signal as fn(),
        ),
        (
            "a_forked_child_that_outlives_the_holder_does_not_hold_the_lock",
            a_forked_child_that_outlives_the_holder_does_not_hold_the_lock,
        ),
    ]);
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut passed = 0;
    for (name, check) in checks {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        check();
        passed += 1;
    }
    println!("spool_kill: {passed} passed");
}

fn child_env(role: &str, dir: &Path, url: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.env("SPOOL_CHILD", role)
        .env("SPOOL_DIR", dir)
        .env("SPOOL_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    cmd
}

/// Enqueues until killed, printing each messageId once `group()` returned it.
fn child_enqueue() {
    let dir = std::env::var("SPOOL_DIR").expect("SPOOL_DIR");
    let url = std::env::var("SPOOL_URL").expect("SPOOL_URL");
    let client = Client::new(spool_config(&url, Path::new(&dir))).expect("child client");
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let id = client.enqueue(event(i)).expect("enqueued");
        // A parent that went away ends the child.
        if writeln!(out, "{id}").and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}

/// Holds the spool until its stdin closes.
fn child_hold() {
    let dir = std::env::var("SPOOL_DIR").expect("SPOOL_DIR");
    let url = std::env::var("SPOOL_URL").expect("SPOOL_URL");
    let client = Client::new(spool_config(&url, Path::new(&dir))).expect("child client");
    println!("ready");
    let _ = std::io::stdin().lines().count();
    drop(client);
}

/// Tries to open the spool and prints the error, or "opened".
fn child_try() {
    let dir = std::env::var("SPOOL_DIR").expect("SPOOL_DIR");
    let url = std::env::var("SPOOL_URL").expect("SPOOL_URL");
    match Client::new(spool_config(&url, Path::new(&dir))) {
        Ok(_) => println!("opened"),
        Err(e) => println!("{:?} {e}", e.code()),
    }
}

/// Lowers its file size limit under a segment's size, with SIGXFSZ at its default (which
/// ends the process), then tries to open the spool.
#[cfg(unix)]
fn child_under_a_file_size_limit() {
    let limit = libc::rlimit {
        rlim_cur: 16 << 10,
        rlim_max: 16 << 10,
    };
    // SAFETY: a valid resource and an initialized `rlimit`; setting a signal's disposition to
    // its default is always allowed.
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
        libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
    }
    child_try();
}

/// Opens the spool, then forks: the forked child prints "forked" and waits for its stdin to
/// close (with only async-signal-safe calls, as a child of a threaded process must), while this
/// process prints the forked child's pid and waits to be killed.
#[cfg(unix)]
fn child_fork_then_hold() {
    let dir = std::env::var("SPOOL_DIR").expect("SPOOL_DIR");
    let url = std::env::var("SPOOL_URL").expect("SPOOL_URL");
    let client = Client::new(spool_config(&url, Path::new(&dir))).expect("child client");
    // SAFETY: the forked child below calls only `read` and `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // Running here means `fork` returned in the child, its fork handlers done: say so.
        let said = b"forked\n";
        let mut byte = 0u8;
        // SAFETY: writes a static buffer to stdout, reads at most one byte into a byte of this
        // stack frame; `_exit` ends the process without running anything of the parent's.
        unsafe {
            libc::write(1, said.as_ptr().cast(), said.len());
            while libc::read(0, (&mut byte as *mut u8).cast(), 1) > 0 {}
            libc::_exit(0);
        }
    }
    assert!(pid > 0, "fork failed");
    println!("{pid}");
    let _ = std::io::stdin().lines().count();
    drop(client);
}

/// Enqueues 50 events (10 kept in memory, the rest only on disk), then cuts its live segment
/// to nothing, as another program might; with `SPOOL_CUT=append` enqueues 50 more. Then
/// flushes and prints how many events were delivered and how many failed.
fn child_with_its_segment_cut() {
    let dir = std::env::var("SPOOL_DIR").expect("SPOOL_DIR");
    let dir = Path::new(&dir);
    let mut c = spool_config("http://127.0.0.1:9", dir);
    c.transport = Transport::Memory;
    c.flush_at = 1_000_000;
    c.max_queue_events = 10;
    let client = Client::new(c).expect("child client");
    send(&client, 50);
    for segment in segments(dir) {
        let file = std::fs::OpenOptions::new().write(true).open(&segment);
        file.and_then(|f| f.set_len(0)).expect("cut");
    }
    if std::env::var("SPOOL_CUT").as_deref() == Ok("append") {
        send(&client, 50);
    }
    client
        .flush(Some(Duration::from_secs(60)))
        .expect("flushed");
    let stats = client.stats();
    println!("{} {}", stats.delivered, stats.failed);
    client.close(None).expect("closed");
}

/// Runs the child until `kill_after` ids were read, kills it with SIGKILL, and returns every
/// id it printed whole (each one `group()` had returned).
fn enqueue_then_kill(dir: &Path, url: &str, kill_after: usize) -> Vec<String> {
    let mut child = child_env("enqueue", dir, url)
        .spawn()
        .expect("child starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ids = Vec::new();
    let mut line = String::new();
    while ids.len() < kill_after {
        line.clear();
        assert!(
            lines.read_line(&mut line).expect("read") > 0,
            "the child ended early"
        );
        ids.push(line.trim_end().to_owned());
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    // What it printed before it died: only whole lines are ids it was given.
    loop {
        line.clear();
        if lines.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if line.ends_with('\n') {
            ids.push(line.trim_end().to_owned());
        }
    }
    ids
}

fn deliver_what_is_left(dir: &Path, plane: &rudder_group_dataplane::DataPlane) -> Client {
    let client = Client::new(spool_config(&plane.url(), dir)).expect("a new client on the spool");
    client
        .flush(Some(Duration::from_secs(120)))
        .expect("the spool's events delivered");
    client
}

fn killed_while_the_data_plane_is_down() {
    let dir = temp_dir("spool-kill-down");
    let kill_after = rand::rng().random_range(1..3000);
    let ids = enqueue_then_kill(&dir, &refusing_url(), kill_after);
    assert!(ids.len() >= kill_after);
    let plane = plane();
    let client = deliver_what_is_left(&dir, &plane);
    assert_all_stored(&plane, &ids);
    let stats = client.stats();
    // Nothing reached the data plane before the kill: every accepted event was recovered.
    assert!(
        stats.recovered >= ids.len() as u64,
        "{stats:?}, {} ids",
        ids.len()
    );
    assert_eq!(stats.delivered, stats.recovered, "{stats:?}");
    client.close(None).expect("closed");
    assert!(
        segments(&dir).is_empty(),
        "a finished spool keeps no segment"
    );
    println!(
        "down: killed after {} accepted events; all delivered",
        ids.len()
    );
}

fn killed_while_the_data_plane_is_up() {
    let dir = temp_dir("spool-kill-up");
    let plane = plane();
    let kill_after = rand::rng().random_range(1..3000);
    let ids = enqueue_then_kill(&dir, &plane.url(), kill_after);
    let before = stored_ids(&plane).len();
    let client = deliver_what_is_left(&dir, &plane);
    assert_all_stored(&plane, &ids);
    let stats = client.stats();
    assert_eq!(stats.delivered, stats.recovered, "{stats:?}");
    client.close(None).expect("closed");
    assert!(
        segments(&dir).is_empty(),
        "a finished spool keeps no segment"
    );
    println!(
        "up: killed after {} accepted events, {before} stored before the kill, {} recovered",
        ids.len(),
        stats.recovered
    );
}

fn a_second_process_gets_invalid_config_naming_the_holder() {
    let dir = temp_dir("spool-lock");
    let url = refusing_url();
    let mut child = child_env("hold", &dir, &url).spawn().expect("child starts");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("read");
    assert_eq!(ready.trim(), "ready");
    let err = Client::new(spool_config(&url, &dir)).expect_err("the directory is held");
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    let ClientError::InvalidConfig { setting, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(setting, "spool_dir");
    assert!(
        message.contains(&format!("process {}", child.id())),
        "{message}"
    );
    drop(child.stdin.take());
    assert!(child.wait().expect("reaped").success());
    // Released with its holder: the directory opens now.
    let client = Client::new(spool_config(&url, &dir)).expect("the lock was released");
    client.close(Some(Duration::ZERO)).expect("nothing queued");
}

/// Under `ulimit -f` smaller than a segment, opening a spool fails with INVALID_CONFIG saying
/// why; the process is not killed by SIGXFSZ.
#[cfg(unix)]
fn a_file_size_limit_is_an_error_not_a_signal() {
    let dir = temp_dir("spool-fsize");
    let out = child_env("file-size-limit", &dir, &refusing_url())
        .stdin(Stdio::null())
        .output()
        .expect("child runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{:?}: {said}", out.status);
    assert!(said.starts_with("InvalidConfig"), "{said}");
    assert!(said.contains("File too large"), "{said}");
    assert!(segments(&dir).is_empty(), "no segment left: {said}");
}

/// What a "try" child says about `dir`.
fn try_in_a_child(dir: &Path, url: &str) -> String {
    let out = child_env("try", dir, url)
        .stdin(Stdio::null())
        .output()
        .expect("child runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Opening and closing the lock file, or the directory, in the holding process (as any
/// library of the program may) keeps the directory locked.
fn the_lock_survives_the_holder_closing_its_lock_file() {
    let dir = temp_dir("spool-lock-close");
    let url = refusing_url();
    let holder = Client::new(spool_config(&url, &dir)).expect("the spool");
    drop(std::fs::File::open(dir.join("LOCK")).expect("LOCK opens"));
    drop(
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join("LOCK"))
            .expect("LOCK opens"),
    );
    drop(std::fs::File::open(&dir).expect("the directory opens"));
    let said = try_in_a_child(&dir, &url);
    assert!(said.starts_with("InvalidConfig"), "{said}");
    assert!(
        said.contains(&format!("process {}", std::process::id())),
        "{said}"
    );
    holder.close(Some(Duration::ZERO)).expect("nothing queued");
    assert_eq!(try_in_a_child(&dir, &url), "opened");
}

/// A stale-lock cleanup that removes `LOCK` does not unlock the directory.
fn the_lock_survives_its_lock_file_removed() {
    let dir = temp_dir("spool-lock-rm");
    let url = refusing_url();
    let holder = Client::new(spool_config(&url, &dir)).expect("the spool");
    std::fs::remove_file(dir.join("LOCK")).expect("LOCK removed");
    let said = try_in_a_child(&dir, &url);
    assert!(said.starts_with("InvalidConfig"), "{said}");
    let err = Client::new(spool_config(&url, &dir)).expect_err("held in this process too");
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    holder.close(Some(Duration::ZERO)).expect("nothing queued");
    assert_eq!(try_in_a_child(&dir, &url), "opened");
}

/// A child forked by the holder, still running after the holder died, does not keep the
/// directory locked.
#[cfg(unix)]
fn a_forked_child_that_outlives_the_holder_does_not_hold_the_lock() {
    let dir = temp_dir("spool-lock-fork");
    let url = refusing_url();
    let mut holder = child_env("fork", &dir, &url).spawn().expect("child starts");
    // Two lines, in either order: the forked child's pid, and "forked" from the child itself
    // once its fork handlers ran.
    let mut lines = BufReader::new(holder.stdout.take().expect("stdout")).lines();
    let mut forked: Option<libc::pid_t> = None;
    let mut running = false;
    while forked.is_none() || !running {
        let line = lines.next().expect("a line").expect("read");
        match line.trim() {
            "forked" => running = true,
            pid => forked = Some(pid.parse().expect("the forked child's pid")),
        }
    }
    let forked = forked.expect("the forked child's pid");
    // Its stdin is the forked child's too: it lives until this end closes.
    let stdin = holder.stdin.take();
    holder.kill().expect("SIGKILL");
    holder.wait().expect("reaped");
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(forked, 0) };
    assert_eq!(alive, 0, "the forked child lives");
    let client = Client::new(spool_config(&url, &dir)).expect("the holder's death freed it");
    client.close(Some(Duration::ZERO)).expect("nothing queued");
    drop(stdin);
}

/// A live segment cut short by another program (a log rotation's copytruncate, say) costs the
/// events it held, each reported failed, and nothing else: events read back from it and events
/// appended after the cut neither crash the process (as a store or load through a mapping past
/// the file's end would, with SIGBUS) nor go missing.
fn a_segment_cut_short_by_another_program_is_no_crash() {
    for (mode, delivered) in [("read", 10), ("append", 60)] {
        let dir = temp_dir("spool-cut");
        let out = child_env("cut", &dir, "http://127.0.0.1:9")
            .env("SPOOL_CUT", mode)
            .stdin(Stdio::null())
            .output()
            .expect("child runs");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{mode}: {:?} {said}", out.status);
        // The 10 events in memory and those appended after the cut are delivered; the 40 kept
        // only in the cut part of the segment fail, reported.
        assert_eq!(said.trim(), format!("{delivered} 40"), "{mode}");
    }
}

/// A process started by the holder (fork and exec) does not hold its lock: it is refused, and
/// told the holder's pid.
fn a_child_of_the_holder_does_not_inherit_the_lock() {
    let dir = temp_dir("spool-lock-child");
    let url = refusing_url();
    let holder = Client::new(spool_config(&url, &dir)).expect("the parent holds the spool");
    let out = child_env("try", &dir, &url)
        .stdin(Stdio::null())
        .output()
        .expect("child runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("InvalidConfig"), "{said}");
    assert!(
        said.contains(&format!("process {}", std::process::id())),
        "{said}"
    );
    holder.close(Some(Duration::ZERO)).expect("nothing queued");
    let out = child_env("try", &dir, &url)
        .stdin(Stdio::null())
        .output()
        .expect("child runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "opened");
}
