//! Events: build from a call's arguments, parse from JSON text, validate, serialize.

use crate::config::{event_options, SettingInput};
use crate::convert::{call_event, encoded, wire_parts};
use crate::error::{client_error, issues, ErrorInfo, IssueInfo};
use napi::bindgen_prelude::{Either, Env, Unknown};
use napi::JsValue;
use napi_derive::napi;
use rudder_group::{parse_value, ErrorCode, EventOptions, GroupEvent, ValidationError};
use rudder_group_client::ClientError;

fn options(input: Option<Vec<SettingInput>>) -> Result<EventOptions, ClientError> {
    event_options(input)
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

/// Builds an event from a call's arguments (`timestamp` is when it happened), encoded by
/// `lib/encode.js`.
#[napi(catch_unwind)]
pub fn build_event(
    env: Env,
    encoded_params: Unknown,
    options: Option<Vec<SettingInput>>,
) -> napi::Result<Either<NativeEvent, ErrorInfo>> {
    let opts = match self::options(options) {
        Ok(o) => o,
        Err(e) => return Ok(Either::B(client_error(&e))),
    };
    let text = encoded(env.raw(), encoded_params.raw())?;
    Ok(outcome(call_event(&text, &opts)?))
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
    options: Option<Vec<SettingInput>>,
) -> napi::Result<Either<NativeEvent, ErrorInfo>> {
    let opts = match self::options(options) {
        Ok(o) => o,
        Err(e) => return Ok(Either::B(client_error(&e))),
    };
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

/// Every issue of a payload object (as the data plane would receive it), encoded by
/// `lib/encode.js`; empty when valid.
#[napi(catch_unwind)]
pub fn validate_payload(
    env: Env,
    encoded_payload: Unknown,
    options: Option<Vec<SettingInput>>,
) -> napi::Result<Either<Vec<IssueInfo>, ErrorInfo>> {
    let opts = match self::options(options) {
        Ok(o) => o,
        Err(e) => return Ok(Either::B(client_error(&e))),
    };
    let text = encoded(env.raw(), encoded_payload.raw())?;
    let parts = wire_parts(&text, opts.max_event_bytes)?;
    Ok(Either::A(all_issues(parts.and_then(|p| p.validate(&opts)))))
}

/// Every issue of a JSON payload; empty when valid.
#[napi(catch_unwind)]
pub fn validate_json(
    env: Env,
    text: Unknown,
    options: Option<Vec<SettingInput>>,
) -> napi::Result<Either<Vec<IssueInfo>, ErrorInfo>> {
    let opts = match self::options(options) {
        Ok(o) => o,
        Err(e) => return Ok(Either::B(client_error(&e))),
    };
    let text = text_arg(&env, &text)?;
    Ok(Either::A(all_issues(text.and_then(|t| {
        let value = parse_value(&t)?;
        GroupEvent::from_value_with(value, &opts)
    }))))
}
