//! `rudder-group validate`: checks NDJSON group payloads as a data plane would receive them.

use crate::lines::{for_each_line, open_input};
use crate::payload::{max_line_bytes, parse};
use crate::ranges::count;
use crate::report::line_report;
use rudder_group::{EventOptions, DEFAULT_MAX_EVENT_BYTES};
use rudder_group_dataplane::MAX_REQUEST_BYTES;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check group payloads, one JSON object per line (NDJSON), against the contract.
///
/// Prints one JSON line per non-blank input line, in input order:
/// `{"line":N,"valid":true,"warnings":[...]}` or `{"line":N,"valid":false,"errors":[...]}`
/// (with `"warnings"` too when the lenient setting let some through), each item
/// `{"code","path","message"}`. N counts every line from 1, blank lines included; blank lines
/// are skipped. A line that is not JSON, not an object, or not UTF-8 is INVALID_JSON.
/// A line longer than four times --max-event-bytes (or than 4,096,000 bytes, the largest
/// request a data plane takes) is EVENT_TOO_LARGE without being parsed or held in memory, so
/// memory stays bounded whatever the input.
///
/// Exit status: 0 when every line is valid, 1 when any line is invalid, 2 on a usage or I/O
/// error (the message goes to stderr).
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ValidateArgs {
    /// The NDJSON file; '-' or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Report reserved-trait problems (INVALID_TRAIT) as warnings; such lines are valid.
    #[arg(long)]
    pub lenient: bool,
    /// The largest serialized event accepted, in bytes, sentAt included (1 to 4,096,000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENT_BYTES, value_parser = max_event_bytes)]
    pub max_event_bytes: usize,
}

/// `--max-event-bytes`: at least 1, at most a whole request body (an event larger than that
/// could never be delivered).
fn max_event_bytes(s: &str) -> Result<usize, String> {
    count(s, 1..=MAX_REQUEST_BYTES)
}

/// How many lines were valid and invalid.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Lines accepted (warnings or not).
    pub valid: u64,
    /// Lines refused.
    pub invalid: u64,
}

/// Runs the command.
pub fn run(args: ValidateArgs) -> ExitCode {
    let options = EventOptions {
        lenient: args.lenient,
        max_event_bytes: args.max_event_bytes,
        ..EventOptions::default()
    };
    let input = match open_input(args.file.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rudder-group validate: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = validate(input, &mut out, &options).and_then(|s| out.flush().map(|()| s));
    match result {
        Ok(s) if s.invalid == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        // The reader went away (`| head`): nothing left to tell it.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(2),
        Err(e) => {
            eprintln!("rudder-group validate: {e}");
            ExitCode::from(2)
        }
    }
}

/// Validates every non-blank line of `input` and writes one report line each to `out`.
pub fn validate(
    input: impl BufRead,
    out: &mut impl Write,
    options: &EventOptions,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let max_line = max_line_bytes(options.max_event_bytes);
    for_each_line(input, max_line, |line_no, line| {
        let report = match parse(line, options) {
            Ok(event) => {
                summary.valid += 1;
                line_report(line_no, true, event.warnings())
            }
            Err(issues) => {
                summary.invalid += 1;
                line_report(line_no, false, &issues)
            }
        };
        serde_json::to_writer(&mut *out, &report)?;
        out.write_all(b"\n")
    })?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &[u8], lenient: bool) -> (String, Summary) {
        let options = EventOptions {
            lenient,
            ..EventOptions::default()
        };
        let mut out = Vec::new();
        let summary = validate(input, &mut out, &options).unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    #[test]
    fn reports_each_non_blank_line() {
        let input = b"\n{\"groupId\":\"g\",\"userId\":\"u\"}\r\n  \n{\"groupId\":\"\"}\n\xff\n[]";
        let (out, summary) = run_on(input, false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            summary,
            Summary {
                valid: 1,
                invalid: 3
            }
        );
        assert_eq!(lines[0], r#"{"line":2,"valid":true,"warnings":[]}"#);
        assert!(lines[1].starts_with(r#"{"line":4,"valid":false,"errors":[{"code":"MISSING_GROUP_ID","path":"/groupId","message":"#));
        assert!(lines[2]
            .starts_with(r#"{"line":5,"valid":false,"errors":[{"code":"INVALID_JSON","path":"","#));
        assert!(lines[3]
            .starts_with(r#"{"line":6,"valid":false,"errors":[{"code":"INVALID_JSON","path":"","#));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn lenient_lines_are_valid_with_warnings() {
        let input = br#"{"groupId":"g","userId":"u","traits":{"employees":-1}}"#;
        let (out, summary) = run_on(input, true);
        assert_eq!(
            summary,
            Summary {
                valid: 1,
                invalid: 0
            }
        );
        assert!(out.starts_with(r#"{"line":1,"valid":true,"warnings":[{"code":"INVALID_TRAIT","path":"/traits/employees","message":"#));
        let input = br#"{"userId":"u","traits":{"employees":-1}}"#;
        let (out, _) = run_on(input, true);
        let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(report["errors"][0]["code"], "MISSING_GROUP_ID");
        assert_eq!(report["errors"].as_array().unwrap().len(), 1);
        assert_eq!(report["warnings"][0]["path"], "/traits/employees");
    }

    #[test]
    fn max_event_bytes_is_at_least_one_and_at_most_a_request() {
        assert_eq!(max_event_bytes("10"), Ok(10));
        assert_eq!(max_event_bytes("4096000"), Ok(4_096_000));
        for bad in ["0", "-1", "x", "4096001", "18446744073709551615"] {
            assert!(max_event_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_line_past_four_times_the_event_limit_is_too_large_unparsed() {
        let options = EventOptions {
            max_event_bytes: 100,
            ..EventOptions::default()
        };
        let mut input = b"[".to_vec();
        input.extend(std::iter::repeat(b'1').take(401));
        input.extend_from_slice(b"\n{\"groupId\":\"g\",\"userId\":\"u\"}\n");
        let mut out = Vec::new();
        let summary = validate(&input[..], &mut out, &options).unwrap();
        assert_eq!(
            summary,
            Summary {
                valid: 0,
                invalid: 2
            }
        );
        let reports: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(reports[0]["errors"][0]["code"], "EVENT_TOO_LARGE");
        assert!(reports[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("402 bytes"));
        assert_eq!(reports[1]["line"], 2);
    }
}
