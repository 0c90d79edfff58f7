//! The gateway's routes, checks and answers, over real HTTP on loopback.

mod common;

use common::*;
use serde_json::json;

const KEY: &str = "test-write-key";

fn start() -> DataPlane {
    DataPlane::start(Config {
        write_keys: vec![KEY.into(), "second-key".into()],
        disabled_write_keys: vec!["off-key".into()],
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn by_default_it_listens_on_loopback_only() {
    let config = Config::default();
    assert_eq!(config.addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    let dp = DataPlane::start(config).unwrap();
    assert_eq!(dp.addr().ip(), std::net::Ipv4Addr::LOCALHOST);
    assert!(dp.url().starts_with("http://127.0.0.1:"));
}

#[test]
fn health_url_and_unknown_routes() {
    let dp = start();
    assert_eq!(dp.url(), format!("http://127.0.0.1:{}", dp.addr().port()));
    assert_ne!(dp.addr().port(), 0);
    assert_eq!(get(&dp.url(), "/health").status, 200);
    let not_found = get(&dp.url(), "/v1/batch");
    assert_eq!(
        (not_found.status, not_found.body.as_str()),
        (404, "404 page not found\n")
    );
    let key = auth(KEY);
    let track = post(&dp.url(), "/v1/track", &[("authorization", &key)], b"{}");
    assert_eq!(track.status, 404);
    let paths: Vec<String> = dp.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v1/batch", "/v1/track"], "/health is not recorded");
}

/// name, request headers, request body, expected status, expected text.
type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<u8>, u16, &'a str);

#[test]
fn every_check_has_its_status_and_text() {
    let dp = start();
    let key = auth(KEY);
    let ok = one_event().to_string();
    let h = |auth: &str| vec![("authorization", auth.to_string())];
    let cases: Vec<Case> = vec![
        (
            "bad gzip",
            vec![
                ("authorization", key.clone()),
                ("content-encoding", "gzip".into()),
            ],
            b"{\"batch\":[]}".to_vec(),
            500,
            "failed to read body from request",
        ),
        (
            "no auth",
            vec![],
            ok.clone().into_bytes(),
            401,
            "failed to read writekey from header",
        ),
        (
            "empty username",
            h(&basic(":pw")),
            ok.clone().into_bytes(),
            401,
            "failed to read writekey from header",
        ),
        (
            "not basic",
            h("Bearer test-write-key"),
            ok.clone().into_bytes(),
            401,
            "failed to read writekey from header",
        ),
        (
            "unknown key",
            h(&auth("nope")),
            ok.clone().into_bytes(),
            401,
            "invalid write key",
        ),
        (
            "disabled",
            h(&auth("off-key")),
            ok.clone().into_bytes(),
            404,
            "source is disabled",
        ),
        (
            "empty body",
            h(&key),
            Vec::new(),
            400,
            "request body is nil",
        ),
        (
            "not json",
            h(&key),
            b"{\"batch\":[".to_vec(),
            400,
            "invalid json",
        ),
        (
            "not an object",
            h(&key),
            b"{\"batch\":[\"e\"]}".to_vec(),
            400,
            "event is not a valid rudder event",
        ),
        (
            "no identity",
            h(&key),
            br#"{"batch":[{"groupId":"g"}]}"#.to_vec(),
            400,
            "request neither has anonymousId nor userId",
        ),
        (
            "blank ids",
            h(&key),
            br#"{"batch":[{"userId":" \t","anonymousId":""}]}"#.to_vec(),
            400,
            "request neither has anonymousId nor userId",
        ),
        (
            "empty batch",
            h(&key),
            br#"{"batch":[]}"#.to_vec(),
            400,
            "empty batch payload",
        ),
        (
            "no batch key",
            h(&key),
            b"{}".to_vec(),
            400,
            "empty batch payload",
        ),
        ("ok", h(&key), ok.clone().into_bytes(), 200, "ok"),
        (
            "password ignored",
            h(&basic("second-key:secret")),
            ok.into_bytes(),
            200,
            "ok",
        ),
    ];
    for (name, headers, body, status, text) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let reply = post(&dp.url(), "/v1/batch", &headers, &body);
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (status, format!("{text}\n").as_str()),
            "{name}"
        );
        assert!(
            reply.content_type.starts_with("text/plain"),
            "{name}: {}",
            reply.content_type
        );
    }
    assert_eq!(dp.event_count(), 2);
}

#[test]
fn checks_run_in_order() {
    let dp = start();
    let url = dp.url();
    let status =
        |headers: &[(&str, &str)], body: &[u8]| post(&url, "/v1/batch", headers, body).status;
    let (bad, off, good) = (auth("nope"), auth("off-key"), auth(KEY));
    // gzip before auth, auth before body, body before JSON, JSON before events.
    assert_eq!(status(&[("content-encoding", "gzip")], b"junk"), 500);
    assert_eq!(status(&[("authorization", &bad)], b""), 401);
    assert_eq!(status(&[("authorization", &off)], b"not json"), 404);
    assert_eq!(status(&[("authorization", &good)], b"not json"), 400);
    // Each event in turn: the first failing one decides.
    let text = |headers: &[(&str, &str)], body: &str| {
        post(&url, "/v1/batch", headers, body.as_bytes()).body
    };
    assert_eq!(
        text(&[("authorization", &good)], r#"{"batch":[{"x":1},5]}"#),
        "request neither has anonymousId nor userId\n"
    );
    assert_eq!(
        text(&[("authorization", &good)], r#"{"batch":[5,{"x":1}]}"#),
        "event is not a valid rudder event\n"
    );
    // Size after auth: a huge body with a bad key is still a 401.
    let huge = vec![b' '; MAX_REQUEST_BYTES + 10];
    assert_eq!(status(&[("authorization", &bad)], &huge), 401);
    assert_eq!(status(&[("authorization", &good)], &huge), 413);
    assert_eq!(dp.event_count(), 0);
}

#[test]
fn one_bad_event_rejects_the_whole_request() {
    let dp = start();
    let reply = post_batch(
        &dp.url(),
        &json!({"batch":[{"userId":"u1"},{"groupId":"g"}]}),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(dp.event_count(), 0);
    let request = &dp.requests()[0];
    assert_eq!(request.status, 400);
    assert_eq!(
        request.body_text,
        "request neither has anonymousId nor userId\n"
    );
    assert!(request.events.is_empty(), "a refused request keeps no body");
}

#[test]
fn numeric_ids_are_stringified_before_trimming() {
    let dp = start();
    assert_eq!(
        post_batch(&dp.url(), &json!({"batch":[{"userId":0}]})).status,
        200
    );
    let big = r#"{"batch":[{"anonymousId":123456789012345678901234567890}]}"#;
    let key = auth(KEY);
    assert_eq!(
        post(
            &dp.url(),
            "/v1/batch",
            &[("authorization", &key)],
            big.as_bytes()
        )
        .status,
        200
    );
    assert_eq!(
        dp.events()[1]["anonymousId"].to_string(),
        "123456789012345678901234567890"
    );
}

#[test]
fn gzip_is_used_only_for_exactly_gzip() {
    let dp = start();
    let key = auth(KEY);
    let body = one_event().to_string();
    let zipped = gzip(body.as_bytes());
    let send = |encoding: &str, bytes: &[u8]| {
        post(
            &dp.url(),
            "/v1/batch",
            &[("authorization", &key), ("content-encoding", encoding)],
            bytes,
        )
        .status
    };
    assert_eq!(send("gzip", &zipped), 200);
    assert_eq!(send("identity", body.as_bytes()), 200);
    assert_eq!(
        send("GZIP", &zipped),
        400,
        "not exactly gzip: read as plain, not JSON"
    );
    let mut truncated = zipped.clone();
    truncated.truncate(zipped.len() / 2);
    assert_eq!(send("gzip", &truncated), 500);
    assert_eq!(send("gzip", b""), 500);
    let first = &dp.requests()[0];
    assert_eq!(first.header("content-encoding"), Some("gzip"));
    assert_eq!(
        first.events,
        one_event()["batch"].as_array().unwrap().clone()
    );
    assert_eq!(dp.event_count(), 2);
}

#[test]
fn group_route_overwrites_type_and_wraps_one_event() {
    let dp = start();
    let key = auth(KEY);
    let event = json!({"type":"identify","userId":"u","groupId":"g","traits":{"name":"Acme"}});
    let reply = post(
        &dp.url(),
        "/v1/group",
        &[("authorization", &key)],
        event.to_string().as_bytes(),
    );
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
    let stored = &dp.events()[0];
    assert_eq!(stored["type"], "group");
    assert_eq!(
        stored.as_object().unwrap().keys().next().unwrap(),
        "type",
        "kept in place"
    );
    assert_eq!(stored["traits"], json!({"name":"Acme"}));
    assert_eq!(
        dp.requests()[0].events,
        vec![event],
        "the request keeps what was sent"
    );
    let array = post(&dp.url(), "/v1/group", &[("authorization", &key)], b"[1]");
    assert_eq!(array.body, "event is not a valid rudder event\n");
    let untyped = post(
        &dp.url(),
        "/v1/group",
        &[("authorization", &key)],
        br#"{"anonymousId":"a"}"#,
    );
    assert_eq!(untyped.status, 200);
    assert_eq!(dp.events()[1]["type"], "group");
}

/// A valid batch body of exactly `len` bytes.
fn body_of_len(len: usize) -> Vec<u8> {
    let (head, tail) = (
        r#"{"batch":[{"userId":"u","type":"track","properties":{"pad":""#,
        r#""}}]}"#,
    );
    let mut body = head.as_bytes().to_vec();
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail.as_bytes());
    assert_eq!(body.len(), len);
    body
}

#[test]
fn size_limit_is_4096000_bytes_after_gunzip() {
    let dp = start();
    let key = auth(KEY);
    let at = body_of_len(MAX_REQUEST_BYTES);
    let over = body_of_len(MAX_REQUEST_BYTES + 1);
    let plain = |body: &[u8]| post(&dp.url(), "/v1/batch", &[("authorization", &key)], body);
    let zipped = |body: &[u8]| {
        post(
            &dp.url(),
            "/v1/batch",
            &[("authorization", &key), ("content-encoding", "gzip")],
            &gzip(body),
        )
    };
    assert_eq!(plain(&at).status, 200);
    let too_large = plain(&over);
    assert_eq!(
        (too_large.status, too_large.body.as_str()),
        (413, "request size exceeds max limit\n")
    );
    let small_gzip = gzip(&over);
    assert!(small_gzip.len() < 100_000);
    assert_eq!(zipped(&at).status, 200);
    assert_eq!(zipped(&over).status, 413, "measured after gunzip");
    assert_eq!(dp.event_count(), 2);
    assert!(
        dp.requests()[1].events.is_empty(),
        "an oversized body is not parsed"
    );
}

/// `latency` holds every data request that long before its answer, as a far data plane would;
/// admin and health requests are not held. (A lower bound only: it is what the setting promises.)
#[test]
fn a_configured_latency_holds_every_data_request() {
    let plane = DataPlane::start(Config {
        latency: std::time::Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    for _ in 0..2 {
        let started = std::time::Instant::now();
        let reply = post_batch(&plane.url(), &one_event());
        assert_eq!(reply.status, 200);
        assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    }
    assert_eq!(plane.events().len(), 2);
}
