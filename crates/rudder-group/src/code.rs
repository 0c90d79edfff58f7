//! The one error model: [`ErrorCode`], stable across releases and across bindings.

use std::fmt;
use std::str::FromStr;

/// Every failure the project reports carries one of these codes.
///
/// Numbers and strings are stable: a code is never renumbered, renamed or reused. Validation codes
/// are 1..=99, client codes 100 and up. Bindings map codes with an exhaustive `match`, so adding a
/// code breaks every binding's build until it is mapped.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// `groupId` absent, empty, or only whitespace.
    MissingGroupId = 1,
    /// Neither `userId` nor `anonymousId` is present and non-blank after trimming.
    MissingIdentity = 2,
    /// A top-level field has the wrong JSON type.
    InvalidFieldType = 3,
    /// A reserved group trait breaks its rule.
    InvalidTrait = 4,
    /// A timestamp that is not ISO-8601 / RFC 3339, or a value that cannot be one.
    InvalidTimestamp = 5,
    /// NaN or ±Infinity (JSON cannot carry them).
    NonFiniteNumber = 6,
    /// A value with no JSON form (a function, a cycle, bytes, a set, a non-string key).
    UnsupportedValue = 7,
    /// Nesting deeper than 64 levels.
    TooDeep = 8,
    /// The serialized event is larger than `max_event_bytes`.
    EventTooLarge = 9,
    /// Input text that is not JSON, or not a JSON object.
    InvalidJson = 10,
    /// The client was closed; nothing more can be enqueued.
    ClientClosed = 101,
    /// The queue is full and the overflow policy refused the event.
    QueueFull = 102,
    /// A flush or close did not finish within its timeout (nothing was lost).
    FlushTimeout = 103,
    /// Events reached a terminal delivery failure.
    DeliveryFailed = 104,
    /// A client setting is out of range or malformed.
    InvalidConfig = 105,
}

impl ErrorCode {
    /// Every code, in number order.
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::MissingGroupId,
        ErrorCode::MissingIdentity,
        ErrorCode::InvalidFieldType,
        ErrorCode::InvalidTrait,
        ErrorCode::InvalidTimestamp,
        ErrorCode::NonFiniteNumber,
        ErrorCode::UnsupportedValue,
        ErrorCode::TooDeep,
        ErrorCode::EventTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::ClientClosed,
        ErrorCode::QueueFull,
        ErrorCode::FlushTimeout,
        ErrorCode::DeliveryFailed,
        ErrorCode::InvalidConfig,
    ];

    /// The stable string, e.g. `"MISSING_GROUP_ID"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MissingGroupId => "MISSING_GROUP_ID",
            ErrorCode::MissingIdentity => "MISSING_IDENTITY",
            ErrorCode::InvalidFieldType => "INVALID_FIELD_TYPE",
            ErrorCode::InvalidTrait => "INVALID_TRAIT",
            ErrorCode::InvalidTimestamp => "INVALID_TIMESTAMP",
            ErrorCode::NonFiniteNumber => "NON_FINITE_NUMBER",
            ErrorCode::UnsupportedValue => "UNSUPPORTED_VALUE",
            ErrorCode::TooDeep => "TOO_DEEP",
            ErrorCode::EventTooLarge => "EVENT_TOO_LARGE",
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::ClientClosed => "CLIENT_CLOSED",
            ErrorCode::QueueFull => "QUEUE_FULL",
            ErrorCode::FlushTimeout => "FLUSH_TIMEOUT",
            ErrorCode::DeliveryFailed => "DELIVERY_FAILED",
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
        }
    }

    /// The stable number.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The code with this stable number, if any.
    pub fn from_number(n: u32) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.number() == n)
    }

    /// Whether this code comes from validating an event (as opposed to the client).
    pub const fn is_validation(self) -> bool {
        (self as u32) < 100
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string is not a known code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.number()));
            assert_eq!(ErrorCode::from_number(c.number()), Some(c));
            assert_eq!(c.as_str().parse::<ErrorCode>(), Ok(c));
        }
        assert_eq!(ErrorCode::MissingGroupId.number(), 1);
        assert_eq!(ErrorCode::InvalidConfig.number(), 105);
        assert!("NOPE".parse::<ErrorCode>().is_err());
    }
}
