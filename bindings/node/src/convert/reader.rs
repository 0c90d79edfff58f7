//! The Rust half of reading a caller's value: the tagged text `lib/encode.js` made of it, read
//! in one pass onto the core's kit (the path written out only for an issue, the depth rule, the
//! size budget, the wordings), writing canonical JSON as it goes (`JsonWriter`): `traits`,
//! `context` and `integrations` of a call reach the core as bytes, other fields as the few
//! values parsed back from theirs.
//!
//! The text is read as UTF-16, as JS holds it, so a lone surrogate reaches this side intact and
//! is refused here. Its grammar (every token says what it is by its first unit):
//!
//! | token | what the JS value was |
//! |---|---|
//! | `{` *key value* … `}` | a plain object; each key is a string token, followed directly by its value |
//! | `[` *value* `,` … `]` | an array |
//! | `"` *text* NUL | a string without NUL, as it is |
//! | `L` *length* `"` *text* | any string: *length* UTF-16 units follow the quote |
//! | digits, `-`, `NaN`, `Infinity` | a number, as `String(number)` writes it |
//! | `null` `true` `false` | themselves |
//! | `u` | `undefined` (of a property, an array item, or a call key that is not a field: its value is not read) |
//! | `B` *digits* | a bigint, exact |
//! | `D` *number* | a `Date`, its time value (`NaN` when invalid) |
//! | `U` *string* | an instance of a class other than `Date`, with its constructor's name (maybe empty) |
//! | `F`, `S`, `X` | a function, a symbol, a native external |
//! | `C` | a container met again inside itself (a cycle) |
//! | `O`, `A` | an object or array past the core's depth limit, not read |
//! | `T` | JS stopped reading here: its reading bound was passed |
//!
//! A call's payload may come after `W` (`W{`…`}`): its `timestamp` is then the event's own
//! (see `TIMESTAMP_KEPT` in the module above), which this reader does not see.
//!
//! JS only says what each value is; every rule (which values are kept, what each problem is
//! called and where, what is too deep or too large) is applied here, by the same kit as for
//! Python and C.

use super::scalar::{self, NoTimestamp};
use rudder_group::conversion::{self as kit, Budget, JsonPath, JsonWriter, TextPlace};
use rudder_group::serde_json::{Map, Number, Value};
use rudder_group::{ErrorCode, EventWriter, Issue, Scalar, ValidationError};
use std::cell::Cell;
use std::str::FromStr;

/// What a binding says after the standard message of a value with no JSON form.
const SUPPORTED: &str = "pass strings, numbers, booleans, null, arrays, plain objects or Dates";

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Text that does not follow the grammar: `lib/encode.js` and this reader disagree.
#[derive(Debug)]
pub(crate) struct Malformed;

/// Why a read stopped early.
enum Stop {
    /// The converted values passed `max_event_bytes`, or JS stopped reading (`T`).
    TooLarge,
    /// See [`Malformed`].
    Malformed,
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

/// Where a string's UTF-16 units are in the text.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

/// One step of the path: a key (decoded only to render an issue's path) or an index.
enum PathStep {
    Key(Span),
    Index(usize),
}

/// A call's `originalTimestamp` and `timestamp`, held until both are read (they are its last
/// fields: one decides what the other means).
#[derive(Default)]
pub(crate) struct Timestamps {
    pub(crate) original: Option<Value>,
    pub(crate) timestamp: Option<Value>,
}

const fn unit(c: u8) -> u16 {
    c as u16
}

/// Decodes UTF-16 units into `buf`; `false` when they hold a lone surrogate (no UTF-8 form).
/// ASCII, nearly every key and value, is copied unit by unit.
fn decode(units: &[u16], buf: &mut String) -> bool {
    buf.clear();
    let ascii = units.iter().take_while(|&&u| u < 0x80).count();
    // SAFETY: every unit copied is below 0x80, so each byte pushed is ASCII, which is UTF-8.
    unsafe { buf.as_mut_vec() }.extend(units[..ascii].iter().map(|&u| u as u8));
    for c in char::decode_utf16(units[ascii..].iter().copied()) {
        match c {
            Ok(c) => buf.push(c),
            Err(_) => return false,
        }
    }
    true
}

thread_local! {
    /// The scratch buffers of this thread's last read (path, decoded string, digits), kept for
    /// the next: a call allocates none of them.
    static SPARE: Cell<Option<(Vec<PathStep>, String, String)>> = const { Cell::new(None) };
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if self.buf.capacity() <= 64 * 1024 {
            let mut path = std::mem::take(&mut self.path);
            path.clear();
            let spare = (
                path,
                std::mem::take(&mut self.buf),
                std::mem::take(&mut self.digits),
            );
            SPARE.with(|s| s.set(Some(spare)));
        }
    }
}

/// A read of one encoded value.
pub(crate) struct Reader<'t> {
    text: &'t [u16],
    pos: usize,
    /// Problems found so far, in the order met.
    pub(crate) issues: Vec<Issue>,
    /// Where the read is: the keys and indexes from the payload down.
    path: Vec<PathStep>,
    /// The bytes converted so far, against `max_event_bytes`.
    budget: Budget,
    /// Scratch space for decoded strings.
    buf: String,
    /// Scratch space for a number's digits.
    digits: String,
    /// Where the field being read is written.
    out: JsonWriter,
}

impl<'t> Reader<'t> {
    /// A reader of `text` that stops after `max_event_bytes` of values.
    pub(crate) fn new(text: &'t [u16], max_event_bytes: usize) -> Reader<'t> {
        let (path, buf, digits) = SPARE.with(Cell::take).unwrap_or_else(|| {
            (
                Vec::with_capacity(8),
                String::with_capacity(64),
                String::with_capacity(32),
            )
        });
        Reader {
            text,
            pos: 0,
            issues: Vec::new(),
            path,
            budget: Budget::new(max_event_bytes),
            buf,
            digits,
            out: JsonWriter::default(),
        }
    }

    fn peek(&self) -> Step<u16> {
        self.text.get(self.pos).copied().ok_or(Stop::Malformed)
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    /// Takes `expected` at the current place.
    fn expect(&mut self, expected: u8) -> Step<()> {
        if self.peek()? != unit(expected) {
            return Err(Stop::Malformed);
        }
        self.bump();
        Ok(())
    }

    /// Takes the literal `word` (`null`, `true`, `false`).
    fn word(&mut self, word: &str) -> Step<()> {
        let end = self.pos + word.len();
        let got = self.text.get(self.pos..end).ok_or(Stop::Malformed)?;
        if !got.iter().zip(word.bytes()).all(|(&u, b)| u == unit(b)) {
            return Err(Stop::Malformed);
        }
        self.pos = end;
        Ok(())
    }

    /// A string token (`"` … NUL, or `L` length `"` …).
    fn span(&mut self) -> Step<Span> {
        let c = self.peek()?;
        self.bump();
        if c == unit(b'"') {
            let start = self.pos;
            let len = self.text[start..]
                .iter()
                .position(|&u| u == 0)
                .ok_or(Stop::Malformed)?;
            self.pos = start + len + 1;
            return Ok(Span {
                start,
                end: start + len,
            });
        }
        if c != unit(b'L') {
            return Err(Stop::Malformed);
        }
        let mut len = 0usize;
        loop {
            let u = self.peek()?;
            self.bump();
            match u {
                0x30..=0x39 => {
                    len = len
                        .checked_mul(10)
                        .and_then(|l| l.checked_add(usize::from(u - 0x30)))
                        .ok_or(Stop::Malformed)?
                }
                0x22 => break,
                _ => return Err(Stop::Malformed),
            }
        }
        let start = self.pos;
        let end = start.checked_add(len).ok_or(Stop::Malformed)?;
        if end > self.text.len() {
            return Err(Stop::Malformed);
        }
        self.pos = end;
        Ok(Span { start, end })
    }

    /// Decodes `span` into `self.buf`; `false` for a lone surrogate.
    fn decode(&mut self, span: Span) -> bool {
        decode(&self.text[span.start..span.end], &mut self.buf)
    }

    /// The text of `span` with lone surrogates as U+FFFD (for paths and messages).
    fn lossy(&self, span: Span) -> String {
        String::from_utf16_lossy(&self.text[span.start..span.end])
    }

    /// A number token as `String(number)` (or `String(bigint)`) wrote it, in `self.digits`.
    fn number_text(&mut self) -> Step<&str> {
        let start = self.pos;
        while let Some(&u) = self.text.get(self.pos) {
            match u {
                0x30..=0x39 | 0x2B | 0x2D | 0x2E => {}
                // e E N a I n f i t y
                0x65 | 0x45 | 0x4E | 0x61 | 0x49 | 0x6E | 0x66 | 0x69 | 0x74 | 0x79 => {}
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(Stop::Malformed);
        }
        self.digits.clear();
        self.digits.extend(
            self.text[start..self.pos]
                .iter()
                .map(|&u| char::from(u as u8)),
        );
        Ok(&self.digits)
    }

    /// The class name of a `U` token (`class instance` when it has none, or no UTF-8 form).
    fn class_name(&mut self) -> Step<String> {
        self.bump();
        let span = self.span()?;
        Ok(if self.decode(span) && !self.buf.is_empty() {
            self.buf.clone()
        } else {
            "class instance".to_owned()
        })
    }

    /// A number token as a JS number.
    fn js_number(&mut self) -> Step<f64> {
        self.number_text()?.parse().map_err(|_| Stop::Malformed)
    }

    /// Reads a top-level payload (a wire payload, as `validate()` gets it) into its fields as
    /// values.
    pub(crate) fn root(
        &mut self,
    ) -> Result<Result<Map<String, Value>, ValidationError>, Malformed> {
        self.payload(|r| {
            let mut values = Map::new();
            r.root_body(&mut values).map(|()| values)
        })
    }

    /// Reads a call's arguments straight into the event's writer: `lib/encode.js` writes their
    /// keys in the event's order (`CALL_KEYS`, unknown keys first), so each field goes to the
    /// writer as it is read, and `traits`, `context` and `integrations` are written by this
    /// reader into the event's own bytes. A key not in `CALL_KEYS` is `INVALID_FIELD_TYPE`
    /// (naming the nearest); JS did not read its value.
    pub(crate) fn call(
        &mut self,
        w: &mut EventWriter<'_>,
    ) -> Result<Result<Timestamps, ValidationError>, Malformed> {
        self.payload(|r| {
            let mut timestamps = Timestamps::default();
            r.call_body(w, &mut timestamps).map(|()| timestamps)
        })
    }

    /// A top-level payload read by `body`. Anything but a plain object is the one
    /// `INVALID_JSON` issue of the payload; values past the budget are `EVENT_TOO_LARGE` with
    /// the problems found before.
    fn payload<T>(
        &mut self,
        body: impl FnOnce(&mut Self) -> Step<T>,
    ) -> Result<Result<T, ValidationError>, Malformed> {
        match self.root_kind() {
            Err(_) => Err(Malformed),
            Ok(Some(kind)) => Ok(Err(kit::not_an_object(&kind).into())),
            Ok(None) => match body(self) {
                Ok(read) => Ok(Ok(read)),
                Err(Stop::Malformed) => Err(Malformed),
                Err(Stop::TooLarge) => {
                    let budget = std::mem::replace(&mut self.budget, Budget::new(0));
                    Ok(Err(budget.into_error(std::mem::take(&mut self.issues))))
                }
            },
        }
    }

    /// What the payload is when it is not a plain object ("an array"), as the core's message
    /// names it; `None` for a plain object.
    fn root_kind(&mut self) -> Step<Option<String>> {
        let c = self.peek()?;
        let kind = match c as u8 {
            _ if c > 0x7F => return Err(Stop::Malformed),
            b'{' => return Ok(None),
            b'[' | b'A' => "an array".to_owned(),
            b'"' | b'L' => "a string".to_owned(),
            b'n' => "null".to_owned(),
            b't' | b'f' => "a boolean".to_owned(),
            b'u' => "undefined".to_owned(),
            b'B' => "a bigint".to_owned(),
            b'S' => "a symbol".to_owned(),
            b'F' => "a function".to_owned(),
            b'X' => "a native value".to_owned(),
            b'D' => "a Date instance".to_owned(),
            b'U' => format!("a {} instance", self.class_name()?),
            // Named as the core names a parsed number.
            _ if self.js_number()?.fract() == 0.0 => "an integer".to_owned(),
            _ => "a number".to_owned(),
        };
        Ok(Some(kind))
    }

    /// The payload's own keys, each value converted by a writer of its own.
    fn root_body(&mut self, values: &mut Map<String, Value>) -> Step<()> {
        self.expect(b'{')?;
        loop {
            let Some((key, decoded)) = self.root_key()? else {
                return Ok(());
            };
            if !decoded {
                values.insert(self.lossy(key), Value::Null);
                continue;
            }
            let name = self.buf.clone();
            if self.peek()? == unit(b'u') {
                self.bump();
                continue;
            }
            let key_len = name.len();
            let value = self.scalar_or_value(key)?;
            values.insert(name, value);
            within(self.budget.key(key_len))?;
        }
    }

    /// A call's keys, each field handed to the writer as it is read.
    fn call_body(&mut self, w: &mut EventWriter<'_>, timestamps: &mut Timestamps) -> Step<()> {
        self.expect(b'{')?;
        loop {
            let Some((key, decoded)) = self.root_key()? else {
                return Ok(());
            };
            if !decoded {
                continue;
            }
            let Some(name) = super::CALL_KEYS.iter().copied().find(|k| *k == self.buf) else {
                // Only the payload's own keys are checked: its path is the key alone.
                let pointer = rudder_group::pointer("", &self.buf);
                let issue = kit::unknown_key(pointer, &self.buf, &super::CALL_KEYS);
                self.issues.push(issue);
                self.pass_over(2)?;
                continue;
            };
            if self.peek()? == unit(b'u') {
                self.bump();
                continue;
            }
            let key_len = name.len();
            match name {
                "traits" => self.object_field(key, w.traits())?,
                "context" => self.object_field(key, w.context())?,
                "integrations" => self.object_field(key, w.integrations())?,
                "originalTimestamp" => timestamps.original = Some(self.scalar_or_value(key)?),
                "timestamp" => timestamps.timestamp = Some(self.scalar_or_value(key)?),
                // The common id, a string: decoded once, written once.
                id if self.text_token()? => write_id(w, id, Scalar::Str(&self.buf)),
                id => {
                    let value = self.scalar_or_value(key)?;
                    write_id(w, id, Scalar::of(&value));
                }
            }
            within(self.budget.key(key_len))?;
        }
    }

    /// The next key of the payload object: `None` at its end; the key, decoded into `buf`
    /// (`false` for one with a lone surrogate: reported, and its value passed over).
    fn root_key(&mut self) -> Step<Option<(Span, bool)>> {
        match self.peek()? {
            u if u == unit(b'}') => return Ok(None),
            u if u == unit(b'T') => return Err(Stop::TooLarge),
            _ => {}
        }
        let key = self.span()?;
        if !self.decode(key) {
            self.path.push(PathStep::Key(key));
            self.issue(|p| kit::invalid_text(p, TextPlace::Key));
            self.path.pop();
            self.pass_over(2)?;
            return Ok(Some((key, false)));
        }
        Ok(Some((key, true)))
    }

    /// The value of top-level key `key` as a `serde_json` value (a string without a writer).
    fn scalar_or_value(&mut self, key: Span) -> Step<Value> {
        if self.text_token()? {
            return Ok(Value::String(self.buf.clone()));
        }
        self.out = JsonWriter::default();
        self.path.push(PathStep::Key(key));
        let r = self.child(1);
        self.path.pop();
        r?;
        Ok(std::mem::take(&mut self.out).into_value())
    }

    /// Takes a string token with a UTF-8 form into `buf` (its bytes spent): `false`, and nothing
    /// taken, for any other value (a string with a lone surrogate is read as a value, and
    /// reported there).
    fn text_token(&mut self) -> Step<bool> {
        let c = self.peek()?;
        if c != unit(b'"') && c != unit(b'L') {
            return Ok(false);
        }
        let mark = self.pos;
        let span = self.span()?;
        if !self.decode(span) {
            self.pos = mark;
            return Ok(false);
        }
        within(self.budget.string(self.buf.len()))?;
        Ok(true)
    }

    /// The value of top-level key `key` written by `out`, the event's own writer.
    fn object_field(&mut self, key: Span, out: &mut JsonWriter) -> Step<()> {
        std::mem::swap(&mut self.out, out);
        self.path.push(PathStep::Key(key));
        let r = self.child(1);
        self.path.pop();
        std::mem::swap(&mut self.out, out);
        r.map(|_| ())
    }

    /// The current path as a JSON pointer (keys decoded again).
    fn rendered(&self) -> String {
        let mut path = JsonPath::new();
        for step in &self.path {
            match step {
                PathStep::Key(k) => path.push_key(self.lossy(*k)),
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

    /// Reads the child at the current place, of a container at `depth`: a cycle is its
    /// `UNSUPPORTED_VALUE`, with nothing spent.
    fn child(&mut self, depth: usize) -> Step<bool> {
        if self.peek()? == unit(b'C') {
            self.bump();
            self.report(kit::circular_reference);
            return Ok(true);
        }
        self.value(depth + 1)
    }

    /// Converts one value; `false` for `undefined` (nothing written: left out of objects,
    /// `null` in arrays). `depth` is the level the value sits at if it is a container (the
    /// payload is level 1).
    fn value(&mut self, depth: usize) -> Step<bool> {
        let before = self.out.len();
        let c = self.peek()?;
        if c > 0x7F {
            return Err(Stop::Malformed);
        }
        match c as u8 {
            b'u' => {
                self.bump();
                return Ok(false);
            }
            b'n' => {
                self.word("null")?;
                self.out.null();
            }
            b't' => {
                self.word("true")?;
                self.out.bool(true);
            }
            b'f' => {
                self.word("false")?;
                self.out.bool(false);
            }
            b'"' | b'L' => {
                let span = self.span()?;
                if self.decode(span) {
                    self.out.string(&self.buf);
                    within(self.budget.string(self.buf.len()))?;
                    return Ok(true);
                }
                self.report(|p| kit::invalid_text(p, TextPlace::Value));
            }
            b'B' => {
                self.bump();
                let n = Number::from_str(self.number_text()?).map_err(|_| Stop::Malformed)?;
                self.out.json_number(&n);
            }
            b'{' | b'[' | b'O' | b'A' => {
                self.container(depth)?;
                return Ok(true);
            }
            b'D' => {
                self.bump();
                let millis = self.js_number()?;
                self.date(millis)?;
                return Ok(true);
            }
            b'U' => {
                let name = self.class_name()?;
                self.unsupported(&name);
                return Ok(true);
            }
            b'F' => {
                self.bump();
                self.unsupported("function");
            }
            b'S' => {
                self.bump();
                self.unsupported("symbol");
            }
            b'X' => {
                self.bump();
                self.unsupported("external");
            }
            b'T' => return Err(Stop::TooLarge),
            b'-' | b'0'..=b'9' | b'N' | b'I' => {
                let text = self.number_text()?;
                match short_integer(text) {
                    Some(i) => self.out.i64(i),
                    None => {
                        let x = text.parse().map_err(|_| Stop::Malformed)?;
                        self.number(x)
                    }
                }
            }
            _ => return Err(Stop::Malformed),
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

    /// A `Date` with time value `millis`: its ISO-8601 instant, or `INVALID_TIMESTAMP` for an
    /// invalid one or one outside the years an RFC 3339 timestamp writes (0000 to 9999).
    fn date(&mut self, millis: f64) -> Step<()> {
        match scalar::date(millis) {
            Ok(s) => {
                self.out.string(&s);
                within(self.budget.string(s.len()))
            }
            Err(NoTimestamp::Invalid) => {
                self.report(|p| {
                    Issue::error(
                        ErrorCode::InvalidTimestamp,
                        p,
                        "an invalid Date has no ISO-8601 form",
                    )
                });
                Ok(())
            }
            Err(NoTimestamp::OutOfRange) => {
                self.report(kit::date_out_of_range);
                Ok(())
            }
        }
    }

    /// An object or array at level `depth`.
    fn container(&mut self, depth: usize) -> Step<()> {
        let c = self.peek()?;
        let array = c == unit(b'[') || c == unit(b'A');
        within(self.budget.container())?;
        let unread = c == unit(b'O') || c == unit(b'A');
        if unread || kit::container_too_deep(depth) {
            // Past the limit nothing more is read: the empty container stands for the deep one
            // and validation reports TOO_DEEP at this path. (JS sends `O` or `A` there: a
            // container it did read is malformed text, which `pass_over` refuses.)
            if unread {
                self.bump();
            } else {
                self.pass_over(depth)?;
            }
            if array {
                self.out.begin_array();
                self.out.end_array();
            } else {
                self.out.begin_object();
                self.out.end_object();
            }
            let path = self.rendered();
            self.out.found(kit::too_deep(path));
            return Ok(());
        }
        self.bump();
        if array {
            self.out.begin_array();
            self.array_body(depth)?;
            self.out.end_array();
        } else {
            self.out.begin_object();
            self.object_body(depth)?;
            self.out.end_object();
        }
        Ok(())
    }

    fn object_body(&mut self, depth: usize) -> Step<()> {
        loop {
            match self.peek()? {
                u if u == unit(b'}') => {
                    self.bump();
                    return Ok(());
                }
                u if u == unit(b'T') => return Err(Stop::TooLarge),
                _ => {}
            }
            let key = self.span()?;
            if !self.decode(key) {
                let shown = self.lossy(key);
                self.out.key(&shown);
                self.path.push(PathStep::Key(key));
                self.report(|p| kit::invalid_text(p, TextPlace::Key));
                self.path.pop();
                self.pass_over(depth + 1)?;
                continue;
            }
            if self.peek()? == unit(b'u') {
                self.bump();
                continue;
            }
            self.out.key(&self.buf);
            let key_len = self.buf.len();
            self.path.push(PathStep::Key(key));
            let r = self.child(depth);
            self.path.pop();
            r?;
            within(self.budget.key(key_len))?;
        }
    }

    fn array_body(&mut self, depth: usize) -> Step<()> {
        let mut i = 0usize;
        loop {
            match self.peek()? {
                u if u == unit(b']') => {
                    self.bump();
                    return Ok(());
                }
                u if u == unit(b'T') => return Err(Stop::TooLarge),
                u if u == unit(b',') && i > 0 => self.bump(),
                _ if i > 0 => return Err(Stop::Malformed),
                _ => {}
            }
            self.path.push(PathStep::Index(i));
            let r = self.child(depth);
            self.path.pop();
            if !r? {
                // `undefined` is `null` in an array, as JSON.stringify writes it.
                self.out.null();
                within(self.budget.spend(4))?;
            }
            within(self.budget.item())?;
            i += 1;
        }
    }

    /// Passes over one value at level `depth` without converting it (the value of a key that is
    /// refused). JS reads no container past the depth limit, so deeper nesting is malformed text
    /// (and the recursion stays bounded).
    fn pass_over(&mut self, depth: usize) -> Step<()> {
        let c = self.peek()?;
        if c > 0x7F {
            return Err(Stop::Malformed);
        }
        match c as u8 {
            b'{' | b'[' if kit::container_too_deep(depth) => return Err(Stop::Malformed),
            b'{' => {
                self.bump();
                loop {
                    match self.peek()? {
                        u if u == unit(b'}') => break,
                        u if u == unit(b'T') => return Err(Stop::TooLarge),
                        _ => {
                            self.span()?;
                            self.pass_over(depth + 1)?;
                        }
                    }
                }
                self.bump();
            }
            b'[' => {
                self.bump();
                let mut first = true;
                loop {
                    match self.peek()? {
                        u if u == unit(b']') => break,
                        u if u == unit(b'T') => return Err(Stop::TooLarge),
                        u if u == unit(b',') && !first => self.bump(),
                        _ if !first => return Err(Stop::Malformed),
                        _ => {}
                    }
                    self.pass_over(depth + 1)?;
                    first = false;
                }
                self.bump();
            }
            b'"' | b'L' => {
                self.span()?;
            }
            b'n' => self.word("null")?,
            b't' => self.word("true")?,
            b'f' => self.word("false")?,
            b'U' => {
                self.bump();
                self.span()?;
            }
            b'B' | b'D' => {
                self.bump();
                self.number_text()?;
            }
            b'T' => return Err(Stop::TooLarge),
            b'u' | b'F' | b'S' | b'X' | b'C' | b'O' | b'A' => self.bump(),
            _ => {
                self.number_text()?;
            }
        }
        Ok(())
    }
}

/// An integer of at most 15 digits (exact in a JS number), as `String(number)` writes it.
fn short_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Hands id field `name` to the writer.
fn write_id(w: &mut EventWriter<'_>, name: &str, v: Scalar<'_>) {
    match name {
        "messageId" => w.message_id(v),
        "groupId" => w.group_id(v),
        "userId" => w.user_id(v),
        _ => w.anonymous_id(v),
    }
}
