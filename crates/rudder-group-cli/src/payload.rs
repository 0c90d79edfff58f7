//! One NDJSON line to a validated [`GroupEvent`], or the issues that refuse it.

use crate::lines::Line;
use rudder_group::{ErrorCode, EventOptions, GroupEvent, Issue};
use rudder_group_dataplane::MAX_REQUEST_BYTES;

/// How many raw bytes a line may have per byte of the event limit.
///
/// An event's size is measured once it is serialized again, and serializing can only shrink
/// the raw payload by dropping whitespace between tokens, shortening escapes (`\u0041` is `A`)
/// and keeping one of duplicate keys; it adds messageId, timestamps, context and sentAt when they
/// are absent. A payload written by a JSON encoder, compact or spaced, stays well under four
/// times its serialized size, so a longer line is refused unparsed: parsing holds a tree many
/// times the size of its text (a line of small numbers takes about 50 bytes of memory per byte),
/// and this bound keeps memory proportional to the event limit, whatever the input.
pub const LINE_BYTES_PER_EVENT_BYTE: usize = 4;

/// The longest line parsed under `max_event_bytes`: [`LINE_BYTES_PER_EVENT_BYTE`] times it,
/// and never more than the gateway's limit on one request body, 4,096,000 bytes (a payload
/// longer than that could not reach a data plane at all).
pub fn max_line_bytes(max_event_bytes: usize) -> usize {
    max_event_bytes
        .saturating_mul(LINE_BYTES_PER_EVENT_BYTE)
        .min(MAX_REQUEST_BYTES)
}

/// The event of one line, or every issue that refuses it.
pub fn parse(line: Line<'_>, options: &EventOptions) -> Result<GroupEvent, Vec<Issue>> {
    let bytes = match line {
        Line::Text(bytes) => bytes,
        Line::TooLong { bytes } => return Err(vec![too_long(bytes, options.max_event_bytes)]),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| vec![not_utf8()])?;
    GroupEvent::from_json_with(text, options).map_err(|e| e.into_issues())
}

/// `EVENT_TOO_LARGE` for a line refused by its length alone.
fn too_long(bytes: u64, max_event_bytes: usize) -> Issue {
    Issue::error(
        ErrorCode::EventTooLarge,
        "",
        format!(
            "the line is {bytes} bytes, longer than the {} bytes a line may have for an event limit of {max_event_bytes} bytes; it was not parsed",
            max_line_bytes(max_event_bytes)
        ),
    )
}

/// `INVALID_JSON` for a line that is not UTF-8.
fn not_utf8() -> Issue {
    Issue::error(ErrorCode::InvalidJson, "", "the line is not valid UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_limit_follows_the_event_limit_up_to_a_request() {
        assert_eq!(max_line_bytes(32_768), 131_072);
        assert_eq!(max_line_bytes(1), 4);
        assert_eq!(max_line_bytes(MAX_REQUEST_BYTES), MAX_REQUEST_BYTES);
        assert_eq!(max_line_bytes(usize::MAX), MAX_REQUEST_BYTES);
    }

    #[test]
    fn a_long_line_is_too_large_and_names_both_limits() {
        let issues = parse(Line::TooLong { bytes: 200_000 }, &EventOptions::default()).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code, ErrorCode::EventTooLarge);
        assert_eq!(issues[0].path, "");
        for needle in ["200000", "131072", "32768"] {
            assert!(issues[0].message.contains(needle), "{}", issues[0].message);
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_is_invalid_json() {
        let issues = parse(Line::Text(b"{\"a\":\"\xff\"}"), &EventOptions::default()).unwrap_err();
        assert_eq!(issues[0].code, ErrorCode::InvalidJson);
    }
}
