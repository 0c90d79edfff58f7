//! [`GroupEventBuilder`]: the typed way to make a group call from Rust.

use crate::event::GroupEvent;
use crate::issue::{pointer, Issue, ValidationError};
use crate::options::{EventOptions, Library};
use crate::traits::{Address, CreatedAt, Employees, TraitId};
use crate::validate::EventParts;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Number, Value};

/// An id given to the builder: a string, or an integer that becomes its decimal string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id(pub(crate) String);

impl From<&str> for Id {
    fn from(v: &str) -> Id {
        Id(v.to_owned())
    }
}
impl From<String> for Id {
    fn from(v: String) -> Id {
        Id(v)
    }
}
impl From<&String> for Id {
    fn from(v: &String) -> Id {
        Id(v.clone())
    }
}
macro_rules! id_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Id {
            fn from(v: $t) -> Id { Id(v.to_string()) }
        }
    )*};
}
id_from_int!(i32, i64, u32, u64, usize, i128, u128);

/// When the event happened: an instant, or a string validated as RFC 3339 at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp(pub(crate) Value);

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp {
    fn from(t: DateTime<Tz>) -> Timestamp {
        Timestamp(Value::String(crate::time::format_millis(
            t.with_timezone(&Utc),
        )))
    }
}
impl From<std::time::SystemTime> for Timestamp {
    fn from(t: std::time::SystemTime) -> Timestamp {
        Timestamp::from(DateTime::<Utc>::from(t))
    }
}
impl From<&str> for Timestamp {
    fn from(v: &str) -> Timestamp {
        Timestamp(Value::String(v.to_owned()))
    }
}
impl From<String> for Timestamp {
    fn from(v: String) -> Timestamp {
        Timestamp(Value::String(v))
    }
}

/// Builds a [`GroupEvent`]; [`GroupEventBuilder::build`] validates everything at once.
///
/// ```
/// use rudder_group::GroupEvent;
/// use serde_json::json;
///
/// let event = GroupEvent::builder("12345")
///     .user_id("u1")
///     .name("MyGroup")
///     .industry("IT")
///     .employees(450)
///     .plan("basic")
///     .custom_trait("tier", json!(2))
///     .build()?;
/// assert_eq!(event.group_id(), "12345");
/// assert!(event.to_json().starts_with(r#"{"type":"group","messageId":"#));
/// # Ok::<(), rudder_group::ValidationError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .build()"]
pub struct GroupEventBuilder {
    group_id: String,
    user_id: Option<String>,
    anonymous_id: Option<String>,
    message_id: Option<String>,
    traits: Map<String, Value>,
    context: Option<Value>,
    integrations: Option<Value>,
    original_timestamp: Option<Value>,
    options: EventOptions,
    /// Problems a binding found converting values, reported by `build` with the rest.
    issues: Vec<Issue>,
}

impl GroupEvent {
    /// Starts a group call for `group_id` (a string or an integer).
    pub fn builder(group_id: impl Into<Id>) -> GroupEventBuilder {
        GroupEventBuilder {
            group_id: group_id.into().0,
            user_id: None,
            anonymous_id: None,
            message_id: None,
            traits: Map::new(),
            context: None,
            integrations: None,
            original_timestamp: None,
            options: EventOptions::default(),
            issues: Vec::new(),
        }
    }
}

macro_rules! string_traits {
    ($($(#[$doc:meta])* $method:ident => $key:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $method(self, value: impl Into<String>) -> Self {
            self.set($key, Value::String(value.into()))
        }
    )*};
}

impl GroupEventBuilder {
    fn set(mut self, key: &str, value: Value) -> Self {
        self.set_trait(key, value);
        self
    }

    /// Who joins the group.
    pub fn user_id(mut self, id: impl Into<Id>) -> Self {
        self.user_id = Some(id.into().0);
        self
    }
    /// An anonymous visitor joining the group.
    pub fn anonymous_id(mut self, id: impl Into<Id>) -> Self {
        self.anonymous_id = Some(id.into().0);
        self
    }
    /// Pins the message id (a fresh UUID v4 otherwise).
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
    /// When the event happened (the time of the call otherwise). Goes to `originalTimestamp`.
    pub fn original_timestamp(mut self, t: impl Into<Timestamp>) -> Self {
        self.original_timestamp = Some(t.into().0);
        self
    }
    /// The context; `library` is set by the SDK, the other keys are kept.
    pub fn context(mut self, context: Map<String, Value>) -> Self {
        self.context = Some(Value::Object(context));
        self
    }
    /// The integrations (`{"All": true}` otherwise).
    pub fn integrations(mut self, integrations: Map<String, Value>) -> Self {
        self.integrations = Some(Value::Object(integrations));
        self
    }
    /// Validation and library settings.
    pub fn options(mut self, options: EventOptions) -> Self {
        self.options = options;
        self
    }
    /// Reserved-trait problems become warnings.
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.options.lenient = lenient;
        self
    }
    /// The SDK named in `context.library`.
    pub fn library(mut self, library: Library) -> Self {
        self.options.library = library;
        self
    }

    /// The `id` trait: a string or an integer.
    pub fn id(self, id: impl Into<TraitId>) -> Self {
        self.set("id", id.into().into())
    }
    string_traits! {
        /// The `name` trait.
        name => "name",
        /// The `email` trait.
        email => "email",
        /// The `phone` trait.
        phone => "phone",
        /// The `industry` trait.
        industry => "industry",
        /// The `description` trait.
        description => "description",
        /// The `plan` trait.
        plan => "plan",
        /// The `website` trait.
        website => "website",
        /// The `avatar` trait.
        avatar => "avatar",
    }
    /// The `address` trait.
    pub fn address(self, address: Address) -> Self {
        self.set("address", address.into())
    }
    /// The `createdAt` trait: an ISO-8601 date or date-time.
    pub fn created_at(self, created_at: impl Into<CreatedAt>) -> Self {
        self.set("createdAt", Value::String(created_at.into().0))
    }
    /// The `employees` trait: a non-negative integer or a string.
    pub fn employees(self, employees: impl Into<Employees>) -> Self {
        self.set("employees", employees.into().into())
    }
    /// Sets a trait to `null`: it clears the value downstream (leaving it out does not).
    pub fn clear_trait(self, key: &str) -> Self {
        self.set(key, Value::Null)
    }
    /// Any trait as a JSON value; a reserved key is checked against its rule at build time.
    pub fn custom_trait(self, key: &str, value: Value) -> Self {
        self.set(key, value)
    }
    /// Adds every trait of `traits`, in order.
    pub fn traits(mut self, traits: Map<String, Value>) -> Self {
        self.traits.extend(traits);
        self
    }
    /// An integer trait of any size, written with these exact digits.
    pub fn integer_trait(self, key: &str, value: impl Into<Number>) -> Self {
        self.set(key, Value::Number(value.into()))
    }

    /// Validates and builds the event; the error lists every problem.
    pub fn build(self) -> Result<GroupEvent, ValidationError> {
        let options = self.options.clone();
        self.into_parts().validate(&options)
    }

    /// The raw fields, as [`EventParts`] (with the conversion issues recorded so far).
    pub fn into_parts(self) -> EventParts {
        EventParts {
            message_id: self.message_id.map(Value::String),
            group_id: Some(Value::String(self.group_id)),
            user_id: self.user_id.map(Value::String),
            anonymous_id: self.anonymous_id.map(Value::String),
            traits: Some(Value::Object(self.traits)),
            context: self.context,
            integrations: self.integrations,
            original_timestamp: self.original_timestamp,
            issues: self.issues,
            ..EventParts::default()
        }
    }

    /// The options `build` validates with.
    pub fn event_options(&self) -> &EventOptions {
        &self.options
    }
}

/// In-place setters, for bindings that keep one builder behind a handle (the C library) and
/// set fields one call at a time. A trait set again replaces the earlier value and forgets any
/// conversion problem recorded at its path.
impl GroupEventBuilder {
    /// Sets one trait, replacing an earlier value and any problem recorded at its path.
    pub fn set_trait(&mut self, key: &str, value: Value) {
        self.forget_issues(&pointer("/traits", key));
        self.traits.insert(key.to_owned(), value);
    }

    /// Removes a trait (leaving a trait out differs from setting it to `null`).
    pub fn remove_trait(&mut self, key: &str) {
        self.forget_issues(&pointer("/traits", key));
        self.traits.shift_remove(key);
    }

    /// Sets a trait to `null` and records why its value could not be converted (e.g. NaN); `build`
    /// reports the problem with every other.
    pub fn set_unconvertible_trait(&mut self, key: &str, issue: Issue) {
        self.set_trait(key, Value::Null);
        self.issues.push(issue);
    }

    /// Sets one field of the `address` trait, making `address` an object if it was not one.
    pub fn set_address_field(&mut self, field: &str, value: Value) {
        self.forget_issues("/traits/address");
        let address = self
            .traits
            .entry("address")
            .or_insert_with(|| Value::Object(Map::new()));
        if !address.is_object() {
            *address = Value::Object(Map::new());
        }
        if let Value::Object(map) = address {
            map.insert(field.to_owned(), value);
        }
    }

    /// Sets `userId`.
    pub fn set_user_id(&mut self, id: impl Into<Id>) {
        self.user_id = Some(id.into().0);
    }
    /// Sets `anonymousId`.
    pub fn set_anonymous_id(&mut self, id: impl Into<Id>) {
        self.anonymous_id = Some(id.into().0);
    }
    /// Pins `messageId`.
    pub fn set_message_id(&mut self, id: impl Into<String>) {
        self.message_id = Some(id.into());
    }
    /// Sets when the event happened (`originalTimestamp`).
    pub fn set_original_timestamp(&mut self, t: impl Into<Timestamp>) {
        self.original_timestamp = Some(t.into().0);
    }
    /// Sets `context` to any JSON value; a non-object is reported by `build`.
    pub fn set_context_value(&mut self, context: Value) {
        self.context = Some(context);
    }
    /// Sets `integrations` to any JSON value; a non-object is reported by `build`.
    pub fn set_integrations_value(&mut self, integrations: Value) {
        self.integrations = Some(integrations);
    }
    /// Sets the validation and library settings.
    pub fn set_options(&mut self, options: EventOptions) {
        self.options = options;
    }

    fn forget_issues(&mut self, path: &str) {
        if self.issues.is_empty() {
            return;
        }
        self.issues.retain(|issue| {
            !(issue.path == path
                || (issue.path.starts_with(path) && issue.path[path.len()..].starts_with('/')))
        });
    }
}
