//! A request body's events, read without building a `serde_json::Value` per event.
//!
//! The checks need only a few fields of each event (`userId`, `anonymousId`, `messageId`); the
//! rest is kept as the text it was sent with and turned into a `Value` only when a test reads it
//! back. A data plane that copied every event into a tree on the request path would measure
//! itself instead of the SDK sending to it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::checks::Route;
use crate::enrich::enrich;

/// The fields of one event that the checks and the enrichment read.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "userId", default)]
    user_id: Option<Value>,
    #[serde(rename = "anonymousId", default)]
    anonymous_id: Option<Value>,
    #[serde(rename = "messageId", default)]
    message_id: Option<Value>,
}

#[derive(Deserialize)]
struct BatchBody<'a> {
    #[serde(borrow, default)]
    batch: Option<&'a RawValue>,
    #[serde(rename = "sentAt", default)]
    sent_at: Option<Value>,
}

/// One event of a request: its text as sent, and the fields the checks read.
pub(crate) struct Item {
    pub raw: Box<RawValue>,
    /// `None` when the item is not a JSON object.
    fields: Option<Probe>,
}

impl Item {
    fn new(raw: &RawValue) -> Item {
        let fields = if raw.get().starts_with('{') {
            serde_json::from_str::<Probe>(raw.get()).ok().or_else(|| {
                // Repeated keys: read the object the way a Value does (the last one wins).
                let v: Value = serde_json::from_str(raw.get()).ok()?;
                Some(Probe {
                    user_id: v.get("userId").cloned(),
                    anonymous_id: v.get("anonymousId").cloned(),
                    message_id: v.get("messageId").cloned(),
                })
            })
        } else {
            None
        };
        Item {
            raw: raw.to_owned(),
            fields,
        }
    }

    /// Whether the event is a JSON object.
    pub fn is_object(&self) -> bool {
        self.fields.is_some()
    }

    /// `userId` and `anonymousId` as the gateway's gjson `String()` reads them.
    pub fn ids(&self) -> (String, String) {
        match &self.fields {
            Some(p) => (
                as_text(p.user_id.as_ref()),
                as_text(p.anonymous_id.as_ref()),
            ),
            None => (String::new(), String::new()),
        }
    }

    /// Whether the event carries a usable `messageId` (else the data plane fills one).
    fn has_message_id(&self) -> bool {
        match self.fields.as_ref().and_then(|p| p.message_id.as_ref()) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }
}

/// A field as the gateway's gjson `String()` reads it: strings as they are, numbers and other
/// values as their JSON text, missing or null as "".
pub(crate) fn as_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A parsed request body.
pub(crate) struct Parsed {
    /// The events as sent: the `batch` items for `/v1/batch` (missing or null is none, an array
    /// is its items, anything else one item, the way gjson reads it), the body for `/v1/group`.
    pub items: Vec<Item>,
    /// The batch's top-level `sentAt`.
    pub sent_at: Option<Value>,
}

/// Parses a body; `None` when it is not JSON.
pub(crate) fn parse(bytes: &[u8], route: Route) -> Option<Parsed> {
    let raw: &RawValue = serde_json::from_slice(bytes).ok()?;
    let text = raw.get();
    let body = match route {
        Route::Group => Parsed {
            items: vec![Item::new(raw)],
            sent_at: None,
        },
        Route::Batch if text.starts_with('{') => {
            match serde_json::from_str::<BatchBody<'_>>(text) {
                Ok(b) => Parsed {
                    items: b.batch.map(batch_items).unwrap_or_default(),
                    sent_at: b.sent_at,
                },
                Err(_) => {
                    // Repeated keys: read the object the way a Value does (the last one wins).
                    let v: Value = serde_json::from_str(text).ok()?;
                    let items = match v.get("batch") {
                        Some(batch) => batch_items(&serde_json::value::to_raw_value(batch).ok()?),
                        None => Vec::new(),
                    };
                    Parsed {
                        items,
                        sent_at: v.get("sentAt").cloned(),
                    }
                }
            }
        }
        Route::Batch => Parsed {
            items: Vec::new(),
            sent_at: None,
        },
    };
    Some(body)
}

fn batch_items(raw: &RawValue) -> Vec<Item> {
    let text = raw.get();
    if text == "null" {
        return Vec::new();
    }
    if text.starts_with('[') {
        return serde_json::from_str::<Vec<&RawValue>>(text)
            .map(|items| items.into_iter().map(Item::new).collect())
            .unwrap_or_default();
    }
    vec![Item::new(raw)]
}

/// One accepted event as stored: its text as sent and what the data plane adds, applied when
/// it is read back.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    raw: Box<RawValue>,
    received_at: DateTime<Utc>,
    batch_sent_at: Option<Value>,
    /// The messageId the data plane chose, when the event had none.
    fill_id: Option<String>,
    /// `/v1/group`: `type` is overwritten with "group".
    group: bool,
}

impl Stored {
    pub fn new(
        item: Item,
        received_at: DateTime<Utc>,
        sent_at: Option<&Value>,
        route: Route,
    ) -> Stored {
        let fill_id = (!item.has_message_id()).then(|| uuid::Uuid::new_v4().to_string());
        Stored {
            raw: item.raw,
            received_at,
            batch_sent_at: sent_at.cloned(),
            fill_id,
            group: route == Route::Group,
        }
    }

    /// The event as stored: as sent, with `type` for `/v1/group`, `messageId`, `receivedAt` and
    /// `timestamp` filled in.
    pub fn to_value(&self) -> Value {
        let mut v: Value = serde_json::from_str(self.raw.get()).unwrap_or(Value::Null);
        if self.group {
            if let Some(obj) = v.as_object_mut() {
                obj.insert("type".to_string(), Value::String("group".to_string()));
            }
        }
        enrich(
            &mut v,
            self.received_at,
            self.batch_sent_at.as_ref(),
            self.fill_id.as_deref(),
        );
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<(bool, (String, String))> {
        parse(text.as_bytes(), Route::Batch)
            .expect("JSON")
            .items
            .iter()
            .map(|i| (i.is_object(), i.ids()))
            .collect()
    }

    #[test]
    fn reads_the_batch_the_way_gjson_does() {
        let ids = |u: &str, a: &str| (u.to_string(), a.to_string());
        assert_eq!(
            items(r#"{"batch":[{"userId":7},{"anonymousId":"a"}]}"#),
            [(true, ids("7", "")), (true, ids("", "a"))]
        );
        assert_eq!(items(r#"{"batch":{"userId":"u"}}"#), [(true, ids("u", ""))]);
        assert_eq!(
            items(r#"{"batch":[1,"x"]}"#),
            [(false, ids("", "")), (false, ids("", ""))]
        );
        assert!(items(r#"{"batch":null}"#).is_empty());
        assert!(items(r#"{"other":1}"#).is_empty());
        assert!(items("[1,2]").is_empty());
        // Repeated keys: the last one wins, as in a Value.
        assert_eq!(
            items(r#"{"batch":[],"batch":[{"userId":"u","userId":"v"}]}"#),
            [(true, ids("v", ""))]
        );
        assert!(parse(b"{not json", Route::Batch).is_none());
        let p = parse(
            br#"{"batch":[],"sentAt":"2022-02-01T19:14:18.381Z"}"#,
            Route::Batch,
        )
        .unwrap();
        assert_eq!(
            p.sent_at,
            Some(Value::String("2022-02-01T19:14:18.381Z".into()))
        );
    }

    #[test]
    fn a_stored_event_reads_back_the_same_every_time() {
        let now = Utc::now();
        let p = parse(br#"{"type":"track","userId":"u","x":1.50}"#, Route::Group).unwrap();
        let item = p.items.into_iter().next().unwrap();
        let stored = Stored::new(item, now, None, Route::Group);
        let (a, b) = (stored.to_value(), stored.to_value());
        assert_eq!(a, b, "the filled messageId is chosen once");
        assert_eq!(a["type"], "group");
        assert_eq!(a["x"].to_string(), "1.50");
        let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "type",
                "userId",
                "x",
                "messageId",
                "receivedAt",
                "timestamp"
            ]
        );
    }
}
