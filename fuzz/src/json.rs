//! JSON values shaped from fuzz bytes: the event's own keys and the reserved traits most of the
//! time, timestamps and edge-case strings, integers of any size, nesting past the depth limit.

use arbitrary::{Result, Unstructured};
use rudder_group::serde_json::{Map, Number, Value};
use std::str::FromStr;

/// Keys of the event, of its traits and of an address, and a few others: the event's own twelve
/// first (`core.rs` reads them as such).
pub const KEYS: &[&str] = &[
    "type",
    "messageId",
    "groupId",
    "userId",
    "anonymousId",
    "traits",
    "context",
    "integrations",
    "originalTimestamp",
    "timestamp",
    "sentAt",
    "channel",
    "library",
    "name",
    "email",
    "phone",
    "industry",
    "description",
    "plan",
    "website",
    "avatar",
    "id",
    "address",
    "city",
    "country",
    "postalCode",
    "state",
    "street",
    "createdAt",
    "employees",
    "All",
    "",
];

/// Strings that sit on the edges of the rules.
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "\t\n",
    "g1",
    "u1",
    "2022-02-01T19:14:18.381Z",
    "2022-02-01",
    "2022-02-30T00:00:00Z",
    "2022-02-01T19:14:18+05:30",
    "+275760-09-13T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "not a date",
    "0",
    "-1",
    "450",
    "1e400",
    "é\u{0}\u{FFFF}\u{10FFFF}",
    "\u{202E}",
];

/// The deepest nesting a value is given (past the core's limit of 64).
const DEEPEST: u32 = 80;

pub fn string(u: &mut Unstructured) -> Result<String> {
    Ok(if u.ratio(2, 3)? {
        (*u.choose(STRINGS)?).to_owned()
    } else {
        u.arbitrary()?
    })
}

pub fn key(u: &mut Unstructured) -> Result<String> {
    Ok(if u.ratio(3, 4)? {
        (*u.choose(KEYS)?).to_owned()
    } else {
        u.arbitrary()?
    })
}

fn number(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=4)? {
        0 => Value::from(u.arbitrary::<i64>()?),
        1 => Value::from(u.arbitrary::<u64>()?),
        2 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        3 => {
            // Integers past 64 bits, kept digit for digit.
            let digits: u32 = u.int_in_range(19..=60)?;
            let text: String = (0..digits)
                .map(|i| char::from(b'1' + (i % 9) as u8))
                .collect();
            Number::from_str(&text).map_or(Value::Null, Value::Number)
        }
        _ => Value::from(u.int_in_range(-2..=500)?),
    })
}

/// Any JSON value, `depth` levels down already.
pub fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let most = if depth >= DEEPEST { 3 } else { 6 };
    Ok(match u.int_in_range(0..=most)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => number(u)?,
        3 => Value::String(string(u)?),
        4 => Value::Array(
            (0..u.int_in_range(0..=3)?)
                .map(|_| value(u, depth + 1))
                .collect::<Result<_>>()?,
        ),
        5 => Value::Object(object(u, depth + 1)?),
        _ => {
            // A chain of single-key objects or arrays, often past the depth limit.
            let levels = u.int_in_range(1..=DEEPEST)?;
            let mut v = value(u, DEEPEST)?;
            for i in 0..levels {
                v = if i % 2 == 0 {
                    Value::Array(vec![v])
                } else {
                    Value::Object(Map::from_iter([("k".to_owned(), v)]))
                };
            }
            v
        }
    })
}

pub fn object(u: &mut Unstructured, depth: u32) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    for _ in 0..u.int_in_range(0..=6)? {
        map.insert(key(u)?, value(u, depth)?);
    }
    Ok(map)
}

/// A group payload: mostly the right keys with plausible values, sometimes anything.
pub fn payload(u: &mut Unstructured) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    if u.ratio(7, 8)? {
        map.insert("groupId".into(), Value::String(string(u)?));
    }
    if u.ratio(7, 8)? {
        map.insert("userId".into(), Value::String(string(u)?));
    }
    if u.ratio(3, 4)? {
        map.insert("traits".into(), Value::Object(object(u, 1)?));
    }
    for (k, v) in object(u, 0)? {
        map.insert(k, v);
    }
    Ok(map)
}
