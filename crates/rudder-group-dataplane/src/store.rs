//! What the data plane received: every answered request, every stored event, and the optional
//! NDJSON store file.

use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::checks::{events_of, Route};
use crate::incoming::Stored;

/// One data request that got an answer, as [`DataPlane::requests`](crate::DataPlane::requests)
/// and `GET /_rudder_group/requests` report it. Requests dropped by a fault, admin requests and
/// `/health` are not recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path without the query, e.g. `/v1/batch`.
    pub path: String,
    /// The request headers in arrival order, names lowercased (values that are not UTF-8 are
    /// read lossily).
    pub headers: Vec<(String, String)>,
    /// The status of the answer.
    pub status: u16,
    /// The body of the answer, e.g. `"ok\n"`.
    pub body_text: String,
    /// The events of the request body as sent (decompressed and parsed, before the data plane
    /// added anything): the `batch` items for `/v1/batch`, the body for `/v1/group`. Also filled
    /// for rejected requests when the body parses; empty when it does not.
    pub events: Vec<Value>,
    /// When the request arrived, e.g. `2022-02-01T19:14:18.381Z`.
    pub received_at: String,
}

impl ReceivedRequest {
    /// The value of a header, by case-insensitive name (the first one when repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The admin API's JSON form: `{"method","path","headers":{name: value},"status","body",
    /// "events","received_at"}`. A repeated header's values are joined with `", "`.
    pub fn to_json(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            match headers.get_mut(name) {
                Some(Value::String(existing)) => {
                    existing.push_str(", ");
                    existing.push_str(value);
                }
                _ => {
                    headers.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }
        let mut obj = Map::new();
        obj.insert("method".into(), Value::String(self.method.clone()));
        obj.insert("path".into(), Value::String(self.path.clone()));
        obj.insert("headers".into(), Value::Object(headers));
        obj.insert("status".into(), Value::from(self.status));
        obj.insert("body".into(), Value::String(self.body_text.clone()));
        obj.insert("events".into(), Value::Array(self.events.clone()));
        obj.insert(
            "received_at".into(),
            Value::String(self.received_at.clone()),
        );
        Value::Object(obj)
    }
}

/// The records of one data plane; guarded by one mutex so that requests, events and the store
/// file lines stay in the same order.
#[derive(Debug, Default)]
pub(crate) struct Records {
    /// Answered requests; their `events` are parsed from the kept body only when read back, so
    /// that a fast sender is not slowed by copies nobody may ask for.
    pub requests: Vec<(ReceivedRequest, Option<RequestBody>)>,
    /// Stored events, kept as sent and completed when read (see [`Stored`]).
    pub events: Vec<Stored>,
    pub store: Option<File>,
}

/// Opens (creating if needed) the NDJSON store file for appending.
pub(crate) fn open_store(path: &Path) -> io::Result<File> {
    File::options().create(true).append(true).open(path)
}

/// A request's decompressed body and route, kept to read its events back later.
#[derive(Debug, Clone)]
pub(crate) struct RequestBody {
    pub route: Route,
    pub bytes: Arc<Vec<u8>>,
}

impl Records {
    /// Records an answered request.
    pub(crate) fn answered(&mut self, request: ReceivedRequest, body: Option<RequestBody>) {
        self.requests.push((request, body));
    }

    /// The answered requests with their events, as sent.
    pub(crate) fn read_requests(&self) -> Vec<ReceivedRequest> {
        self.requests
            .iter()
            .map(|(request, body)| {
                let mut request = request.clone();
                if let Some(body) = body {
                    if let Ok(value) = serde_json::from_slice::<Value>(&body.bytes) {
                        request.events = events_of(value, body.route);
                    }
                }
                request
            })
            .collect()
    }

    /// Writes the events to the store file (if any) in one write, then keeps them in memory.
    /// On a write error nothing is kept and the error is returned.
    pub(crate) fn store(&mut self, events: Vec<Stored>) -> io::Result<()> {
        if let Some(file) = self.store.as_mut() {
            let mut lines = Vec::new();
            for event in &events {
                serde_json::to_writer(&mut lines, &event.to_value())?;
                lines.push(b'\n');
            }
            file.write_all(&lines)?;
            file.flush()?;
        }
        self.events.extend(events);
        Ok(())
    }

    /// Every stored event, completed.
    pub(crate) fn read_events(&self) -> Vec<Value> {
        self.events.iter().map(Stored::to_value).collect()
    }

    /// Forgets requests and events (the store file keeps its lines).
    pub(crate) fn clear(&mut self) {
        self.requests.clear();
        self.events.clear();
    }
}
