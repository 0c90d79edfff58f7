//! The walk over a caller's value: one pass through Node-API with the core's conversion kit (the
//! path written out only for an issue, the depth rule, the size budget, the wordings), writing
//! canonical JSON as it goes (`JsonWriter`): `traits`, `context` and `integrations` of a call
//! reach the core as bytes, other fields as the few values parsed back from theirs. Cycles are
//! told apart from deep nesting only past the depth limit; the bytes written for a value that
//! turns out to be a cycle are taken back (`JsonWriter::rewind`).

use super::{check, scalar, text};
use napi::sys;
use napi::Error;
use rudder_group::conversion::{self as kit, Budget, JsonPath, JsonWriter, TextPlace};
use rudder_group::serde_json::{Map, Value};
use rudder_group::{ErrorCode, Issue, ValidationError, WrittenFields};
use std::ptr;

/// What a binding says after the standard message of a value with no JSON form.
const SUPPORTED: &str = "pass strings, numbers, booleans, null, arrays, plain objects or Dates";

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

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

/// One step of the path: a property key (read again only to render an issue's path) or an index.
enum PathStep {
    Key(sys::napi_value),
    Index(usize),
}

/// A payload's fields: values, and the object fields written as bytes.
pub(crate) struct Fields {
    /// Every field not written as bytes, by its key.
    pub(crate) values: Map<String, Value>,
    /// `traits`, `context` and `integrations` of a call, as bytes.
    pub(crate) written: WrittenFields,
}

/// A walk over one caller value.
pub(crate) struct Walker {
    env: sys::napi_env,
    /// Problems found so far, in the order met.
    pub(crate) issues: Vec<Issue>,
    /// Where the walk is: the keys and indexes from the payload down.
    path: Vec<PathStep>,
    /// The bytes converted so far, against `max_event_bytes`.
    budget: Budget,
    /// The containers being walked, outermost first (cycle detection past the depth limit).
    stack: Vec<sys::napi_value>,
    /// `Object.prototype` of the caller's realm, once seen.
    object_proto: sys::napi_value,
    /// Scratch space for strings.
    buf: Vec<u8>,
    /// Where the field being walked is written.
    out: JsonWriter,
}

impl Walker {
    /// A walker for values of `env` that stops after `max_event_bytes` of values.
    pub(crate) fn new(env: sys::napi_env, max_event_bytes: usize) -> Walker {
        Walker {
            env,
            issues: Vec::new(),
            path: Vec::with_capacity(8),
            budget: Budget::new(max_event_bytes),
            stack: Vec::with_capacity(8),
            object_proto: ptr::null_mut(),
            buf: Vec::with_capacity(256),
            out: JsonWriter::default(),
        }
    }

    /// Reads a top-level payload object into its fields. Anything but a plain object is the one
    /// `INVALID_JSON` issue of the payload; values past the budget are `EVENT_TOO_LARGE` with
    /// the problems found before. With `known`, a key not in it is `INVALID_FIELD_TYPE` (naming
    /// the nearest known key) and its value is not read. With `write_objects`, `traits`,
    /// `context` and `integrations` that are objects come as bytes.
    pub(crate) fn root(
        &mut self,
        v: sys::napi_value,
        known: Option<&[&str]>,
        write_objects: bool,
    ) -> napi::Result<Result<Fields, ValidationError>> {
        let t = self.type_of(v)?;
        if t == sys::ValueType::napi_number {
            let mut x = 0f64;
            // SAFETY: `v` is a number of this env.
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
        let mut fields = Fields {
            values: Map::new(),
            written: WrittenFields::default(),
        };
        let r = self.root_body(v, known, write_objects, &mut fields);
        self.stack.pop();
        match r {
            Ok(()) => Ok(Ok(fields)),
            Err(Stop::Napi(e)) => Err(e),
            // Index 0 is the payload itself, which no cycle check reports.
            Err(Stop::Cycle(_)) => Ok(Ok(Fields {
                values: Map::new(),
                written: WrittenFields::default(),
            })),
            Err(Stop::TooLarge) => {
                let budget = std::mem::replace(&mut self.budget, Budget::new(0));
                Ok(Err(budget.into_error(std::mem::take(&mut self.issues))))
            }
        }
    }

    /// The payload's own keys, each field written by a writer of its own.
    fn root_body(
        &mut self,
        obj: sys::napi_value,
        known: Option<&[&str]>,
        write_objects: bool,
        fields: &mut Fields,
    ) -> Step<()> {
        let (keys, len) = self.own_keys(obj)?;
        for i in 0..len {
            let (key, child) = self.entry(obj, keys, i)?;
            let Some(name) = text::read_str(self.env, key, &mut self.buf)? else {
                self.path.push(PathStep::Key(key));
                self.issue(|p| kit::invalid_text(p, TextPlace::Key));
                self.path.pop();
                let shown = text::read_lossy(self.env, key)?;
                fields.values.insert(shown, Value::Null);
                continue;
            };
            let name = name.to_owned();
            if let Some(known) = known.filter(|k| !k.contains(&name.as_str())) {
                // Only the payload's own keys are checked: its path is the key alone.
                let issue = kit::unknown_key(rudder_group::pointer("", &name), &name, known);
                self.issues.push(issue);
                continue;
            }
            let t = self.type_of(child)?;
            if t == sys::ValueType::napi_undefined {
                continue;
            }
            let slot = match name.as_str() {
                "traits" if write_objects => Some(&mut fields.written.traits),
                "context" if write_objects => Some(&mut fields.written.context),
                "integrations" if write_objects => Some(&mut fields.written.integrations),
                _ => None,
            };
            if slot.is_none() && t == sys::ValueType::napi_string {
                // The common id: no writer, no parse.
                if let Some(s) = text::read_str(self.env, child, &mut self.buf)? {
                    let value = Value::String(s.to_owned());
                    within(self.budget.string(s.len()))?;
                    let key_len = name.len();
                    fields.values.insert(name, value);
                    within(self.budget.key(key_len))?;
                    continue;
                }
            }
            self.out = if slot.is_some() {
                JsonWriter::for_field(&name)
            } else {
                JsonWriter::default()
            };
            self.path.push(PathStep::Key(key));
            let r = self.child(child, t, 1);
            self.path.pop();
            r?;
            let out = std::mem::take(&mut self.out);
            let key_len = name.len();
            match slot {
                Some(slot) => match out.finish() {
                    Ok(written) => *slot = Some(written),
                    Err(value) => {
                        fields.values.insert(name, value);
                    }
                },
                None => {
                    fields.values.insert(name, out.into_value());
                }
            }
            within(self.budget.key(key_len))?;
        }
        Ok(())
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

    /// The current path as a JSON pointer (keys read again; best effort).
    fn rendered(&self) -> String {
        let mut path = JsonPath::new();
        for step in &self.path {
            match step {
                PathStep::Key(k) => {
                    path.push_key(text::read_lossy(self.env, *k).unwrap_or_else(|_| "?".into()))
                }
                PathStep::Index(i) => path.push_index(*i),
            }
        }
        path.render()
    }

    /// Reports `issue` (made with the current path); nothing is written for it.
    fn issue(&mut self, issue: impl FnOnce(String) -> Issue) {
        let issue = issue(self.rendered());
        self.issues.push(issue);
    }

    /// Reports `issue` (made with the current path) and writes the `null` that takes its place.
    fn report(&mut self, issue: impl FnOnce(String) -> Issue) {
        self.issue(issue);
        self.out.null();
    }

    fn unsupported(&mut self, type_name: &str) {
        self.report(|p| kit::with_hint(kit::unsupported_type(p, type_name), SUPPORTED))
    }

    /// Converts one value of JS type `t`; `false` for `undefined` (nothing written: left out of
    /// objects, `null` in arrays). `depth` is the level the value sits at if it is a container
    /// (the payload is level 1).
    fn typed(&mut self, v: sys::napi_value, t: i32, depth: usize) -> Step<bool> {
        let before = self.out.len();
        match t {
            sys::ValueType::napi_undefined => return Ok(false),
            sys::ValueType::napi_null => self.out.null(),
            sys::ValueType::napi_boolean => {
                let mut b = false;
                // SAFETY: `v` is a boolean of this env.
                check(unsafe { sys::napi_get_value_bool(self.env, v, &mut b) })?;
                self.out.bool(b);
            }
            sys::ValueType::napi_number => {
                let mut x = 0f64;
                // SAFETY: `v` is a number of this env.
                check(unsafe { sys::napi_get_value_double(self.env, v, &mut x) })?;
                self.number(x);
            }
            sys::ValueType::napi_string => match text::read_str(self.env, v, &mut self.buf)? {
                Some(s) => {
                    let len = s.len();
                    self.out.string(s);
                    within(self.budget.string(len))?;
                    return Ok(true);
                }
                None => self.report(|p| kit::invalid_text(p, TextPlace::Value)),
            },
            sys::ValueType::napi_bigint => {
                let n = self.bigint(v)?;
                self.out.json_number(&n);
            }
            sys::ValueType::napi_object => {
                self.object(v, depth)?;
                return Ok(true);
            }
            sys::ValueType::napi_symbol => self.unsupported("symbol"),
            sys::ValueType::napi_function => self.unsupported("function"),
            _ => self.unsupported("external"),
        }
        // A scalar (or the `null` of a problem) takes what it wrote.
        within(self.budget.spend(self.out.len() - before))?;
        Ok(true)
    }

    /// A finite JS number with the digits JS prints (see `scalar::number`); NaN and ±Infinity
    /// are reported.
    fn number(&mut self, x: f64) {
        if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER {
            // Exact: |x| < 2^53, and -0 becomes 0 as in JSON.stringify.
            self.out.i64(x as i64);
            return;
        }
        match scalar::number(x) {
            Some(n) => self.out.json_number(&n),
            None => self.report(|p| kit::non_finite_float(p, x)),
        }
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

    fn object(&mut self, v: sys::napi_value, depth: usize) -> Step<()> {
        let array = self.is_array(v)?;
        if !array && !self.is_plain(v)? {
            let mut is_date = false;
            // SAFETY: `v` is an object of this env.
            check(unsafe { sys::napi_is_date(self.env, v, &mut is_date) })?;
            if !is_date {
                let what = self.class_name(v);
                self.unsupported(&what);
                return Ok(());
            }
            let mut millis = 0f64;
            // SAFETY: `v` is a Date of this env.
            check(unsafe { sys::napi_get_date_value(self.env, v, &mut millis) })?;
            match scalar::date(millis) {
                Some(s) => {
                    self.out.string(&s);
                    within(self.budget.string(s.len()))?;
                }
                None => self.report(|p| {
                    Issue::error(
                        ErrorCode::InvalidTimestamp,
                        p,
                        "an invalid Date has no ISO-8601 form",
                    )
                }),
            }
            return Ok(());
        }
        within(self.budget.container())?;
        self.stack.push(v);
        let r = if kit::container_too_deep(depth) {
            // Past the limit nothing more is read: the empty container stands for the deep one
            // and validation reports TOO_DEEP at this path, unless the depth comes from a cycle.
            match self.find_cycle() {
                Some(j) => Err(Stop::Cycle(j)),
                None => {
                    if array {
                        self.out.begin_array();
                        self.out.end_array();
                    } else {
                        self.out.begin_object();
                        self.out.end_object();
                    }
                    let path = self.rendered();
                    self.out.found(kit::too_deep(path));
                    Ok(())
                }
            }
        } else if array {
            self.out.begin_array();
            let r = self.array_body(v, depth);
            self.out.end_array();
            r
        } else {
            self.out.begin_object();
            let r = self.object_body(v, depth);
            self.out.end_object();
            r
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

    /// Walks the child at the current position (child of a container at `depth`): a cycle
    /// closing at this child takes back what was written for it and becomes its
    /// `UNSUPPORTED_VALUE`.
    fn child(&mut self, v: sys::napi_value, t: i32, depth: usize) -> Step<bool> {
        let mark = self.out.mark();
        match self.typed(v, t, depth + 1) {
            Err(Stop::Cycle(j)) if j == depth => {
                self.out.rewind(mark);
                self.report(kit::circular_reference);
                Ok(true)
            }
            other => other,
        }
    }

    /// An object's own enumerable string keys, as an array and its length.
    fn own_keys(&self, obj: sys::napi_value) -> napi::Result<(sys::napi_value, u32)> {
        let mut keys = ptr::null_mut();
        // SAFETY: `obj` is an object of this env.
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
        // SAFETY: `keys` is an array of this env.
        check(unsafe { sys::napi_get_array_length(self.env, keys, &mut len) })?;
        Ok((keys, len))
    }

    /// Key `i` of `keys` and its value in `obj` (a getter or proxy trap may run).
    fn entry(
        &self,
        obj: sys::napi_value,
        keys: sys::napi_value,
        i: u32,
    ) -> napi::Result<(sys::napi_value, sys::napi_value)> {
        let mut key = ptr::null_mut();
        // SAFETY: `keys` is an array of this env.
        check(unsafe { sys::napi_get_element(self.env, keys, i, &mut key) })?;
        let mut child = ptr::null_mut();
        // SAFETY: `obj` is an object and `key` a string of this env.
        check(unsafe { sys::napi_get_property(self.env, obj, key, &mut child) })?;
        Ok((key, child))
    }

    fn object_body(&mut self, obj: sys::napi_value, depth: usize) -> Step<()> {
        let (keys, len) = self.own_keys(obj)?;
        for i in 0..len {
            let (key, child) = self.entry(obj, keys, i)?;
            let t = self.type_of(child)?;
            let key_len = match text::read_str(self.env, key, &mut self.buf)? {
                Some(name) => {
                    if t == sys::ValueType::napi_undefined {
                        continue;
                    }
                    self.out.key(name);
                    name.len()
                }
                None => {
                    let shown = text::read_lossy(self.env, key)?;
                    self.out.key(&shown);
                    self.path.push(PathStep::Key(key));
                    self.report(|p| kit::invalid_text(p, TextPlace::Key));
                    self.path.pop();
                    continue;
                }
            };
            self.path.push(PathStep::Key(key));
            let r = self.child(child, t, depth);
            self.path.pop();
            r?;
            within(self.budget.key(key_len))?;
        }
        Ok(())
    }

    fn array_body(&mut self, arr: sys::napi_value, depth: usize) -> Step<()> {
        let mut len = 0u32;
        // SAFETY: `arr` is an array of this env.
        check(unsafe { sys::napi_get_array_length(self.env, arr, &mut len) })?;
        for i in 0..len {
            let mut item = ptr::null_mut();
            // SAFETY: as above.
            check(unsafe { sys::napi_get_element(self.env, arr, i, &mut item) })?;
            let t = self.type_of(item)?;
            self.path.push(PathStep::Index(i as usize));
            let r = self.child(item, t, depth);
            self.path.pop();
            if !r? {
                // `undefined` is `null` in an array, as JSON.stringify writes it.
                self.out.null();
                within(self.budget.spend(4))?;
            }
            within(self.budget.item())?;
        }
        Ok(())
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
