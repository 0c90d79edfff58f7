//! What the data plane received: every answered request, every stored event, and the optional
//! NDJSON store file.

use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::incoming::{event_texts, Route, Stored};
use crate::json;

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
    /// added anything): the `batch` items for `/v1/batch`, the body for `/v1/group`. Filled for
    /// requests answered 200 and for those answered by an injected [`Fault::Status`](crate::Fault::Status)
    /// when the body parses. Empty for a request the gateway's checks
    /// refused (401, 404, 400, 413, 429, 503...): its body is never kept.
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
        let mut obj = Map::new();
        for (name, value) in self.members() {
            obj.insert(
                name.to_string(),
                value.unwrap_or_else(|| Value::Array(self.events.clone())),
            );
        }
        Value::Object(obj)
    }

    /// The members of [`Self::to_json`] in order; `None` stands for `events`.
    fn members(&self) -> [(&'static str, Option<Value>); 7] {
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
        [
            ("method", Some(Value::String(self.method.clone()))),
            ("path", Some(Value::String(self.path.clone()))),
            ("headers", Some(Value::Object(headers))),
            ("status", Some(Value::from(self.status))),
            ("body", Some(Value::String(self.body_text.clone()))),
            ("events", None),
            ("received_at", Some(Value::String(self.received_at.clone()))),
        ]
    }

    /// [`Self::to_json`] as text, with `events` given as their JSON texts (kept as they are,
    /// at any depth).
    fn to_json_text(&self, events: &[String]) -> String {
        let mut out = String::from("{");
        for (i, (name, value)) in self.members().into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("\"{name}\":"));
            match value {
                Some(value) => out.push_str(&value.to_string()),
                None => out.push_str(&json_array(events)),
            }
        }
        out.push('}');
        out
    }
}

/// JSON texts as the text of one JSON array.
pub(crate) fn json_array(items: &[String]) -> String {
    let mut out = String::with_capacity(2 + items.iter().map(|i| i.len() + 1).sum::<usize>());
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    out
}

/// The records of one data plane; guarded by one mutex so that requests, events and the store
/// file lines stay in the same order.
#[derive(Debug, Default)]
pub(crate) struct Records {
    /// Answered requests; their `events` are parsed from the kept body only when read back, so
    /// that a fast sender is not slowed by copies nobody may ask for. Only requests answered 200
    /// or by a status fault keep a body.
    pub requests: Vec<(ReceivedRequest, Option<RequestBody>)>,
    /// Stored events, kept as sent and completed when read (see [`Stored`]).
    pub events: Vec<Stored>,
    pub store: Option<File>,
}

/// Opens (creating if needed) the NDJSON store file for appending.
pub(crate) fn open_store(path: &Path) -> io::Result<File> {
    // Checked before opening: opening a FIFO for writing would wait for a reader forever, and
    // a device or a directory is no place for NDJSON either.
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the store {} is not a regular file", path.display()),
            ))
        }
        _ => {}
    }
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

    /// The events of a recorded request as sent, as JSON texts.
    fn request_events(body: &Option<RequestBody>) -> Vec<String> {
        body.as_ref()
            .map(|b| event_texts(&b.bytes, b.route))
            .unwrap_or_default()
    }

    /// The answered requests with their events, as sent.
    pub(crate) fn read_requests(&self) -> Vec<ReceivedRequest> {
        self.requests
            .iter()
            .map(|(request, body)| {
                let mut request = request.clone();
                request.events = Self::request_events(body)
                    .iter()
                    .filter_map(|text| json::to_value(text))
                    .collect();
                request
            })
            .collect()
    }

    /// The answered requests as the text of a JSON array (see [`ReceivedRequest::to_json`]).
    pub(crate) fn requests_json(&self) -> String {
        let requests: Vec<String> = self
            .requests
            .iter()
            .map(|(request, body)| request.to_json_text(&Self::request_events(body)))
            .collect();
        json_array(&requests)
    }

    /// Bytes of request bodies kept for reading back.
    #[cfg(test)]
    pub(crate) fn kept_body_bytes(&self) -> usize {
        self.requests
            .iter()
            .filter_map(|(_, body)| body.as_ref())
            .map(|b| b.bytes.len())
            .sum()
    }

    /// Writes the events to the store file (if any) in one write, then keeps them in memory.
    /// On a write error nothing is kept and the error is returned.
    pub(crate) fn store(&mut self, events: Vec<Stored>) -> io::Result<()> {
        if let Some(file) = self.store.as_mut() {
            let mut lines = String::new();
            for event in &events {
                lines.push_str(&event.to_text());
                lines.push('\n');
            }
            file.write_all(lines.as_bytes())?;
            file.flush()?;
        }
        self.events.extend(events);
        Ok(())
    }

    /// Every stored event, completed.
    pub(crate) fn read_events(&self) -> Vec<Value> {
        self.events.iter().map(Stored::to_value).collect()
    }

    /// Every stored event, completed, as the text of a JSON array.
    pub(crate) fn events_json(&self) -> String {
        let events: Vec<String> = self.events.iter().map(Stored::to_text).collect();
        json_array(&events)
    }

    /// Forgets requests and events (the store file keeps its lines).
    pub(crate) fn clear(&mut self) {
        self.requests.clear();
        self.events.clear();
    }
}
