//! NDJSON input shared by the commands: streaming lines in constant memory, and the one JSON
//! line per input line that `validate` prints and `send` reports.

use rudder_group::{ErrorCode, Issue, Severity};
use serde_json::{json, Value};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// Opens FILE, or stdin for `-` or no file.
pub fn open_input(file: Option<&Path>) -> io::Result<Box<dyn BufRead>> {
    match file {
        None => Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin()))),
        Some(p) if p.as_os_str() == "-" => {
            Ok(Box::new(BufReader::with_capacity(1 << 16, io::stdin())))
        }
        Some(p) => {
            let f = File::open(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
            Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
        }
    }
}

/// Calls `f(line_number, bytes)` for every non-blank line (1-based numbers, line ending
/// stripped), reusing one buffer: memory stays constant whatever the input's size.
pub fn for_each_line(input: impl BufRead, mut f: impl FnMut(u64, &[u8])) -> io::Result<()> {
    for_each_line_until_error(input, |n, line| {
        f(n, line);
        Ok(())
    })
}

/// [`for_each_line`] with a fallible `f`: the first error stops the reading and is returned.
pub fn for_each_line_until_error(
    mut input: impl BufRead,
    mut f: impl FnMut(u64, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line_no += 1;
        let mut line = buf.as_slice();
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        f(line_no, line)?;
        // A very long line should not pin its memory for the rest of the file.
        if buf.capacity() > 1 << 20 {
            buf = Vec::with_capacity(4096);
        }
    }
}

/// The issue for a line that is not UTF-8.
pub fn not_utf8() -> Issue {
    Issue::error(ErrorCode::InvalidJson, "", "the line is not valid UTF-8")
}

/// `{"line":N,"valid":true,"warnings":[…]}` or `{"line":N,"valid":false,"errors":[…]}`, each
/// item `{"code","path","message"}`. An invalid line's warnings (the lenient setting) follow its
/// errors as `"warnings"`, only when there are some.
pub fn line_report(line: u64, valid: bool, issues: &[Issue]) -> Value {
    let items = |severity: Severity| -> Vec<Value> {
        issues
            .iter()
            .filter(|i| valid || i.severity == severity)
            .map(|i| json!({"code": i.code.as_str(), "path": i.path, "message": i.message}))
            .collect()
    };
    if valid {
        return json!({"line": line, "valid": true, "warnings": items(Severity::Warning)});
    }
    let mut report = json!({"line": line, "valid": false, "errors": items(Severity::Error)});
    let warnings = items(Severity::Warning);
    if !warnings.is_empty() {
        report["warnings"] = Value::Array(warnings);
    }
    report
}
