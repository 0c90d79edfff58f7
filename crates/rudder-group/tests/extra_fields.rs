//! `EventParts::extra` holds unknown keys; a field's own key put there by hand must not be
//! written twice. Found by the `validate_parts` fuzz target: `extra` holding `"groupId": null`
//! gave an event with two `groupId` keys that did not parse back.

use rudder_group::serde_json::{json, Map, Value};
use rudder_group::{ErrorCode, EventOptions, EventParts, GroupEvent};

fn extra(pairs: Value) -> Map<String, Value> {
    pairs.as_object().expect("an object").clone()
}

#[test]
fn a_field_given_only_in_extra_becomes_the_field() {
    let parts = EventParts {
        user_id: Some(json!("u1")),
        extra: extra(json!({"groupId": "g1", "plan": "kept"})),
        ..EventParts::default()
    };
    let event = parts.validate(&EventOptions::default()).unwrap();
    assert_eq!(event.group_id(), "g1");
    let text = event.to_json();
    assert_eq!(text.matches("\"groupId\"").count(), 1, "{text}");
    assert_eq!(event.extra().get("plan"), Some(&json!("kept")));
    let again = GroupEvent::from_json(&text).unwrap();
    assert_eq!(again.to_json(), text);
}

#[test]
fn a_field_given_twice_is_an_error_at_its_path() {
    let parts = EventParts {
        group_id: Some(json!("g1")),
        user_id: Some(json!("u1")),
        extra: extra(json!({"groupId": null, "channel": "web"})),
        ..EventParts::default()
    };
    let err = parts.validate(&EventOptions::default()).unwrap_err();
    let found: Vec<(ErrorCode, &str)> = err
        .issues()
        .iter()
        .map(|i| (i.code, i.path.as_str()))
        .collect();
    assert_eq!(found, [(ErrorCode::InvalidFieldType, "/groupId")]);
}
