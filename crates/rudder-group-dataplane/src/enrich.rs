//! What the data plane adds to an accepted event before storing it: `messageId`, `receivedAt`,
//! `timestamp`. Everything else, key order included, is kept as sent.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::json::Fields;

/// A time the way RudderStack writes it: UTC, ISO-8601 with milliseconds,
/// e.g. `2022-02-01T19:14:18.381Z`.
pub(crate) fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time string, as the processor's `GetParsedTimestamp` reads it.
fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a `messageId` (its JSON text) is usable: not missing, not null, not a blank string.
pub(crate) fn is_message_id(text: Option<&str>) -> bool {
    match text {
        None | Some("null") => false,
        Some(text) if text.starts_with('"') => {
            serde_json::from_str::<String>(text).is_ok_and(|s| !s.trim().is_empty())
        }
        Some(_) => true,
    }
}

/// Fills in one accepted event (the members of a JSON object):
/// - `messageId`: `fill_id` (else a fresh UUID v4) when missing, null, or blank;
/// - `receivedAt`: the time the request arrived (overwritten);
/// - `timestamp`: when the event has none that parses, `receivedAt - (sentAt - originalTimestamp)`,
///   where `sentAt` is the event's own, else the batch's top-level `sentAt`. When `sentAt` or
///   `originalTimestamp` is missing or does not parse, `timestamp` is `receivedAt`.
///
/// New keys go after the event's own keys; a replaced key keeps its place. Nothing else is
/// touched: every other value keeps its text.
pub(crate) fn enrich(
    event: &mut Fields,
    received_at: DateTime<Utc>,
    batch_sent_at: Option<&str>,
    fill_id: Option<&str>,
) {
    if !is_message_id(event.get("messageId")) {
        let id = fill_id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        event.set_str("messageId", &id);
    }
    event.set_str("receivedAt", &format_time(received_at));
    if parse_time(event.get_str("timestamp").as_deref()).is_none() {
        let sent_at =
            parse_time(event.get_str("sentAt").as_deref()).or_else(|| parse_time(batch_sent_at));
        let original = parse_time(event.get_str("originalTimestamp").as_deref());
        let timestamp = match (sent_at, original) {
            (Some(sent), Some(orig)) => received_at
                .checked_sub_signed(sent - orig)
                .unwrap_or(received_at),
            _ => received_at,
        };
        event.set_str("timestamp", &format_time(timestamp));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(Some(text)).unwrap()
    }

    /// Enriches a `Value` object through its text.
    fn run(e: &mut Value, received: DateTime<Utc>, sent_at: Option<&str>) {
        let mut fields = Fields::parse(&e.to_string()).unwrap();
        enrich(&mut fields, received, sent_at, None);
        *e = serde_json::from_str(&fields.to_text()).unwrap();
    }

    #[test]
    fn fills_and_corrects_skew() {
        let received = at("2022-02-01T19:14:18.381Z");
        let mut e = json!({"userId":"u","originalTimestamp":"2022-02-01T10:00:00.000Z","sentAt":"2022-02-01T10:00:05.500+00:00"});
        run(&mut e, received, Some("1999-01-01T00:00:00Z"));
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "userId",
                "originalTimestamp",
                "sentAt",
                "messageId",
                "receivedAt",
                "timestamp"
            ]
        );
        assert_eq!(e["receivedAt"], "2022-02-01T19:14:18.381Z");
        assert_eq!(e["timestamp"], "2022-02-01T19:14:12.881Z");
        assert_eq!(e["messageId"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn batch_sent_at_and_fallbacks() {
        let received = at("2022-02-01T19:14:18.381Z");
        let mut e = json!({"originalTimestamp":"2022-02-01T19:14:10.000Z","messageId":"m"});
        run(&mut e, received, Some("2022-02-01T19:14:11.000Z"));
        assert_eq!(e["timestamp"], "2022-02-01T19:14:17.381Z");
        assert_eq!(e["messageId"], "m");
        let mut e = json!({"originalTimestamp":"2022-02-01T19:14:10.000Z","messageId":" "});
        run(&mut e, received, None);
        assert_eq!(e["timestamp"], "2022-02-01T19:14:18.381Z");
        assert_ne!(e["messageId"], " ");
        let mut e = json!({"timestamp":"2020-01-01T00:00:00Z","sentAt":"x"});
        run(&mut e, received, None);
        assert_eq!(e["timestamp"], "2020-01-01T00:00:00Z");
        let mut e = json!({"timestamp":"yesterday"});
        run(&mut e, received, None);
        assert_eq!(e["timestamp"], "2022-02-01T19:14:18.381Z");
    }
}
