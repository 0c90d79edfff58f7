//! Properties: whatever the builder accepts parses back to the same event and is canonical JSON;
//! no text makes the parser panic.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use rudder_group::serde_json::{self, Map, Number, Value};
use rudder_group::{Address, EventOptions, GroupEvent, GroupEventBuilder, Library};
use std::str::FromStr;

#[derive(Debug, Clone)]
enum IdIn {
    Text(String),
    Int(i64),
    Big(u128),
}

#[derive(Debug, Clone)]
enum TraitIn {
    IdText(String),
    IdInt(i64),
    Text(usize, String),
    Address(Address),
    CreatedAtMillis(i64),
    CreatedAtDays(i64),
    CreatedAtText(String),
    Employees(i64),
    EmployeesText(String),
    Clear(String),
    Custom(String, Value),
}

#[derive(Debug, Clone)]
struct Input {
    group_id: IdIn,
    user_id: Option<IdIn>,
    anonymous_id: Option<IdIn>,
    message_id: Option<String>,
    millis: Option<i64>,
    offset_minutes: i32,
    traits: Vec<TraitIn>,
    context: Option<Map<String, Value>>,
    integrations: Option<Map<String, Value>>,
    lenient: bool,
    library: Library,
}

const LIBRARIES: [Library; 4] = [Library::Rust, Library::Python, Library::Node, Library::C];

fn id_value(id: &IdIn) -> Value {
    match id {
        IdIn::Text(s) => Value::String(s.clone()),
        IdIn::Int(n) => Value::from(*n),
        IdIn::Big(n) => Value::Number(Number::from_str(&n.to_string()).unwrap()),
    }
}

const TEXT_TRAITS: [&str; 8] = [
    "name",
    "email",
    "phone",
    "industry",
    "description",
    "plan",
    "website",
    "avatar",
];

impl Input {
    /// The same fields as a JSON payload.
    fn payload(&self) -> Value {
        let mut p = Map::new();
        p.insert("groupId".into(), id_value(&self.group_id));
        if let Some(u) = &self.user_id {
            p.insert("userId".into(), id_value(u));
        }
        if let Some(a) = &self.anonymous_id {
            p.insert("anonymousId".into(), id_value(a));
        }
        if let Some(m) = &self.message_id {
            p.insert("messageId".into(), Value::String(m.clone()));
        }
        if let Some(ms) = self.millis {
            let t = rudder_group::time::format_millis(Utc.timestamp_millis_opt(ms).unwrap());
            p.insert("originalTimestamp".into(), Value::String(t));
        }
        let mut traits = Map::new();
        for t in self.traits.clone() {
            let (k, v) = match t {
                TraitIn::IdText(s) => ("id".to_owned(), Value::String(s)),
                TraitIn::IdInt(n) => ("id".to_owned(), Value::from(n)),
                TraitIn::Text(i, s) => (TEXT_TRAITS[i % 8].to_owned(), Value::String(s)),
                TraitIn::Address(a) => ("address".to_owned(), a.into()),
                TraitIn::CreatedAtMillis(ms) => (
                    "createdAt".to_owned(),
                    Value::String(rudder_group::time::format_millis(
                        Utc.timestamp_millis_opt(ms).unwrap(),
                    )),
                ),
                TraitIn::CreatedAtDays(d) => {
                    let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                        + chrono::Days::new(d.unsigned_abs());
                    (
                        "createdAt".to_owned(),
                        Value::String(date.format("%Y-%m-%d").to_string()),
                    )
                }
                TraitIn::CreatedAtText(s) => ("createdAt".to_owned(), Value::String(s)),
                TraitIn::Employees(n) => ("employees".to_owned(), Value::from(n)),
                TraitIn::EmployeesText(s) => ("employees".to_owned(), Value::String(s)),
                TraitIn::Clear(k) => (k, Value::Null),
                TraitIn::Custom(k, v) => (k, v),
            };
            traits.insert(k, v);
        }
        p.insert("traits".into(), Value::Object(traits));
        if let Some(c) = &self.context {
            p.insert("context".into(), Value::Object(c.clone()));
        }
        if let Some(i) = &self.integrations {
            p.insert("integrations".into(), Value::Object(i.clone()));
        }
        Value::Object(p)
    }

    fn options(&self) -> EventOptions {
        EventOptions {
            lenient: self.lenient,
            library: self.library,
            ..EventOptions::default()
        }
    }

    fn builder(&self) -> GroupEventBuilder {
        let mut b = match &self.group_id {
            IdIn::Text(s) => GroupEvent::builder(s.as_str()),
            IdIn::Int(n) => GroupEvent::builder(*n),
            IdIn::Big(n) => GroupEvent::builder(*n),
        };
        b = match &self.user_id {
            Some(IdIn::Text(s)) => b.user_id(s.as_str()),
            Some(IdIn::Int(n)) => b.user_id(*n),
            Some(IdIn::Big(n)) => b.user_id(*n),
            None => b,
        };
        b = match &self.anonymous_id {
            Some(IdIn::Text(s)) => b.anonymous_id(s.as_str()),
            Some(IdIn::Int(n)) => b.anonymous_id(*n),
            Some(IdIn::Big(n)) => b.anonymous_id(*n),
            None => b,
        };
        if let Some(m) = &self.message_id {
            b = b.message_id(m.as_str());
        }
        if let Some(ms) = self.millis {
            let offset = chrono::FixedOffset::east_opt(self.offset_minutes * 60).unwrap();
            let t = Utc.timestamp_millis_opt(ms).unwrap().with_timezone(&offset);
            b = b.original_timestamp(t);
        }
        for t in &self.traits {
            b = match t.clone() {
                TraitIn::IdText(s) => b.id(s),
                TraitIn::IdInt(n) => b.id(n),
                TraitIn::Text(i, s) => match TEXT_TRAITS[i % 8] {
                    "name" => b.name(s),
                    "email" => b.email(s),
                    "phone" => b.phone(s),
                    "industry" => b.industry(s),
                    "description" => b.description(s),
                    "plan" => b.plan(s),
                    "website" => b.website(s),
                    _ => b.avatar(s),
                },
                TraitIn::Address(a) => b.address(a),
                TraitIn::CreatedAtMillis(ms) => b.created_at(Utc.timestamp_millis_opt(ms).unwrap()),
                TraitIn::CreatedAtDays(d) => {
                    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
                    b.created_at(epoch + chrono::Days::new(d.unsigned_abs()))
                }
                TraitIn::CreatedAtText(s) => b.created_at(s),
                TraitIn::Employees(n) => b.employees(n),
                TraitIn::EmployeesText(s) => b.employees(s),
                TraitIn::Clear(k) => b.clear_trait(&k),
                TraitIn::Custom(k, v) => b.custom_trait(&k, v),
            };
        }
        if let Some(c) = &self.context {
            b = b.context(c.clone());
        }
        if let Some(i) = &self.integrations {
            b = b.integrations(i.clone());
        }
        b.options(self.options())
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9][a-zA-Z0-9 _.@-]{0,12}",
        1 => any::<String>(),
        1 => "\\PC{0,8}",
    ]
}

fn id() -> impl Strategy<Value = IdIn> {
    prop_oneof![
        4 => text().prop_map(IdIn::Text),
        1 => any::<i64>().prop_map(IdIn::Int),
        1 => any::<u128>().prop_map(IdIn::Big),
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        "-?[1-9][0-9]{19,40}".prop_map(|s| Number::from_str(&s).unwrap()),
        "-?(0|[1-9][0-9]{0,2})\\.[0-9]{1,25}".prop_map(|s| Number::from_str(&s).unwrap()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((text(), json_value()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

fn address() -> impl Strategy<Value = Address> {
    let field = || prop::option::of(text());
    (field(), field(), field(), field(), field(), object()).prop_map(
        |(city, country, postal_code, state, street, other)| Address {
            city,
            country,
            postal_code,
            state,
            street,
            other,
        },
    )
}

const MAX_MILLIS: i64 = 4_102_444_800_000; // 2100-01-01

fn trait_in() -> impl Strategy<Value = TraitIn> {
    prop_oneof![
        text().prop_map(TraitIn::IdText),
        any::<i64>().prop_map(TraitIn::IdInt),
        (0usize..8, text()).prop_map(|(i, s)| TraitIn::Text(i, s)),
        address().prop_map(TraitIn::Address),
        (0..MAX_MILLIS).prop_map(TraitIn::CreatedAtMillis),
        (0i64..40_000).prop_map(TraitIn::CreatedAtDays),
        prop_oneof!["20[0-9]{2}-0[1-9]-[0-2][0-9]", text()].prop_map(TraitIn::CreatedAtText),
        (-5i64..100_000).prop_map(TraitIn::Employees),
        text().prop_map(TraitIn::EmployeesText),
        prop_oneof![Just("name".to_owned()), text()].prop_map(TraitIn::Clear),
        (text(), json_value()).prop_map(|(k, v)| TraitIn::Custom(k, v)),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    (
        (id(), prop::option::of(id()), prop::option::of(id())),
        prop::option::of("[0-9a-f-]{1,36}"),
        (prop::option::of(0..MAX_MILLIS), -720i32..=840),
        prop::collection::vec(trait_in(), 0..8),
        (prop::option::of(object()), prop::option::of(object())),
        (any::<bool>(), 0usize..4),
    )
        .prop_map(
            |(
                (group_id, user_id, anonymous_id),
                message_id,
                (millis, offset_minutes),
                traits,
                (context, integrations),
                (lenient, lib),
            )| Input {
                group_id,
                user_id,
                anonymous_id,
                message_id,
                millis,
                offset_minutes,
                traits,
                context,
                integrations,
                lenient,
                library: LIBRARIES[lib],
            },
        )
}

/// No regression files: the cases are generated afresh at every run.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn built_events_parse_back_to_themselves(input in input()) {
        let built = input.builder().build();
        if let Ok(event) = built {
            let text = event.to_json();
            let parsed = GroupEvent::from_json_with(&text, &input.options());
            prop_assert!(parsed.is_ok(), "canonical output refused: {:?}\n{}", parsed.err(), text);
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.to_json(), text.clone());
            prop_assert_eq!(parsed.warnings(), event.warnings());
            prop_assert_eq!(&parsed, &event);
            // Canonical: serde_json writes the parsed value back byte for byte (no whitespace,
            // same key order, same number digits).
            let value: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(serde_json::to_string(&value).unwrap(), text.clone());
            prop_assert_eq!(event.to_value(), value);
            prop_assert_eq!(event.wire_len(), text.len() + rudder_group::SENT_AT_BYTES);
        }
    }

    #[test]
    fn builder_and_json_give_the_same_verdict(input in input()) {
        // The same fields given as JSON: one validation behind both, so the same event or the
        // same issues (codes, paths, messages, severities).
        let options = input.options();
        match (input.builder().build(), GroupEvent::from_value_with(input.payload(), &options)) {
            (Ok(built), Ok(parsed)) => {
                if input.message_id.is_some() && input.millis.is_some() {
                    prop_assert_eq!(built, parsed);
                } else {
                    prop_assert_eq!(built.traits(), parsed.traits());
                    prop_assert_eq!(built.warnings(), parsed.warnings());
                }
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(a.issues(), b.issues());
                prop_assert!(a.issues().iter().all(|i| i.path.is_empty() || i.path.starts_with('/')));
            }
            (a, b) => prop_assert!(false, "builder {:?}\njson {:?}", a, b),
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn any_string_never_panics(text in any::<String>()) {
        let _ = GroupEvent::from_json(&text);
    }

    #[test]
    fn json_like_text_never_panics(text in r#"[\[\]{}":,0-9a-zA-Z\-+.eE \\u/]{0,200}"#) {
        if let Ok(event) = GroupEvent::from_json(&text) {
            prop_assert!(GroupEvent::from_json(&event.to_json()).is_ok());
        }
    }

    #[test]
    fn damaged_events_never_panic(cut in 0usize..400, insert in 0usize..400, ch in any::<char>()) {
        let event = GroupEvent::builder("12345")
            .user_id("u-1001")
            .name("Acme")
            .employees(450)
            .custom_trait("deep", serde_json::json!({"a": [1, {"b": [null, 1.5, "x"]}]}))
            .build()
            .unwrap();
        let mut text: Vec<char> = event.to_json().chars().collect();
        let at = insert % (text.len() + 1);
        text.insert(at, ch);
        text.truncate(text.len() - cut % text.len());
        let text: String = text.into_iter().collect();
        let _ = GroupEvent::from_json(&text);
    }

    #[test]
    fn deep_brackets_never_panic(depth in 0usize..400, open in "[\\[{]", key in any::<bool>()) {
        let unit = if open == "{" { if key { "{\"a\":" } else { "{" } } else { "[" };
        let text = format!(r#"{{"groupId":"g","userId":"u","traits":{{"x":{}}}}}"#, unit.repeat(depth));
        let err = GroupEvent::from_json(&text).unwrap_err();
        prop_assert!(!err.issues().is_empty());
    }
}
