//! The builder API: typed setters, null versus absent, ids, timestamps, serialization paths.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rudder_group::serde_json::{self, json, Map, Number, Value};
use rudder_group::{
    Address, Employees, ErrorCode, EventOptions, GroupEvent, GroupEventBuilder, Library, Severity,
    Trait, TraitId, SENT_AT_BYTES, VERSION,
};
use std::str::FromStr;

const MID: &str = "3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10";
const TS: &str = "2022-02-01T19:14:18.381Z";

fn base() -> GroupEventBuilder {
    GroupEvent::builder("12345")
        .user_id("u-1001")
        .message_id(MID)
        .original_timestamp(TS)
}

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn codes(err: &rudder_group::ValidationError) -> Vec<(ErrorCode, String)> {
    err.issues()
        .iter()
        .map(|i| (i.code, i.path.clone()))
        .collect()
}

#[test]
fn typed_setters_write_the_reserved_traits_in_call_order() {
    let event = base()
        .plan("basic")
        .id(77)
        .name("Acme")
        .email("ops@acme.example")
        .phone("+1 555 0100")
        .industry("IT")
        .description("Anvils")
        .website("https://acme.example")
        .avatar("https://acme.example/a.png")
        .created_at("2020-01-31")
        .employees("100-500")
        .build()
        .unwrap();
    let traits = serde_json::to_string(event.traits().as_map()).unwrap();
    assert_eq!(
        traits,
        r#"{"plan":"basic","id":77,"name":"Acme","email":"ops@acme.example","phone":"+1 555 0100","industry":"IT","description":"Anvils","website":"https://acme.example","avatar":"https://acme.example/a.png","createdAt":"2020-01-31","employees":"100-500"}"#
    );
    let t = event.traits();
    assert_eq!(t.id(), Trait::Set(TraitId::Integer(Number::from(77))));
    assert_eq!(t.name(), Trait::Set("Acme"));
    assert_eq!(t.plan().set(), Some("basic"));
    assert_eq!(t.created_at(), Trait::Set("2020-01-31"));
    assert_eq!(t.employees(), Trait::Set(Employees::Text("100-500".into())));
    assert_eq!(t.address(), Trait::Absent);
    assert_eq!(t.custom().count(), 0);
}

#[test]
fn seed_sample_is_canonical() {
    let event = base()
        .name("MyGroup")
        .industry("IT")
        .employees(450)
        .plan("basic")
        .build()
        .unwrap();
    assert_eq!(
        event.to_json(),
        format!(
            concat!(
                r#"{{"type":"group","messageId":"{}","groupId":"12345","userId":"u-1001","#,
                r#""traits":{{"name":"MyGroup","industry":"IT","employees":450,"plan":"basic"}},"#,
                r#""context":{{"library":{{"name":"rudder-group-rust","version":"{}"}}}},"#,
                r#""integrations":{{"All":true}},"originalTimestamp":"{}","channel":"server"}}"#
            ),
            MID, VERSION, TS
        )
    );
}

#[test]
fn null_and_absent_traits_stay_different() {
    let event = base()
        .name("Acme")
        .clear_trait("name")
        .clear_trait("plan")
        .build()
        .unwrap();
    let t = event.traits();
    assert_eq!(t.name(), Trait::Null);
    assert_eq!(t.plan(), Trait::Null);
    assert_eq!(t.industry(), Trait::Absent);
    assert_eq!(t.get("name"), Some(&Value::Null));
    assert_eq!(t.get("industry"), None);
    assert!(event
        .to_json()
        .contains(r#""traits":{"name":null,"plan":null}"#));
}

#[test]
fn address_typed_fields_then_other_keys() {
    let mut other = Map::new();
    other.insert("unit".into(), json!("4B"));
    let address = Address {
        city: Some("Springfield".into()),
        country: Some("US".into()),
        postal_code: Some("62701".into()),
        state: None,
        street: Some("1 Main St".into()),
        other,
    };
    let event = base().address(address.clone()).build().unwrap();
    assert_eq!(
        serde_json::to_string(event.traits().get("address").unwrap()).unwrap(),
        r#"{"city":"Springfield","country":"US","postalCode":"62701","street":"1 Main St","unit":"4B"}"#
    );
    assert_eq!(event.traits().address(), Trait::Set(address));
}

#[test]
fn created_at_from_chrono_types() {
    let t: DateTime<Utc> = Utc.with_ymd_and_hms(2020, 1, 31, 10, 0, 0).unwrap();
    let event = base().created_at(t).build().unwrap();
    assert_eq!(
        event.traits().created_at(),
        Trait::Set("2020-01-31T10:00:00.000Z")
    );
    let d = NaiveDate::from_ymd_opt(2019, 6, 1).unwrap();
    let event = base().created_at(d).build().unwrap();
    assert_eq!(event.traits().created_at(), Trait::Set("2019-06-01"));
    let err = base().created_at("soon").build().unwrap_err();
    assert_eq!(
        codes(&err),
        [(ErrorCode::InvalidTrait, "/traits/createdAt".into())]
    );
}

#[test]
fn original_timestamp_from_instants_and_strings() {
    let offset = chrono::FixedOffset::east_opt(3600).unwrap();
    let t = offset.with_ymd_and_hms(2022, 2, 1, 20, 14, 18).unwrap();
    let event = base().original_timestamp(t).build().unwrap();
    assert_eq!(event.original_timestamp(), "2022-02-01T19:14:18.000Z");
    let system = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_643_742_858_381);
    let event = base().original_timestamp(system).build().unwrap();
    assert_eq!(event.original_timestamp(), TS);
    let event = base()
        .original_timestamp("2022-02-01T20:14:18.381+01:00")
        .build()
        .unwrap();
    assert_eq!(event.original_timestamp(), TS);
    let err = base().original_timestamp("2022-02-01").build().unwrap_err();
    assert_eq!(
        codes(&err),
        [(ErrorCode::InvalidTimestamp, "/originalTimestamp".into())]
    );
    let now = GroupEvent::builder("g").user_id("u").build().unwrap();
    assert!(rudder_group::time::parse_instant(now.original_timestamp()).is_some());
    assert_eq!(now.original_timestamp().len(), 24);
}

#[test]
fn negative_employees_refused_and_zero_accepted() {
    let err = base().employees(-5).build().unwrap_err();
    assert_eq!(
        codes(&err),
        [(ErrorCode::InvalidTrait, "/traits/employees".into())]
    );
    assert_eq!(err.code(), ErrorCode::InvalidTrait);
    let event = base().employees(0u32).build().unwrap();
    assert_eq!(
        event.traits().employees(),
        Trait::Set(Employees::Count(Number::from(0)))
    );
}

#[test]
fn integer_ids_become_decimal_strings() {
    let event = GroupEvent::builder(12345u64)
        .user_id(42i32)
        .anonymous_id(-7i64)
        .original_timestamp(TS)
        .build()
        .unwrap();
    assert_eq!(event.group_id(), "12345");
    assert_eq!(event.user_id(), Some("42"));
    assert_eq!(event.anonymous_id(), Some("-7"));
    let big = GroupEvent::builder(u128::MAX)
        .user_id(i128::MIN)
        .build()
        .unwrap();
    assert_eq!(big.group_id(), "340282366920938463463374607431768211455");
    assert_eq!(
        big.user_id(),
        Some("-170141183460469231731687303715884105728")
    );
}

#[test]
fn custom_trait_with_a_reserved_key_is_checked() {
    let err = base()
        .custom_trait("employees", json!(-1))
        .custom_trait("name", json!(5))
        .custom_trait("tier", json!(-1))
        .build()
        .unwrap_err();
    assert_eq!(
        codes(&err),
        [
            (ErrorCode::InvalidTrait, "/traits/employees".into()),
            (ErrorCode::InvalidTrait, "/traits/name".into()),
        ]
    );
    let event = base()
        .custom_trait("tier", json!({"level": 2}))
        .build()
        .unwrap();
    let custom: Vec<_> = event.traits().custom().map(|(k, _)| k.as_str()).collect();
    assert_eq!(custom, ["tier"]);
}

#[test]
fn big_integer_trait_keeps_its_digits() {
    let n = Number::from_str("123456789012345678901234567890").unwrap();
    let event = base()
        .integer_trait("revenue", n)
        .id(TraitId::Integer(Number::from(1)))
        .build()
        .unwrap();
    assert!(event
        .to_json()
        .contains(r#""revenue":123456789012345678901234567890"#));
}

#[test]
fn missing_fields_reported_together() {
    let err = GroupEvent::builder("  ")
        .name("x")
        .employees(-1)
        .build()
        .unwrap_err();
    assert_eq!(
        codes(&err),
        [
            (ErrorCode::MissingGroupId, "/groupId".into()),
            (ErrorCode::MissingIdentity, "/userId".into()),
            (ErrorCode::InvalidTrait, "/traits/employees".into()),
        ]
    );
    assert_eq!(err.code(), ErrorCode::MissingGroupId);
    let text = err.to_string();
    assert!(
        text.starts_with("invalid group event (3 problems): MISSING_GROUP_ID at /groupId"),
        "{text}"
    );
}

#[test]
fn context_and_integrations() {
    let ctx = map(json!({"ip": "203.0.113.7", "library": {"name": "other"}, "locale": "en"}));
    let event = base()
        .context(ctx)
        .integrations(map(json!({"All": false, "Amplitude": true})))
        .library(Library::Python)
        .build()
        .unwrap();
    let json = event.to_json();
    assert!(json.contains(&format!(
        r#""context":{{"ip":"203.0.113.7","library":{{"name":"rudder-group-python","version":"{VERSION}"}},"locale":"en"}}"#
    )));
    assert!(json.contains(r#""integrations":{"All":false,"Amplitude":true}"#));
    assert_eq!(
        base().build().unwrap().integrations(),
        &map(json!({"All": true}))
    );
}

#[test]
fn fresh_message_ids_are_uuid_v4_and_distinct() {
    let a = GroupEvent::builder("g").user_id("u").build().unwrap();
    let b = GroupEvent::builder("g").user_id("u").build().unwrap();
    assert_ne!(a.message_id(), b.message_id());
    let id = a.message_id();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert!(id
        .chars()
        .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
}

#[test]
fn serialize_equals_to_json_and_to_value() {
    let event = base()
        .name("Acme")
        .custom_trait("z", json!([1, {"b": 2, "a": 1}]))
        .build()
        .unwrap();
    assert_eq!(serde_json::to_string(&event).unwrap(), event.to_json());
    assert_eq!(
        serde_json::to_string(&event.to_value()).unwrap(),
        event.to_json()
    );
    let mut out = b"[".to_vec();
    event.write_json(&mut out);
    event.write_json(&mut out);
    assert_eq!(out, format!("[{0}{0}", event.to_json()).into_bytes());
    let back: GroupEvent = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(back, event);
    assert!(serde_json::from_str::<GroupEvent>(r#"{"groupId":""}"#).is_err());
}

#[test]
fn wire_event_splices_sent_at_where_to_json_puts_it() {
    const SENT: &str = "2022-02-01T19:14:20.000Z";
    let parsed = GroupEvent::from_json(&format!(
        r#"{{"groupId":"1","userId":"u","messageId":"{MID}","originalTimestamp":"{TS}","timestamp":"{TS}","extra":[1]}}"#
    ))
    .unwrap();
    for event in [base().name("Acme").build().unwrap(), parsed] {
        let wire = event.to_wire();
        let mut spliced = Vec::new();
        wire.write_with_sent_at(&mut spliced, SENT);
        let mut value = event.to_value();
        let with_sent = GroupEvent::from_value({
            value["sentAt"] = json!(SENT);
            value
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(spliced.clone()).unwrap(),
            with_sent.to_json()
        );
        assert_eq!(wire.bytes(), event.to_json().as_bytes());
        assert_eq!(event.wire_len(), spliced.len());
        assert_eq!(wire.wire_len(), spliced.len());
        assert_eq!(spliced.len(), event.to_json().len() + SENT_AT_BYTES);
    }
}

#[test]
fn wire_len_ignores_a_parsed_sent_at_of_another_length() {
    let event = GroupEvent::from_json(&format!(
        r#"{{"groupId":"1","userId":"u","messageId":"{MID}","originalTimestamp":"{TS}","sentAt":"2022-02-01T20:14:20+01:00"}}"#
    ))
    .unwrap();
    let mut spliced = Vec::new();
    event.to_wire().write_with_sent_at(&mut spliced, TS);
    assert_eq!(event.wire_len(), spliced.len());
    assert_ne!(event.to_json().len(), spliced.len());
}

#[test]
fn max_event_bytes_is_checked_at_build() {
    let size = base().name("Acme").build().unwrap().wire_len();
    let options = |max| EventOptions {
        max_event_bytes: max,
        ..EventOptions::default()
    };
    assert!(base().name("Acme").options(options(size)).build().is_ok());
    let err = base()
        .name("Acme")
        .options(options(size - 1))
        .build()
        .unwrap_err();
    assert_eq!(codes(&err), [(ErrorCode::EventTooLarge, String::new())]);
}

#[test]
fn lenient_turns_trait_errors_into_warnings() {
    let event = base()
        .lenient(true)
        .employees(-1)
        .custom_trait("name", json!(5))
        .build()
        .unwrap();
    let warnings: Vec<_> = event
        .warnings()
        .iter()
        .map(|i| (i.code, i.path.as_str(), i.severity))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                ErrorCode::InvalidTrait,
                "/traits/employees",
                Severity::Warning
            ),
            (ErrorCode::InvalidTrait, "/traits/name", Severity::Warning),
        ]
    );
    assert!(event
        .to_json()
        .contains(r#""traits":{"employees":-1,"name":5}"#));
    assert!(matches!(event.traits().name(), Trait::Invalid(v) if v == &json!(5)));
    let err = GroupEvent::builder("")
        .lenient(true)
        .user_id("u")
        .employees(-1)
        .build()
        .unwrap_err();
    let severities: Vec<_> = err.issues().iter().map(|i| (i.code, i.severity)).collect();
    assert_eq!(
        severities,
        [
            (ErrorCode::MissingGroupId, Severity::Error),
            (ErrorCode::InvalidTrait, Severity::Warning),
        ]
    );
    assert!(base().build().unwrap().warnings().is_empty());
}

#[test]
fn reserved_traits_read_back_as_typed_fields() {
    use rudder_group::{Employees, Trait, TraitId};
    let event = GroupEvent::builder("g")
        .user_id("u")
        .id(42)
        .name("Acme")
        .employees("100-500")
        .clear_trait("plan")
        .custom_trait("tier", serde_json::json!(2))
        .build()
        .unwrap();
    let r = event.traits().reserved();
    assert_eq!(r.id, Trait::Set(TraitId::Integer(42.into())));
    assert_eq!(r.name, Trait::Set("Acme"));
    assert_eq!(r.employees, Trait::Set(Employees::Text("100-500".into())));
    assert_eq!(r.plan, Trait::Null);
    assert_eq!(r.email, Trait::Absent);
    assert_eq!(event.traits().custom().count(), 1);
}

/// The in-place setters a binding keeps behind a handle: a trait set again replaces the earlier
/// value and forgets a conversion problem recorded at its path; removal leaves the key out.
#[test]
fn in_place_setters_replace_remove_and_carry_conversion_issues() {
    use rudder_group::{ErrorCode, Issue};
    let mut b = GroupEvent::builder("g");
    b.set_user_id("u");
    let nan = || {
        Issue::error(
            ErrorCode::NonFiniteNumber,
            "/traits/score",
            "NaN has no JSON form",
        )
    };
    b.set_unconvertible_trait("score", nan());
    let err = b.clone().build().unwrap_err();
    assert_eq!(err.issues()[0].code, ErrorCode::NonFiniteNumber);
    assert_eq!(err.issues()[0].path, "/traits/score");
    // Set again: the problem is forgotten with the value it was about.
    b.set_trait("score", json!(3));
    b.set_trait("gone", json!(1));
    b.remove_trait("gone");
    b.set_address_field("city", json!("Berlin"));
    b.set_context_value(json!({"ip": "1.2.3.4"}));
    let event = b.build().unwrap();
    let v: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(
        v["traits"],
        json!({"score": 3, "address": {"city": "Berlin"}})
    );
    assert_eq!(v["context"]["ip"], "1.2.3.4");
    // A non-object context given as a raw value is reported by build.
    let mut b = GroupEvent::builder("g");
    b.set_user_id("u");
    b.set_context_value(json!([1]));
    let err = b.build().unwrap_err();
    assert_eq!(err.issues()[0].code, ErrorCode::InvalidFieldType);
    assert_eq!(err.issues()[0].path, "/context");
}
