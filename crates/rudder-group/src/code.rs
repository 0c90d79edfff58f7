//! The one error model: [`ErrorCode`], stable across releases and across bindings.

use std::fmt;
use std::str::FromStr;

/// The table of codes: each variant with its stable number, its stable string and its doc.
/// The enum, [`ErrorCode::ALL`], [`ErrorCode::as_str`] and [`ErrorCode::doc`] are made from it,
/// and the bindings' tables of codes (the C statuses) are generated from those.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $number:literal, $name:literal;)+) => {
        /// Every failure the project reports carries one of these codes.
        ///
        /// Numbers and strings are stable: a code is never renumbered, renamed or reused.
        /// Validation codes are 1..=99, client codes 100 and up. Bindings map codes with an
        /// exhaustive `match`, so adding a code breaks every binding's build until it is mapped.
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant = $number,)+
        }

        impl ErrorCode {
            /// Every code, in number order.
            pub const ALL: [ErrorCode; [$($number),+].len()] = [$(ErrorCode::$variant,)+];

            /// The stable string, e.g. `"MISSING_GROUP_ID"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)+
                }
            }

            /// What the code means: its doc, one sentence (the bindings' docs repeat it).
            pub const fn doc(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => concat!($($doc),+),)+
                }
            }
        }
    };
}

error_codes! {
    /// `groupId` absent, empty, or only whitespace.
    MissingGroupId = 1, "MISSING_GROUP_ID";
    /// Neither `userId` nor `anonymousId` is present and non-blank after trimming.
    MissingIdentity = 2, "MISSING_IDENTITY";
    /// A top-level field has the wrong JSON type.
    InvalidFieldType = 3, "INVALID_FIELD_TYPE";
    /// A reserved group trait breaks its rule.
    InvalidTrait = 4, "INVALID_TRAIT";
    /// A timestamp that is not ISO-8601 / RFC 3339, or a value that cannot be one.
    InvalidTimestamp = 5, "INVALID_TIMESTAMP";
    /// NaN or ±Infinity (JSON cannot carry them).
    NonFiniteNumber = 6, "NON_FINITE_NUMBER";
    /// A value with no JSON form (a function, a cycle, bytes, a set, a non-string key).
    UnsupportedValue = 7, "UNSUPPORTED_VALUE";
    /// Nesting deeper than 64 levels.
    TooDeep = 8, "TOO_DEEP";
    /// The serialized event is larger than `max_event_bytes`.
    EventTooLarge = 9, "EVENT_TOO_LARGE";
    /// Input text that is not JSON, or not a JSON object.
    InvalidJson = 10, "INVALID_JSON";
    /// The client was closed; nothing more can be enqueued.
    ClientClosed = 101, "CLIENT_CLOSED";
    /// The queue is full and the overflow policy refused the event.
    QueueFull = 102, "QUEUE_FULL";
    /// A flush or close did not finish within its timeout (nothing was lost).
    FlushTimeout = 103, "FLUSH_TIMEOUT";
    /// Events reached a terminal delivery failure.
    DeliveryFailed = 104, "DELIVERY_FAILED";
    /// A client setting is out of range or malformed.
    InvalidConfig = 105, "INVALID_CONFIG";
}

impl ErrorCode {
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
