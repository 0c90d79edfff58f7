//! TypeScript: the options of `lib/rudder-group.d.ts`, two marked regions (the members of
//! `EventOptions`, and those of `ClientSettings` with `retry` as its nested object).

use crate::settings::{Kind, Lang, Setting};
use crate::text::{comment, region, MARK};
use crate::{read, Output};

const DTS: &str = "bindings/node/lib/rudder-group.d.ts";

fn ts_type(s: &Setting) -> String {
    match s.kind {
        Kind::Text => "string".to_owned(),
        Kind::Bool => "boolean".to_owned(),
        Kind::Count | Kind::Duration => "number".to_owned(),
        Kind::Choice => s
            .choices
            .iter()
            .map(|c| format!("'{}'", c.value))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

/// One member: its doc (the table's, its default and range in Node's units), then itself.
fn member(s: &Setting, indent: &str) -> String {
    let name = s.name(Lang::Node);
    let leaf = name.rsplit('.').next().unwrap_or(&name).to_owned();
    let doc = match s.default_in(Lang::Node) {
        Some(d) => format!(
            "{} Accepts {} (default {d}).",
            s.full_doc_in(Lang::Node),
            s.range(Lang::Node)
        ),
        None => s.full_doc_in(Lang::Node),
    };
    let mark = if s.required() { "" } else { "?" };
    let one_line = format!("{indent}/** {doc} */\n");
    let mut out = if one_line.len() <= 101 {
        one_line
    } else {
        format!(
            "{indent}/**\n{}{indent} */\n",
            comment(&format!("{indent} * "), &doc)
        )
    };
    out += &format!("{indent}{leaf}{mark}: {}\n", ts_type(s));
    if let Some(old) = &s.node_deprecated {
        out += &format!(
            "{indent}/** @deprecated The old name of `{leaf}`, still accepted. */\n\
             {indent}{old}?: {}\n",
            ts_type(s)
        );
    }
    out
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    let mut event = format!("  // {MARK}\n");
    for s in settings
        .iter()
        .filter(|s| s.parent() == Some("event_options"))
    {
        event += &member(s, "  ");
    }
    let mut client = format!("  // {MARK}\n");
    let mut retry_done = false;
    for s in settings {
        if s.ts_by_hand.is_some() || s.parent() == Some("event_options") {
            continue;
        }
        if s.parent() == Some("retry") {
            if !retry_done {
                retry_done = true;
                client += "  /** The retry policy: requests of 408, 429, 5xx and network errors. */\n  retry?: {\n";
                for r in settings.iter().filter(|r| r.parent() == Some("retry")) {
                    client += &member(r, "    ");
                }
                client += "  }\n";
            }
            continue;
        }
        client += &member(s, "  ");
    }
    let file = read(DTS)?;
    let file = region(
        DTS,
        &file,
        "// BEGIN GENERATED: event options",
        "// END GENERATED: event options",
        &event,
    )?;
    let file = region(
        DTS,
        &file,
        "// BEGIN GENERATED: client settings",
        "// END GENERATED: client settings",
        &client,
    )?;
    Ok(vec![Output {
        path: DTS,
        text: file,
    }])
}
