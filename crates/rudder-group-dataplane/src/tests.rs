//! Tests that look inside a running data plane: what it keeps of a request and which bodies it
//! reads.

use base64::Engine as _;
use std::io::Write as _;
use std::sync::atomic::Ordering;

use crate::shared::lock;
use crate::{Config, DataPlane};

fn auth(key: &str) -> String {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    format!("Basic {credentials}")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// POSTs a body to a path with a write key (none when empty): (status, answer text).
fn post(dp: &DataPlane, path: &str, key: &str, gzipped: bool, body: &[u8]) -> (u16, String) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut request = agent.post(format!("{}{path}", dp.url()));
    if !key.is_empty() {
        request = request.header("authorization", auth(key));
    }
    if gzipped {
        request = request.header("content-encoding", "gzip");
    }
    let mut response = request.send(body).expect("an answer");
    let text = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), text)
}

fn kept_body_bytes(dp: &DataPlane) -> usize {
    lock(&dp.shared.records).kept_body_bytes()
}

fn bodies_read(dp: &DataPlane) -> usize {
    dp.shared.bodies_read.load(Ordering::SeqCst)
}

/// A valid batch of one event carrying about `size` bytes of traits.
fn batch(size: usize) -> Vec<u8> {
    let filler = "x".repeat(size);
    format!(r#"{{"batch":[{{"userId":"u","traits":{{"filler":"{filler}"}}}}]}}"#).into_bytes()
}

#[test]
fn refused_requests_keep_no_body() {
    let dp = DataPlane::start(Config {
        disabled_write_keys: vec!["off".into()],
        ..Config::default()
    })
    .unwrap();
    let big = batch(1_000_000);
    let no_identity = br#"{"batch":[{"anonymousId":" "}]}"#.repeat(20_000);
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(post(&dp, "/v1/batch", "wrong", true, &gzip(&big)).0);
        answers.push(post(&dp, "/v1/batch", "off", false, &big).0);
        answers.push(post(&dp, "/v1/track", "test-write-key", false, &big).0);
    }
    let wrapped = [
        &b"{\"batch\":["[..],
        &no_identity[1..no_identity.len() - 1],
        b"]}",
    ]
    .concat();
    answers.push(post(&dp, "/v1/batch", "test-write-key", false, &wrapped).0);
    answers.push(post(&dp, "/v1/batch", "test-write-key", false, b"{not json").0);
    answers.sort_unstable();
    answers.dedup();
    assert_eq!(answers, [400, 401, 404]);
    assert_eq!(dp.requests().len(), 32, "refused requests are recorded");
    assert_eq!(kept_body_bytes(&dp), 0, "but none keeps its body");

    // An accepted request keeps its body, so the count above is a real one.
    assert_eq!(
        post(&dp, "/v1/batch", "test-write-key", true, &gzip(&big)).0,
        200
    );
    assert_eq!(kept_body_bytes(&dp), big.len());
}

#[test]
fn the_write_key_is_checked_before_the_body_is_read() {
    let dp = DataPlane::start(Config::default()).unwrap();
    // A gzip header followed by 8 MB that is neither deflate nor JSON: reading it would be a
    // 500 (bad gzip) or a 413, never a 401.
    let mut garbage = gzip(b"{}")[..10].to_vec();
    garbage.extend(vec![0xffu8; 8 << 20]);
    let wrong_key = post(&dp, "/v1/batch", "wrong", true, &garbage);
    assert_eq!(wrong_key, (401, "invalid write key\n".to_string()));
    let no_key = post(&dp, "/v1/batch", "", true, &garbage);
    assert_eq!(
        no_key,
        (401, "failed to read writekey from header\n".to_string())
    );
    let plain = post(&dp, "/v1/group", "wrong", false, b"\x00not json at all");
    assert_eq!(plain.0, 401);
    assert_eq!(bodies_read(&dp), 0, "no body of a refused key was read");

    // Step 1 still looks at the gzip header first, as the gateway does.
    let not_gzip = post(&dp, "/v1/batch", "wrong", true, b"{\"batch\":[]}");
    assert_eq!(
        not_gzip,
        (500, "failed to read body from request\n".to_string())
    );
    // With the right key the same garbage is read, and found wanting.
    let right_key = post(&dp, "/v1/batch", "test-write-key", true, &garbage);
    assert_eq!(right_key.0, 500);
    assert_eq!(bodies_read(&dp), 1);
}
