//! [`ClientError`]: what a client call can fail with, each with its stable [`ErrorCode`].

use rudder_group::{ErrorCode, Issue, ValidationError};

/// A failed client call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The event was refused by validation (every issue inside).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The client is closed; nothing more can be enqueued.
    #[error("the client is closed: create a new client to send more events")]
    Closed,
    /// The queue was full; the event was dropped (and reported as such).
    #[error("the queue is full ({}, {queued_bytes} bytes queued); the event {message_id} was dropped", crate::outcome::events(*queued_events))]
    QueueFull {
        /// The dropped event's id.
        message_id: String,
        /// Events queued at the time.
        queued_events: u64,
        /// Bytes queued at the time.
        queued_bytes: u64,
    },
    /// A flush or close did not finish in time. After a flush nothing is lost: the events stay
    /// queued (`dropped` and `kept` are 0). After a close the remaining events were reported
    /// as dropped before it returned, or, with a spool, kept in it for the next client.
    #[error("{}", timed_out(*pending, *dropped, *kept))]
    FlushTimeout {
        /// Events without a terminal outcome when the time ran out.
        pending: u64,
        /// Of those, events a close reported as dropped.
        dropped: u64,
        /// Of those, events a close left in the spool for the next client on its directory.
        kept: u64,
    },
    /// Events reached a terminal failure (see the outcomes for status and body).
    #[error("{} failed and {dropped} dropped", crate::outcome::events(*failed))]
    DeliveryFailed {
        /// Events that failed.
        failed: u64,
        /// Events that were dropped.
        dropped: u64,
    },
    /// A setting is out of range or malformed.
    #[error("invalid setting `{setting}`: {message}")]
    InvalidConfig {
        /// The setting's name, spelt as the config's language spells it (see
        /// [`crate::settings`]).
        setting: String,
        /// What is wrong.
        message: String,
    },
}

fn timed_out(pending: u64, dropped: u64, kept: u64) -> String {
    let mut text = format!(
        "timed out with {} not yet delivered",
        crate::outcome::events(pending)
    );
    if dropped > 0 {
        text.push_str(&format!("; {dropped} reported dropped"));
    }
    if kept > 0 {
        text.push_str(&format!("; {kept} kept in the spool for the next client"));
    }
    text
}

impl ClientError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Validation(e) => e.code(),
            ClientError::Closed => ErrorCode::ClientClosed,
            ClientError::QueueFull { .. } => ErrorCode::QueueFull,
            ClientError::FlushTimeout { .. } => ErrorCode::FlushTimeout,
            ClientError::DeliveryFailed { .. } => ErrorCode::DeliveryFailed,
            ClientError::InvalidConfig { .. } => ErrorCode::InvalidConfig,
        }
    }

    /// The validation issues, or none.
    pub fn issues(&self) -> &[Issue] {
        match self {
            ClientError::Validation(e) => e.issues(),
            _ => &[],
        }
    }

    pub(crate) fn config(setting: impl Into<String>, message: impl Into<String>) -> ClientError {
        ClientError::InvalidConfig {
            setting: setting.into(),
            message: message.into(),
        }
    }
}
