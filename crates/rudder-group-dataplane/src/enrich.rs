//! What the data plane adds to an accepted event before storing it: `messageId`, `receivedAt`,
//! `timestamp`. Everything else, key order included, is kept as sent.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// A time the way RudderStack writes it: UTC, ISO-8601 with milliseconds,
/// e.g. `2022-02-01T19:14:18.381Z`.
pub(crate) fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time string, as the processor's `GetParsedTimestamp` reads it.
fn parse_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let text = value?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Fills in one accepted event (a JSON object):
/// - `messageId`: `fill_id` (else a fresh UUID v4) when missing, null, or blank;
/// - `receivedAt`: the time the request arrived (overwritten);
/// - `timestamp`: when the event has none that parses, `receivedAt - (sentAt - originalTimestamp)`,
///   where `sentAt` is the event's own, else the batch's top-level `sentAt`. When `sentAt` or
///   `originalTimestamp` is missing or does not parse, `timestamp` is `receivedAt`.
///
/// New keys go after the event's own keys; a replaced key keeps its place.
pub(crate) fn enrich(
    event: &mut Value,
    received_at: DateTime<Utc>,
    batch_sent_at: Option<&Value>,
    fill_id: Option<&str>,
) {
    let Some(obj) = event.as_object_mut() else {
        return;
    };
    let has_id = match obj.get("messageId") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    };
    if !has_id {
        obj.insert(
            "messageId".to_string(),
            Value::String(fill_id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)),
        );
    }
    obj.insert(
        "receivedAt".to_string(),
        Value::String(format_time(received_at)),
    );
    if parse_time(obj.get("timestamp")).is_none() {
        let sent_at = parse_time(obj.get("sentAt")).or_else(|| parse_time(batch_sent_at));
        let original = parse_time(obj.get("originalTimestamp"));
        let timestamp = match (sent_at, original) {
            (Some(sent), Some(orig)) => received_at
                .checked_sub_signed(sent - orig)
                .unwrap_or(received_at),
            _ => received_at,
        };
        obj.insert(
            "timestamp".to_string(),
            Value::String(format_time(timestamp)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(Some(&json!(text))).unwrap()
    }

    #[test]
    fn fills_and_corrects_skew() {
        let received = at("2022-02-01T19:14:18.381Z");
        let mut e = json!({"userId":"u","originalTimestamp":"2022-02-01T10:00:00.000Z","sentAt":"2022-02-01T10:00:05.500+00:00"});
        enrich(&mut e, received, Some(&json!("1999-01-01T00:00:00Z")), None);
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
        enrich(
            &mut e,
            received,
            Some(&json!("2022-02-01T19:14:11.000Z")),
            None,
        );
        assert_eq!(e["timestamp"], "2022-02-01T19:14:17.381Z");
        assert_eq!(e["messageId"], "m");
        let mut e = json!({"originalTimestamp":"2022-02-01T19:14:10.000Z","messageId":" "});
        enrich(&mut e, received, None, None);
        assert_eq!(e["timestamp"], "2022-02-01T19:14:18.381Z");
        assert_ne!(e["messageId"], " ");
        let mut e = json!({"timestamp":"2020-01-01T00:00:00Z","sentAt":"x"});
        enrich(&mut e, received, None, None);
        assert_eq!(e["timestamp"], "2020-01-01T00:00:00Z");
        let mut e = json!({"timestamp":"yesterday"});
        enrich(&mut e, received, None, None);
        assert_eq!(e["timestamp"], "2022-02-01T19:14:18.381Z");
    }
}
