//! The builder's trait setters: every reserved group trait, typed, and custom traits as typed
//! values or as JSON fragments. Reserved rules are checked by the core at build time, so a
//! custom setter may also set a reserved key (it is checked all the same).

use crate::builder::{json_fragment, rudder_event_builder, with_builder};
use crate::status::rudder_status;
use rudder_group_core::conversion::non_finite_float;
use rudder_group_core::pointer;
use rudder_group_core::serde_json::{Number, Value};
use std::ffi::c_char;

fn set_string(
    builder: *mut rudder_event_builder,
    key: &str,
    value: *const c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        let value = arg!(str value);
        b.set_trait(key, Value::String(value.to_owned()));
        Ok(())
    })
}

fn set_address(
    builder: *mut rudder_event_builder,
    field: &str,
    value: *const c_char,
) -> rudder_status {
    with_builder(builder, |b| {
        let value = arg!(str value);
        b.set_address_field(field, Value::String(value.to_owned()));
        Ok(())
    })
}

/// Runs a custom-trait setter with its checked key.
fn with_key(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    set: impl FnOnce(&mut rudder_event_builder, &str) -> crate::error::Result<()>,
) -> rudder_status {
    with_builder(builder, |b| {
        let key = arg!(str key);
        set(b, key)
    })
}

/// Reserved trait `name`: the group's name. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_name(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "name", value)
}

/// Reserved trait `email`: the group's email address. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_email(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "email", value)
}

/// Reserved trait `phone`: the group's phone number. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_phone(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "phone", value)
}

/// Reserved trait `industry`: the group's industry. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_industry(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "industry", value)
}

/// Reserved trait `description`: what the group is. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_description(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "description", value)
}

/// Reserved trait `plan`: the group's plan, e.g. `"enterprise"`. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_plan(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "plan", value)
}

/// Reserved trait `website`: the group's website. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_website(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "website", value)
}

/// Reserved trait `avatar`: the URL of the group's avatar image. The string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_avatar(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "avatar", value)
}

/// Reserved trait `id` as a string (`rudder_event_builder_set_id_int64` sets a number). The
/// string is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_id(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "id", value)
}

/// Reserved trait `createdAt`: when the group was created, an ISO-8601 date (`"2024-01-31"`)
/// or date-time; anything else is reported by the build as `RUDDER_INVALID_TRAIT`. The string
/// is copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_created_at(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "createdAt", value)
}

/// Reserved trait `employees` as a string, e.g. `"100-500"` (kept as given). The string is
/// copied.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_employees_string(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_string(builder, "employees", value)
}

/// Reserved trait `id` as an integer: written as a JSON number, kept as given.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_id_int64(
    builder: *mut rudder_event_builder,
    value: i64,
) -> rudder_status {
    with_builder(builder, |b| {
        b.set_trait("id", Value::Number(value.into()));
        Ok(())
    })
}

/// Reserved trait `employees` as a count. A negative count is reported by the build as
/// `RUDDER_INVALID_TRAIT`.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_employees(
    builder: *mut rudder_event_builder,
    value: i64,
) -> rudder_status {
    with_builder(builder, |b| {
        b.set_trait("employees", Value::Number(value.into()));
        Ok(())
    })
}

/// Reserved trait `address`: sets its `city` field (a string; copied). The other fields are
/// kept; an `address` that was not an object becomes one.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_city(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_address(builder, "city", value)
}

/// Reserved trait `address`: sets its `country` field (a string; copied). The other fields are
/// kept; an `address` that was not an object becomes one.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_country(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_address(builder, "country", value)
}

/// Reserved trait `address`: sets its `postalCode` field (a string; copied). The other fields are
/// kept; an `address` that was not an object becomes one.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_postal_code(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_address(builder, "postalCode", value)
}

/// Reserved trait `address`: sets its `state` field (a string; copied). The other fields are
/// kept; an `address` that was not an object becomes one.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_state(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_address(builder, "state", value)
}

/// Reserved trait `address`: sets its `street` field (a string; copied). The other fields are
/// kept; an `address` that was not an object becomes one.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_street(
    builder: *mut rudder_event_builder,
    value: *const c_char,
) -> rudder_status {
    set_address(builder, "street", value)
}

/// Reserved trait `address`: sets any field `key` to a string (both copied), e.g. a `"region"`
/// beyond the five typed ones.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_address_field(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    value: *const c_char,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        let value = arg!(str value);
        b.set_address_field(key, Value::String(value.to_owned()));
        Ok(())
    })
}

/// Sets trait `key` to a string. Both strings are copied. Setting a key again replaces its value
/// in place (the first position is kept).
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_string(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    value: *const c_char,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        let value = arg!(str value);
        b.set_trait(key, Value::String(value.to_owned()));
        Ok(())
    })
}

/// Sets trait `key` to an integer.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_int64(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    value: i64,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        b.set_trait(key, Value::Number(value.into()));
        Ok(())
    })
}

/// Sets trait `key` to a number. NaN and ±Infinity have no JSON form: the call succeeds, and the
/// build reports `RUDDER_NON_FINITE_NUMBER` at `/traits/<key>` together with any other problem
/// (unless the key is set again first).
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_double(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    value: f64,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        match Number::from_f64(value) {
            Some(n) => b.set_trait(key, Value::Number(n)),
            None => {
                b.set_unconvertible_trait(key, non_finite_float(pointer("/traits", key), value))
            }
        }
        Ok(())
    })
}

/// Sets trait `key` to a boolean.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_bool(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    value: bool,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        b.set_trait(key, Value::Bool(value));
        Ok(())
    })
}

/// Sets trait `key` to `null`: downstream this clears the value, which differs from leaving the
/// key out. Allowed for every reserved trait.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_null(
    builder: *mut rudder_event_builder,
    key: *const c_char,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        b.set_trait(key, Value::Null);
        Ok(())
    })
}

/// Sets trait `key` to a JSON value given as text: an object, an array, or any scalar, e.g.
/// `"{\"tier\":2,\"tags\":[\"a\"]}"`. Numbers keep their exact digits. Text that is not JSON
/// returns `RUDDER_INVALID_JSON` (nesting past the parser's limit `RUDDER_TOO_DEEP`) and leaves
/// the builder unchanged; every other rule is checked by the build.
#[no_mangle]
pub extern "C" fn rudder_event_builder_set_trait_json(
    builder: *mut rudder_event_builder,
    key: *const c_char,
    json: *const c_char,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        let text = arg!(str json);
        let value = json_fragment(text, &pointer("/traits", key))?;
        b.set_trait(key, value);
        Ok(())
    })
}

/// Removes trait `key` if present (leaving a key out differs from setting it to null).
#[no_mangle]
pub extern "C" fn rudder_event_builder_remove_trait(
    builder: *mut rudder_event_builder,
    key: *const c_char,
) -> rudder_status {
    with_key(builder, key, |b, key| {
        b.remove_trait(key);
        Ok(())
    })
}
