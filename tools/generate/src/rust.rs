//! The client crate's Rust: `src/config_generated.rs` (the constants and the `config_struct!`
//! macro that `config.rs` invokes with the fields that are not settings: `RetryPolicy`, `Config`
//! with its docs, `Config::new` with every default, `Debug`) and `src/settings/table.rs`
//! (`SETTINGS`, with each setting's `get` and `put`).

use crate::settings::{Kind, Lang, Scalar, Setting, TABLE};
use crate::text::{comment, indent, rustfmt, MARK};
use crate::Output;

/// A doc comment three levels into `config_struct!` (the macro, its arm, an item).
const FIELD: &str = "            /// ";

fn header() -> String {
    format!("// {MARK}\n// From {TABLE}.\n\n")
}

/// A number as Rust writes a literal, with `_` every three digits.
pub(crate) fn literal(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(ch);
    }
    out
}

/// The field's doc: the table's doc, then its default and range in Rust's terms.
fn field_doc(s: &Setting) -> String {
    let default = match s.default_in(Lang::Rust) {
        None => "Required.".to_owned(),
        Some(d) if s.kind == Kind::Duration => format!("Default {d} s."),
        Some(d) if s.optional => format!("Default `{}`.", d.replace("none", "None")),
        Some(d) => format!("Default `{d}`."),
    };
    let range = match s.kind {
        Kind::Duration => format!(" Accepts {}.", s.range(Lang::Rust)),
        Kind::Count => format!(" Accepts {}.", s.range(Lang::Rust)),
        Kind::Choice => format!(
            " Accepts {}.",
            s.choices
                .iter()
                .map(|c| format!("`{}` ({:?})", c.rust, c.value))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        _ => String::new(),
    };
    format!("{} {default}{range}", s.full_doc_in(Lang::Rust))
}

/// The default as a Rust expression of the field's type.
fn init(s: &Setting) -> String {
    if let Some(ms) = s.default_ms {
        return format!("Duration::from_millis({})", literal(ms));
    }
    match (&s.default, s.kind) {
        (_, Kind::Choice) => s.default_choice().map_or(String::new(), |c| c.rust.clone()),
        (Some(Scalar::Int(n)), _) => literal(*n),
        (Some(Scalar::Bool(b)), _) => b.to_string(),
        (Some(Scalar::Str(t)), _) => format!("{t:?}.to_owned()"),
        (None, _) => "None".to_owned(),
    }
}

fn debug_value(s: &Setting) -> String {
    let f = s.leaf();
    match s.debug.as_deref() {
        Some("redacted") => "&\"<redacted>\"".to_owned(),
        Some("set") => format!("&self.{f}.as_ref().map(|_| \"<set>\")"),
        _ => format!("&self.{f}"),
    }
}

fn config(settings: &[Setting]) -> Result<Output, String> {
    let mut s = header();
    for set in settings {
        if let (Some(name), Some(max)) = (&set.max_const, set.max) {
            s += &comment("/// ", &format!("The most `{}` takes.", set.name));
            s += &format!("pub const {name}: usize = {};\n\n", literal(max));
        }
    }
    s += &comment(
        "/// ",
        "Declares `RetryPolicy` and `Config` with every field of the settings table, `Config::new` \
         with its defaults and `Config`'s `Debug`; `config.rs` gives the fields that are not \
         settings, which `Debug` shows through `Config::debug_hand_fields`.",
    );
    s += "macro_rules! config_struct {\n(\n\
          $(#[$retry_meta:meta])* pub struct RetryPolicy;\n\
          $(#[$config_meta:meta])* pub struct Config {\n\
          $($(#[$field_meta:meta])* pub $field:ident: $ty:ty = $init:expr,)*\n}\n) => {\n";
    s += "$(#[$retry_meta])*\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub struct RetryPolicy {\n";
    for set in settings.iter().filter(|x| x.parent() == Some("retry")) {
        s += &comment(FIELD, &field_doc(set));
        s += &format!("pub {}: {},\n", set.leaf(), set.ty);
    }
    s += "}\n\n$(#[$config_meta])*\n#[derive(Clone)]\npub struct Config {\n";
    let mut retry_done = false;
    for set in settings {
        match set.parent() {
            None => {
                s += &comment(FIELD, &field_doc(set));
                s += &format!("pub {}: {},\n", set.leaf(), set.ty);
            }
            Some("retry") if !retry_done => {
                retry_done = true;
                s += "/// The retry policy (`retry.*` in the settings table).\npub retry: RetryPolicy,\n";
            }
            _ => {}
        }
    }
    s += "$($(#[$field_meta])* pub $field: $ty,)*\n}\n\nimpl Config {\n";
    let required: Vec<&Setting> = settings.iter().filter(|x| x.required()).collect();
    let names: Vec<String> = required.iter().map(|x| format!("`{}`", x.name)).collect();
    s += &comment(
        FIELD,
        &format!(
            "Every setting at its default (from [`crate::settings::SETTINGS`]), with {}.",
            names.join(" and ")
        ),
    );
    let params: Vec<String> = required
        .iter()
        .map(|x| format!("{}: impl Into<String>", x.leaf()))
        .collect();
    s += &format!("pub fn new({}) -> Config {{\n", params.join(", "));
    s += "#[allow(unused_mut)]\nlet mut config = Config {\n";
    let mut retry_done = false;
    for set in settings {
        match set.parent() {
            None if set.required() => s += &format!("{0}: {0}.into(),\n", set.leaf()),
            None => s += &format!("{}: {},\n", set.leaf(), init(set)),
            Some("retry") if !retry_done => {
                retry_done = true;
                s += "retry: RetryPolicy {\n";
                for r in settings.iter().filter(|x| x.parent() == Some("retry")) {
                    s += &format!("{}: {},\n", r.leaf(), init(r));
                }
                s += "},\n";
            }
            _ => {}
        }
    }
    s += "$($field: $init,)*\n};\n";
    for set in settings {
        if let Some(parent) = set.parent().filter(|p| *p != "retry") {
            s += &format!("config.{parent}.{} = {};\n", set.leaf(), init(set));
        }
    }
    s += "config\n}\n}\n\nimpl std::fmt::Debug for Config {\n\
          fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n\
          let mut d = f.debug_struct(\"Config\");\n";
    let mut retry_done = false;
    for set in settings {
        match set.parent() {
            None => s += &format!("d.field({:?}, {});\n", set.leaf(), debug_value(set)),
            Some("retry") if !retry_done => {
                retry_done = true;
                s += "d.field(\"retry\", &self.retry);\n";
            }
            _ => {}
        }
    }
    s += "self.debug_hand_fields(&mut d);\nd.finish()\n}\n}\n};\n}\n";
    Ok(Output {
        path: "crates/rudder-group-client/src/config_generated.rs",
        text: rustfmt(&indent(&s))?,
    })
}

fn kind(s: &Setting) -> String {
    match s.kind {
        Kind::Text => format!("Kind::Text {{ optional: {} }}", s.optional),
        Kind::Bool => "Kind::Bool".to_owned(),
        Kind::Count => {
            let max = match &s.max_const {
                Some(name) => format!("{name} as u64"),
                None => literal(s.max()),
            };
            format!(
                "Kind::Count {{ min: {}, max: {max}, optional: {} }}",
                literal(s.min()),
                s.optional
            )
        }
        Kind::Duration => format!("Kind::Duration {{ positive: {} }}", s.positive),
        Kind::Choice => format!(
            "Kind::Choice(&[{}])",
            s.choices
                .iter()
                .map(|c| format!("{:?}", c.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn typed_default(s: &Setting) -> String {
    if let Some(ms) = s.default_ms {
        return format!("Typed::Duration(Duration::from_millis({}))", literal(ms));
    }
    match (s.kind, &s.default) {
        (Kind::Text, _) => "Typed::Text(None)".to_owned(),
        (Kind::Bool, Some(Scalar::Bool(b))) => format!("Typed::Bool({b})"),
        (Kind::Count, Some(Scalar::Int(n))) => format!("Typed::Count(Some({}))", literal(*n)),
        (Kind::Count, _) => "Typed::Count(None)".to_owned(),
        (Kind::Choice, Some(Scalar::Str(c))) => format!("Typed::Choice({c:?})"),
        _ => "Typed::Text(None)".to_owned(),
    }
}

/// `get` and `put` for the field's type.
fn accessors(s: &Setting) -> Result<(String, String), String> {
    let f = format!("c.{}", s.field());
    Ok(match (s.kind, s.ty.as_str()) {
        (Kind::Text, "String") => (
            format!("Typed::Text(Some({f}.clone()))"),
            format!("{f} = text(v).unwrap_or_default()"),
        ),
        (Kind::Text, "Option<String>") => (
            format!("Typed::Text({f}.clone())"),
            format!("{f} = text(v)"),
        ),
        (Kind::Text, "Option<PathBuf>") => (
            format!("Typed::Text({f}.as_ref().map(|d| d.to_string_lossy().into_owned()))"),
            format!("{f} = text(v).map(PathBuf::from)"),
        ),
        (Kind::Bool, "bool") => (format!("Typed::Bool({f})"), format!("{f} = flag(v)")),
        (Kind::Count, "usize") => (format!("n({f} as u64)"), format!("{f} = size(v)")),
        (Kind::Count, "u32") => (
            format!("n(u64::from({f}))"),
            format!("{f} = count(v).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))"),
        ),
        (Kind::Count, "Option<u32>") => (
            format!("Typed::Count({f}.map(u64::from))"),
            format!("{f} = count(v).map(|n| u32::try_from(n).unwrap_or(u32::MAX))"),
        ),
        (Kind::Duration, "Duration") => (
            format!("Typed::Duration({f})"),
            format!("{f} = duration(v)"),
        ),
        (Kind::Choice, _) => {
            let get: Vec<String> = s
                .choices
                .iter()
                .map(|c| format!("{} => {:?}", c.rust, c.value))
                .collect();
            let fallback = s.default_choice().map_or("", |c| c.rust.as_str());
            let mut put: Vec<String> = s
                .choices
                .iter()
                .filter(|c| c.rust != fallback)
                .map(|c| format!("{:?} => {}", c.value, c.rust))
                .collect();
            put.push(format!("_ => {fallback}"));
            (
                format!("Typed::Choice(match {f} {{\n{},\n}})", get.join(",\n")),
                format!("{f} = match choice(v) {{\n{},\n}}", put.join(",\n")),
            )
        }
        (kind, ty) => {
            return Err(format!(
                "{TABLE}: {}: no accessors for a {kind:?} of type {ty}",
                s.name
            ))
        }
    })
}

const HELPERS: &str = r#"
use super::access::*;
use super::{Kind, Setting, Typed};
#[allow(unused_imports)]
use crate::config::*;
#[allow(unused_imports)]
use std::path::PathBuf;
use std::time::Duration;
"#;

fn table(settings: &[Setting]) -> Result<Output, String> {
    let mut s = header();
    s += "//! The table itself: one entry per client setting.\n";
    s += HELPERS;
    s += "\n/// Every client setting, in the order the docs list them.\n\
          // One `match` per choice, whatever the type it maps to (a bool too).\n\
          #[allow(clippy::match_like_matches_macro)]\npub static SETTINGS: &[Setting] = &[\n";
    for set in settings {
        let (get, put) = accessors(set)?;
        let c = if set.has_c_setter() {
            format!("Some({:?})", set.name(Lang::C))
        } else {
            "None".to_owned()
        };
        let deprecated = match &set.node_deprecated {
            Some(old) => format!("Some({old:?})"),
            None => "None".to_owned(),
        };
        s += &format!(
            "Setting {{\nrust: {:?},\npython: {:?},\nnode: {:?},\nnode_deprecated: {deprecated},\n\
             c: {c},\nkind: {},\ndoc: {:?},\ndefault: {},\nget: |c| {get},\nput: |c, v| {put},\n}},\n",
            set.name,
            set.name(Lang::Python),
            set.name(Lang::Node),
            kind(set),
            set.doc_in(Lang::Rust),
            typed_default(set),
        );
    }
    s += "];\n";
    Ok(Output {
        path: "crates/rudder-group-client/src/settings/table.rs",
        text: rustfmt(&indent(&s))?,
    })
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    Ok(vec![config(settings)?, table(settings)?])
}
