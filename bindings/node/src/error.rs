//! The one error model, as plain objects the JS layer turns into `RudderGroupError`s.
//!
//! Native calls return an [`ErrorInfo`] instead of throwing: no exception crosses the boundary
//! on the refused path, and the JS layer builds an error of its own class with the caller's
//! stack.

use napi_derive::napi;
use rudder_group::{ErrorCode, Issue, ValidationError};
use rudder_group_client::ClientError;

/// The JS string of each code: the core's (`ErrorCode::as_str`), exactly the members of the
/// `ErrorCode` union of the typings (a test compares `errorCodes()` with the union's list).
pub(crate) fn code_name(code: ErrorCode) -> &'static str {
    code.as_str()
}

/// Every error code, in number order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| code_name(*c)).collect()
}

/// One problem with an event.
#[napi(object)]
pub struct IssueInfo {
    /// The stable code, e.g. `MISSING_GROUP_ID`.
    pub code: String,
    /// JSON pointer to the offending value (`""` for the event as a whole).
    pub path: String,
    /// What is wrong and what would be right.
    pub message: String,
    /// `error` (the event is refused) or `warning` (lenient reserved-trait problems).
    pub severity: String,
}

impl From<&Issue> for IssueInfo {
    fn from(i: &Issue) -> Self {
        IssueInfo {
            code: code_name(i.code).to_owned(),
            path: i.path.clone(),
            message: i.message.clone(),
            severity: i.severity.as_str().to_owned(),
        }
    }
}

/// Issues as JS objects.
pub(crate) fn issues(list: &[Issue]) -> Vec<IssueInfo> {
    list.iter().map(IssueInfo::from).collect()
}

/// A refused call: what the JS layer throws as a `RudderGroupError`.
#[napi(object)]
pub struct ErrorInfo {
    /// The stable code; for a validation error, the code of its first error.
    pub code: String,
    /// A message a person can act on.
    pub message: String,
    /// Every issue of a refused event (errors first, then warnings); empty otherwise.
    pub issues: Vec<IssueInfo>,
    /// `INVALID_CONFIG`: the setting at fault.
    pub setting: Option<String>,
    /// `FLUSH_TIMEOUT`: events without an outcome when the time ran out.
    pub pending: Option<f64>,
    /// `DELIVERY_FAILED`: events that failed.
    pub failed: Option<f64>,
    /// `DELIVERY_FAILED`: events that were dropped; `FLUSH_TIMEOUT` of a close: those of
    /// `pending` it reported dropped.
    pub dropped: Option<f64>,
    /// `FLUSH_TIMEOUT` of a close with a spool: those of `pending` left in the spool for the
    /// next client.
    pub kept: Option<f64>,
}

impl ErrorInfo {
    /// An error with a code and a message only.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            code: code_name(code).to_owned(),
            message: message.into(),
            issues: Vec::new(),
            setting: None,
            pending: None,
            failed: None,
            dropped: None,
            kept: None,
        }
    }
}

impl From<&ValidationError> for ErrorInfo {
    fn from(e: &ValidationError) -> Self {
        ErrorInfo {
            issues: issues(e.issues()),
            ..ErrorInfo::new(e.code(), e.to_string())
        }
    }
}

/// A client error as a JS object; the match names every variant.
pub(crate) fn client_error(e: &ClientError) -> ErrorInfo {
    let mut info = ErrorInfo::new(e.code(), e.to_string());
    match e {
        ClientError::Validation(v) => return ErrorInfo::from(v),
        ClientError::Closed | ClientError::QueueFull { .. } => {}
        ClientError::FlushTimeout {
            pending,
            dropped,
            kept,
        } => {
            info.pending = Some(*pending as f64);
            info.dropped = Some(*dropped as f64);
            info.kept = Some(*kept as f64);
        }
        ClientError::DeliveryFailed { failed, dropped } => {
            info.failed = Some(*failed as f64);
            info.dropped = Some(*dropped as f64);
        }
        ClientError::InvalidConfig { setting, .. } => info.setting = Some(setting.clone()),
    }
    debug_assert_eq!(info.code, code_name(e.code()));
    info
}
