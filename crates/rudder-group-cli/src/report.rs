//! The one JSON line per input line that `validate` prints and `send` reports.

use rudder_group::{Issue, Severity};
use serde_json::{json, Value};

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

/// A count and its noun, plural unless the count is 1: `1 request`, `3 requests`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
