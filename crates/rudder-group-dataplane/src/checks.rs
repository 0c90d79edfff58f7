//! The gateway's checks on a data request, one small function per check, with its answers.
//! [`crate::gateway`] calls them in the gateway's order.

use base64::Engine as _;
use hyper::header::{HeaderMap, AUTHORIZATION};
use hyper::Method;
use std::collections::HashSet;

use crate::body::BodyRead;
use crate::incoming::{self, Item, Parsed, Route};

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

/// The write keys a data plane knows.
#[derive(Debug)]
pub(crate) struct Keys {
    pub enabled: HashSet<String>,
    pub disabled: HashSet<String>,
}

/// The route of a data request; anything but the two data routes is `404 page not found`.
pub(crate) fn route(method: &Method, path: &str) -> Result<Route, Rejection> {
    match (method, path) {
        (&Method::POST, "/v1/batch") => Ok(Route::Batch),
        (&Method::POST, "/v1/group") => Ok(Route::Group),
        _ => Err(reject(404, msg::NOT_FOUND)),
    }
}

/// Step 1: with `Content-Encoding: gzip`, the body must start as gzip.
pub(crate) fn gzip_header(ok: bool) -> Result<(), Rejection> {
    ok.then_some(()).ok_or(reject(500, msg::BAD_GZIP))
}

/// The write key must be given, known, and its source enabled.
pub(crate) fn write_key_allowed(keys: &Keys, headers: &HeaderMap) -> Result<(), Rejection> {
    let key = write_key(headers).ok_or(reject(401, msg::NO_WRITE_KEY))?;
    if keys.disabled.contains(&key) {
        return Err(reject(404, msg::SOURCE_DISABLED));
    }
    if !keys.enabled.contains(&key) {
        return Err(reject(401, msg::INVALID_WRITE_KEY));
    }
    Ok(())
}

/// The whole body must be valid gzip (when sent as gzip), within the size limit, not empty.
pub(crate) fn body(read: BodyRead) -> Result<Vec<u8>, Rejection> {
    match read {
        BodyRead::BadGzip => Err(reject(500, msg::BAD_GZIP)),
        BodyRead::TooLarge => Err(reject(413, msg::TOO_LARGE)),
        BodyRead::Complete(bytes) if bytes.is_empty() => Err(reject(400, msg::BODY_NIL)),
        BodyRead::Complete(bytes) => Ok(bytes),
    }
}

/// The body must be JSON.
pub(crate) fn json(bytes: &[u8], route: Route) -> Result<Parsed, Rejection> {
    incoming::parse(bytes, route).ok_or(reject(400, msg::INVALID_JSON))
}

/// Each event must be an object with a userId or an anonymousId (one bad event rejects the
/// whole request), and there must be at least one. `/v1/group`'s type is overwritten when the
/// event is stored (see `incoming::Stored`).
pub(crate) fn events(items: &[Item]) -> Result<(), Rejection> {
    for event in items {
        if !event.is_object() {
            return Err(reject(400, msg::NOT_RUDDER_EVENT));
        }
        let (user_id, anonymous_id) = event.ids();
        if anonymous_id.trim().is_empty() && user_id.trim().is_empty() {
            return Err(reject(400, msg::NO_IDENTITY));
        }
    }
    if items.is_empty() {
        return Err(reject(400, msg::EMPTY_BATCH));
    }
    Ok(())
}

/// No more than `max` requests may be in flight.
pub(crate) fn load(in_flight: usize, max: usize) -> Result<(), Rejection> {
    (in_flight <= max)
        .then_some(())
        .ok_or(reject(503, msg::UNAVAILABLE))
}

/// The rate limit, when there is one, must allow the request.
pub(crate) fn rate(allowed: bool) -> Result<(), Rejection> {
    allowed.then_some(()).ok_or(reject(429, msg::RATE_LIMITED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

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
            write_key_allowed(&keys, &headers)?;
            let bytes = body(BodyRead::Complete(serde_json::to_vec(&v).unwrap()))?;
            let parsed = json(&bytes, Route::Batch)?;
            events(&parsed.items).map(|()| parsed.items.len())
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
