//! `rudder-group validate`, run as a process: every shared vector case, exit statuses, line
//! numbers, stdin, and the lenient setting.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rudder-group");

type CodePath = (String, String);

/// One vector case as a line and what the command must answer.
struct Line {
    name: String,
    text: String,
    errors: Vec<CodePath>,
    warnings: Vec<CodePath>,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn code_paths(v: Option<&Value>) -> Vec<CodePath> {
    v.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    let s = |k: &str| i[k].as_str().expect("code and path strings").to_owned();
                    (s("code"), s("path"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every case that fits on one line, grouped by the command-line flags its options need.
fn vector_lines() -> (BTreeMap<Vec<String>, Vec<Line>>, usize) {
    let mut groups: BTreeMap<Vec<String>, Vec<Line>> = BTreeMap::new();
    let mut total = 0;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in doc["cases"].as_array().expect("cases") {
            total += 1;
            let text = match (&case["input"], case.get("input_text")) {
                (_, Some(Value::String(t))) => t.clone(),
                (input, None) => serde_json::to_string(input).unwrap(),
                _ => panic!("malformed case {case}"),
            };
            if text.contains('\n') || text.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let empty = Map::new();
            let options = case["options"].as_object().unwrap_or(&empty);
            let mut flags = Vec::new();
            if options.get("lenient").and_then(Value::as_bool) == Some(true) {
                flags.push("--lenient".to_owned());
            }
            if let Some(n) = options.get("max_event_bytes").and_then(Value::as_u64) {
                flags.push(format!("--max-event-bytes={n}"));
            }
            groups.entry(flags).or_default().push(Line {
                name: format!(
                    "{}/{}",
                    path.file_name().unwrap().to_string_lossy(),
                    case["name"]
                ),
                text,
                errors: code_paths(case.get("expected_error")),
                warnings: code_paths(case.get("expected_warnings")),
            });
        }
    }
    (groups, total)
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The command may stop reading early (a usage error); a broken pipe is fine then.
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn reports(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn report_code_paths(report: &Value, key: &str) -> Vec<CodePath> {
    let items = code_paths(report.get(key));
    for item in report
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            item["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{item}"
        );
        assert_eq!(item.as_object().unwrap().len(), 3, "{item}");
    }
    items
}

fn temp_file(name: &str, data: &[u8]) -> PathBuf {
    let path =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    path
}

fn status(out: &Output) -> i32 {
    out.status.code().expect("exited")
}

#[test]
fn every_vector_case_answers_as_expected() {
    let (groups, total) = vector_lines();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (flags, lines) in &groups {
        let mut input = String::new();
        for line in lines {
            input.push_str(&line.text);
            input.push('\n');
        }
        let file = temp_file(
            &format!("vectors{}.ndjson", flags.join("")),
            input.as_bytes(),
        );
        let mut args = vec!["validate", file.to_str().unwrap()];
        args.extend(flags.iter().map(String::as_str));
        let out = run(&args, b"");
        let reports = reports(&out);
        assert_eq!(reports.len(), lines.len(), "{flags:?}: one report per line");
        let any_invalid = lines.iter().any(|l| !l.errors.is_empty());
        assert_eq!(status(&out), i32::from(any_invalid), "{flags:?}");
        for (n, (line, report)) in lines.iter().zip(&reports).enumerate() {
            checked += 1;
            assert_eq!(report["line"], n + 1, "{}", line.name);
            let valid = report["valid"].as_bool().expect("valid is a boolean");
            let errors = if valid {
                Vec::new()
            } else {
                report_code_paths(report, "errors")
            };
            let warnings = report_code_paths(report, "warnings");
            if valid != line.errors.is_empty() || errors != line.errors || warnings != line.warnings
            {
                failures.push(format!(
                    "{}: got {report}\n    want errors {:?} warnings {:?}",
                    line.name, line.errors, line.warnings
                ));
            }
        }
        std::fs::remove_file(file).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        total >= 90 && checked + 5 >= total,
        "checked {checked} of {total} cases"
    );
}

const VALID: &str = r#"{"groupId":"12345","userId":"u-1001","traits":{"name":"MyGroup","industry":"IT","employees":450,"plan":"basic"}}"#;
const INVALID: &str = r#"{"userId":"u-1001"}"#;

#[test]
fn exit_status_zero_when_all_lines_are_valid() {
    let out = run(&["validate"], format!("{VALID}\n{VALID}\n").as_bytes());
    assert_eq!(status(&out), 0);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"line\":1,\"valid\":true,\"warnings\":[]}\n{\"line\":2,\"valid\":true,\"warnings\":[]}\n"
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn exit_status_one_when_any_line_is_invalid() {
    let out = run(
        &["validate", "-"],
        format!("{VALID}\n{INVALID}\n{VALID}").as_bytes(),
    );
    assert_eq!(status(&out), 1);
    let r = reports(&out);
    assert_eq!(r.len(), 3);
    assert_eq!(r[1]["valid"], false);
    assert_eq!(
        report_code_paths(&r[1], "errors"),
        [("MISSING_GROUP_ID".to_owned(), "/groupId".to_owned())]
    );
    assert!(r[1].get("warnings").is_none());
    assert_eq!(r[2]["line"], 3, "a last line without a newline is read");
}

#[test]
fn exit_status_two_on_usage_and_io_errors() {
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-file.ndjson");
    let out = run(&["validate", missing.to_str().unwrap()], b"");
    assert_eq!(status(&out), 2);
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no-such-file.ndjson") && err.contains("No such file"),
        "{err}"
    );

    let dir = env!("CARGO_TARGET_TMPDIR");
    let out = run(&["validate", dir], b"");
    assert_eq!(status(&out), 2, "a directory cannot be read");
    assert!(!out.stderr.is_empty());

    for args in [
        &["validate", "--nope"][..],
        &["validate", "--max-event-bytes", "many"],
        &["validate", "--max-event-bytes", "0"],
        &["validate", "a", "b"],
        &["frobnicate"],
        &[],
    ] {
        let out = run(args, b"");
        assert_eq!(status(&out), 2, "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn blank_lines_are_skipped_and_still_counted() {
    let input = format!("\n   \n{VALID}\r\n\t\n\n{INVALID}\n \r\n{VALID}\n\n");
    let out = run(&["validate"], input.as_bytes());
    let lines: Vec<(u64, bool)> = reports(&out)
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(lines, [(3, true), (6, false), (8, true)]);
    assert_eq!(status(&out), 1);
    let out = run(&["validate"], b"\n \n\t\n");
    assert_eq!(status(&out), 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn reads_a_file_and_stdin_alike() {
    let data = format!("{VALID}\n{INVALID}\n");
    let file = temp_file("alike.ndjson", data.as_bytes());
    let from_file = run(&["validate", file.to_str().unwrap()], b"");
    let from_stdin = run(&["validate"], data.as_bytes());
    let from_dash = run(&["validate", "-"], data.as_bytes());
    assert_eq!(from_file.stdout, from_stdin.stdout);
    assert_eq!(from_file.stdout, from_dash.stdout);
    assert_eq!(status(&from_file), 1);
    assert_eq!(status(&from_dash), 1);
    std::fs::remove_file(file).unwrap();
}

#[test]
fn a_line_that_is_not_utf8_or_not_json_is_invalid_json() {
    let mut input = b"{\"groupId\":\"g\xff\",\"userId\":\"u\"}\n".to_vec();
    input.extend_from_slice(b"not json\n[1,2]\n");
    input.extend_from_slice(VALID.as_bytes());
    let out = run(&["validate"], &input);
    let r = reports(&out);
    assert_eq!(r.len(), 4);
    for report in &r[..3] {
        assert_eq!(
            report_code_paths(report, "errors"),
            [("INVALID_JSON".to_owned(), String::new())]
        );
    }
    assert_eq!(r[3]["valid"], true);
    assert_eq!(status(&out), 1);
}

#[test]
fn lenient_turns_trait_errors_into_warnings() {
    let line = r#"{"groupId":"g","userId":"u","traits":{"employees":-1,"name":5}}"#;
    let strict = run(&["validate"], line.as_bytes());
    assert_eq!(status(&strict), 1);
    let lenient = run(&["validate", "--lenient"], line.as_bytes());
    assert_eq!(status(&lenient), 0);
    let r = &reports(&lenient)[0];
    assert_eq!(r["valid"], true);
    let want = [
        ("INVALID_TRAIT".to_owned(), "/traits/employees".to_owned()),
        ("INVALID_TRAIT".to_owned(), "/traits/name".to_owned()),
    ];
    assert_eq!(report_code_paths(r, "warnings"), want);
    assert_eq!(report_code_paths(&reports(&strict)[0], "errors"), want);
}

#[test]
fn max_event_bytes_flag_sets_the_limit() {
    let ok = run(
        &["validate", "--max-event-bytes", "32768"],
        VALID.as_bytes(),
    );
    assert_eq!(status(&ok), 0);
    let small = run(&["validate", "--max-event-bytes=100"], VALID.as_bytes());
    assert_eq!(status(&small), 1);
    assert_eq!(
        report_code_paths(&reports(&small)[0], "errors"),
        [("EVENT_TOO_LARGE".to_owned(), String::new())]
    );
}

#[test]
fn many_lines_stream_through() {
    let mut input = String::new();
    for n in 0..20_000 {
        if n % 1000 == 999 {
            input.push_str(INVALID);
        } else {
            input.push_str(VALID);
        }
        input.push('\n');
    }
    let out = run(&["validate"], input.as_bytes());
    let r = reports(&out);
    assert_eq!(r.len(), 20_000);
    assert_eq!(r.iter().filter(|r| r["valid"] == false).count(), 20);
    assert_eq!(r[19_999]["line"], 20_000);
    assert_eq!(status(&out), 1);
}

#[test]
fn help_documents_the_command() {
    let out = run(&["validate", "--help"], b"");
    assert_eq!(status(&out), 0);
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "NDJSON",
        "--lenient",
        "--max-event-bytes",
        "Exit status",
        "INVALID_JSON",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    let out = run(&["--version"], b"");
    assert_eq!(status(&out), 0);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains(env!("CARGO_PKG_VERSION")));
}

/// Runs the command on `stdin`, keeping its input open until the kernel's record of its peak
/// resident memory (`VmHWM`) has been read, and returns its output with that peak in bytes.
///
/// `stdin` ends with a megabyte of blank lines: once the pipe has taken it all, the command has
/// read past everything before it, so the peak covers every line that matters.
fn run_measured(args: &[&str], stdin: &[u8]) -> (Output, u64) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    input.write_all(&vec![b'\n'; 1 << 20]).unwrap();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"));
    (out, kib * 1024)
}

#[test]
fn a_huge_line_is_too_large_and_is_never_held_in_memory() {
    const DIGITS: usize = 40 << 20;
    let mut input = Vec::with_capacity(DIGITS + 4 * VALID.len());
    input.extend_from_slice(format!("{VALID}\n").as_bytes());
    input.resize(input.len() + DIGITS, b'7');
    input.extend_from_slice(format!("\n{VALID}\n{INVALID}\n").as_bytes());
    let (out, peak) = run_measured(&["validate"], &input);
    let r = reports(&out);
    assert_eq!(r.len(), 4, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        (r[0]["line"].as_u64(), r[0]["valid"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(r[1]["line"], 2);
    assert_eq!(r[1]["valid"], false);
    assert_eq!(
        report_code_paths(&r[1], "errors"),
        [("EVENT_TOO_LARGE".to_owned(), String::new())]
    );
    let message = r[1]["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&DIGITS.to_string()), "{message}");
    assert!(message.contains("131072"), "{message}");
    assert_eq!(
        (r[2]["line"].as_u64(), r[2]["valid"].as_bool()),
        (Some(3), Some(true))
    );
    assert_eq!(
        report_code_paths(&r[3], "errors"),
        [("MISSING_GROUP_ID".to_owned(), "/groupId".to_owned())]
    );
    assert_eq!(status(&out), 1);
    assert!(
        peak < 64 << 20,
        "peak resident memory {} MiB for a {} MiB line",
        peak >> 20,
        DIGITS >> 20
    );
}

#[test]
fn the_line_limit_follows_max_event_bytes() {
    // 4 x 1000 bytes may be parsed; one byte more is refused unparsed.
    let pad = |n: usize| {
        let head = r#"{"groupId":"g","userId":"u","traits":{"x":""#;
        let tail = r#""}}"#;
        format!("{head}{}{tail}", "y".repeat(n - head.len() - tail.len()))
    };
    let input = format!("{}\n{}\n", pad(4000), pad(4001));
    let out = run(&["validate", "--max-event-bytes", "1000"], input.as_bytes());
    let r = reports(&out);
    assert_eq!(r.len(), 2);
    for report in &r {
        assert_eq!(
            report_code_paths(report, "errors"),
            [("EVENT_TOO_LARGE".to_owned(), String::new())]
        );
    }
    let parsed = r[0]["errors"][0]["message"].as_str().unwrap();
    let unparsed = r[1]["errors"][0]["message"].as_str().unwrap();
    assert!(parsed.contains("serialized"), "{parsed}");
    assert!(unparsed.contains("not parsed"), "{unparsed}");
}
