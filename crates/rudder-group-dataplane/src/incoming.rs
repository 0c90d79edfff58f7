//! A request body's events, read without building a `serde_json::Value` per event.
//!
//! The checks need only a few fields of each event (`userId`, `anonymousId`, `messageId`); the
//! rest is kept as the text it was sent with. A data plane that copied every event into a tree on
//! the request path would measure itself instead of the SDK sending to it. Nothing here recurses
//! on the nesting of an event (see [`crate::json`]), so an accepted event reads back exactly at
//! any depth.

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::enrich::{enrich, is_message_id};
use crate::json::{self, compact, Fields};

/// Which data route a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /v1/batch`
    Batch,
    /// `POST /v1/group`: one event, its type overwritten, wrapped as a one-event batch.
    Group,
}

/// One event of a request: its text as sent, and the fields the checks read.
pub(crate) struct Item {
    pub raw: Box<RawValue>,
    /// Whether the event is a JSON object.
    object: bool,
    user_id: String,
    anonymous_id: String,
    has_message_id: bool,
}

impl Item {
    fn new(raw: &RawValue) -> Item {
        let fields = Fields::parse(raw.get());
        let field = |key| as_text(fields.as_ref().and_then(|f| f.get(key)));
        Item {
            raw: raw.to_owned(),
            object: fields.is_some(),
            user_id: field("userId"),
            anonymous_id: field("anonymousId"),
            has_message_id: is_message_id(fields.as_ref().and_then(|f| f.get("messageId"))),
        }
    }

    /// Whether the event is a JSON object.
    pub fn is_object(&self) -> bool {
        self.object
    }

    /// `userId` and `anonymousId` as the gateway's gjson `String()` reads them.
    pub fn ids(&self) -> (&str, &str) {
        (&self.user_id, &self.anonymous_id)
    }
}

/// A field (its JSON text) as the gateway's gjson `String()` reads it: strings as they are,
/// numbers and other values as their JSON text, missing or null as "".
fn as_text(text: Option<&str>) -> String {
    match text {
        None | Some("null") => String::new(),
        Some(text) if text.starts_with('"') => serde_json::from_str(text).unwrap_or_default(),
        Some(text) => compact(text).into_owned(),
    }
}

/// A parsed request body.
pub(crate) struct Parsed {
    /// The events as sent: the `batch` items for `/v1/batch` (missing or null is none, an array
    /// is its items, anything else one item, the way gjson reads it), the body for `/v1/group`.
    pub items: Vec<Item>,
    /// The batch's top-level `sentAt`, when it is a string.
    pub sent_at: Option<String>,
}

/// Parses a body; `None` when it is not JSON.
pub(crate) fn parse(bytes: &[u8], route: Route) -> Option<Parsed> {
    let raw: &RawValue = serde_json::from_slice(bytes).ok()?;
    let mut parsed = Parsed {
        items: Vec::new(),
        sent_at: None,
    };
    match route {
        Route::Group => parsed.items.push(Item::new(raw)),
        Route::Batch => {
            if let Some(body) = Fields::parse(raw.get()) {
                parsed.items = body.get("batch").map(batch_items).unwrap_or_default();
                parsed.sent_at = body.get_str("sentAt");
            }
        }
    }
    Some(parsed)
}

fn batch_items(text: &str) -> Vec<Item> {
    if text == "null" {
        return Vec::new();
    }
    if text.starts_with('[') {
        return serde_json::from_str::<Vec<&RawValue>>(text)
            .map(|items| items.into_iter().map(Item::new).collect())
            .unwrap_or_default();
    }
    serde_json::from_str::<&RawValue>(text)
        .map(|raw| vec![Item::new(raw)])
        .unwrap_or_default()
}

/// The events of a kept request body as sent, each as compact JSON text.
pub(crate) fn event_texts(bytes: &[u8], route: Route) -> Vec<String> {
    parse(bytes, route)
        .map(|p| {
            p.items
                .iter()
                .map(|i| compact(i.raw.get()).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// One accepted event as stored: its text as sent and what the data plane adds, applied when
/// it is read back.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    raw: Box<RawValue>,
    received_at: DateTime<Utc>,
    batch_sent_at: Option<String>,
    /// The messageId the data plane chose, when the event had none.
    fill_id: Option<String>,
    /// `/v1/group`: `type` is overwritten with "group".
    group: bool,
}

impl Stored {
    pub fn new(
        item: Item,
        received_at: DateTime<Utc>,
        sent_at: Option<&str>,
        route: Route,
    ) -> Stored {
        let fill_id = (!item.has_message_id).then(|| uuid::Uuid::new_v4().to_string());
        Stored {
            raw: item.raw,
            received_at,
            batch_sent_at: sent_at.map(str::to_owned),
            fill_id,
            group: route == Route::Group,
        }
    }

    /// The event as stored, as compact JSON text: as sent, with `type` for `/v1/group`,
    /// `messageId`, `receivedAt` and `timestamp` filled in.
    pub fn to_text(&self) -> String {
        // Only objects are accepted, so the members always parse.
        let mut fields = Fields::parse(self.raw.get()).unwrap_or_default();
        if self.group {
            fields.set_str("type", "group");
        }
        enrich(
            &mut fields,
            self.received_at,
            self.batch_sent_at.as_deref(),
            self.fill_id.as_deref(),
        );
        fields.to_text()
    }

    /// The event as stored, as a `Value`.
    pub fn to_value(&self) -> Value {
        json::to_value(&self.to_text()).unwrap_or(Value::Null)
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
            .map(|i| (i.is_object(), (i.ids().0.to_owned(), i.ids().1.to_owned())))
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
        assert_eq!(p.sent_at.as_deref(), Some("2022-02-01T19:14:18.381Z"));
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
