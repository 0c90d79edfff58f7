//! Settings that shape how an event is validated and which SDK it names.

/// Which binding built the event: it names the SDK in `context.library`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Library {
    /// The Rust crates.
    #[default]
    Rust,
    /// The Python package.
    Python,
    /// The Node package.
    Node,
    /// The C library.
    C,
}

impl Library {
    /// `rudder-group-<binding>`.
    pub const fn name(self) -> &'static str {
        match self {
            Library::Rust => "rudder-group-rust",
            Library::Python => "rudder-group-python",
            Library::Node => "rudder-group-node",
            Library::C => "rudder-group-c",
        }
    }

    /// `{"library":{"name":…,"version":…}}`: the context of a call that gave none, as canonical
    /// JSON (a constant, so that such a call copies no bytes for it).
    pub(crate) const fn context_bytes(self) -> &'static [u8] {
        macro_rules! context {
            ($name:literal) => {
                concat!(
                    "{\"library\":{\"name\":\"",
                    $name,
                    "\",\"version\":\"",
                    env!("CARGO_PKG_VERSION"),
                    "\"}}"
                )
                .as_bytes()
            };
        }
        match self {
            Library::Rust => context!("rudder-group-rust"),
            Library::Python => context!("rudder-group-python"),
            Library::Node => context!("rudder-group-node"),
            Library::C => context!("rudder-group-c"),
        }
    }

    /// The lockstep version of every crate and package.
    pub const fn version(self) -> &'static str {
        crate::VERSION
    }
}

/// The default limit on one serialized event, in bytes (the HTTP API's 32 KB per event).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 32_768;

/// The deepest nesting allowed: the event object is level 1, `traits` level 2, and so on.
pub const MAX_DEPTH: usize = 64;

/// How events are validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOptions {
    /// Reserved-trait rules become warnings instead of errors; the event is sent as given.
    pub lenient: bool,
    /// The largest serialized event accepted, `sentAt` included (default 32,768).
    pub max_event_bytes: usize,
    /// The SDK named in `context.library`.
    pub library: Library,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            lenient: false,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            library: Library::Rust,
        }
    }
}

impl EventOptions {
    /// Default options naming `library`.
    pub fn for_library(library: Library) -> Self {
        EventOptions {
            library,
            ..EventOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constant_context_names_each_library() {
        for library in [Library::Rust, Library::Python, Library::Node, Library::C] {
            let expected = serde_json::json!({
                "library": {"name": library.name(), "version": library.version()}
            });
            assert_eq!(
                library.context_bytes(),
                serde_json::to_vec(&expected).unwrap()
            );
        }
    }
}
