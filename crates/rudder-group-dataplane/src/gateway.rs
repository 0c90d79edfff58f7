//! A data request from arrival to answer: its fault, the gateway's checks in order, storing.
//!
//! The write key is checked before the body is read: a refused request never has its body
//! decompressed, parsed or kept; what is left of it is drained (read and dropped) so that the
//! client reads the answer.

use chrono::{DateTime, Utc};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, RETRY_AFTER};
use hyper::http::request::Parts;
use hyper::Request;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::answer::{answer, Answer, Dropped, TEXT};
use crate::body::{BodyRead, BodyStream};
use crate::checks::{self, message_for, msg, Rejection};
use crate::enrich::format_time;
use crate::faults::Action;
use crate::incoming::{self, Parsed, Route, Stored};
use crate::shared::{lock, InFlight, Shared};
use crate::store::{ReceivedRequest, RequestBody};

type Body = BodyStream<Incoming>;

/// Why a request was not admitted.
enum Stop {
    /// A check refused it.
    Refused(Rejection),
    /// The client went away mid-body: no answer, not recorded.
    Gone,
}

impl From<Rejection> for Stop {
    fn from(rejection: Rejection) -> Stop {
        Stop::Refused(rejection)
    }
}

fn gone<E>(_: E) -> Stop {
    Stop::Gone
}

/// A request that passed every check.
struct Admitted {
    route: Route,
    bytes: Vec<u8>,
    parsed: Parsed,
}

/// A request as it will be recorded, and when it arrived.
struct Arrival {
    record: ReceivedRequest,
    received_at: DateTime<Utc>,
}

/// Handles a request to any path but `/health` and `/_rudder_group/...`.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Answer, Dropped> {
    // The fault is chosen before the request counts as in flight, so a caller that sees it in
    // flight knows it has taken its fault.
    let fault = lock(&shared.faults).next_action();
    let _in_flight = InFlight::enter(&shared.in_flight);
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    if let Some(Action::Latency(millis)) = fault {
        tokio::time::sleep(Duration::from_millis(millis)).await;
    }
    let (parts, body) = request.into_parts();
    let mut body = BodyStream::paced(body, shared.body_pace);
    let arrival = arrive(shared, &parts);
    match fault {
        Some(Action::Drop) => return drop_after_reading(shared, &mut body).await,
        Some(Action::Status {
            status,
            retry_after,
        }) => return answer_fault(shared, &parts, arrival, &mut body, status, retry_after).await,
        Some(Action::Latency(_)) | None => {}
    }
    match admit(shared, &parts, &mut body).await {
        Ok(admitted) => Ok(store(shared, arrival, admitted)),
        Err(Stop::Refused(rejection)) => refuse(shared, arrival, &mut body, rejection).await,
        Err(Stop::Gone) => Err(Dropped),
    }
}

/// The gateway's checks, in its order; the body is read only once the write key passed.
async fn admit(shared: &Shared, parts: &Parts, body: &mut Body) -> Result<Admitted, Stop> {
    let route = checks::route(&parts.method, parts.uri.path())?;
    let gzip = is_gzip(&parts.headers);
    let reading = InFlight::enter(&shared.reading_bodies);
    if gzip {
        checks::gzip_header(body.gzip_header_ok().await.map_err(gone)?)?;
    }
    checks::write_key_allowed(&shared.keys, &parts.headers)?;
    shared.bodies_read.fetch_add(1, Ordering::SeqCst);
    let bytes = checks::body(body.read(gzip).await.map_err(gone)?)?;
    drop(reading);
    let parsed = checks::json(&bytes, route)?;
    checks::events(&parsed.items)?;
    checks::load(shared.handling(), shared.max_in_flight)?;
    checks::rate(within_rate(shared))?;
    Ok(Admitted {
        route,
        bytes,
        parsed,
    })
}

/// Whether `Content-Encoding` is exactly `gzip`.
fn is_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip")
}

/// Counts the request against the rate limit, if any.
fn within_rate(shared: &Shared) -> bool {
    match shared.rate_limit {
        Some(limit) => lock(&shared.rate).allow(limit),
        None => true,
    }
}

/// The record of a request, before its answer is known.
fn arrive(shared: &Shared, parts: &Parts) -> Arrival {
    let received_at = Utc::now();
    let record = ReceivedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if shared.redact_authorization && name == AUTHORIZATION {
                    "[redacted]".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_string(), value)
            })
            .collect(),
        status: 0,
        body_text: String::new(),
        // Read back from the kept body only when asked for (see `Records::read_requests`).
        events: Vec::new(),
        received_at: format_time(received_at),
    };
    Arrival {
        record,
        received_at,
    }
}

/// A drop fault: reads the request, then closes the connection without answering.
async fn drop_after_reading(shared: &Shared, body: &mut Body) -> Result<Answer, Dropped> {
    let _reading = InFlight::enter(&shared.reading_bodies);
    let _ = body.drain().await;
    Err(Dropped)
}

/// A status fault: answers with it instead of checking. The body is still read and, when it
/// parses, kept, so that a test sees what was sent to a failing data plane.
async fn answer_fault(
    shared: &Shared,
    parts: &Parts,
    arrival: Arrival,
    body: &mut Body,
    status: u16,
    retry_after: Option<String>,
) -> Result<Answer, Dropped> {
    shared.bodies_read.fetch_add(1, Ordering::SeqCst);
    let reading = InFlight::enter(&shared.reading_bodies);
    let read = body
        .read(is_gzip(&parts.headers))
        .await
        .map_err(|_| Dropped)?;
    body.drain().await.map_err(|_| Dropped)?;
    drop(reading);
    let kept = match (read, checks::route(&parts.method, parts.uri.path())) {
        (BodyRead::Complete(bytes), Ok(route)) if incoming::parse(&bytes, route).is_some() => {
            Some(RequestBody {
                route,
                bytes: Arc::new(bytes),
            })
        }
        _ => None,
    };
    // A 1xx is no final answer; such a fault is answered 500.
    let status = if (200..=999).contains(&status) {
        status
    } else {
        500
    };
    let mut response = reply(shared, arrival, kept, status, message_for(status));
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    Ok(response)
}

/// A refused request: drains its body unread, records it without the body, answers.
async fn refuse(
    shared: &Shared,
    arrival: Arrival,
    body: &mut Body,
    rejection: Rejection,
) -> Result<Answer, Dropped> {
    let reading = InFlight::enter(&shared.reading_bodies);
    body.drain().await.map_err(|_| Dropped)?;
    drop(reading);
    Ok(reply(
        shared,
        arrival,
        None,
        rejection.status,
        rejection.message,
    ))
}

/// Stores the events of an admitted request (file first, then memory), then answers 200.
fn store(shared: &Shared, arrival: Arrival, admitted: Admitted) -> Answer {
    let Admitted {
        route,
        bytes,
        parsed: Parsed { items, sent_at },
    } = admitted;
    let events: Vec<Stored> = items
        .into_iter()
        .map(|item| Stored::new(item, arrival.received_at, sent_at.as_deref(), route))
        .collect();
    let mut records = lock(&shared.records);
    let stored = records.store(events);
    let (status, message, kept) = match stored {
        Ok(()) => {
            let kept = RequestBody {
                route,
                bytes: Arc::new(bytes),
            };
            (200, msg::OK, Some(kept))
        }
        Err(e) => {
            log::error!("rudder-group-dataplane: writing the store file failed: {e}");
            (500, msg::STORE_FAILED, None)
        }
    };
    let response = record(&mut records, arrival, kept, status, message);
    drop(records);
    shared.events_cv.notify_all();
    response
}

/// Records a request answered without storing anything, and builds its plain-text answer.
fn reply(
    shared: &Shared,
    arrival: Arrival,
    kept: Option<RequestBody>,
    status: u16,
    message: &str,
) -> Answer {
    record(&mut lock(&shared.records), arrival, kept, status, message)
}

/// Records a request with its answer, and builds that plain-text answer.
fn record(
    records: &mut crate::store::Records,
    arrival: Arrival,
    kept: Option<RequestBody>,
    status: u16,
    message: &str,
) -> Answer {
    let text = format!("{message}\n");
    let mut request = arrival.record;
    request.status = status;
    request.body_text = text.clone();
    records.answered(request, kept);
    answer(status, TEXT, text)
}
