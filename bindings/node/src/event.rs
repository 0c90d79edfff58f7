//! Events: build from a call's arguments, parse from JSON text, validate, serialize.

use crate::convert::{event_parts, Shape};
use crate::error::{issues, ErrorInfo, IssueInfo};
use napi::bindgen_prelude::{Either, Env, Unknown};
use napi::JsValue;
use napi_derive::napi;
use rudder_group::{
    parse_value, ErrorCode, EventOptions, GroupEvent, Library, ValidationError,
    DEFAULT_MAX_EVENT_BYTES,
};

/// How events are validated.
#[napi(object)]
#[derive(Default)]
pub struct EventOptionsInput {
    /// Reserved-trait problems are warnings instead of errors (default false).
    pub lenient: Option<bool>,
    /// The largest serialized event accepted, in bytes (default 32,768).
    pub max_event_bytes: Option<u32>,
}

impl EventOptionsInput {
    /// The core's options, naming the Node package in `context.library`.
    pub(crate) fn to_options(&self) -> EventOptions {
        EventOptions {
            lenient: self.lenient.unwrap_or(false),
            max_event_bytes: self
                .max_event_bytes
                .map_or(DEFAULT_MAX_EVENT_BYTES, |n| n as usize),
            library: Library::Node,
        }
    }
}

fn options(input: Option<EventOptionsInput>) -> EventOptions {
    input.unwrap_or_default().to_options()
}

/// One validated group call.
#[napi]
pub struct NativeEvent {
    pub(crate) event: GroupEvent,
}

#[napi]
impl NativeEvent {
    /// The event's id.
    #[napi(getter, catch_unwind)]
    pub fn message_id(&self) -> String {
        self.event.message_id().to_owned()
    }

    /// Canonical JSON: the bytes the core writes.
    #[napi(catch_unwind)]
    pub fn to_json(&self) -> String {
        self.event.to_json()
    }

    /// Reserved-trait problems let through by the lenient setting.
    #[napi(getter, catch_unwind)]
    pub fn warnings(&self) -> Vec<IssueInfo> {
        issues(self.event.warnings())
    }
}

fn outcome(r: Result<GroupEvent, ValidationError>) -> Either<NativeEvent, ErrorInfo> {
    match r {
        Ok(event) => Either::A(NativeEvent { event }),
        Err(e) => Either::B(ErrorInfo::from(&e)),
    }
}

/// Builds an event from a call's arguments (`timestamp` is when it happened).
#[napi(catch_unwind)]
pub fn build_event(
    env: Env,
    params: Unknown,
    options: Option<EventOptionsInput>,
) -> napi::Result<Either<NativeEvent, ErrorInfo>> {
    let opts = self::options(options);
    let parts = event_parts(env.raw(), params.raw(), Shape::Call)?;
    Ok(outcome(parts.and_then(|p| p.validate(&opts))))
}

/// Reads a string argument; anything else is refused as `INVALID_JSON`.
fn text_arg(env: &Env, text: &Unknown) -> napi::Result<Result<String, ValidationError>> {
    if text.get_type()? != napi::ValueType::String {
        return Ok(Err(ValidationError::single(
            ErrorCode::InvalidJson,
            "",
            "expected JSON text (a string)",
        )));
    }
    let mut buf = Vec::new();
    Ok(
        match crate::convert::read_utf8(env.raw(), text.raw(), &mut buf)? {
            Some(s) => Ok(s),
            None => Err(ValidationError::single(
                ErrorCode::InvalidJson,
                "",
                "the text holds a lone surrogate, which no JSON text can",
            )),
        },
    )
}

/// Parses and validates JSON text as the data plane would receive it.
#[napi(catch_unwind)]
pub fn parse_event(
    env: Env,
    text: Unknown,
    options: Option<EventOptionsInput>,
) -> napi::Result<Either<NativeEvent, ErrorInfo>> {
    let opts = self::options(options);
    let text = text_arg(&env, &text)?;
    Ok(outcome(
        text.and_then(|t| GroupEvent::from_json_with(&t, &opts)),
    ))
}

fn all_issues(r: Result<GroupEvent, ValidationError>) -> Vec<IssueInfo> {
    match r {
        Ok(event) => issues(event.warnings()),
        Err(e) => issues(e.issues()),
    }
}

/// Every issue of a payload object (as the data plane would receive it); empty when valid.
#[napi(catch_unwind)]
pub fn validate_payload(
    env: Env,
    payload: Unknown,
    options: Option<EventOptionsInput>,
) -> napi::Result<Vec<IssueInfo>> {
    let opts = self::options(options);
    let parts = event_parts(env.raw(), payload.raw(), Shape::Wire)?;
    Ok(all_issues(parts.and_then(|p| p.validate(&opts))))
}

/// Every issue of a JSON payload; empty when valid.
#[napi(catch_unwind)]
pub fn validate_json(
    env: Env,
    text: Unknown,
    options: Option<EventOptionsInput>,
) -> napi::Result<Vec<IssueInfo>> {
    let opts = self::options(options);
    let text = text_arg(&env, &text)?;
    Ok(all_issues(text.and_then(|t| {
        let value = parse_value(&t)?;
        GroupEvent::from_value_with(value, &opts)
    })))
}
