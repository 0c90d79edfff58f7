//! The admin HTTP API under `/_rudder_group/` (a path no real data plane uses): JSON in and out,
//! never recorded, never faulted; open on a loopback address, behind a token
//! (`Authorization: Bearer`, [`Config::admin_token`](crate::Config::admin_token)) on any other,
//! where a request without it is answered 401. It lets tests in any language read back what was
//! received and inject faults.
//!
//! | request | answer |
//! |---|---|
//! | `GET /_rudder_group/requests` | `[{"method","path","headers":{lowercased name: value},"status","body","events","received_at"}, ...]` |
//! | `GET /_rudder_group/events` | `[event, ...]`: the stored events, as stored |
//! | `GET /_rudder_group/stats` | `{"requests":N,"events":N}` |
//! | `POST /_rudder_group/faults` | body: one fault or an array of faults (see [`Fault::from_json`]); `{"ok":true}` |
//! | `DELETE /_rudder_group/faults` | clears faults, ends an outage; `{"ok":true}` |
//! | `POST /_rudder_group/reset` | forgets requests, events, faults; `{"ok":true}` |
//!
//! Errors are `{"error":"..."}` with 400 (bad fault), 404 (unknown path) or 405 (wrong method).
//!
//! The admin API is served on the data plane's own port, during an outage too (only data
//! requests go unanswered then), so a test can read back and end an outage early. Events are
//! written out as the JSON text they are stored as, so an event reads back exactly at any depth.

use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::answer::{answer, Answer};
use crate::faults::Fault;
use crate::shared::{lock, Shared};

/// The largest admin request body read.
const MAX_ADMIN_BODY: usize = 1024 * 1024;

fn json_answer(status: u16, value: &Value) -> Answer {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    answer(status, "application/json", body)
}

fn error(status: u16, message: impl Into<String>) -> Answer {
    json_answer(status, &json!({ "error": message.into() }))
}

fn ok() -> Answer {
    json_answer(200, &json!({ "ok": true }))
}

/// Whether the request carries the admin token, when one is required.
fn allowed(shared: &Shared, request: &Request<Incoming>) -> bool {
    let Some(token) = shared.admin_token.as_deref() else {
        return true;
    };
    let given = request
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Compared in full whatever differs first, so the answer's timing tells nothing.
    given.is_some_and(|given| {
        given.len() == token.len()
            && given
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// Handles one admin request.
pub(crate) async fn handle(shared: &Arc<Shared>, request: Request<Incoming>) -> Answer {
    if !allowed(shared, &request) {
        return error(
            401,
            "the admin API needs its token: Authorization: Bearer <token> (printed by `rudder-group serve` at start)",
        );
    }
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    match (method, path.as_str()) {
        (Method::GET, "/_rudder_group/requests") => {
            let requests = lock(&shared.records).requests_json();
            answer(200, "application/json", requests)
        }
        (Method::GET, "/_rudder_group/events") => {
            let events = lock(&shared.records).events_json();
            answer(200, "application/json", events)
        }
        (Method::GET, "/_rudder_group/stats") => {
            let records = lock(&shared.records);
            let stats =
                json!({ "requests": records.requests.len(), "events": records.events.len() });
            drop(records);
            json_answer(200, &stats)
        }
        (Method::POST, "/_rudder_group/faults") => {
            let faults = match read_faults(request.into_body()).await {
                Ok(faults) => faults,
                Err(message) => return error(400, message),
            };
            faults.into_iter().for_each(|f| shared.inject(f));
            ok()
        }
        (Method::DELETE, "/_rudder_group/faults") => {
            shared.clear_faults();
            ok()
        }
        (Method::POST, "/_rudder_group/reset") => {
            shared.reset();
            ok()
        }
        (
            _,
            "/_rudder_group/requests"
            | "/_rudder_group/events"
            | "/_rudder_group/stats"
            | "/_rudder_group/faults"
            | "/_rudder_group/reset",
        ) => error(405, "method not allowed"),
        _ => error(404, format!("no admin route {path}")),
    }
}

/// Reads one fault or an array of faults; all must be valid before any is injected.
async fn read_faults(body: Incoming) -> Result<Vec<Fault>, String> {
    let bytes = Limited::new(body, MAX_ADMIN_BODY)
        .collect()
        .await
        .map_err(|e| format!("reading the body failed: {e}"))?
        .to_bytes();
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the body is not JSON: {e}"))?;
    match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| Fault::from_json(item).map_err(|e| format!("fault {i}: {e}")))
            .collect(),
        single => Fault::from_json(single).map(|f| vec![f]),
    }
}
