//! `serve`, `send` and `demo`, run as processes.

use rudder_group_dataplane::DataPlane;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rudder-group");

fn line(n: usize) -> String {
    format!(
        r#"{{"groupId":"g{n}","userId":"u{n}","messageId":"id-{n}","traits":{{"name":"Group {n}","employees":{n}}}}}"#
    )
}

/// `rudder-group serve` with `args` (stdin and stderr as given), and the URL it prints first.
fn serve(args: &[&str], stdin: Stdio, stderr: Stdio) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .env_remove("RUDDER_GROUP_ADMIN_TOKEN")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

/// An HTTP agent that hands every status back instead of failing on it.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

#[test]
fn serve_prints_its_url_first_and_answers_like_a_data_plane() {
    let (mut child, url) = serve(
        &["--port", "0", "--write-key", "k1"],
        Stdio::null(),
        Stdio::null(),
    );
    let agent = agent();
    assert_eq!(
        agent.get(format!("{url}/health")).call().unwrap().status(),
        200
    );
    // k1 is accepted, the default key is not (only the keys given are).
    let post = |key: &str| {
        let auth = format!("Basic {}", base64_user(key));
        agent
            .post(format!("{url}/v1/batch"))
            .header("Authorization", auth)
            .send(format!(r#"{{"batch":[{}]}}"#, line(1)))
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(post("k1"), 200);
    assert_eq!(post("test-write-key"), 401);
    let mut events = agent
        .get(format!("{url}/_rudder_group/events"))
        .call()
        .unwrap();
    let events: serde_json::Value =
        serde_json::from_str(&events.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(events[0]["messageId"], "id-1");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_off_loopback_puts_the_admin_api_behind_a_token_and_redacts_write_keys() {
    let (mut child, url) = serve(
        &["--host", "0.0.0.0", "--port", "0"],
        Stdio::null(),
        Stdio::piped(),
    );
    let port = url.rsplit(':').next().unwrap().to_owned();
    let mut said = Vec::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    for _ in 0..3 {
        let mut l = String::new();
        stderr.read_line(&mut l).unwrap();
        said.push(l);
    }
    let said = said.concat();
    assert!(
        said.contains(&format!("listening on 0.0.0.0:{port}")),
        "{said}"
    );
    assert!(said.contains("reachable from other machines"), "{said}");
    let token = said
        .lines()
        .find_map(|l| l.strip_prefix("rudder-group: admin token: "))
        .expect("the made-up token is printed")
        .to_owned();
    let agent = agent();
    let sent = agent
        .post(format!("{url}/v1/batch"))
        .header(
            "Authorization",
            format!("Basic {}", base64_user("test-write-key")),
        )
        .send(format!(r#"{{"batch":[{}]}}"#, line(1)))
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(sent, 200);
    let admin = |bearer: Option<&str>| {
        let mut request = agent.get(format!("{url}/_rudder_group/requests"));
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut reply = request.call().unwrap();
        let status = reply.status().as_u16();
        (status, reply.body_mut().read_to_string().unwrap())
    };
    assert_eq!(admin(None).0, 401);
    assert_eq!(admin(Some("not-the-token")).0, 401);
    let (status, body) = admin(Some(&token));
    assert_eq!(status, 200);
    let requests: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(requests[0]["headers"]["authorization"], "[redacted]");
    assert!(!body.contains(&base64_user("test-write-key")), "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_refuses_a_store_that_is_not_a_regular_file() {
    let dir = std::env::temp_dir().join(format!("rudder-group-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("events.ndjson");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for store in [&fifo, &dir] {
        let out = Command::new(BIN)
            .args(["serve", "--port", "0", "--store"])
            .arg(store)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("is not a regular file"), "{said}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn serve_with_exit_with_stdin_ends_when_its_stdin_closes() {
    let (mut child, _url) = serve(
        &["--port", "0", "--exit-with-stdin"],
        Stdio::piped(),
        Stdio::null(),
    );
    drop(child.stdin.take());
    // Only a guard against a hang: the process ends as soon as it reads the end of its stdin.
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

fn base64_user(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
}

/// `rudder-group send` to `url` with `key` and `extra` arguments, `input` on stdin.
fn run_send(url: &str, key: &str, extra: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(["send", "--write-key", key, "--data-plane-url", url])
        .args(extra)
        .env_remove("RUDDER_WRITE_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn send(plane: &DataPlane, input: &str) -> std::process::Output {
    run_send(&plane.url(), "test-write-key", &["-"], input)
}

/// `send --spool-dir`: a run that cannot deliver in its timeout leaves its events in the
/// spool, and the next run (with nothing new to read) sends them. The spool needs Unix.
#[cfg(unix)]
#[test]
fn send_with_a_spool_dir_leaves_what_it_could_not_send_for_the_next_run() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("send-spool-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spool = dir.to_str().expect("a UTF-8 path");
    let run = |url: &str, input: &str| {
        run_send(
            url,
            "test-write-key",
            &["--timeout", "0", "--spool-dir", spool],
            input,
        )
    };
    // Nothing listens there: the run ends with its events unsent.
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}", refusing.local_addr().unwrap());
    drop(refusing);
    let input: String = (0..30).map(|n| line(n) + "\n").collect();
    let out = run(&down, &input);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("0 delivered, 0 failed, 0 dropped, 0 invalid"),
        "{stdout}"
    );
    assert!(
        stdout.contains("30 events not yet delivered stay in the spool"),
        "{stdout}"
    );

    let plane = DataPlane::start(Default::default()).unwrap();
    let up = run_send(&plane.url(), "test-write-key", &["--spool-dir", spool], "");
    let stdout = String::from_utf8_lossy(&up.stdout);
    assert!(up.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("30 delivered, 0 failed, 0 dropped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("30 events left by an earlier run were sent again"),
        "{stdout}"
    );
    let mut ids: Vec<String> = plane
        .events()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut want: Vec<String> = (0..30).map(|n| format!("id-{n}")).collect();
    want.sort();
    assert_eq!(ids, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn send_delivers_every_line_and_keeps_message_ids() {
    let plane = DataPlane::start(Default::default()).unwrap();
    let input: String = (0..250).map(|n| line(n) + "\n").collect();
    let out = send(&plane, &input);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("250 delivered, 0 failed, 0 dropped, 0 invalid"),
        "{stdout}"
    );
    let events = plane.events();
    assert_eq!(events.len(), 250);
    // Several requests in flight: events of different users may arrive in any order.
    let seventh = events
        .iter()
        .find(|e| e["messageId"] == "id-7")
        .expect("id-7 stored");
    assert_eq!(seventh["context"]["library"]["name"], "rudder-group-rust");
}

#[test]
fn send_reports_invalid_lines_and_exits_one() {
    let plane = DataPlane::start(Default::default()).unwrap();
    let input = format!(
        "{}\n\n{{\"userId\":\"u\"}}\nnot json\n{}\n",
        line(1),
        line(2)
    );
    let out = send(&plane, &input);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reports: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(reports.len(), 2, "{stderr}");
    assert_eq!(reports[0]["line"], 3);
    assert_eq!(reports[0]["errors"][0]["code"], "MISSING_GROUP_ID");
    assert_eq!(reports[1]["line"], 4);
    assert_eq!(reports[1]["errors"][0]["code"], "INVALID_JSON");
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("2 delivered, 0 failed, 0 dropped, 2 invalid"));
    assert_eq!(plane.event_count(), 2);
}

fn send_with_key(plane: &DataPlane, key: &str, input: &str) -> std::process::Output {
    run_send(&plane.url(), key, &[], input)
}

#[test]
fn send_exits_one_when_the_data_plane_refuses() {
    let plane = DataPlane::start(Default::default()).unwrap();
    let out = send_with_key(&plane, "wrong", &line(1));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 delivered, 1 failed"));
}

#[test]
fn send_says_why_events_failed_without_showing_the_write_key() {
    let plane = DataPlane::start(Default::default()).unwrap();
    let key = "wrong-key-7c1e93";
    let input: String = (0..250).map(|n| line(n) + "\n").collect();
    let out = send_with_key(&plane, key, &input);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout} {stderr}");
    assert!(stdout.starts_with("0 delivered, 250 failed"), "{stdout}");
    let reasons: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" failed: ") || l.contains(" dropped: "))
        .collect();
    assert_eq!(
        reasons,
        ["rudder-group send: 250 failed: 401 invalid write key"],
        "{stderr}"
    );
    assert!(!stdout.contains(key) && !stderr.contains(key));
    assert_eq!(plane.event_count(), 0);
}

#[test]
fn send_help_does_not_show_the_write_key_from_the_environment() {
    let key = "secret-key-from-env-5d02";
    let out = Command::new(BIN)
        .args(["send", "--help"])
        .env("RUDDER_WRITE_KEY", key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("RUDDER_WRITE_KEY"), "{help}");
    assert!(!help.contains(key), "{help}");
}

#[test]
fn demo_delivers_everything() {
    let out = Command::new(BIN)
        .args(["demo", "--events", "3000"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("\"groupId\": \"12345\""), "{stdout}");
    assert!(stdout.contains("\"employees\": 450"));
    assert!(stdout.contains("delivered:  3001\n"));
    assert!(stdout.contains("failed:     0\n"));
    assert!(stdout.contains("dropped:    0\n"));
}

#[test]
fn send_verbose_prints_each_request_and_retry() {
    let plane = DataPlane::start(Default::default()).unwrap();
    plane.inject(rudder_group_dataplane::Fault::Status {
        status: 503,
        retry_after: Some("0".to_owned()),
        count: rudder_group_dataplane::FaultCount::Next(1),
    });
    let key = "test-write-key";
    // One user id: one lane, so the requests are made, and logged, one after the other.
    let input: String = (0..3)
        .map(|n| line(n).replace(&format!("\"userId\":\"u{n}\""), "\"userId\":\"u\"") + "\n")
        .collect();
    let out = run_send(&plane.url(), key, &["-v", "--flush-at", "3"], &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let requests: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rudder-group send: debug: POST /v1/batch: "))
        .collect();
    assert_eq!(requests.len(), plane.requests().len(), "{stderr}");
    assert_eq!(requests.len(), 2, "{stderr}");
    assert!(
        requests[0].starts_with("rudder-group send: debug: POST /v1/batch: 3 events, ")
            && requests[0].contains("attempt 1: status 503 in "),
        "{stderr}"
    );
    assert!(
        requests[1].contains("attempt 2: status 200 in "),
        "{stderr}"
    );
    let retries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rudder-group send: debug: retrying 3 events in "))
        .collect();
    assert_eq!(retries.len(), 1, "{stderr}");
    assert!(!stderr.contains(key));
}
