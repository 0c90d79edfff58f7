//! The binding kit: paths, the depth rule, the budget and the standard wordings.

use rudder_group::conversion::{
    container_too_deep, float_name, nearest, non_finite_float, unknown_key, with_hint, Budget,
    JsonPath,
};
use rudder_group::serde_json::{self, json, Value};
use rudder_group::{ErrorCode, EventOptions, EventParts, GroupEvent, MAX_DEPTH};

#[test]
fn paths_render_as_json_pointers_with_escapes() {
    let mut path = JsonPath::new();
    assert_eq!(path.render(), "");
    assert_eq!(path.level(), 1);
    path.push_key("traits");
    path.push_key("a/b~c");
    path.push_index(3);
    assert_eq!(path.render(), "/traits/a~1b~0c/3");
    assert_eq!(path.level(), 4);
    assert_eq!(path.pop_key(), None);
    assert_eq!(path.pop_key().as_deref(), Some("a/b~c"));
    assert_eq!(path.render(), "/traits");
}

/// A nest of `levels` objects under `traits`, the innermost empty.
fn nest(levels: usize) -> Value {
    let mut v = json!({});
    for _ in 1..levels {
        v = json!({ "a": v });
    }
    v
}

#[test]
fn the_depth_rule_is_the_one_validation_reports() {
    // `traits` is level 2: a nest of n objects under it reaches level n + 1.
    for levels in [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH] {
        let payload = json!({ "groupId": "g", "userId": "u", "traits": nest(levels) });
        let deepest = levels + 1;
        let refused = GroupEvent::from_value(payload).is_err();
        assert_eq!(
            refused,
            container_too_deep(deepest),
            "deepest level {deepest}"
        );
    }
    assert!(!container_too_deep(MAX_DEPTH));
    assert!(container_too_deep(MAX_DEPTH + 1));

    let payload = json!({ "groupId": "g", "userId": "u", "traits": nest(MAX_DEPTH) });
    let err = GroupEvent::from_value(payload).unwrap_err();
    let mut path = JsonPath::new();
    path.push_key("traits");
    for _ in 1..MAX_DEPTH {
        path.push_key("a");
    }
    assert_eq!(err.issues()[0].code, ErrorCode::TooDeep);
    assert_eq!(err.issues()[0].path, path.render());
    assert!(container_too_deep(path.level()));
}

/// Spends `v` the way a binding's walk does.
fn spend(v: &Value, budget: &mut Budget) {
    match v {
        Value::Object(m) => {
            budget.container();
            for (k, v) in m {
                spend(v, budget);
                budget.key(k.len());
            }
        }
        Value::Array(items) => {
            budget.container();
            for v in items {
                spend(v, budget);
                budget.item();
            }
        }
        scalar => {
            budget.scalar(scalar);
        }
    }
}

#[test]
fn the_budget_counts_the_canonical_bytes_of_values() {
    let v: Value = serde_json::from_str(
        r#"{"a":[1,2.50,"x",null,true,false,{"k":[]}],"é":{"b":12345678901234567890123}}"#,
    )
    .unwrap();
    let mut budget = Budget::new(1 << 20);
    spend(&v, &mut budget);
    // Every container but the empty `[]` is counted exactly; the empty one a byte short.
    assert_eq!(budget.used(), serde_json::to_string(&v).unwrap().len() - 1);
    assert!(!budget.is_spent());
}

#[test]
fn a_spent_budget_reports_event_too_large_first() {
    let mut budget = Budget::new(10);
    assert!(budget.spend(10));
    assert!(!budget.is_spent());
    assert_eq!(budget.left(), 0);
    assert!(!budget.spend(1));
    assert!(budget.is_spent());
    let err = budget.into_error(vec![non_finite_float("/traits/x", f64::NAN)]);
    let got: Vec<_> = err
        .issues()
        .iter()
        .map(|i| (i.code, i.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (ErrorCode::EventTooLarge, ""),
            (ErrorCode::NonFiniteNumber, "/traits/x")
        ]
    );
    assert_eq!(err.code(), ErrorCode::EventTooLarge);
    assert!(err.issues()[0].message.contains("10 bytes"));
}

#[test]
fn non_finite_floats_use_json_names() {
    assert_eq!(float_name(f64::NAN), "NaN");
    assert_eq!(float_name(f64::INFINITY), "Infinity");
    assert_eq!(float_name(f64::NEG_INFINITY), "-Infinity");
    assert_eq!(
        non_finite_float("/x", f64::NEG_INFINITY).message,
        "-Infinity is not a finite number; JSON cannot carry NaN or Infinity"
    );
    // The core's own check of parsed numbers has the same wording.
    let err =
        GroupEvent::from_json(r#"{"groupId":"g","userId":"u","traits":{"x":1e999}}"#).unwrap_err();
    assert_eq!(
        err.issues()[0].message,
        "1e+999 is not a finite number; JSON cannot carry NaN or Infinity"
    );
}

#[test]
fn hints_follow_the_standard_message() {
    let issue = with_hint(non_finite_float("", f64::NAN), "use None");
    assert_eq!(
        issue.message,
        "NaN is not a finite number; JSON cannot carry NaN or Infinity; use None"
    );
}

#[test]
fn unknown_keys_name_the_nearest_known_one() {
    let known = ["groupId", "userId", "traits", "timestamp"];
    assert_eq!(nearest("trait", &known), Some("traits"));
    assert_eq!(nearest("groupid", &known), Some("groupId"));
    assert_eq!(nearest("userID", &known), Some("userId"));
    assert_eq!(nearest("colour", &known), None);
    let issue = unknown_key("/trait", "trait", &known);
    assert_eq!(issue.code, ErrorCode::InvalidFieldType);
    assert_eq!(
        issue.message,
        "\"trait\" is not a field of a group call; did you mean \"traits\"?"
    );
    assert!(!unknown_key("/zzz", "zzz", &known).message.contains("mean"));
}

#[test]
fn a_timestamp_argument_is_reported_at_the_callers_key() {
    let parts = |argument: bool| EventParts {
        group_id: Some(json!("g")),
        user_id: Some(json!("u")),
        original_timestamp: Some(json!("yesterday")),
        timestamp_argument: argument,
        ..EventParts::default()
    };
    let options = EventOptions::default();
    let err = parts(true).validate(&options).unwrap_err();
    assert_eq!(err.issues()[0].path, "/timestamp");
    assert!(err.issues()[0].message.starts_with("timestamp must be"));
    let err = parts(false).validate(&options).unwrap_err();
    assert_eq!(err.issues()[0].path, "/originalTimestamp");
}
