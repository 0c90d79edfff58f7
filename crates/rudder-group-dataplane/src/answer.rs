//! What every route answers with: a response with a full body, or [`Dropped`] to close the
//! connection without answering.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};

/// The answer type of every route.
pub(crate) type Answer = Response<Full<Bytes>>;

/// The content type of the gateway's answers.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// The service's error: close the connection without answering.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the data plane")
    }
}

impl std::error::Error for Dropped {}

/// Builds an answer with a body and a content type.
pub(crate) fn answer(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
