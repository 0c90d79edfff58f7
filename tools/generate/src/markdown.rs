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
            s.doc_in(lang).replace('|', "\\|")
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

/// docs/migrating.md: after each binding's mapping of the peer's settings, the defaults of
/// the settings it names (two marked regions; the text around them is written by hand).
fn migrating(settings: &[Setting]) -> Result<Output, String> {
    const PATH: &str = "docs/migrating.md";
    let mut file = read(PATH)?;
    for (lang, what) in [(Lang::Python, "python"), (Lang::Node, "node")] {
        let mut body =
            format!("<!-- {MARK} -->\n| `Client` setting | default | accepts |\n|---|---|---|\n");
        for s in settings.iter().filter(|s| !s.required()) {
            body += &format!(
                "| `{}` | `{}` | {} |\n",
                s.name(lang),
                s.default_in(lang).unwrap_or_default(),
                s.range(lang)
            );
        }
        file = region(
            PATH,
            &file,
            &format!("<!-- BEGIN GENERATED: {what} defaults"),
            &format!("<!-- END GENERATED: {what} defaults -->"),
            &body,
        )?;
    }
    Ok(Output {
        path: PATH,
        text: file,
    })
}

pub(crate) fn generate(settings: &[Setting]) -> Result<Vec<Output>, String> {
    Ok(vec![
        migrating(settings)?,
        readme(settings, "bindings/python/README.md", Lang::Python)?,
        readme(settings, "bindings/node/README.md", Lang::Node)?,
        readme(settings, "bindings/c/README.md", Lang::C)?,
    ])
}
