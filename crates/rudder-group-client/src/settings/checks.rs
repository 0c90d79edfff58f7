//! [`Config`]'s constructor and checks, made from the table: `Config::new` applies every
//! default, `Config::set` reads one setting in a language's spelling, `Config::validate` checks
//! every range and then how the settings fit together.

use super::{find, nearest, Value, SETTINGS};
use crate::config::{Config, Transport, BATCH_OVERHEAD, MAX_BATCH_BYTES_LIMIT};
use crate::ClientError;
use rudder_group::{Library, SENT_AT_BYTES};

impl Config {
    /// Checks every setting: each range (from [`crate::settings::SETTINGS`]), then how they fit
    /// together. The error names the first setting at fault, spelt as the config's language
    /// (`event_options.library`) spells it.
    pub fn validate(&self) -> Result<(), ClientError> {
        let name = |rust: &str| self.setting_name(rust);
        if self.write_key.trim().is_empty() {
            return Err(ClientError::config(name("write_key"), "must not be empty"));
        }
        if self.transport == Transport::Http {
            let url = self.data_plane_url.trim();
            let ok = (url.starts_with("http://") || url.starts_with("https://"))
                && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
            if !ok {
                return Err(ClientError::config(
                    name("data_plane_url"),
                    format!(
                        "must be an http:// or https:// URL, got {:?}",
                        self.data_plane_url
                    ),
                ));
            }
        }
        self.check_ranges()?;
        let max_event = self.event_options.max_event_bytes;
        let smallest = max_event + BATCH_OVERHEAD;
        if self.max_batch_bytes < smallest {
            return Err(ClientError::config(
                name("max_batch_bytes"),
                format!(
                    "must be between {smallest} (one event of {} plus the batch wrapper) and {MAX_BATCH_BYTES_LIMIT}, got {}",
                    name("max_event_bytes"),
                    self.max_batch_bytes
                ),
            ));
        }
        if self.max_queue_bytes < max_event + SENT_AT_BYTES {
            return Err(ClientError::config(
                name("max_queue_bytes"),
                format!(
                    "must hold at least one event of {}",
                    name("max_event_bytes")
                ),
            ));
        }
        // A record holds the event, its messageId again and a few numbers: twice the event is
        // a safe floor.
        let record = 2 * (max_event + SENT_AT_BYTES) + crate::spool::EVENT_OVERHEAD;
        if self.max_spool_bytes < record {
            return Err(ClientError::config(
                name("max_spool_bytes"),
                format!(
                    "must hold at least one event of {} ({record} bytes)",
                    name("max_event_bytes")
                ),
            ));
        }
        if self
            .spool_dir
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(ClientError::config(
                name("spool_dir"),
                "must be a directory path, not empty",
            ));
        }
        if self.retry.max_backoff < self.retry.initial_backoff {
            return Err(ClientError::config(
                name("retry.initial_backoff"),
                format!("must be at most {}", name("retry.max_backoff")),
            ));
        }
        if let Some(p) = &self.proxy {
            if ureq::Proxy::new(p).is_err() {
                return Err(ClientError::config(
                    name("proxy"),
                    format!("not a proxy URL: {p:?}"),
                ));
            }
        }
        Ok(())
    }
    /// Sets one setting by its name in `library`'s spelling and unit, checking its kind and
    /// range; an unknown name is `INVALID_CONFIG` naming the nearest known one. This is how every
    /// binding reads its options.
    pub fn set(&mut self, library: Library, name: &str, value: &Value) -> Result<(), ClientError> {
        let Some(setting) = find(library, name) else {
            let hint = nearest(library, name)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(ClientError::InvalidConfig {
                setting: name.to_owned(),
                message: format!("is not a client setting{hint}"),
            });
        };
        // An older name (a deprecated Node option) is named as the caller wrote it.
        let typed = setting.parse(library, value).map_err(|e| match e {
            ClientError::InvalidConfig { message, .. } => ClientError::InvalidConfig {
                setting: name.to_owned(),
                message,
            },
            other => other,
        })?;
        (setting.put)(self, typed);
        Ok(())
    }

    /// Checks every setting's range, in the spelling of the config's library.
    pub(crate) fn check_ranges(&self) -> Result<(), ClientError> {
        let library = self.event_options.library;
        for s in SETTINGS {
            s.check(library, &s.get(self))?;
        }
        Ok(())
    }

    /// A setting's name in the spelling of this config's library, for messages.
    pub(crate) fn setting_name(&self, rust: &str) -> String {
        let library = self.event_options.library;
        find(Library::Rust, rust)
            .map_or(rust, |s| s.name(library))
            .to_owned()
    }
}
