//! A data request from arrival to answer: faults, body, checks, load, rate limit, storing.

use chrono::Utc;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_ENCODING, RETRY_AFTER};
use hyper::{Method, Request};
use std::sync::Arc;
use std::time::Duration;

use crate::checks::{check, message_for, msg, read_body, BodyRead, Rejection, Route};
use crate::enrich::format_time;
use crate::faults::Action;
use crate::incoming::{self, Parsed, Stored};
use crate::server::{answer, Answer, Dropped};
use crate::shared::{lock, InFlight, Shared};
use crate::store::{ReceivedRequest, RequestBody};

const TEXT: &str = "text/plain; charset=utf-8";

/// Handles a request to any path but `/health` and `/_rudder_group/...`.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Answer, Dropped> {
    // A request that reaches an open connection during an outage gets no answer either.
    if shared.in_outage() {
        return Err(Dropped);
    }
    // The fault is chosen before the request counts as in flight, so a caller that sees it in
    // flight knows it has taken its fault.
    let action = lock(&shared.faults).next_action();
    let _in_flight = InFlight::enter(&shared.in_flight);
    if let Some(Action::Latency(millis)) = action {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    let (parts, body) = request.into_parts();
    let route = match (&parts.method, parts.uri.path()) {
        (&Method::POST, "/v1/batch") => Some(Route::Batch),
        (&Method::POST, "/v1/group") => Some(Route::Group),
        _ => None,
    };
    let gzip = parts
        .headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip");
    let body = read_body(body, gzip).await.map_err(|_| Dropped)?;
    if action == Some(Action::Drop) {
        return Err(Dropped);
    }
    let received_at = Utc::now();
    let parsed: Option<Parsed> = match (&body, route) {
        (BodyRead::Complete(bytes), Some(route)) if !bytes.is_empty() => {
            incoming::parse(bytes, route)
        }
        _ => None,
    };
    let raw = match (&body, route, &parsed) {
        (BodyRead::Complete(bytes), Some(route), Some(_)) => Some(RequestBody {
            route,
            bytes: Arc::new(bytes.clone()),
        }),
        _ => None,
    };
    let batch_sent_at = parsed.as_ref().and_then(|p| p.sent_at.clone());
    let mut record = ReceivedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_string(), value)
            })
            .collect(),
        status: 0,
        body_text: String::new(),
        // Read back from `raw` only when asked for (see `Records::read_requests`).
        events: Vec::new(),
        received_at: format_time(received_at),
    };

    if let Some(Action::Status {
        status,
        retry_after,
    }) = action
    {
        // A 1xx is no final answer; such a fault is answered 500.
        let status = if (200..=999).contains(&status) {
            status
        } else {
            500
        };
        let mut response = reply(shared, record, raw, status, message_for(status));
        if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let Some(route) = route else {
        return Ok(reply(shared, record, raw, 404, msg::NOT_FOUND));
    };

    let checked = check(&shared.keys, &parts.headers, &body, parsed).and_then(|events| {
        if shared.in_flight() > shared.max_in_flight {
            return Err(Rejection {
                status: 503,
                message: msg::UNAVAILABLE,
            });
        }
        match shared.rate_limit {
            Some(limit) if !lock(&shared.rate).allow(limit) => Err(Rejection {
                status: 429,
                message: msg::RATE_LIMITED,
            }),
            _ => Ok(events),
        }
    });
    let items = match checked {
        Ok(items) => items,
        Err(rejection) => {
            return Ok(reply(
                shared,
                record,
                raw,
                rejection.status,
                rejection.message,
            ))
        }
    };
    let events: Vec<Stored> = items
        .into_iter()
        .map(|item| Stored::new(item, received_at, batch_sent_at.as_ref(), route))
        .collect();
    let mut records = lock(&shared.records);
    let (status, message) = match records.store(events) {
        Ok(()) => (200, msg::OK),
        Err(e) => {
            log::error!("rudder-group-dataplane: writing the store file failed: {e}");
            (500, msg::STORE_FAILED)
        }
    };
    record.status = status;
    record.body_text = format!("{message}\n");
    records.answered(record, raw);
    drop(records);
    shared.events_cv.notify_all();
    Ok(answer(status, TEXT, format!("{message}\n")))
}

/// Records a request answered without storing anything, and builds its plain-text answer.
fn reply(
    shared: &Shared,
    mut record: ReceivedRequest,
    raw: Option<RequestBody>,
    status: u16,
    message: &str,
) -> Answer {
    let text = format!("{message}\n");
    record.status = status;
    record.body_text = text.clone();
    lock(&shared.records).answered(record, raw);
    answer(status, TEXT, text)
}
