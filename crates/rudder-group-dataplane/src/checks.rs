//! The gateway's checks on a data request, in the gateway's order, with its answers.
//!
//! Where the size check happens: the body is read (and gunzipped, when `Content-Encoding` is
//! exactly `gzip`) as it streams in, keeping at most [`MAX_REQUEST_BYTES`] + 1 decompressed
//! bytes. Once a body is known to be larger, the rest is drained without being kept (so that the
//! client, still writing, reads the answer instead of a reset) and the request is answered
//! `413` right after the write-key checks. The real gateway buffers the whole body and checks
//! the size after the per-event checks; a body over the limit cannot be parsed without buffering
//! it, so here the only difference is that an oversized body that would also fail the JSON or
//! per-event checks is answered 413 instead of 400. Corrupt gzip beyond the limit is likewise
//! not seen.

use base64::Engine as _;
use http_body_util::BodyExt as _;
use hyper::body::{Body, Buf as _};
use hyper::header::{HeaderMap, AUTHORIZATION};
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;

use crate::config::MAX_REQUEST_BYTES;
use crate::incoming::{Item, Parsed};

/// Answer texts of the gateway (the body is the text plus a newline).
pub(crate) mod msg {
    pub const BAD_GZIP: &str = "failed to read body from request";
    pub const NO_WRITE_KEY: &str = "failed to read writekey from header";
    pub const INVALID_WRITE_KEY: &str = "invalid write key";
    pub const SOURCE_DISABLED: &str = "source is disabled";
    pub const BODY_NIL: &str = "request body is nil";
    pub const INVALID_JSON: &str = "invalid json";
    pub const NOT_RUDDER_EVENT: &str = "event is not a valid rudder event";
    pub const NO_IDENTITY: &str = "request neither has anonymousId nor userId";
    pub const TOO_LARGE: &str = "request size exceeds max limit";
    pub const EMPTY_BATCH: &str = "empty batch payload";
    pub const UNAVAILABLE: &str = "Service Unavailable";
    pub const RATE_LIMITED: &str = "max requests limit reached";
    pub const OK: &str = "ok";
    pub const NOT_FOUND: &str = "404 page not found";
    pub const STORE_FAILED: &str = "failed to store events";
}

/// A rejected request: status and answer text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub status: u16,
    pub message: &'static str,
}

const fn reject(status: u16, message: &'static str) -> Rejection {
    Rejection { status, message }
}

/// The text the gateway answers with for a status (used for injected status faults too).
pub(crate) fn message_for(status: u16) -> &'static str {
    match status {
        200 => msg::OK,
        401 => msg::INVALID_WRITE_KEY,
        404 => msg::SOURCE_DISABLED,
        413 => msg::TOO_LARGE,
        429 => msg::RATE_LIMITED,
        503 => msg::UNAVAILABLE,
        _ => hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error"),
    }
}

/// A request body as read, decompressed and capped.
#[derive(Debug)]
pub(crate) enum BodyRead {
    /// The whole (decompressed) body, at most [`MAX_REQUEST_BYTES`].
    Complete(Vec<u8>),
    /// Larger than [`MAX_REQUEST_BYTES`] after decompression.
    TooLarge,
    /// `Content-Encoding: gzip` with a body that is not valid gzip.
    BadGzip,
}

/// A sink that keeps up to `MAX_REQUEST_BYTES` and fails once more is written.
struct Capped {
    kept: Vec<u8>,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.kept.len() + buf.len() > MAX_REQUEST_BYTES {
            self.over = true;
            return Err(std::io::Error::other("over the size limit"));
        }
        self.kept.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How much of an oversized body is drained (read and dropped) before answering anyway.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads a body, gunzipping it when `gzip`, keeping at most [`MAX_REQUEST_BYTES`] of it.
/// An `Err` means the client went away mid-body.
pub(crate) async fn read_body<B>(mut body: B, gzip: bool) -> Result<BodyRead, B::Error>
where
    B: Body + Unpin,
{
    let mut raw_seen = 0usize;
    let mut decoder = gzip.then(|| {
        flate2::write::MultiGzDecoder::new(Capped {
            kept: Vec::new(),
            over: false,
        })
    });
    let mut plain = Vec::new();
    let mut outcome = None;
    while let Some(frame) = body.frame().await {
        let Ok(mut data) = frame?.into_data() else {
            continue; // trailers
        };
        raw_seen += data.remaining();
        if outcome.is_some() {
            if raw_seen > DRAIN_LIMIT {
                break;
            }
            continue;
        }
        let chunk = data.copy_to_bytes(data.remaining());
        match decoder.as_mut() {
            Some(dec) => {
                // A valid gzip body of at most the limit is never much larger than the limit.
                if dec.write_all(&chunk).is_err() || raw_seen > 2 * MAX_REQUEST_BYTES {
                    outcome = Some(if dec.get_ref().over || raw_seen > 2 * MAX_REQUEST_BYTES {
                        BodyRead::TooLarge
                    } else {
                        BodyRead::BadGzip
                    });
                }
            }
            None => {
                if plain.len() + chunk.len() > MAX_REQUEST_BYTES {
                    outcome = Some(BodyRead::TooLarge);
                    plain = Vec::new();
                } else {
                    plain.extend_from_slice(&chunk);
                }
            }
        }
    }
    if let Some(outcome) = outcome {
        return Ok(outcome);
    }
    Ok(match decoder {
        None => BodyRead::Complete(plain),
        // An empty body is not a gzip stream either (Go's gzip.NewReader fails on it).
        Some(_) if raw_seen == 0 => BodyRead::BadGzip,
        Some(mut dec) => match dec.try_finish() {
            Ok(()) => match dec.finish() {
                Ok(capped) => BodyRead::Complete(capped.kept),
                Err(_) => BodyRead::BadGzip,
            },
            Err(_) if dec.get_ref().over => BodyRead::TooLarge,
            Err(_) => BodyRead::BadGzip,
        },
    })
}

/// The write key: the Basic-auth username (the password is ignored). `None` when the header is
/// missing, not Basic, not base64, has no colon, or the username is empty.
pub(crate) fn write_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("basic ") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, _password) = decoded.split_once(':')?;
    (!user.is_empty()).then(|| user.to_string())
}

/// Which data route a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /v1/batch`
    Batch,
    /// `POST /v1/group`: one event, its type overwritten, wrapped as a one-event batch.
    Group,
}

/// The events of a parsed body, as sent. For `/v1/batch` this is the `batch` value the way the
/// gateway's gjson reads it: missing or null is no events, an array is its items, anything else
/// is one item. For `/v1/group` it is the body itself.
pub(crate) fn events_of(body: Value, route: Route) -> Vec<Value> {
    match route {
        Route::Group => vec![body],
        Route::Batch => match body {
            Value::Object(mut obj) => match obj.remove("batch") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(other) => vec![other],
            },
            _ => Vec::new(),
        },
    }
}

/// The write keys a data plane knows.
#[derive(Debug)]
pub(crate) struct Keys {
    pub enabled: HashSet<String>,
    pub disabled: HashSet<String>,
}

/// Runs the checks that need nothing but the request: gzip, write key, body, JSON, each event,
/// size, empty batch. On success returns the events to store.
pub(crate) fn check(
    keys: &Keys,
    headers: &HeaderMap,
    body: &BodyRead,
    parsed: Option<Parsed>,
) -> Result<Vec<Item>, Rejection> {
    if matches!(body, BodyRead::BadGzip) {
        return Err(reject(500, msg::BAD_GZIP));
    }
    let key = write_key(headers).ok_or(reject(401, msg::NO_WRITE_KEY))?;
    if keys.disabled.contains(&key) {
        return Err(reject(404, msg::SOURCE_DISABLED));
    }
    if !keys.enabled.contains(&key) {
        return Err(reject(401, msg::INVALID_WRITE_KEY));
    }
    let bytes = match body {
        BodyRead::Complete(bytes) => bytes,
        _ => return Err(reject(413, msg::TOO_LARGE)),
    };
    if bytes.is_empty() {
        return Err(reject(400, msg::BODY_NIL));
    }
    let parsed = parsed.ok_or(reject(400, msg::INVALID_JSON))?;
    let events = parsed.items;
    for event in &events {
        if !event.is_object() {
            return Err(reject(400, msg::NOT_RUDDER_EVENT));
        }
        let (user_id, anonymous_id) = event.ids();
        if anonymous_id.trim().is_empty() && user_id.trim().is_empty() {
            return Err(reject(400, msg::NO_IDENTITY));
        }
    }
    if events.is_empty() {
        return Err(reject(400, msg::EMPTY_BATCH));
    }
    // `/v1/group`'s type is overwritten when the event is stored (see `incoming::Stored`).
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Bytes;
    use serde_json::json;

    fn read(bytes: Vec<u8>, gzip: bool) -> BodyRead {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(read_body(Full::new(Bytes::from(bytes)), gzip))
            .unwrap()
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn body_limits_and_gzip() {
        let at = vec![b' '; MAX_REQUEST_BYTES];
        let over = vec![b' '; MAX_REQUEST_BYTES + 1];
        assert!(
            matches!(read(at.clone(), false), BodyRead::Complete(b) if b.len() == MAX_REQUEST_BYTES)
        );
        assert!(matches!(read(over.clone(), false), BodyRead::TooLarge));
        assert!(
            matches!(read(gz(&at), true), BodyRead::Complete(b) if b.len() == MAX_REQUEST_BYTES)
        );
        assert!(matches!(read(gz(&over), true), BodyRead::TooLarge));
        assert!(matches!(
            read(b"not gzip".to_vec(), true),
            BodyRead::BadGzip
        ));
        assert!(matches!(read(Vec::new(), true), BodyRead::BadGzip));
        let mut truncated = gz(b"{\"batch\":[]}");
        truncated.truncate(truncated.len() - 4);
        assert!(matches!(read(truncated, true), BodyRead::BadGzip));
        let mut two = gz(b"ab");
        two.extend(gz(b"cd"));
        assert!(matches!(read(two, true), BodyRead::Complete(b) if b == b"abcd"));
    }

    #[test]
    fn basic_auth_username_is_the_key() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(AUTHORIZATION, v.parse().unwrap());
            write_key(&m)
        };
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(h(&format!("Basic {}", b64("key:pw"))), Some("key".into()));
        assert_eq!(h(&format!("basic {}", b64("key:"))), Some("key".into()));
        assert_eq!(h(&format!("Basic {}", b64(":pw"))), None);
        assert_eq!(h(&format!("Basic {}", b64("key"))), None);
        assert_eq!(h(&format!("Bearer {}", b64("key:"))), None);
        assert_eq!(h("Basic !!!"), None);
        assert_eq!(write_key(&HeaderMap::new()), None);
    }

    #[test]
    fn identity_uses_gjson_text() {
        let keys = Keys {
            enabled: ["k".to_string()].into(),
            disabled: HashSet::new(),
        };
        let mut headers = HeaderMap::new();
        let auth = base64::engine::general_purpose::STANDARD.encode("k:");
        headers.insert(AUTHORIZATION, format!("Basic {auth}").parse().unwrap());
        let run = |v: Value| {
            let bytes = serde_json::to_vec(&v).unwrap();
            let parsed = crate::incoming::parse(&bytes, Route::Batch);
            check(&keys, &headers, &BodyRead::Complete(bytes), parsed).map(|items| items.len())
        };
        assert!(run(json!({"batch":[{"userId":0}]})).is_ok());
        assert!(run(json!({"batch":[{"anonymousId":false}]})).is_ok());
        assert!(run(json!({"batch":{"userId":"u"}})).is_ok());
        let no_id = Err(reject(400, msg::NO_IDENTITY));
        assert_eq!(
            run(json!({"batch":[{"userId":" \t","anonymousId":null}]})),
            no_id
        );
        let empty = Err(reject(400, msg::EMPTY_BATCH));
        assert_eq!(run(json!({"batch":null})), empty);
        assert_eq!(run(json!([1, 2])), empty);
        assert_eq!(
            run(json!({"batch":7})),
            Err(reject(400, msg::NOT_RUDDER_EVENT))
        );
    }
}
