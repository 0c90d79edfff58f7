//! The settings tables of the bindings' READMEs (marked regions): name, default, what it accepts,
//! what it does, in each language's names and units.

use crate::settings::{Kind, Lang, Setting};
use crate::text::{region, MARK};
use crate::{read, Output};

const BEGIN: &str = "<!-- BEGIN GENERATED: settings table";
const END: &str = "<!-- END GENERATED: settings table -->";

/// The table for one language.
pub(crate) fn table(settings: &[Setting], lang: Lang) -> String {
    let mut out =
        String::from("| setting | default | accepts | what it does |\n|---|---|---|---|\n");
    for s in settings {
        let name = match lang {
            Lang::C if s.has_c_setter() => format!("rudder_client_config_set_{}", s.name(lang)),
            Lang::C => format!("rudder_client_config_new({})", s.name),
            _ => s.name(lang),
        };
        let default = match s.default_in(lang) {
            None => "required".to_owned(),
            Some(d) => format!("`{d}`"),
        };
        let accepts = if lang == Lang::C && s.kind == Kind::Choice && s.c_bool {
            format!(
                "true ({:?}) or false ({:?})",
                s.choices[1].value, s.choices[0].value
            )
        } else {
            s.range(lang)
        };
        out.push_str(&format!(
            "| `{name}` | {default} | {accepts} | {} |\n",
            s.doc.replace('|', "\\|")
        ));
    }
    out
}

fn readme(settings: &[Setting], path: &'static str, lang: Lang) -> Result<Output, String> {
    let body = format!("<!-- {MARK} -->\n{}", table(settings, lang));
    Ok(Output {
        path,
        text: region(path, &read(path)?, BEGIN, END, &body)?,
    })
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    Ok(vec![
        readme(settings, "bindings/python/README.md", Lang::Python)?,
        readme(settings, "bindings/node/README.md", Lang::Node)?,
        readme(settings, "bindings/c/README.md", Lang::C)?,
    ])
}
