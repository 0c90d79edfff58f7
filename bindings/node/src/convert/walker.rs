//! The walk over a caller's value: one pass through Node-API with the core's conversion kit (the
//! path written out only for an issue, the depth rule, the size budget, the wordings); cycles are
//! told apart from deep nesting only past the depth limit.

use super::{check, scalar, text};
use napi::sys;
use napi::Error;
use rudder_group::conversion::{self as kit, Budget, JsonPath, TextPlace};
use rudder_group::serde_json::{Map, Value};
use rudder_group::{ErrorCode, Issue, ValidationError};
use std::ptr;

/// What a binding says after the standard message of a value with no JSON form.
const SUPPORTED: &str = "pass strings, numbers, booleans, null, arrays, plain objects or Dates";

/// Why a walk stopped early.
enum Stop {
    /// A Node-API call failed, or JS code (a getter, a proxy trap) threw: the exception is left
    /// pending for the caller.
    Napi(Error),
    /// The object at this stack index is one of its own ancestors.
    Cycle(usize),
    /// The converted values passed `max_event_bytes`: nothing more is read.
    TooLarge,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Napi(e)
    }
}

type Step<T> = Result<T, Stop>;

/// A budget's answer as a step: `Stop::TooLarge` once it is spent.
fn within(ok: bool) -> Step<()> {
    if ok {
        Ok(())
    } else {
        Err(Stop::TooLarge)
    }
}

/// A walk over one caller value.
pub(crate) struct Walker {
    env: sys::napi_env,
    /// Problems found so far, in the order met.
    pub(crate) issues: Vec<Issue>,
    /// Where the walk is: the keys and indexes from the payload down (the path of an issue is
    /// only written out when there is one).
    path: JsonPath,
    /// The bytes converted so far, against `max_event_bytes`.
    budget: Budget,
    /// The containers being walked, outermost first (cycle detection past the depth limit).
    stack: Vec<sys::napi_value>,
    /// `Object.prototype` of the caller's realm, once seen.
    object_proto: sys::napi_value,
    buf: Vec<u8>,
}

impl Walker {
    /// A walker for values of `env` that stops after `max_event_bytes` of values.
    pub(crate) fn new(env: sys::napi_env, max_event_bytes: usize) -> Walker {
        Walker {
            env,
            issues: Vec::new(),
            path: JsonPath::new(),
            budget: Budget::new(max_event_bytes),
            stack: Vec::with_capacity(8),
            object_proto: ptr::null_mut(),
            buf: Vec::with_capacity(256),
        }
    }

    /// Reads a top-level payload object into a map. Anything but a plain object is the one
    /// `INVALID_JSON` issue of the payload; values past the budget are `EVENT_TOO_LARGE` with
    /// the problems found before. With `known`, a key not in it is `INVALID_FIELD_TYPE` (naming
    /// the nearest known key) and its value is not read.
    pub(crate) fn root(
        &mut self,
        v: sys::napi_value,
        known: Option<&[&str]>,
    ) -> napi::Result<Result<Map<String, Value>, ValidationError>> {
        let t = self.type_of(v)?;
        if t == sys::ValueType::napi_number {
            let mut x = 0f64;
            check(unsafe { sys::napi_get_value_double(self.env, v, &mut x) })?;
            // Named as the core names a parsed number.
            let kind = if x.fract() == 0.0 {
                "an integer"
            } else {
                "a number"
            };
            return Ok(Err(kit::not_an_object(kind).into()));
        }
        if t != sys::ValueType::napi_object {
            return Ok(Err(kit::not_an_object(type_name(t)).into()));
        }
        if self.is_array(v)? {
            return Ok(Err(kit::not_an_object("an array").into()));
        }
        if !self.is_plain(v)? {
            let what = format!("a {} instance", self.class_name(v));
            return Ok(Err(kit::not_an_object(&what).into()));
        }
        self.stack.push(v);
        let r = self.object_body(v, 1, known);
        self.stack.pop();
        match r {
            Ok(map) => Ok(Ok(map)),
            Err(Stop::Napi(e)) => Err(e),
            // Index 0 is the payload itself, which no cycle check reports.
            Err(Stop::Cycle(_)) => Ok(Ok(Map::new())),
            Err(Stop::TooLarge) => {
                let budget = std::mem::replace(&mut self.budget, Budget::new(0));
                Ok(Err(budget.into_error(std::mem::take(&mut self.issues))))
            }
        }
    }

    /// Spends what a converted scalar takes; `Stop::TooLarge` past the budget.
    fn spend_scalar(&mut self, v: Value) -> Step<Value> {
        if self.budget.scalar(&v) {
            Ok(v)
        } else {
            Err(Stop::TooLarge)
        }
    }

    fn type_of(&self, v: sys::napi_value) -> napi::Result<i32> {
        let mut t = 0;
        check(unsafe { sys::napi_typeof(self.env, v, &mut t) })?;
        Ok(t)
    }

    fn is_array(&self, v: sys::napi_value) -> napi::Result<bool> {
        let mut b = false;
        check(unsafe { sys::napi_is_array(self.env, v, &mut b) })?;
        Ok(b)
    }

    fn prototype(&self, v: sys::napi_value) -> napi::Result<sys::napi_value> {
        let mut p = ptr::null_mut();
        check(unsafe { sys::napi_get_prototype(self.env, v, &mut p) })?;
        Ok(p)
    }

    fn strict_equals(&self, a: sys::napi_value, b: sys::napi_value) -> napi::Result<bool> {
        let mut eq = false;
        check(unsafe { sys::napi_strict_equals(self.env, a, b, &mut eq) })?;
        Ok(eq)
    }

    /// A plain object: its prototype is `null` or some realm's `Object.prototype` (an object
    /// whose own prototype is `null`).
    fn is_plain(&mut self, v: sys::napi_value) -> napi::Result<bool> {
        let proto = self.prototype(v)?;
        if !self.object_proto.is_null() && self.strict_equals(proto, self.object_proto)? {
            return Ok(true);
        }
        if self.type_of(proto)? == sys::ValueType::napi_null {
            return Ok(true);
        }
        let above = self.prototype(proto)?;
        if self.type_of(above)? == sys::ValueType::napi_null {
            self.object_proto = proto;
            return Ok(true);
        }
        Ok(false)
    }

    /// `a Map instance`, for messages; best effort (a throwing getter is swallowed here).
    fn class_name(&self, v: sys::napi_value) -> String {
        let name = (|| -> napi::Result<Option<String>> {
            let mut ctor = ptr::null_mut();
            check(unsafe {
                sys::napi_get_named_property(self.env, v, c"constructor".as_ptr(), &mut ctor)
            })?;
            if self.type_of(ctor)? != sys::ValueType::napi_function {
                return Ok(None);
            }
            let mut name = ptr::null_mut();
            check(unsafe {
                sys::napi_get_named_property(self.env, ctor, c"name".as_ptr(), &mut name)
            })?;
            if self.type_of(name)? != sys::ValueType::napi_string {
                return Ok(None);
            }
            Ok(text::read_utf8(self.env, name, &mut Vec::new())?.filter(|s| !s.is_empty()))
        })();
        let mut pending = false;
        unsafe { sys::napi_is_exception_pending(self.env, &mut pending) };
        if pending {
            let mut e = ptr::null_mut();
            unsafe { sys::napi_get_and_clear_last_exception(self.env, &mut e) };
        }
        match name {
            Ok(Some(n)) => n,
            _ => "class instance".to_owned(),
        }
    }

    /// Reports `issue` (made with the current path) and gives the `null` that takes its place.
    fn report(&mut self, issue: impl FnOnce(String) -> Issue) -> Value {
        let issue = issue(self.path.render());
        self.issues.push(issue);
        Value::Null
    }

    fn unsupported(&mut self, type_name: &str) -> Value {
        self.report(|p| kit::with_hint(kit::unsupported_type(p, type_name), SUPPORTED))
    }

    /// Converts one value; `None` is `undefined` (left out of objects, `null` in arrays).
    /// `depth` is the level the value sits at if it is a container (the payload is level 1).
    fn value(&mut self, v: sys::napi_value, depth: usize) -> Step<Option<Value>> {
        let t = self.type_of(v)?;
        let out = match t {
            sys::ValueType::napi_undefined => return Ok(None),
            sys::ValueType::napi_null => Value::Null,
            sys::ValueType::napi_boolean => {
                let mut b = false;
                check(unsafe { sys::napi_get_value_bool(self.env, v, &mut b) })?;
                Value::Bool(b)
            }
            sys::ValueType::napi_number => {
                let mut x = 0f64;
                check(unsafe { sys::napi_get_value_double(self.env, v, &mut x) })?;
                match scalar::number(x) {
                    Some(n) => Value::Number(n),
                    None => self.report(|p| kit::non_finite_float(p, x)),
                }
            }
            sys::ValueType::napi_string => match text::read_utf8(self.env, v, &mut self.buf)? {
                Some(s) => Value::String(s),
                None => self.report(|p| kit::invalid_text(p, TextPlace::Value)),
            },
            sys::ValueType::napi_bigint => Value::Number(self.bigint(v)?),
            sys::ValueType::napi_object => return self.object(v, depth).map(Some),
            sys::ValueType::napi_symbol => self.unsupported("symbol"),
            sys::ValueType::napi_function => self.unsupported("function"),
            _ => self.unsupported("external"),
        };
        self.spend_scalar(out).map(Some)
    }

    fn bigint(&self, v: sys::napi_value) -> napi::Result<rudder_group::serde_json::Number> {
        let mut count = 0usize;
        check(unsafe {
            sys::napi_get_value_bigint_words(
                self.env,
                v,
                ptr::null_mut(),
                &mut count,
                ptr::null_mut(),
            )
        })?;
        let mut words = vec![0u64; count];
        let mut sign = 0;
        check(unsafe {
            sys::napi_get_value_bigint_words(self.env, v, &mut sign, &mut count, words.as_mut_ptr())
        })?;
        words.truncate(count);
        Ok(scalar::bigint(sign != 0, &words))
    }

    fn object(&mut self, v: sys::napi_value, depth: usize) -> Step<Value> {
        let array = self.is_array(v)?;
        if !array && !self.is_plain(v)? {
            let mut is_date = false;
            check(unsafe { sys::napi_is_date(self.env, v, &mut is_date) })?;
            if !is_date {
                let what = self.class_name(v);
                return Ok(self.unsupported(&what));
            }
            let mut millis = 0f64;
            check(unsafe { sys::napi_get_date_value(self.env, v, &mut millis) })?;
            return match scalar::date(millis) {
                Some(s) => self.spend_scalar(Value::String(s)),
                None => Ok(self.report(|p| {
                    Issue::error(
                        ErrorCode::InvalidTimestamp,
                        p,
                        "an invalid Date has no ISO-8601 form",
                    )
                })),
            };
        }
        within(self.budget.container())?;
        self.stack.push(v);
        let r = if kit::container_too_deep(depth) {
            // Past the limit nothing more is read: the empty container stands for the deep one
            // and validation reports TOO_DEEP at this path, unless the depth comes from a cycle.
            match self.find_cycle() {
                Some(j) => Err(Stop::Cycle(j)),
                None if array => Ok(Value::Array(Vec::new())),
                None => Ok(Value::Object(Map::new())),
            }
        } else if array {
            self.array_body(v, depth).map(Value::Array)
        } else {
            self.object_body(v, depth, None).map(Value::Object)
        };
        self.stack.pop();
        r
    }

    /// The stack index of the first container that repeats one of its ancestors.
    fn find_cycle(&self) -> Option<usize> {
        (1..self.stack.len()).find(|&j| {
            (0..j).any(|i| {
                self.strict_equals(self.stack[i], self.stack[j])
                    .unwrap_or(false)
            })
        })
    }

    /// The result of walking the child at the current position (child of a container at
    /// `depth`): a cycle closing at this child becomes its `UNSUPPORTED_VALUE`.
    fn child(&mut self, v: sys::napi_value, depth: usize) -> Step<Option<Value>> {
        match self.value(v, depth + 1) {
            Err(Stop::Cycle(j)) if j == depth => Ok(Some(self.report(kit::circular_reference))),
            other => other,
        }
    }

    fn object_body(
        &mut self,
        obj: sys::napi_value,
        depth: usize,
        known: Option<&[&str]>,
    ) -> Step<Map<String, Value>> {
        let mut keys = ptr::null_mut();
        check(unsafe {
            sys::napi_get_all_property_names(
                self.env,
                obj,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut keys,
            )
        })?;
        let mut len = 0u32;
        check(unsafe { sys::napi_get_array_length(self.env, keys, &mut len) })?;
        let mut map = Map::with_capacity((len as usize).min(self.budget.left()));
        for i in 0..len {
            let mut key = ptr::null_mut();
            check(unsafe { sys::napi_get_element(self.env, keys, i, &mut key) })?;
            let mut child = ptr::null_mut();
            check(unsafe { sys::napi_get_property(self.env, obj, key, &mut child) })?;
            let name = match text::read_utf8(self.env, key, &mut self.buf)? {
                Some(name) => name,
                None => {
                    self.path.push_key(text::read_lossy(self.env, key)?);
                    let v = self.report(|p| kit::invalid_text(p, TextPlace::Key));
                    if let Some(k) = self.path.pop_key() {
                        map.insert(k, v);
                    }
                    continue;
                }
            };
            if let Some(known) = known.filter(|k| !k.contains(&name.as_str())) {
                // Only the payload's own keys are checked: its path is the key alone.
                let issue = kit::unknown_key(rudder_group::pointer("", &name), &name, known);
                self.issues.push(issue);
                continue;
            }
            let key_len = name.len();
            self.path.push_key(name);
            let r = self.child(child, depth);
            let name = self.path.pop_key();
            if let (Some(name), Some(v)) = (name, r?) {
                map.insert(name, v);
                within(self.budget.key(key_len))?;
            }
        }
        Ok(map)
    }

    fn array_body(&mut self, arr: sys::napi_value, depth: usize) -> Step<Vec<Value>> {
        let mut len = 0u32;
        check(unsafe { sys::napi_get_array_length(self.env, arr, &mut len) })?;
        let mut items = Vec::with_capacity((len as usize).min(self.budget.left()));
        for i in 0..len {
            let mut item = ptr::null_mut();
            check(unsafe { sys::napi_get_element(self.env, arr, i, &mut item) })?;
            self.path.push_index(i as usize);
            let r = self.child(item, depth);
            self.path.pop();
            match r? {
                Some(v) => items.push(v),
                // `undefined` is `null` in an array, as JSON.stringify writes it.
                None => items.push(self.spend_scalar(Value::Null)?),
            }
            within(self.budget.item())?;
        }
        Ok(items)
    }
}

fn type_name(t: i32) -> &'static str {
    match t {
        sys::ValueType::napi_undefined => "undefined",
        sys::ValueType::napi_null => "null",
        sys::ValueType::napi_boolean => "a boolean",
        sys::ValueType::napi_number => "a number",
        sys::ValueType::napi_string => "a string",
        sys::ValueType::napi_symbol => "a symbol",
        sys::ValueType::napi_function => "a function",
        sys::ValueType::napi_bigint => "a bigint",
        _ => "a native value",
    }
}
