//! Client and event settings from JS, read through the client crate's settings table
//! (`rudder_group_client::settings`): names, defaults, units (milliseconds) and ranges live
//! there. The JS layer only flattens the options object (`retry: { maxAttempts }` becomes
//! `retry.maxAttempts`) and tags each value with its JS type.

use napi::bindgen_prelude::Either3;
use napi::{Error, Status};
use napi_derive::napi;
use rudder_group::{EventOptions, Library};
use rudder_group_client::settings::{self, Typed, Value};
use rudder_group_client::{ClientError, Config};

/// One option as JS passes it: its name and its value, under the key of its JS type.
#[napi(object)]
pub struct SettingInput {
    /// The option's name, e.g. `flushAt` or `retry.maxAttempts`.
    pub name: String,
    /// A boolean value.
    pub bool: Option<bool>,
    /// A number value.
    pub number: Option<f64>,
    /// A string value.
    pub text: Option<String>,
    /// Any other value, described (e.g. `an object`).
    pub other: Option<String>,
}

impl SettingInput {
    fn value(&self) -> Value {
        if let Some(b) = self.bool {
            Value::Bool(b)
        } else if let Some(n) = self.number {
            Value::Float(n)
        } else if let Some(t) = &self.text {
            Value::Str(t.clone())
        } else {
            Value::Other(self.other.clone().unwrap_or_else(|| "undefined".to_owned()))
        }
    }
}

/// A client setting's default, read from the settings table, in JS units: milliseconds for a
/// duration (`settingDefault('requestTimeout') === 30000`), a number for a count or a size,
/// `null` where it is unset. A name that is no setting throws. `rudder-group/compat` sizes the
/// peer's retries with it.
#[napi(catch_unwind)]
pub fn setting_default(name: String) -> napi::Result<Option<Either3<f64, String, bool>>> {
    let Some(setting) = settings::find(Library::Node, &name) else {
        return Err(Error::new(
            Status::InvalidArg,
            format!("no client setting is named {name:?}"),
        ));
    };
    Ok(match &setting.default {
        Typed::Text(None) | Typed::Count(None) => None,
        Typed::Text(Some(text)) => Some(Either3::B(text.clone())),
        Typed::Bool(b) => Some(Either3::C(*b)),
        Typed::Count(Some(n)) => Some(Either3::A(*n as f64)),
        Typed::Duration(d) => Some(Either3::A(d.as_secs_f64() * 1000.0)),
        Typed::Choice(choice) => Some(Either3::B((*choice).to_owned())),
    })
}

/// The old names of renamed options, each with its name now (`{ overflowTimeout:
/// 'blockTimeout' }`), from the settings table: `lib/client.js` warns once when one is used.
#[napi(catch_unwind)]
pub fn deprecated_options() -> std::collections::HashMap<&'static str, &'static str> {
    settings::SETTINGS
        .iter()
        .filter_map(|s| Some((s.node_deprecated?, s.name(Library::Node))))
        .collect()
}

/// The client's config from its options; the first one out of range is the error.
pub(crate) fn client_config(options: &[SettingInput]) -> Result<Config, ClientError> {
    let mut config = Config::new("", "");
    config.event_options.library = Library::Node;
    for o in options {
        config.set(Library::Node, &o.name, &o.value())?;
    }
    Ok(config)
}

/// An event's options (`validation`, `maxEventBytes`).
pub(crate) fn event_options(
    options: Option<Vec<SettingInput>>,
) -> Result<EventOptions, ClientError> {
    // The settings table's answer for no options is read once: most calls give none.
    static DEFAULTS: std::sync::OnceLock<EventOptions> = std::sync::OnceLock::new();
    let options = options.unwrap_or_default();
    if options.is_empty() {
        if let Some(defaults) = DEFAULTS.get() {
            return Ok(defaults.clone());
        }
        let defaults = settings::event_options(Library::Node, [])?;
        return Ok(DEFAULTS.get_or_init(|| defaults).clone());
    }
    let values: Vec<(String, Value)> = options
        .iter()
        .map(|o| (o.name.clone(), o.value()))
        .collect();
    settings::event_options(Library::Node, values.iter().map(|(n, v)| (n.as_str(), v)))
}

/// A call argument in milliseconds (a `flush`/`close` timeout) as a duration; the JS layer has
/// checked it is finite and not negative. Past a century it is a century: as good as no limit.
pub(crate) fn millis(ms: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(ms.clamp(0.0, 3.2e12) / 1000.0)
}
