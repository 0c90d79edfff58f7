//! Helpers shared by the integration tests: real HTTP over loopback with ureq.
#![allow(dead_code, unused_imports)]

use base64::Engine as _;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

pub use rudder_group_dataplane::{Config, DataPlane, Fault, FaultCount, MAX_REQUEST_BYTES};

/// An answer as a test sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    pub retry_after: Option<String>,
}

/// An agent that returns 4xx/5xx answers instead of errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    )
}

fn reply(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Reply, ureq::Error> {
    let mut response = result?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let content_type = header("content-type").unwrap_or_default();
    let retry_after = header("retry-after");
    Ok(Reply {
        status: response.status().as_u16(),
        content_type,
        retry_after,
        body: response.body_mut().read_to_string()?,
    })
}

/// The Authorization header for a write key (Basic, empty password).
pub fn auth(key: &str) -> String {
    basic(&format!("{key}:"))
}

/// `Basic base64(credentials)`.
pub fn basic(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

/// POSTs raw bytes with the given headers; Err when no answer came.
pub fn try_post(
    url: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Reply, ureq::Error> {
    let mut request = agent().post(format!("{url}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send(body))
}

/// POSTs raw bytes with the given headers.
pub fn post(url: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    try_post(url, path, headers, body).expect("an answer")
}

/// POSTs a JSON body to /v1/batch with the default write key.
pub fn post_batch(url: &str, body: &Value) -> Reply {
    let key = auth("test-write-key");
    post(
        url,
        "/v1/batch",
        &[
            ("authorization", &key),
            ("content-type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

/// One valid batch body of one event.
pub fn one_event() -> Value {
    serde_json::json!({"batch":[{"type":"group","userId":"u1","groupId":"g1","traits":{}}]})
}

/// GETs a path; Err when no answer came.
pub fn try_get(url: &str, path: &str) -> Result<Reply, ureq::Error> {
    reply(agent().get(format!("{url}{path}")).call())
}

/// GETs a path.
pub fn get(url: &str, path: &str) -> Reply {
    try_get(url, path).expect("an answer")
}

/// POSTs JSON to an admin path: (status, JSON answer).
pub fn post_admin(url: &str, path: &str, body: &Value) -> (u16, Value) {
    let reply = post(
        url,
        path,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    );
    (reply.status, serde_json::from_str(&reply.body).unwrap())
}

/// DELETEs a path.
pub fn delete(url: &str, path: &str) -> Reply {
    reply(agent().delete(format!("{url}{path}")).call()).expect("an answer")
}

/// GETs a path and parses the JSON answer.
pub fn get_json(url: &str, path: &str) -> Value {
    let reply = get(url, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

/// Gzips bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Sends one HTTP/1.1 request on an open connection and reads its answer: (status, body).
pub fn raw_exchange(stream: &mut TcpStream, request: &str) -> (u16, String) {
    stream.write_all(request.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    assert!(reader.buffer().is_empty(), "nothing beyond the answer");
    (status, String::from_utf8(body).unwrap())
}
