//! Runs every case of the shared vectors (`tests/vectors/*.json` at the repository root) through
//! `GroupEvent::from_json_with` and compares the canonical bytes, or the error and warning codes,
//! paths and messages. The file shape is checked strictly: an unknown key or a malformed case fails.

use rudder_group::serde_json::{self, Map, Value};
use rudder_group::{ErrorCode, EventOptions, GroupEvent, Issue, Severity, VERSION};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// An emptied or truncated vectors folder must not pass.
const MIN_CASES: usize = 90;

/// The largest integer every runner's JSON parser keeps exactly (JavaScript numbers).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// An issue's code, path and message.
type CodePath = (String, String, String);

enum Expect {
    Event(Value),
    Errors(Vec<CodePath>),
}

struct Case {
    id: String,
    text: String,
    options: EventOptions,
    expect: Expect,
    warnings: Vec<CodePath>,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

fn load_all() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut names = HashSet::new();
    let mut cases = Vec::new();
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("readable vector file");
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        let file_cases = load_file(&file, doc).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!file_cases.is_empty(), "{file}: no cases");
        for case in file_cases {
            assert!(
                names.insert(case.id.clone()),
                "duplicate case name {}",
                case.id
            );
            cases.push(case);
        }
    }
    cases
}

fn only_keys(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("{what}: unknown key {k:?}")),
        None => Ok(()),
    }
}

fn load_file(file: &str, doc: Value) -> Result<Vec<Case>, String> {
    let Value::Object(doc) = doc else {
        return Err("the file must be an object".into());
    };
    only_keys(&doc, &["description", "cases"], "file")?;
    if !doc.get("description").is_some_and(Value::is_string) {
        return Err("\"description\" must be a string".into());
    }
    let Some(Value::Array(raw)) = doc.get("cases") else {
        return Err("\"cases\" must be an array".into());
    };
    raw.iter().map(|c| load_case(file, c)).collect()
}

fn load_case(file: &str, case: &Value) -> Result<Case, String> {
    let Value::Object(case) = case else {
        return Err("a case must be an object".into());
    };
    let name = case
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a case needs a string \"name\"")?;
    let id = format!("{file}/{name}");
    let err = |m: &str| format!("{name}: {m}");
    only_keys(
        case,
        &[
            "name",
            "input",
            "input_text",
            "options",
            "expected",
            "expected_error",
            "expected_warnings",
        ],
        name,
    )?;
    let (text, payload) = match (case.get("input"), case.get("input_text")) {
        (Some(input), None) => {
            portable_numbers(input, "").map_err(|m| err(&m))?;
            (serde_json::to_string(input).unwrap(), Some(input.clone()))
        }
        (None, Some(Value::String(t))) => (t.clone(), serde_json::from_str(t).ok()),
        _ => return Err(err("exactly one of \"input\" or \"input_text\" (a string)")),
    };
    let options = load_options(case.get("options")).map_err(|m| err(&m))?;
    let expect = match (case.get("expected"), case.get("expected_error")) {
        (Some(Value::Object(event)), None) => {
            let pinned = payload
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(|p| {
                    p.contains_key("messageId") && p.contains_key("originalTimestamp")
                });
            if !pinned {
                return Err(err("a valid case pins messageId and originalTimestamp"));
            }
            Expect::Event(with_rust_library(event.clone()).map_err(|m| err(&m))?)
        }
        (None, Some(list)) => {
            let list = code_paths(list).map_err(|m| err(&m))?;
            if list.is_empty() {
                return Err(err("\"expected_error\" lists at least one issue"));
            }
            Expect::Errors(list)
        }
        _ => {
            return Err(err(
                "exactly one of \"expected\" (an object) or \"expected_error\"",
            ))
        }
    };
    let warnings = match case.get("expected_warnings") {
        None => Vec::new(),
        Some(list) => code_paths(list).map_err(|m| err(&m))?,
    };
    Ok(Case {
        id,
        text,
        options,
        expect,
        warnings,
    })
}

fn load_options(options: Option<&Value>) -> Result<EventOptions, String> {
    let mut out = EventOptions::default();
    let Some(options) = options else {
        return Ok(out);
    };
    let Value::Object(map) = options else {
        return Err("\"options\" must be an object".into());
    };
    only_keys(map, &["lenient", "max_event_bytes"], "options")?;
    if let Some(v) = map.get("lenient") {
        out.lenient = v.as_bool().ok_or("options.lenient must be a boolean")?;
    }
    if let Some(v) = map.get("max_event_bytes") {
        let n = v
            .as_u64()
            .ok_or("options.max_event_bytes must be an integer")?;
        out.max_event_bytes = usize::try_from(n).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn code_paths(list: &Value) -> Result<Vec<CodePath>, String> {
    let Value::Array(items) = list else {
        return Err("an issue list must be an array".into());
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(m) = item else {
                return Err("an issue must be an object".to_owned());
            };
            only_keys(m, &["code", "path", "message"], "issue")?;
            let code = m.get("code").and_then(Value::as_str).ok_or("issue.code")?;
            let path = m.get("path").and_then(Value::as_str).ok_or("issue.path")?;
            let message = m
                .get("message")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .ok_or("issue.message")?;
            code.parse::<ErrorCode>().map_err(|e| e.to_string())?;
            if !(path.is_empty() || path.starts_with('/')) {
                return Err(format!("{path:?} is not a JSON pointer"));
            }
            Ok((code.to_owned(), path.to_owned(), message.to_owned()))
        })
        .collect()
}

/// `input` numbers must read the same in every runner: integers within ±(2^53 - 1), decimals in
/// the plain shortest form that JavaScript writes (exact digits belong in `input_text`).
fn portable_numbers(v: &Value, path: &str) -> Result<(), String> {
    match v {
        Value::Number(n) => {
            let s = n.as_str();
            let plain = if let Ok(i) = s.parse::<i64>() {
                i.abs() <= MAX_SAFE_INTEGER && i.to_string() == s
            } else {
                s.parse::<f64>().is_ok_and(|f| {
                    (1e-6..1e21).contains(&f.abs()) && f.to_string() == s && s.contains('.')
                })
            };
            if plain {
                Ok(())
            } else {
                Err(format!(
                    "input number {s} at {path:?} is not portable; use input_text"
                ))
            }
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| portable_numbers(x, &format!("{path}/{i}"))),
        Value::Object(m) => m
            .iter()
            .try_for_each(|(k, x)| portable_numbers(x, &format!("{path}/{k}"))),
        _ => Ok(()),
    }
}

/// Replaces `expected.context.library` with this binding's name and version.
fn with_rust_library(mut event: Map<String, Value>) -> Result<Value, String> {
    let library = event
        .get_mut("context")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.get_mut("library"))
        .ok_or("expected.context.library is missing")?;
    let mut lib = Map::new();
    lib.insert("name".into(), Value::String("rudder-group-rust".into()));
    lib.insert("version".into(), Value::String(VERSION.into()));
    *library = Value::Object(lib);
    Ok(Value::Object(event))
}

fn of(issues: &[Issue], severity: Severity) -> Vec<CodePath> {
    issues
        .iter()
        .filter(|i| i.severity == severity)
        .map(|i| {
            (
                i.code.as_str().to_owned(),
                i.path.clone(),
                i.message.clone(),
            )
        })
        .collect()
}

/// Runs one case; `Err` describes the mismatch.
fn run(case: &Case) -> Result<(), String> {
    let result = GroupEvent::from_json_with(&case.text, &case.options);
    match (&case.expect, result) {
        (Expect::Event(want), Ok(event)) => {
            let want = serde_json::to_string(want).unwrap();
            let got = event.to_json();
            if got != want {
                return Err(format!("bytes differ\n     got: {got}\n    want: {want}"));
            }
            let warnings = of(event.warnings(), Severity::Warning);
            if warnings != case.warnings {
                return Err(format!("warnings {warnings:?}, want {:?}", case.warnings));
            }
            // Canonical output parses back to the same bytes.
            let again = GroupEvent::from_json_with(&got, &case.options)
                .map_err(|e| format!("canonical output refused: {e}"))?;
            if again.to_json() != got {
                return Err("canonical output is not stable".into());
            }
            Ok(())
        }
        (Expect::Event(_), Err(e)) => {
            Err(format!("refused: {:?}", of(e.issues(), Severity::Error)))
        }
        (Expect::Errors(want), Ok(event)) => Err(format!(
            "accepted as {}, want errors {want:?}",
            event.to_json()
        )),
        (Expect::Errors(want), Err(e)) => {
            let errors = of(e.issues(), Severity::Error);
            let warnings = of(e.issues(), Severity::Warning);
            if &errors != want {
                return Err(format!("errors {errors:?}\n    want {want:?}"));
            }
            if warnings != case.warnings {
                return Err(format!("warnings {warnings:?}, want {:?}", case.warnings));
            }
            if e.code().as_str() != want[0].0 {
                return Err(format!("error code {}, want {}", e.code(), want[0].0));
            }
            Ok(())
        }
    }
}

#[test]
fn every_vector_case_passes() {
    let cases = load_all();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} vector cases, at least {MIN_CASES} expected",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run(c).err().map(|m| format!("{}: {m}", c.id)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_malformed_file_is_refused() {
    let bad = [
        r#"[]"#,
        r#"{"description":"x","cases":[],"extra":1}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{},"input_text":"{}","expected_error":[{"code":"INVALID_JSON","path":"","message":"m"}]}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{},"expected_error":[{"code":"NOPE","path":"","message":"m"}]}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{},"expected_error":[]}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{},"expected_error":[{"code":"INVALID_JSON","path":""}]}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{"x":1e3},"expected_error":[{"code":"INVALID_JSON","path":"","message":"m"}]}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{"groupId":"g","userId":"u"},"expected":{"context":{"library":{}}}}]}"#,
        r#"{"description":"x","cases":[{"name":"a","input":{},"expected_error":[{"code":"INVALID_JSON","path":"","message":"m"}],"note":1}]}"#,
    ];
    for text in bad {
        let doc: Value = serde_json::from_str(text).unwrap();
        assert!(load_file("bad.json", doc).is_err(), "accepted {text}");
    }
    let good = r#"{"description":"x","cases":[{"name":"a","input":{"x":1.5,"y":-3},"expected_error":[{"code":"INVALID_JSON","path":"","message":"m"}]}]}"#;
    assert_eq!(
        load_file("good.json", serde_json::from_str(good).unwrap())
            .unwrap()
            .len(),
        1
    );
}
