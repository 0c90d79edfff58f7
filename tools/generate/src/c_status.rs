//! `bindings/c/src/status.rs`: the C status enum, from the core's error codes and the C-only
//! statuses of `bindings/c/statuses.toml`.

use crate::text::{comment, rustfmt, MARK};
use crate::{read, Output};
use rudder_group::ErrorCode;
use serde::Deserialize;

const STATUSES: &str = "bindings/c/statuses.toml";

#[derive(Deserialize)]
struct File {
    status: Vec<Status>,
}

#[derive(Deserialize)]
struct Status {
    name: String,
    number: u32,
    doc: String,
}

/// One status: its name without `RUDDER_`, number, doc, and the core's code when it is one.
struct Row {
    name: String,
    number: u32,
    doc: String,
    code: Option<ErrorCode>,
}

fn variant(code: ErrorCode) -> String {
    format!("{code:?}")
}

fn rows() -> Result<Vec<Row>, String> {
    let file: File = toml::from_str(&read(STATUSES)?).map_err(|e| format!("{STATUSES}: {e}"))?;
    let mut rows: Vec<Row> = file
        .status
        .into_iter()
        .map(|s| Row {
            name: s.name,
            number: s.number,
            doc: s.doc,
            code: None,
        })
        .collect();
    rows.extend(ErrorCode::ALL.iter().map(|&code| Row {
        name: code.as_str().to_owned(),
        number: code.number(),
        doc: code.doc().to_owned(),
        code: Some(code),
    }));
    rows.sort_by_key(|r| r.number);
    for pair in rows.windows(2) {
        if pair[0].number == pair[1].number || pair[0].name == pair[1].name {
            return Err(format!(
                "{STATUSES}: {} ({}) and {} ({}) clash with each other or with an error code",
                pair[0].name, pair[0].number, pair[1].name, pair[1].number
            ));
        }
    }
    Ok(rows)
}

pub(crate) fn generate() -> Result<Output, String> {
    let rows = rows()?;
    let mut s = format!(
        "// {MARK}\n// From the core's `ErrorCode` table and {STATUSES}.\n\n\
         //! `rudder_status`: the return value of every fallible call.\n\n\
         use rudder_group_core::ErrorCode;\nuse std::ffi::{{c_char, CStr}};\n\n"
    );
    s += &comment(
        "/// ",
        "The result of a call. `RUDDER_OK` (0) is success; every other value is a failure whose \
         detail is in `rudder_last_error_message()`.\n\nValues 1..=99 and 100..=199 are the \
         project's stable error codes, with the same numbers in every language \
         (`RUDDER_MISSING_GROUP_ID` is `MISSING_GROUP_ID` = 1). Values from 200 up are failures \
         of the C interface itself. A number is never reused.",
    );
    s += "#[allow(non_camel_case_types)]\n#[repr(C)]\n\
          #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum rudder_status {\n";
    for r in &rows {
        s += &comment("    /// ", &r.doc);
        s += &format!("    RUDDER_{} = {},\n", r.name, r.number);
    }
    s += "}\n\nimpl From<ErrorCode> for rudder_status {\n    \
          fn from(code: ErrorCode) -> rudder_status {\n        match code {\n";
    for r in &rows {
        if let Some(code) = r.code {
            s += &format!(
                "ErrorCode::{} => rudder_status::RUDDER_{},\n",
                variant(code),
                r.name
            );
        }
    }
    s += "}\n}\n}\n\nimpl rudder_status {\n/// Every status, in number order.\n";
    s += &format!(
        "pub(crate) const ALL: [rudder_status; {}] = [\n",
        rows.len()
    );
    for r in &rows {
        s += &format!("rudder_status::RUDDER_{},\n", r.name);
    }
    s += "];\n\n/// The stable name as a NUL-terminated static string, e.g. `MISSING_GROUP_ID`.\n\
          pub(crate) const fn name(self) -> &'static CStr {\nmatch self {\n";
    for r in &rows {
        s += &format!("rudder_status::RUDDER_{0} => c\"{0}\",\n", r.name);
    }
    s += "}\n}\n}\n\n";
    s += "/// The stable name of a status number: `\"OK\"`, `\"MISSING_GROUP_ID\"`, ..., `\"PANIC\"`, or\n\
          /// `\"UNKNOWN\"` for a number that is not a status.\n///\n\
          /// The returned string is static: never free it. Thread-safe.\n\
          #[no_mangle]\npub extern \"C\" fn rudder_status_name(status: u32) -> *const c_char {\n\
          rudder_status::ALL.iter().find(|s| **s as u32 == status)\
          .map_or(c\"UNKNOWN\", |s| s.name()).as_ptr()\n}\n\n\
          #[cfg(test)]\n#[path = \"status_tests.rs\"]\nmod tests;\n";
    Ok(Output {
        path: "bindings/c/src/status.rs",
        text: rustfmt(&s)?,
    })
}
