//! Every client setting, declared once: its name in each language, its unit, its default, its
//! range and one line of doc. The table is data, `settings.toml` at the crate's root, from which
//! `make generate` writes [`SETTINGS`] (`table.rs`) and the setting fields of [`Config`] with
//! [`Config::new`] (`config_generated.rs`), and every binding's typed surface. [`Config::validate`]
//! checks every range here, and every binding parses its options through [`Config::set`], so a
//! binding holds no names, defaults or ranges of its own.
//!
//! Adding a setting: one entry in `settings.toml`, `make generate`, and the code that uses it.
//!
//! Units: durations are seconds in Rust and Python, milliseconds in Node and C; sizes are bytes;
//! counts are whole numbers. Every duration is at most [`MAX_DURATION`], so no clock arithmetic
//! on a setting can overflow.

use crate::config::Config;
use crate::ClientError;
use rudder_group::Library;
use std::time::Duration;

/// The longest duration any setting takes: one day.
pub const MAX_DURATION: Duration = Duration::from_secs(86_400);

/// A setting's value as a binding read it from its language, before any check.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number (Python `int`, C integers).
    Int(i128),
    /// A number with a fraction or from a language whose numbers are floats (JS).
    Float(f64),
    /// A string.
    Str(String),
    /// Anything else, described for the message (e.g. `"an object"`, `"a list"`).
    Other(String),
    /// No value (C's NULL): unsets an optional setting; refused by any other.
    Null,
}

impl Value {
    /// How the value is shown in a message, the same in every language.
    fn shown(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.is_nan() => "NaN".to_owned(),
            Value::Float(f) if f.is_infinite() => {
                if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
            }
            Value::Float(f) => format!("{f}"),
            Value::Str(s) => format!("{s:?}"),
            Value::Other(what) => what.clone(),
            Value::Null => "null".to_owned(),
        }
    }

    /// A whole number, from an integer or a float without a fraction.
    fn whole(&self) -> Option<i128> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30 => {
                Some(f as i128)
            }
            _ => None,
        }
    }

    fn number(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }
}

/// A setting's checked value.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// A string; `None` where the setting is optional and unset.
    Text(Option<String>),
    /// A switch.
    Bool(bool),
    /// A count or a size; `None` where the setting is optional and unset.
    Count(Option<u64>),
    /// A duration.
    Duration(Duration),
    /// One of the kind's choices.
    Choice(&'static str),
}

/// What a setting holds, with its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string (`optional`: may be left unset).
    Text {
        /// May be unset.
        optional: bool,
    },
    /// A switch.
    Bool,
    /// A whole number in `min..=max` (`optional`: may be left unset, meaning "no limit").
    Count {
        /// The smallest value.
        min: u64,
        /// The largest value.
        max: u64,
        /// May be unset.
        optional: bool,
    },
    /// A duration in `0..=MAX_DURATION`, or more than zero when `positive`.
    Duration {
        /// Zero is refused.
        positive: bool,
    },
    /// One of these strings.
    Choice(&'static [&'static str]),
}

/// One client setting.
pub struct Setting {
    /// The Rust name: the field of [`Config`], with `retry.` for the retry policy's.
    pub rust: &'static str,
    /// The Python keyword argument.
    pub python: &'static str,
    /// The Node option (`retry.maxAttempts` is `retry: { maxAttempts }`).
    pub node: &'static str,
    /// An older Node name, still accepted.
    pub node_deprecated: Option<&'static str>,
    /// The C setter, without the `rudder_client_config_set_` prefix (`None` for the two
    /// arguments of `rudder_client_config_new`).
    pub c: Option<&'static str>,
    /// What it holds and its range.
    pub kind: Kind,
    /// One line of doc.
    pub doc: &'static str,
    /// Its default.
    pub default: Typed,
    get: fn(&Config) -> Typed,
    put: fn(&mut Config, Typed),
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting")
            .field("rust", &self.rust)
            .field("kind", &self.kind)
            .field("default", &self.default)
            .finish()
    }
}

/// The unit of durations in a language.
fn millis_in(library: Library) -> bool {
    matches!(library, Library::Node | Library::C)
}

impl Setting {
    /// The name in a language.
    pub fn name(&self, library: Library) -> &'static str {
        match library {
            Library::Rust => self.rust,
            Library::Python => self.python,
            Library::Node => self.node,
            Library::C => self.c.unwrap_or(self.rust),
        }
    }

    /// The default as a language writes it: `100`, `1.0` (seconds) or `1000` (ms), `true`,
    /// `"drop"`, or `None`/`null` for an unset optional setting.
    pub fn default_in(&self, library: Library) -> String {
        shown_in(&self.default, library)
    }

    /// The value in `config`.
    pub fn get(&self, config: &Config) -> Typed {
        (self.get)(config)
    }

    /// Checks a value in a language's unit against the kind and range.
    pub fn parse(&self, library: Library, value: &Value) -> Result<Typed, ClientError> {
        let fail = |what: String| {
            Err(ClientError::config(
                self.name(library),
                format!("must be {what}, got {}", value.shown()),
            ))
        };
        match (self.kind, value) {
            (Kind::Text { optional: true }, Value::Null) => return Ok(Typed::Text(None)),
            (Kind::Count { optional: true, .. }, Value::Null) => return Ok(Typed::Count(None)),
            _ => {}
        }
        match self.kind {
            Kind::Text { .. } => match value {
                Value::Str(s) => Ok(Typed::Text(Some(s.clone()))),
                _ => fail("a string".to_owned()),
            },
            Kind::Bool => match value {
                Value::Bool(b) => Ok(Typed::Bool(*b)),
                _ => fail("true or false".to_owned()),
            },
            Kind::Count { min, max, .. } => match value.whole() {
                Some(n) if n >= i128::from(min) && n <= i128::from(max) => {
                    Ok(Typed::Count(Some(n as u64)))
                }
                _ => fail(self.range(library)),
            },
            Kind::Duration { .. } => {
                let scale = if millis_in(library) { 1000.0 } else { 1.0 };
                match value.number() {
                    Some(n) if n.is_finite() && n >= 0.0 => {
                        let d = Duration::try_from_secs_f64(n / scale).unwrap_or(Duration::MAX);
                        let typed = Typed::Duration(d);
                        match self.check(library, &typed) {
                            Ok(()) => Ok(typed),
                            Err(_) => fail(self.range(library)),
                        }
                    }
                    _ => fail(self.range(library)),
                }
            }
            Kind::Choice(choices) => match value {
                Value::Str(s) => match choices.iter().find(|c| **c == s.as_str()) {
                    Some(c) => Ok(Typed::Choice(c)),
                    None => fail(self.range(library)),
                },
                _ => fail(self.range(library)),
            },
        }
    }

    /// What the range is, in words, in a language's unit.
    pub fn range(&self, library: Library) -> String {
        match self.kind {
            Kind::Text { .. } => "a string".to_owned(),
            Kind::Bool => "true or false".to_owned(),
            Kind::Count { min, max, .. } => format!("a whole number from {min} to {max}"),
            Kind::Duration { positive } => {
                let (unit, max) = if millis_in(library) {
                    ("milliseconds", MAX_DURATION.as_millis() as f64)
                } else {
                    ("seconds", MAX_DURATION.as_secs_f64())
                };
                if positive {
                    format!("a number of {unit} more than 0 and at most {max}")
                } else {
                    format!("a number of {unit} from 0 to {max}")
                }
            }
            Kind::Choice(choices) => {
                let quoted: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
                quoted.join(" or ")
            }
        }
    }

    /// Checks a typed value (from [`Setting::parse`], or set on a [`Config`] in Rust) against
    /// the range.
    pub fn check(&self, library: Library, value: &Typed) -> Result<(), ClientError> {
        let ok = match (self.kind, value) {
            (Kind::Text { optional }, Typed::Text(t)) => optional || t.is_some(),
            (Kind::Bool, Typed::Bool(_)) => true,
            (Kind::Count { min, max, optional }, Typed::Count(n)) => match n {
                Some(n) => (min..=max).contains(n),
                None => optional,
            },
            (Kind::Duration { positive }, Typed::Duration(d)) => {
                *d <= MAX_DURATION && !(positive && d.is_zero())
            }
            (Kind::Choice(choices), Typed::Choice(c)) => choices.contains(c),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(ClientError::config(
            self.name(library),
            format!(
                "must be {}, got {}",
                self.range(library),
                shown_in(value, library)
            ),
        ))
    }
}

/// A typed value as a language writes it.
fn shown_in(value: &Typed, library: Library) -> String {
    let none = match library {
        Library::Python => "None",
        Library::Node | Library::C => "null",
        Library::Rust => "none",
    };
    match value {
        Typed::Text(Some(s)) => format!("{s:?}"),
        Typed::Text(None) | Typed::Count(None) => none.to_owned(),
        Typed::Bool(b) => match (library, b) {
            (Library::Python, true) => "True".to_owned(),
            (Library::Python, false) => "False".to_owned(),
            _ => b.to_string(),
        },
        Typed::Count(Some(n)) => n.to_string(),
        Typed::Duration(d) if millis_in(library) => format!("{}", d.as_secs_f64() * 1000.0),
        Typed::Duration(d) => format!("{:?}", d.as_secs_f64()),
        Typed::Choice(c) => format!("{c:?}"),
    }
}

/// The setting named `name` in a language.
pub fn find(library: Library, name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| {
        s.name(library) == name || (library == Library::Node && s.node_deprecated == Some(name))
    })
}

/// The known name closest to `name` (by edit distance), for "did you mean" hints.
pub fn nearest(library: Library, name: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .map(|s| s.name(library))
        .min_by_key(|known| edit_distance(&known.to_lowercase(), &name.to_lowercase()))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The event options (`validation`, `max_event_bytes`) of an event built without a client,
/// from `(name, value)` pairs in a language's spelling, checked by the same table entries as the
/// client's settings. Any other name is `INVALID_CONFIG`.
pub fn event_options<'a>(
    library: Library,
    pairs: impl IntoIterator<Item = (&'a str, &'a Value)>,
) -> Result<rudder_group::EventOptions, ClientError> {
    let mut config = Config::new("", "");
    config.event_options.library = library;
    let names = [
        find_rust("validation").name(library),
        find_rust("max_event_bytes").name(library),
    ];
    for (name, value) in pairs {
        if !names.contains(&name) {
            return Err(ClientError::config(
                name,
                format!("is not a setting of an event ({}, {})", names[0], names[1]),
            ));
        }
        config.set(library, name, value)?;
    }
    Ok(config.event_options)
}

fn find_rust(rust: &str) -> &'static Setting {
    match find(Library::Rust, rust) {
        Some(s) => s,
        None => &SETTINGS[0],
    }
}

mod access;
mod checks;
mod table;
#[cfg(test)]
mod tests;

pub use crate::config::MAX_EVENT_BYTES_LIMIT;
pub use table::SETTINGS;
