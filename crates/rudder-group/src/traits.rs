//! The group's traits: the twelve reserved traits of the RudderStack Group spec, typed, plus any
//! custom traits.
//!
//! Storage is one insertion-ordered map, so the caller's key order and the difference between a
//! trait set to `null` (clears the value downstream) and a trait left out are both kept exactly.
//! The reserved traits are typed at the API: setters take typed values ([`TraitId`],
//! [`Employees`], [`CreatedAt`], [`Address`]) and getters return typed views ([`Trait`]).

use crate::issue::{pointer, Issue, Severity};
use crate::json_text::string_end;
use crate::time::is_iso_date_or_datetime;
use crate::ErrorCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Number, Value};

/// The reserved group traits, in the order of the spec.
pub const RESERVED_TRAITS: [&str; 12] = [
    "id",
    "name",
    "email",
    "phone",
    "industry",
    "description",
    "plan",
    "website",
    "avatar",
    "address",
    "createdAt",
    "employees",
];

/// The string fields of `address` that the spec types.
pub const ADDRESS_FIELDS: [&str; 5] = ["city", "country", "postalCode", "state", "street"];

/// A typed view of one trait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trait<'a, T> {
    /// The key is not there.
    Absent,
    /// The key is there with `null` (clears the value downstream).
    Null,
    /// The key holds a value of the reserved type.
    Set(T),
    /// The key holds a value that breaks the reserved rule (only under the lenient setting).
    Invalid(&'a Value),
}

impl<'a, T> Trait<'a, T> {
    /// The value, when set and valid.
    pub fn set(self) -> Option<T> {
        match self {
            Trait::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// An id trait: a string or an integer, kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraitId {
    /// A string id.
    String(String),
    /// An integer id, any size, exact.
    Integer(Number),
}

/// The `employees` trait: a non-negative integer or a string (the spec says String; its own
/// sample sends the number 450; both are kept as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Employees {
    /// A count (negative counts are refused at build time).
    Count(Number),
    /// A free-form string, e.g. `"100-500"`.
    Text(String),
}

/// The `createdAt` trait: an ISO-8601 date or date-time. Native values are written as
/// ISO-8601 (a date-time in the wire format, a date as `YYYY-MM-DD`); strings are kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedAt(pub String);

/// The `address` trait, typed. Unset fields are left out; `other` holds extra keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Address {
    /// City.
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code (`postalCode` on the wire).
    pub postal_code: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// Any other keys, kept in order after the typed ones.
    pub other: Map<String, Value>,
}

macro_rules! from_ints {
    ($target:ident, $variant:ident: $($t:ty),*) => {$(
        impl From<$t> for $target {
            fn from(v: $t) -> Self { $target::$variant(Number::from(v)) }
        }
    )*};
}
from_ints!(TraitId, Integer: i32, i64, u32, u64, usize);
from_ints!(Employees, Count: i32, i64, u32, u64, usize);

impl From<&str> for TraitId {
    fn from(v: &str) -> Self {
        TraitId::String(v.to_owned())
    }
}
impl From<String> for TraitId {
    fn from(v: String) -> Self {
        TraitId::String(v)
    }
}
impl From<&str> for Employees {
    fn from(v: &str) -> Self {
        Employees::Text(v.to_owned())
    }
}
impl From<String> for Employees {
    fn from(v: String) -> Self {
        Employees::Text(v)
    }
}
impl From<&str> for CreatedAt {
    fn from(v: &str) -> Self {
        CreatedAt(v.to_owned())
    }
}
impl From<String> for CreatedAt {
    fn from(v: String) -> Self {
        CreatedAt(v)
    }
}
impl From<DateTime<Utc>> for CreatedAt {
    fn from(v: DateTime<Utc>) -> Self {
        CreatedAt(crate::time::format_millis(v))
    }
}
impl From<NaiveDate> for CreatedAt {
    fn from(v: NaiveDate) -> Self {
        CreatedAt(v.format("%Y-%m-%d").to_string())
    }
}

impl From<TraitId> for Value {
    fn from(v: TraitId) -> Value {
        match v {
            TraitId::String(s) => Value::String(s),
            TraitId::Integer(n) => Value::Number(n),
        }
    }
}
impl From<Employees> for Value {
    fn from(v: Employees) -> Value {
        match v {
            Employees::Count(n) => Value::Number(n),
            Employees::Text(s) => Value::String(s),
        }
    }
}
impl From<Address> for Value {
    fn from(a: Address) -> Value {
        let mut m = Map::new();
        let fields = [
            ("city", a.city),
            ("country", a.country),
            ("postalCode", a.postal_code),
            ("state", a.state),
            ("street", a.street),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v));
            }
        }
        m.extend(a.other);
        Value::Object(m)
    }
}

/// The twelve reserved traits as typed fields: a view of [`GroupTraits`] made by
/// [`GroupTraits::reserved`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReservedTraits<'a> {
    /// `id`.
    pub id: Trait<'a, TraitId>,
    /// `name`.
    pub name: Trait<'a, &'a str>,
    /// `email`.
    pub email: Trait<'a, &'a str>,
    /// `phone`.
    pub phone: Trait<'a, &'a str>,
    /// `industry`.
    pub industry: Trait<'a, &'a str>,
    /// `description`.
    pub description: Trait<'a, &'a str>,
    /// `plan`.
    pub plan: Trait<'a, &'a str>,
    /// `website`.
    pub website: Trait<'a, &'a str>,
    /// `avatar`.
    pub avatar: Trait<'a, &'a str>,
    /// `address`.
    pub address: Trait<'a, Address>,
    /// `createdAt`, as given.
    pub created_at: Trait<'a, &'a str>,
    /// `employees`.
    pub employees: Trait<'a, Employees>,
}

/// The group's traits: an insertion-ordered map whose reserved keys follow the spec's types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTraits {
    map: Map<String, Value>,
}

impl GroupTraits {
    /// No traits.
    pub fn new() -> Self {
        GroupTraits::default()
    }

    pub(crate) fn from_map(map: Map<String, Value>) -> Self {
        GroupTraits { map }
    }

    /// Every trait, in the caller's order.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// Takes the map out.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }

    /// One trait's raw value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Custom (non-reserved) traits, in order.
    pub fn custom(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map
            .iter()
            .filter(|(k, _)| !RESERVED_TRAITS.contains(&k.as_str()))
    }

    /// How many traits there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn view<'a, T>(&'a self, key: &str, f: impl FnOnce(&'a Value) -> Option<T>) -> Trait<'a, T> {
        match self.map.get(key) {
            None => Trait::Absent,
            Some(Value::Null) => Trait::Null,
            Some(v) => f(v).map_or(Trait::Invalid(v), Trait::Set),
        }
    }

    fn string(&self, key: &str) -> Trait<'_, &str> {
        self.view(key, Value::as_str)
    }

    /// Every reserved trait at once, as typed fields.
    pub fn reserved(&self) -> ReservedTraits<'_> {
        ReservedTraits {
            id: self.id(),
            name: self.name(),
            email: self.email(),
            phone: self.phone(),
            industry: self.industry(),
            description: self.description(),
            plan: self.plan(),
            website: self.website(),
            avatar: self.avatar(),
            address: self.address(),
            created_at: self.created_at(),
            employees: self.employees(),
        }
    }

    /// The `id` trait.
    pub fn id(&self) -> Trait<'_, TraitId> {
        self.view("id", |v| match v {
            Value::String(s) => Some(TraitId::String(s.clone())),
            Value::Number(n) if is_integer(n) => Some(TraitId::Integer(n.clone())),
            _ => None,
        })
    }
    /// The `name` trait.
    pub fn name(&self) -> Trait<'_, &str> {
        self.string("name")
    }
    /// The `email` trait.
    pub fn email(&self) -> Trait<'_, &str> {
        self.string("email")
    }
    /// The `phone` trait.
    pub fn phone(&self) -> Trait<'_, &str> {
        self.string("phone")
    }
    /// The `industry` trait.
    pub fn industry(&self) -> Trait<'_, &str> {
        self.string("industry")
    }
    /// The `description` trait.
    pub fn description(&self) -> Trait<'_, &str> {
        self.string("description")
    }
    /// The `plan` trait.
    pub fn plan(&self) -> Trait<'_, &str> {
        self.string("plan")
    }
    /// The `website` trait.
    pub fn website(&self) -> Trait<'_, &str> {
        self.string("website")
    }
    /// The `avatar` trait.
    pub fn avatar(&self) -> Trait<'_, &str> {
        self.string("avatar")
    }
    /// The `createdAt` trait, as given.
    pub fn created_at(&self) -> Trait<'_, &str> {
        self.view("createdAt", |v| {
            v.as_str().filter(|s| is_iso_date_or_datetime(s))
        })
    }
    /// The `employees` trait.
    pub fn employees(&self) -> Trait<'_, Employees> {
        self.view("employees", |v| match v {
            Value::String(s) => Some(Employees::Text(s.clone())),
            Value::Number(n) if is_non_negative_integer(n) => Some(Employees::Count(n.clone())),
            _ => None,
        })
    }
    /// The `address` trait.
    pub fn address(&self) -> Trait<'_, Address> {
        self.view("address", |v| {
            let m = v.as_object()?;
            let field = |k: &str| -> Option<Option<String>> {
                match m.get(k) {
                    None | Some(Value::Null) => Some(None),
                    Some(Value::String(s)) => Some(Some(s.clone())),
                    Some(_) => None,
                }
            };
            Some(Address {
                city: field("city")?,
                country: field("country")?,
                postal_code: field("postalCode")?,
                state: field("state")?,
                street: field("street")?,
                other: m
                    .iter()
                    .filter(|(k, _)| !ADDRESS_FIELDS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
        })
    }
}

/// Whether a JSON number is written as an integer (any size).
pub(crate) fn is_integer(n: &Number) -> bool {
    if n.is_i64() || n.is_u64() {
        return true;
    }
    let s = n.as_str();
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_non_negative_integer(n: &Number) -> bool {
    is_integer(n) && !n.as_str().starts_with('-')
}

/// Checks the reserved traits of `traits` (at `/traits`), pushing one issue per broken rule.
pub(crate) fn check_reserved(
    traits: &Map<String, Value>,
    severity: Severity,
    out: &mut Vec<Issue>,
) {
    // Paths are only made for values that break a rule: the valid path allocates nothing.
    let mut push = |path: String, message: String| {
        out.push(Issue {
            code: ErrorCode::InvalidTrait,
            path,
            message,
            severity,
        });
    };
    for (key, value) in traits {
        if value.is_null() {
            continue;
        }
        let path = || pointer("/traits", key);
        match key.as_str() {
            "id" => match value {
                Value::String(_) => {}
                Value::Number(n) if is_integer(n) => {}
                other => push(path(), format!("trait `id` must be a string or an integer, got {}", kind(other))),
            },
            "name" | "email" | "phone" | "industry" | "description" | "plan" | "website"
            | "avatar"
                if !value.is_string() =>
            {
                push(path(), format!("trait `{key}` must be a string, got {}", kind(value)));
            }
            "createdAt" => match value {
                Value::String(s) if is_iso_date_or_datetime(s) => {}
                Value::String(s) => push(
                    path(),
                    format!("trait `createdAt` must be an ISO-8601 date or date-time (e.g. 2020-01-31 or 2020-01-31T10:00:00Z), got {s:?}"),
                ),
                other => push(path(), format!("trait `createdAt` must be an ISO-8601 date or date-time string, got {}", kind(other))),
            },
            "employees" => match value {
                Value::String(_) => {}
                Value::Number(n) if is_non_negative_integer(n) => {}
                Value::Number(n) => push(
                    path(),
                    format!("trait `employees` must be a non-negative integer or a string, got {n}"),
                ),
                other => push(path(), format!("trait `employees` must be a non-negative integer or a string, got {}", kind(other))),
            },
            "address" => match value {
                Value::Object(a) => {
                    for field in ADDRESS_FIELDS {
                        match a.get(field) {
                            None | Some(Value::Null) | Some(Value::String(_)) => {}
                            Some(other) => push(
                                pointer(&path(), field),
                                format!("address field `{field}` must be a string, got {}", kind(other)),
                            ),
                        }
                    }
                }
                other => push(path(), format!("trait `address` must be an object, got {}", kind(other))),
            },
            _ => {}
        }
    }
}

/// Whether the canonical bytes of reserved trait `key`'s value keep its rule beyond doubt, read
/// without parsing them: `null`, a string where a string is allowed, plain digits where an
/// integer is, a `createdAt` whose text (without escapes) is ISO-8601, and an `address` whose
/// values are all strings or `null`. Anything else is parsed and given to [`check_reserved`],
/// which words its problem.
pub(crate) fn plainly_valid(key: &str, bytes: &[u8]) -> bool {
    let string = bytes.first() == Some(&b'"');
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    if bytes == b"null" {
        return true;
    }
    match key {
        "id" => string || digits(bytes.strip_prefix(b"-").unwrap_or(bytes)),
        "name" | "email" | "phone" | "industry" | "description" | "plan" | "website" | "avatar" => {
            string
        }
        "employees" => string || digits(bytes),
        "address" => object_of_strings(bytes),
        "createdAt" => {
            string
                && !bytes.contains(&b'\\')
                && bytes.len() >= 2
                && std::str::from_utf8(&bytes[1..bytes.len() - 1])
                    .is_ok_and(is_iso_date_or_datetime)
        }
        _ => false,
    }
}

/// Whether canonical bytes (no whitespace) are an object whose every value is a string or
/// `null`. Keys and strings are stepped over with their escapes, never decoded.
fn object_of_strings(bytes: &[u8]) -> bool {
    let Some(inner) = bytes.strip_prefix(b"{").and_then(|b| b.strip_suffix(b"}")) else {
        return false;
    };
    if inner.is_empty() {
        return true;
    }
    let mut i = 0;
    loop {
        let Some(after_key) = past_string(inner, i) else {
            return false;
        };
        if inner.get(after_key) != Some(&b':') {
            return false;
        }
        let at = after_key + 1;
        let after_value = if inner[at..].starts_with(b"null") {
            at + 4
        } else {
            match past_string(inner, at) {
                Some(end) => end,
                None => return false,
            }
        };
        match inner.get(after_value) {
            None => return true,
            Some(b',') => i = after_value + 1,
            Some(_) => return false,
        }
    }
}

/// Where the JSON string starting at `bytes[at]` ends (just past its closing quote).
fn past_string(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    string_end(bytes, at)
}

/// A JSON type's name, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if is_integer(n) => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path never passes an `address` that `check_reserved` would refuse, and takes
    /// every flat object of strings.
    #[test]
    fn address_passes_plainly_only_when_check_reserved_agrees() {
        let cases: [(&str, bool); 16] = [
            (r#"{}"#, true),
            (r#"{"city":"Paris"}"#, true),
            (r#"{"city":"Paris","country":null,"x":"y"}"#, true),
            (r#"{"city":"a\"b","state":"c\\"}"#, true),
            (r#"{"c\"ity":"a","street":"\u0000"}"#, true),
            (r#"{"city":1}"#, false),
            (r#"{"other":1}"#, false),
            (r#"{"city":{"x":"y"}}"#, false),
            (r#"{"city":["a"]}"#, false),
            (r#"{"city":true}"#, false),
            (r#"{"city":"a","country":nul}"#, false),
            (r#"{"city":"a""#, false),
            (r#"{"city""a"}"#, false),
            (r#""Paris""#, false),
            (r#"[]"#, false),
            (r#"null"#, true),
        ];
        for (text, plain) in cases {
            assert_eq!(plainly_valid("address", text.as_bytes()), plain, "{text}");
            if plain {
                let value: Value = serde_json::from_str(text).expect(text);
                let traits = Map::from_iter([("address".to_owned(), value)]);
                let mut issues = Vec::new();
                check_reserved(&traits, Severity::Error, &mut issues);
                assert!(issues.is_empty(), "{text}: {issues:?}");
            }
        }
    }
}
