//! The settings table's own checks.

use super::*;

fn config(library: Library) -> Config {
    let mut c = Config::new("k", "http://127.0.0.1:9");
    c.event_options.library = library;
    c
}

#[test]
fn defaults_come_from_the_table_and_pass_their_own_checks() {
    let c = Config::new("k", "http://127.0.0.1:9");
    for s in SETTINGS {
        if !matches!(s.kind, Kind::Text { optional: false }) {
            assert_eq!(s.get(&c), s.default, "{}", s.rust);
        }
        s.check(Library::Rust, &s.get(&c)).unwrap();
    }
    assert_eq!(c.block_timeout, Duration::from_secs(1));
    c.validate().unwrap();
}

#[test]
fn names_are_unique_in_every_language() {
    for lib in [Library::Rust, Library::Python, Library::Node, Library::C] {
        let mut names: Vec<&str> = SETTINGS.iter().map(|s| s.name(lib)).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "{lib:?}");
    }
}

#[test]
fn a_value_sets_in_each_language_unit() {
    let mut c = config(Library::Python);
    c.set(Library::Python, "flush_interval", &Value::Float(2.5))
        .unwrap();
    assert_eq!(c.flush_interval, Duration::from_millis(2500));
    c.set(Library::Node, "flushInterval", &Value::Float(250.0))
        .unwrap();
    assert_eq!(c.flush_interval, Duration::from_millis(250));
    c.set(Library::Node, "retry.maxAttempts", &Value::Float(3.0))
        .unwrap();
    assert_eq!(c.retry.max_attempts, Some(3));
    c.set(Library::C, "block_timeout_ms", &Value::Int(70))
        .unwrap();
    assert_eq!(c.block_timeout, Duration::from_millis(70));
}

#[test]
fn the_same_bad_value_gives_the_same_message_in_every_language() {
    let cases = [
        (
            "flush_at",
            "flushAt",
            Value::Int(-1),
            "must be a whole number from 1 to 1000000, got -1",
        ),
        (
            "flush_at",
            "flushAt",
            Value::Int(0),
            "must be a whole number from 1 to 1000000, got 0",
        ),
        (
            "gzip_level",
            "gzipLevel",
            Value::Float(1.5),
            "must be a whole number from 0 to 9, got 1.5",
        ),
        (
            "overflow",
            "overflow",
            Value::Str("wait".into()),
            "must be \"drop\" or \"block\", got \"wait\"",
        ),
        (
            "gzip",
            "gzip",
            Value::Int(1),
            "must be true or false, got 1",
        ),
    ];
    for (py, js, value, message) in cases {
        for (lib, name) in [(Library::Python, py), (Library::Node, js)] {
            let err = config(lib).set(lib, name, &value).unwrap_err();
            match err {
                ClientError::InvalidConfig {
                    setting,
                    message: m,
                } => {
                    assert_eq!(setting, name);
                    assert_eq!(m, message);
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn absurd_durations_and_sizes_are_refused_not_wrapped() {
    let mut c = config(Library::Python);
    for v in [
        Value::Float(1e19),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NAN),
        Value::Float(-1.0),
    ] {
        for name in [
            "flush_interval",
            "block_timeout",
            "request_timeout",
            "shutdown_timeout",
            "retry_max_elapsed",
        ] {
            let err = c.set(Library::Python, name, &v).unwrap_err();
            assert!(err.to_string().contains("86400"), "{name} {v:?}: {err}");
        }
    }
    let err = c
        .set(
            Library::Python,
            "max_event_bytes",
            &Value::Int(usize::MAX as i128),
        )
        .unwrap_err();
    assert!(err.to_string().contains("max_event_bytes"), "{err}");
    // Set directly in Rust, the same ranges hold at validation.
    let mut c = Config::new("k", "http://127.0.0.1:9");
    c.event_options.max_event_bytes = usize::MAX;
    assert!(c
        .validate()
        .unwrap_err()
        .to_string()
        .contains("max_event_bytes"));
    let mut c = Config::new("k", "http://127.0.0.1:9");
    c.request_timeout = Duration::MAX;
    assert!(c
        .validate()
        .unwrap_err()
        .to_string()
        .contains("request_timeout"));
}

#[test]
fn an_unknown_name_is_refused_with_the_nearest_known_one() {
    let err = config(Library::Node)
        .set(Library::Node, "flushAtt", &Value::Int(1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid setting `flushAtt`: is not a client setting (did you mean `flushAt`?)"
    );
}

#[test]
fn defaults_in_each_language() {
    let s = find(Library::Rust, "flush_interval").unwrap();
    assert_eq!(s.default_in(Library::Python), "1.0");
    assert_eq!(s.default_in(Library::Node), "1000");
    let s = find(Library::Rust, "retry.max_attempts").unwrap();
    assert_eq!(s.default_in(Library::Python), "None");
    assert_eq!(s.default_in(Library::Node), "null");
}

#[test]
fn the_tables_limits_agree_with_the_wire() {
    assert_eq!(
        crate::MAX_BATCH_BYTES_LIMIT - crate::BATCH_OVERHEAD,
        super::MAX_EVENT_BYTES_LIMIT
    );
    assert_eq!(
        Config::new("", "").event_options.max_event_bytes,
        rudder_group::DEFAULT_MAX_EVENT_BYTES
    );
    assert_eq!(
        Config::new("", "").event_options,
        rudder_group::EventOptions::default()
    );
}
