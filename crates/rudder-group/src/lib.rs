//! # rudder-group
//!
//! The RudderStack **group** call: it links an identified user to a group (a company, an account)
//! and records the group's traits. This crate is the model every binding (Rust, Python, Node, C)
//! stands on: the event and its builder, the reserved group traits with their types, validation
//! with stable error codes and JSON-pointer paths, canonical JSON out, and parsing and validating
//! JSON in. It does no I/O; delivery is `rudder-group-client`.
//!
//! ```
//! use rudder_group::{GroupEvent, ErrorCode};
//!
//! let event = GroupEvent::builder("12345")
//!     .user_id("u1")
//!     .name("MyGroup")
//!     .employees(450)
//!     .message_id("3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10")
//!     .original_timestamp("2022-02-01T19:14:18.381Z")
//!     .build()?;
//! assert_eq!(
//!     event.to_json(),
//!     concat!(
//!         r#"{"type":"group","messageId":"3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10","groupId":"12345","#,
//!         r#""userId":"u1","traits":{"name":"MyGroup","employees":450},"#,
//!         r#""context":{"library":{"name":"rudder-group-rust","version":""#,
//!         env!("CARGO_PKG_VERSION"),
//!         r#""}},"integrations":{"All":true},"#,
//!         r#""originalTimestamp":"2022-02-01T19:14:18.381Z","channel":"server"}"#
//!     )
//! );
//!
//! let err = GroupEvent::from_json(r#"{"traits":{"employees":-3}}"#).unwrap_err();
//! let codes: Vec<ErrorCode> = err.issues().iter().map(|i| i.code).collect();
//! assert_eq!(codes, [ErrorCode::MissingGroupId, ErrorCode::MissingIdentity, ErrorCode::InvalidTrait]);
//! assert_eq!(err.issues()[2].path, "/traits/employees");
//! # Ok::<(), rudder_group::ValidationError>(())
//! ```
//!
//! Decisions the contract leaves open, and what this crate does:
//! - Traits are stored in one insertion-ordered map so that the caller's key order and `null`
//!   versus absent are kept exactly; the twelve reserved traits are typed at the API: typed
//!   setters on the builder, typed getters, and [`GroupTraits::reserved`] as typed fields.
//! - `originalTimestamp` must be an instant (RFC 3339 with an offset) and is normalized to UTC
//!   with milliseconds; `timestamp` and `sentAt` of a parsed payload are checked and kept as given.
//! - A parsed `channel` string is kept; `type`, when present, must be `"group"`.
//! - A blank `messageId` is refused (`INVALID_FIELD_TYPE`) rather than silently replaced.
//! - `context.library` overwrites a caller's `library` key in place, else comes last.
//! - Depth: the event object is level 1, `traits` level 2; a container at level 65 is `TOO_DEEP`.
//! - Bindings convert their values with [`conversion`], the kit that words every conversion
//!   problem once, bounds depth and size, and renders paths.
//! - A binding writes a call with an [`EventWriter`]: the caller's values go straight into the
//!   event's canonical bytes, in one pass and one buffer, checked on the way (its object fields
//!   token by token, with [`conversion::JsonWriter`]), so a call makes no tree of its custom
//!   traits, context or integrations. The bytes and issues are those the same values give as
//!   `serde_json` values ([`EventParts`]); [`GroupEvent::traits`], [`GroupEvent::context`] and
//!   [`GroupEvent::integrations`] still return maps, parsed from the bytes on first use.
//! - `max_event_bytes` is measured on the event as sent, `sentAt` included.
//! - Numbers keep the digits they were given (integers of any size, decimals exactly).
#![warn(missing_docs)]

mod builder;
mod code;
pub mod conversion;
mod event;
mod event_writer;
mod field_checks;
mod id;
mod issue;
mod json_text;
mod options;
mod parse;
pub mod time;
mod traits;
mod validate;
mod writer;

pub use builder::{GroupEventBuilder, Id, Timestamp};
pub use code::{ErrorCode, UnknownCode};
pub use event::{GroupEvent, WireEvent, SENT_AT_BYTES};
pub use event_writer::{EventWriter, Scalar};
pub use id::{new_message_id, reseed_after_fork};
pub use issue::{pointer, Issue, Severity, ValidationError};
pub use options::{EventOptions, Library, DEFAULT_MAX_EVENT_BYTES, MAX_DEPTH};
pub use parse::parse_value;
pub use traits::{
    Address, CreatedAt, Employees, GroupTraits, ReservedTraits, Trait, TraitId, ADDRESS_FIELDS,
    RESERVED_TRAITS,
};
pub use validate::{event_too_large, EventParts};

/// The lockstep version of every crate and package of the project.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use serde_json;
