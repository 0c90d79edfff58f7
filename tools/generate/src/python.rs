//! Python: the keywords of `Client.__init__` and their lines of its docstring, two marked
//! regions of `bindings/python/python/rudder_group/_client.py`. (`_native.pyi` names no setting:
//! the native constructor takes them as `**settings`, typed by the facade alone.)

use crate::settings::{Kind, Lang, Setting};
use crate::text::{comment, region, MARK};
use crate::{read, Output};

const CLIENT: &str = "bindings/python/python/rudder_group/_client.py";

fn python_type(s: &Setting) -> String {
    if let Some(t) = &s.python_type {
        return t.clone();
    }
    match s.kind {
        Kind::Text => "str".to_owned(),
        Kind::Bool => "bool".to_owned(),
        Kind::Count => "int".to_owned(),
        Kind::Duration => "float".to_owned(),
        Kind::Choice => format!(
            "Literal[{}]",
            s.choices
                .iter()
                .map(|c| format!("{:?}", c.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    let optional: Vec<&Setting> = settings.iter().filter(|s| !s.required()).collect();
    let mut keywords = format!("        # {MARK}\n");
    for s in &optional {
        keywords += &format!(
            "        {}: Optional[{}] = None,\n",
            s.name(Lang::Python),
            python_type(s)
        );
    }
    let mut docs = format!("        .. {MARK}\n\n");
    for s in &optional {
        let unit = if s.kind == Kind::Duration { " s" } else { "" };
        let line = format!(
            "``{}`` {}{unit}: {} Accepts {}.",
            s.name(Lang::Python),
            s.default_in(Lang::Python).unwrap_or_default(),
            s.full_doc_in(Lang::Python),
            s.range(Lang::Python)
        );
        let text = comment("          ", &line);
        docs += &format!("        - {}", &text[10..]);
    }
    docs += "\n";
    let file = read(CLIENT)?;
    let file = region(
        CLIENT,
        &file,
        "# BEGIN GENERATED: settings keywords",
        "# END GENERATED: settings keywords",
        &keywords,
    )?;
    let file = region(
        CLIENT,
        &file,
        ".. BEGIN GENERATED: settings docs",
        ".. END GENERATED: settings docs",
        &docs,
    )?;
    Ok(vec![Output {
        path: CLIENT,
        text: file,
    }])
}
