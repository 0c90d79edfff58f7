//! The settings table as data: `crates/rudder-group-client/settings.toml`, read and checked,
//! with each setting's name in every language and its default and range in words.

use crate::read;
use serde::Deserialize;
use std::collections::BTreeMap;

pub(crate) const TABLE: &str = "crates/rudder-group-client/settings.toml";

/// The longest duration a setting takes, in milliseconds (one day).
pub(crate) const MAX_DURATION_MS: u64 = 86_400_000;

#[derive(Deserialize)]
struct File {
    setting: Vec<Setting>,
}

/// A value of `default` or of a switch's `set`: a number, a string or a bool.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Bool(bool),
    Int(u64),
    Str(String),
}

#[derive(Deserialize, Clone)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) rust: String,
}

#[derive(Deserialize, Clone)]
pub(crate) struct Cli {
    pub(crate) flag: String,
    /// A switch: the value it sets.
    pub(crate) set: Option<Scalar>,
    /// A cap tighter than the table's, with its reason.
    pub(crate) max: Option<u64>,
    pub(crate) why: Option<String>,
    /// The value's name in `--help` (a text flag's; `TEXT` when unset).
    pub(crate) value_name: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Text,
    Bool,
    Count,
    Duration,
    Choice,
}

/// One entry of the table (see the comment at the top of settings.toml).
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct Setting {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    #[serde(rename = "type")]
    pub(crate) ty: String,
    pub(crate) field: Option<String>,
    pub(crate) min: Option<u64>,
    pub(crate) max: Option<u64>,
    pub(crate) max_const: Option<String>,
    #[serde(default)]
    pub(crate) optional: bool,
    #[serde(default)]
    pub(crate) positive: bool,
    pub(crate) default: Option<Scalar>,
    pub(crate) default_ms: Option<u64>,
    #[serde(default)]
    pub(crate) choices: Vec<Choice>,
    pub(crate) doc: String,
    pub(crate) more: Option<String>,
    pub(crate) debug: Option<String>,
    pub(crate) python: Option<String>,
    pub(crate) node: Option<String>,
    pub(crate) c: Option<String>,
    pub(crate) cpp: Option<String>,
    #[serde(default)]
    pub(crate) c_bool: bool,
    pub(crate) node_deprecated: Option<String>,
    pub(crate) python_type: Option<String>,
    pub(crate) ts_by_hand: Option<String>,
    pub(crate) cli: Option<Cli>,
    /// `doc` and `more` with every `{name}` written as each language names it (set by `load`).
    #[serde(skip)]
    rendered: Vec<(Lang, String, Option<String>)>,
}

/// The languages a name, a default or a range is written for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Lang {
    Rust,
    Python,
    Node,
    C,
}

impl Setting {
    /// The field path in `Config` (`retry.max_attempts`, `event_options.lenient`).
    pub(crate) fn field(&self) -> &str {
        self.field.as_deref().unwrap_or(&self.name)
    }

    /// The `Config` field's last segment.
    pub(crate) fn leaf(&self) -> &str {
        self.field().rsplit('.').next().unwrap_or(self.field())
    }

    /// The first segment of a nested field (`retry`, `event_options`), if any.
    pub(crate) fn parent(&self) -> Option<&str> {
        self.field().split_once('.').map(|(p, _)| p)
    }

    /// Given by the caller to every constructor: no default.
    pub(crate) fn required(&self) -> bool {
        self.kind == Kind::Text && !self.optional
    }

    pub(crate) fn min(&self) -> u64 {
        self.min.unwrap_or(0)
    }

    pub(crate) fn max(&self) -> u64 {
        self.max.unwrap_or(u64::MAX)
    }

    /// The naming rule: Rust's name; Python's with `_` for `.`; Node's in camelCase per
    /// segment (`retry.maxAttempts`); C's with `_` for `.` and `_ms` after a duration (its
    /// setter is `rudder_client_config_set_<name>`); each unless the table names it otherwise.
    pub(crate) fn name(&self, lang: Lang) -> String {
        match lang {
            Lang::Rust => self.name.clone(),
            Lang::Python => self
                .python
                .clone()
                .unwrap_or_else(|| self.name.replace('.', "_")),
            Lang::Node => self.node.clone().unwrap_or_else(|| {
                self.name
                    .split('.')
                    .map(camel)
                    .collect::<Vec<_>>()
                    .join(".")
            }),
            Lang::C => self.c.clone().unwrap_or_else(|| {
                let base = self.name.replace('.', "_");
                if self.kind == Kind::Duration {
                    format!("{base}_ms")
                } else {
                    base
                }
            }),
        }
    }

    /// C++'s method: C's name without the unit (durations are `std::chrono` types).
    pub(crate) fn cpp_name(&self) -> String {
        self.cpp.clone().unwrap_or_else(|| {
            let c = self.name(Lang::C);
            c.strip_suffix("_ms").map(str::to_owned).unwrap_or(c)
        })
    }

    /// Whether C has a setter (the two required strings are `rudder_client_config_new`'s).
    pub(crate) fn has_c_setter(&self) -> bool {
        self.c.as_deref() != Some("")
    }

    /// The default as a language writes it: `100`, `1.0` (seconds) or `1000` (ms), `true`,
    /// `"drop"`, `None`/`null` for an unset optional setting; `None` for a required one.
    pub(crate) fn default_in(&self, lang: Lang) -> Option<String> {
        if self.required() {
            return None;
        }
        let none = match lang {
            Lang::Python => "None",
            Lang::Node | Lang::C => "null",
            Lang::Rust => "none",
        };
        Some(match (&self.default, self.default_ms) {
            (_, Some(ms)) => duration_in(ms, lang),
            (Some(Scalar::Int(n)), _) => n.to_string(),
            (Some(Scalar::Bool(b)), _) => match lang {
                Lang::Python if *b => "True".to_owned(),
                Lang::Python => "False".to_owned(),
                _ => b.to_string(),
            },
            (Some(Scalar::Str(s)), _) => format!("{s:?}"),
            (None, None) => none.to_owned(),
        })
    }

    /// What the setting accepts, in words, in a language's unit (as `Setting::range` of the
    /// client crate words it in its errors).
    pub(crate) fn range(&self, lang: Lang) -> String {
        match self.kind {
            Kind::Text => "a string".to_owned(),
            Kind::Bool => "true or false".to_owned(),
            Kind::Count => format!("a whole number from {} to {}", self.min(), self.max()),
            Kind::Duration => {
                let (unit, max) = if millis_in(lang) {
                    ("milliseconds", MAX_DURATION_MS.to_string())
                } else {
                    ("seconds", format!("{}", MAX_DURATION_MS / 1000))
                };
                if self.positive {
                    format!("a number of {unit} more than 0 and at most {max}")
                } else {
                    format!("a number of {unit} from 0 to {max}")
                }
            }
            Kind::Choice => self
                .choices
                .iter()
                .map(|c| format!("{:?}", c.value))
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// The doc line, with other settings as `lang` names them.
    pub(crate) fn doc_in(&self, lang: Lang) -> String {
        self.rendered
            .iter()
            .find(|(l, _, _)| *l == lang)
            .map_or_else(|| self.doc.clone(), |(_, doc, _)| doc.clone())
    }

    /// The doc line and the more, as one text, with other settings as `lang` names them.
    pub(crate) fn full_doc_in(&self, lang: Lang) -> String {
        match self.rendered.iter().find(|(l, _, _)| *l == lang) {
            Some((_, doc, Some(more))) => format!("{doc} {more}"),
            Some((_, doc, None)) => doc.clone(),
            None => self.doc.clone(),
        }
    }

    /// The default choice's entry.
    pub(crate) fn default_choice(&self) -> Option<&Choice> {
        let Some(Scalar::Str(d)) = &self.default else {
            return None;
        };
        self.choices.iter().find(|c| &c.value == d)
    }
}

/// Durations are milliseconds in Node and C, seconds in Rust and Python.
pub(crate) fn millis_in(lang: Lang) -> bool {
    matches!(lang, Lang::Node | Lang::C)
}

fn duration_in(ms: u64, lang: Lang) -> String {
    if millis_in(lang) {
        ms.to_string()
    } else {
        format!("{:?}", ms as f64 / 1000.0)
    }
}

fn camel(segment: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in segment.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The table, checked: names unique in every language, a default of the right kind, choices
/// for a choice, a range for a count.
pub(crate) fn load() -> Result<Vec<Setting>, String> {
    let file: File = toml::from_str(&read(TABLE)?).map_err(|e| format!("{TABLE}: {e}"))?;
    for lang in [Lang::Rust, Lang::Python, Lang::Node, Lang::C] {
        let mut seen = BTreeMap::new();
        for s in &file.setting {
            if lang == Lang::C && !s.has_c_setter() {
                continue;
            }
            if let Some(other) = seen.insert(s.name(lang), &s.name) {
                return Err(format!(
                    "{TABLE}: {} and {other} have the same {lang:?} name",
                    s.name
                ));
            }
        }
    }
    for s in &file.setting {
        let fail = |what: &str| Err(format!("{TABLE}: {}: {what}", s.name));
        match s.kind {
            Kind::Count if s.min.is_none() || s.max.is_none() => {
                return fail("a count needs min and max")
            }
            Kind::Count if !s.optional && !matches!(s.default, Some(Scalar::Int(_))) => {
                return fail("a count needs a whole-number default or optional = true")
            }
            Kind::Duration if s.default_ms.is_none() => return fail("a duration needs default_ms"),
            Kind::Bool if !matches!(s.default, Some(Scalar::Bool(_))) => {
                return fail("a bool needs a default of true or false")
            }
            Kind::Choice if s.choices.len() < 2 || s.default_choice().is_none() => {
                return fail("a choice needs two choices or more and one of them as default")
            }
            Kind::Choice if s.c_bool && s.choices.len() != 2 => {
                return fail("c_bool needs exactly two choices")
            }
            _ => {}
        }
        if let Some(Scalar::Int(d)) = s.default {
            if d < s.min() || d > s.max() {
                return fail("the default is out of the range");
            }
        }
    }
    let mut settings = file.setting;
    let names: Vec<(String, Setting)> = settings
        .iter()
        .map(|s| (format!("{{{}}}", s.name), s.clone()))
        .collect();
    for s in &mut settings {
        for lang in [Lang::Rust, Lang::Python, Lang::Node, Lang::C] {
            let render = |text: &str| -> Result<String, String> {
                let mut out = text.to_owned();
                for (placeholder, other) in &names {
                    out = out.replace(placeholder, &other.name(lang));
                }
                match out.find('{') {
                    Some(at) if out[at..].contains('}') => Err(format!(
                        "{TABLE}: {}: {} names no setting",
                        s.name,
                        &out[at..=at + out[at..].find('}').unwrap_or(0)]
                    )),
                    _ => Ok(out),
                }
            };
            let doc = render(&s.doc)?;
            let more = s.more.as_deref().map(render).transpose()?;
            s.rendered.push((lang, doc, more));
        }
    }
    Ok(settings)
}
