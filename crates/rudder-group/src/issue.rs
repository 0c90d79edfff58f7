//! Problems found while validating an event: [`Issue`] and [`ValidationError`].

use crate::ErrorCode;
use std::fmt;

/// Whether an issue stops the event or only warns about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The event is refused.
    Error,
    /// The event is sent as given (only `INVALID_TRAIT` under the lenient setting).
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem with an event: a stable code, a JSON-pointer path to the offending value
/// (RFC 6901, `""` for the event as a whole) and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    /// The stable code.
    pub code: ErrorCode,
    /// JSON pointer to the offending value, e.g. `/traits/address/city`.
    pub path: String,
    /// What is wrong and what would be right.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
}

impl Issue {
    /// An error-severity issue.
    pub fn error(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue {
            code,
            path: path.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(event)"
        } else {
            &self.path
        };
        write!(f, "{} at {}: {}", self.code, path, self.message)
    }
}

/// An event was refused. Holds every error-severity issue of the event (never empty), in the
/// order the fields were checked, followed by any warnings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    issues: Vec<Issue>,
}

impl ValidationError {
    /// Builds an error from issues; at least one must be an error.
    pub(crate) fn new(issues: Vec<Issue>) -> ValidationError {
        debug_assert!(issues.iter().any(|i| i.severity == Severity::Error));
        ValidationError { issues }
    }

    /// A single-issue error (used for `INVALID_JSON`).
    pub fn single(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            issues: vec![Issue::error(code, path, message)],
        }
    }

    /// Every issue, errors first in check order, then warnings.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Takes the issues out.
    pub fn into_issues(self) -> Vec<Issue> {
        self.issues
    }

    /// The code of the first error: what a binding reports as the error's own code.
    pub fn code(&self) -> ErrorCode {
        self.issues
            .iter()
            .find(|i| i.severity == Severity::Error)
            .map(|i| i.code)
            .unwrap_or(ErrorCode::InvalidJson)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<&Issue> = self
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        write!(f, "invalid group event ({} problem", errors.len())?;
        if errors.len() != 1 {
            f.write_str("s")?;
        }
        f.write_str("): ")?;
        for (n, issue) in errors.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl From<Issue> for ValidationError {
    /// A single-issue error.
    fn from(issue: Issue) -> Self {
        ValidationError {
            issues: vec![issue],
        }
    }
}

/// Appends one JSON-pointer segment to `path`, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_segment(path: &mut String, segment: &str) {
    path.push('/');
    for ch in segment.chars() {
        match ch {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// `base` + `/segment`, escaped.
pub fn pointer(base: &str, segment: &str) -> String {
    let mut p = String::with_capacity(base.len() + segment.len() + 1);
    p.push_str(base);
    push_segment(&mut p, segment);
    p
}
