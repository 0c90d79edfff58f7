//! `rudder_issues`: every problem of a refused event (or the warnings of an accepted one), each
//! with its code, JSON-pointer path and message.

use crate::args::Out;
use crate::cstr::to_c_lossy;
use crate::error::{guard, guard_value, Error};
use crate::status::rudder_status;
use rudder_group_core::{Issue, Severity};
use std::ffi::{c_char, CString};

/// A list of issues. Made by `rudder_event_builder_build`, `rudder_event_from_json` (on failure)
/// and `rudder_event_warnings`; freed with `rudder_issues_free`.
///
/// Immutable: it may be read from several threads at once.
pub struct rudder_issues {
    items: Vec<IssueEntry>,
}

struct IssueEntry {
    code: rudder_status,
    code_name: &'static std::ffi::CStr,
    path: CString,
    message: CString,
    warning: bool,
}

impl rudder_issues {
    pub(crate) fn new(issues: &[Issue]) -> rudder_issues {
        let items = issues
            .iter()
            .map(|issue| {
                let code = rudder_status::from(issue.code);
                IssueEntry {
                    code,
                    code_name: code.name(),
                    path: to_c_lossy(&issue.path),
                    message: to_c_lossy(&issue.message),
                    warning: issue.severity == Severity::Warning,
                }
            })
            .collect();
        rudder_issues { items }
    }

    /// Writes a new list to `out` when there is one.
    pub(crate) fn write_to(issues: &[Issue], out: Option<Out<*mut rudder_issues>>) {
        if let Some(out) = out {
            out.write(Box::into_raw(Box::new(rudder_issues::new(issues))));
        }
    }
}

/// One issue, as read with `rudder_issues_get`. The strings are borrowed from the list: they
/// stay valid until the list is freed.
#[repr(C)]
pub struct rudder_issue {
    /// The stable code, as a status with the same number (e.g. `RUDDER_INVALID_TRAIT` = 4).
    pub code: rudder_status,
    /// The stable code name, e.g. `"INVALID_TRAIT"` (static).
    pub code_name: *const c_char,
    /// JSON pointer to the offending value, e.g. `"/traits/employees"`; `""` for the whole event.
    pub path: *const c_char,
    /// What is wrong and what would be right.
    pub message: *const c_char,
    /// `true` for a warning (the event was accepted as given), `false` for an error.
    pub is_warning: bool,
}

/// The number of issues in the list; 0 for NULL. Thread-safe on a shared list.
#[no_mangle]
pub extern "C" fn rudder_issues_count(issues: *const rudder_issues) -> usize {
    guard_value(0, || {
        arg!(opt_ref issues).map_or(0, |list| list.items.len())
    })
}

/// Reads issue number `index` (from 0) into `*out`. Errors come first, in the order the fields
/// were checked, then warnings.
///
/// Returns `RUDDER_NULL_ARGUMENT` when `issues` or `out` is NULL and `RUDDER_INVALID_ARGUMENT`
/// when `index` is not below `rudder_issues_count`; `*out` is written only on success. The
/// strings written are borrowed from `issues`. Thread-safe on a shared list.
#[no_mangle]
pub extern "C" fn rudder_issues_get(
    issues: *const rudder_issues,
    index: usize,
    out: *mut rudder_issue,
) -> rudder_status {
    guard(|| {
        let list = arg!(ref issues);
        let out = arg!(out out);
        let entry = list.items.get(index).ok_or_else(|| {
            Error::invalid(format!(
                "index {index} is out of range: the list holds {} issues",
                list.items.len()
            ))
        })?;
        let view = rudder_issue {
            code: entry.code,
            code_name: entry.code_name.as_ptr(),
            path: entry.path.as_ptr(),
            message: entry.message.as_ptr(),
            is_warning: entry.warning,
        };
        out.write(view);
        Ok(())
    })
}

/// Frees an issue list. NULL is accepted and ignored. Strings read from it become invalid.
#[no_mangle]
pub extern "C" fn rudder_issues_free(issues: *mut rudder_issues) {
    ffi_free!(issues)
}
