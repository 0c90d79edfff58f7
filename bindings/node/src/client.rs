//! `NativeClient`: the delivery client, with `flush` and `close` off the main thread.

use crate::config::{client_config, millis, SettingInput};
use crate::convert::{call_event, encoded};
use crate::error::{client_error, ErrorInfo};
use crate::event::NativeEvent;
use crate::outcome::{outcome_queue, CallbackIds, QueuedInfo, StatsInfo};
use napi::bindgen_prelude::{Either, Env, Function, Object, Unknown};
use napi::JsValue;
use napi_derive::napi;
use rudder_group_client::{Client, ClientError, FlushResult};
use rudder_group_client::{LogRecord, Outcome, OutcomeQueue, Waiting};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Outcomes since the previous flush.
#[napi(object)]
pub struct FlushResultInfo {
    /// Events delivered.
    pub delivered: f64,
    /// Events that failed for good.
    pub failed: f64,
    /// Events dropped.
    pub dropped: f64,
}

impl From<FlushResult> for FlushResultInfo {
    fn from(r: FlushResult) -> Self {
        FlushResultInfo {
            delivered: r.delivered as f64,
            failed: r.failed as f64,
            dropped: r.dropped as f64,
        }
    }
}

type Settled = Either<FlushResultInfo, ErrorInfo>;

fn settled(r: std::thread::Result<Result<FlushResult, ClientError>>) -> Settled {
    match r {
        Ok(Ok(result)) => Either::A(result.into()),
        Ok(Err(e)) => Either::B(client_error(&e)),
        Err(_) => Either::B(ErrorInfo::new(
            rudder_group::ErrorCode::DeliveryFailed,
            "the client failed unexpectedly while waiting for delivery",
        )),
    }
}

/// A client: validates on the caller's thread, delivers on a native worker thread.
#[napi]
pub struct NativeClient {
    client: Option<Arc<Client>>,
    /// Where outcomes and log records wait for the main thread.
    queue: Arc<OutcomeQueue>,
    /// The messageIds whose outcome a callback waits for (kept when outcomes merge).
    callbacks: Arc<CallbackIds>,
}

/// Creates a client; an `ErrorInfo` (INVALID_CONFIG) when a setting is out of range.
#[napi(catch_unwind)]
pub fn create_client(
    options: Vec<SettingInput>,
    on_wake: Function<(), ()>,
    with_logs: bool,
) -> napi::Result<Either<NativeClient, ErrorInfo>> {
    let mut config = match client_config(&options) {
        Ok(c) => c,
        Err(e) => return Ok(Either::B(client_error(&e))),
    };
    let callbacks = Arc::new(CallbackIds::default());
    let queue = outcome_queue(&on_wake, &callbacks)?;
    let sink = Arc::clone(&queue);
    config.on_outcome = Some(Arc::new(move |o: &Outcome| sink.push(o)));
    if with_logs {
        let sink = Arc::clone(&queue);
        config.on_log = Some(Arc::new(move |r: &LogRecord| sink.push_log(r)));
    }
    Ok(match Client::new(config) {
        Ok(client) => Either::A(NativeClient {
            client: Some(Arc::new(client)),
            queue,
            callbacks,
        }),
        Err(e) => Either::B(client_error(&e)),
    })
}

impl NativeClient {
    fn client(&self) -> &Arc<Client> {
        // Always set until drop.
        self.client.as_ref().expect("client present until dropped")
    }

    /// Runs `op` on a new thread and settles the returned promise with its result.
    fn off_thread<'env, F>(&self, env: &'env Env, op: F) -> napi::Result<Object<'env>>
    where
        F: FnOnce(&Client) -> Result<FlushResult, ClientError> + Send + 'static,
    {
        let (deferred, promise) = env.create_deferred::<Settled, _>()?;
        let client = Arc::clone(self.client());
        let spawned = std::thread::Builder::new()
            .name("rudder-group-flush".to_owned())
            .spawn(move || {
                let r = catch_unwind(AssertUnwindSafe(|| op(&client)));
                deferred.resolve(move |_| Ok(settled(r)));
            });
        if let Err(e) = spawned {
            return Err(napi::Error::from_reason(format!(
                "could not start a thread: {e}"
            )));
        }
        Ok(promise)
    }
}

#[napi]
impl NativeClient {
    /// The shutdown timeout in milliseconds (the bounded wait at exit or collection).
    #[napi(getter, catch_unwind)]
    pub fn shutdown_timeout(&self) -> f64 {
        self.client().config().shutdown_timeout.as_secs_f64() * 1000.0
    }

    /// The largest event in bytes (`maxEventBytes`): `lib/encode.js` bounds its reading by it.
    #[napi(getter, catch_unwind)]
    pub fn max_event_bytes(&self) -> f64 {
        self.client().config().event_options.max_event_bytes as f64
    }

    /// `group` for this client, as a function of its own: `(encodedParams, withCallback) =>
    /// messageId | ErrorInfo`, where `encodedParams` is a call's arguments encoded by
    /// `lib/encode.js`, and `withCallback` says that the caller waits for the event's outcome by
    /// its messageId (a merged outcome then keeps that id).
    ///
    /// A function and not a method, for speed: napi-rs 3 wraps every `#[napi]` method that takes
    /// arguments in a borrow scope (the receiver's unwrap and type tag, a scope opened, deferred
    /// and closed), 9% of a `group()` call of the bench event; a function made from a closure
    /// has none of it. The closure holds the client weakly: the `NativeClient` stays its only
    /// owner, so a collected one still closes it on a thread of its own (`close_in_background`
    /// closes by dropping the last owner, which must never be the function's finalizer on the
    /// main thread). A closed client answers `CLIENT_CLOSED`, and so does a collected one.
    #[napi(
        catch_unwind,
        ts_return_type = "(encodedParams: string, withCallback: boolean) => string | ErrorInfo"
    )]
    pub fn group_function<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        let client = Arc::downgrade(self.client());
        let callbacks = Arc::clone(&self.callbacks);
        let f = env.create_function_from_closure::<Unknown, Either<String, ErrorInfo>, _>(
            "group",
            move |ctx| {
                let Some(client) = client.upgrade() else {
                    return Ok(Either::B(client_error(&ClientError::Closed)));
                };
                let encoded_params: Unknown = ctx.first_arg()?;
                let with_callback = ctx.length() > 1 && ctx.get::<bool>(1)?;
                let callbacks = with_callback.then_some(&*callbacks);
                group(&client, callbacks, ctx.env.raw(), encoded_params.raw())
            },
        )?;
        Ok(f.to_unknown())
    }

    /// Enqueues a built event; `withCallback` as for the group function.
    #[napi(catch_unwind)]
    pub fn enqueue(&self, event: &NativeEvent, with_callback: bool) -> Either<String, ErrorInfo> {
        let event = event.event.clone();
        let client = self.client();
        let r = if with_callback {
            let id = event.message_id().to_owned();
            self.callbacks.enqueue(&id, || client.enqueue(event))
        } else {
            client.enqueue(event)
        };
        match r {
            Ok(id) => Either::A(id),
            Err(e) => Either::B(client_error(&e)),
        }
    }

    /// Waits off the main thread until everything enqueued so far has an outcome.
    #[napi(catch_unwind, ts_return_type = "Promise<FlushResultInfo | ErrorInfo>")]
    pub fn flush<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Object<'env>> {
        let timeout = timeout_ms.map(millis);
        self.off_thread(env, move |c| c.flush(timeout))
    }

    /// Flushes and stops the worker, off the main thread. Idempotent.
    #[napi(catch_unwind, ts_return_type = "Promise<FlushResultInfo | ErrorInfo>")]
    pub fn close<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Object<'env>> {
        let timeout = timeout_ms.map(millis);
        self.off_thread(env, move |c| c.close(timeout))
    }

    /// Counters since the client started.
    #[napi(getter, catch_unwind)]
    pub fn stats(&self) -> StatsInfo {
        self.client().stats().into()
    }

    /// Log records dropped since the previous call (the main thread fell behind), now counted
    /// as reported; 0 without a logger.
    #[napi(catch_unwind)]
    pub fn take_logs_dropped(&self) -> f64 {
        self.queue.take_logs_dropped() as f64
    }

    /// Up to `max` outcomes and log records waiting for the main thread, oldest first; their
    /// ids no longer wait for a callback (JS calls each callback of them now). Without
    /// `withIds` the outcomes' `messageIds` come empty (their `count` stays): making a JS
    /// string per delivered event is then spared when nothing in JS would read them.
    #[napi(catch_unwind)]
    pub fn take_outcomes(&self, max: u32, with_ids: bool) -> Vec<QueuedInfo> {
        self.queue
            .drain(max as usize)
            .into_iter()
            .map(|mut item| {
                if let Waiting::Outcome(m) = &mut item {
                    self.callbacks.taken(&m.outcome.message_ids);
                    if !with_ids {
                        m.outcome.message_ids = Vec::new();
                    }
                }
                QueuedInfo::from(item)
            })
            .collect()
    }

    /// Whether `close` was called.
    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.client().is_closed()
    }

    /// Test mode: the events "sent" so far, as canonical JSON texts.
    #[napi(catch_unwind)]
    pub fn sent_events(&self) -> Vec<String> {
        self.client()
            .sent_events()
            .iter()
            .map(|v| v.to_string())
            .collect()
    }
}

/// Closes `clients` at once (process exit), each on a thread of its own and within its own
/// timeout (`timeoutsMs`, in the same order), and returns when all are closed: their results, in
/// order. When a close returns, its events have had their outcomes pushed to the client's queue
/// (those kept in a spool excepted), so the caller can take them at once.
#[napi(catch_unwind, ts_return_type = "Array<FlushResultInfo | ErrorInfo>")]
pub fn close_clients_sync(clients: Vec<&NativeClient>, timeouts_ms: Vec<f64>) -> Vec<Settled> {
    let closing: Vec<(&Client, Option<std::time::Duration>)> = clients
        .iter()
        .zip(timeouts_ms.iter().map(|t| Some(millis(*t))))
        .map(|(c, t)| (&**c.client(), t))
        .collect();
    let close = |&(client, timeout): &(&Client, _)| {
        catch_unwind(AssertUnwindSafe(|| client.close(timeout)))
    };
    std::thread::scope(|scope| {
        let threads: Vec<_> = closing
            .iter()
            .map(|job| {
                std::thread::Builder::new()
                    .name("rudder-group-exit".to_owned())
                    .spawn_scoped(scope, move || close(job))
            })
            .collect();
        threads
            .into_iter()
            .zip(&closing)
            .map(|(thread, job)| {
                settled(match thread {
                    Ok(thread) => thread.join().unwrap_or_else(Err),
                    // No thread to be had: this one closes it, after the others started.
                    Err(_) => close(job),
                })
            })
            .collect()
    })
}

/// Validates and enqueues a call's arguments, encoded by `lib/encode.js`: the messageId, or why
/// they were refused. With `callbacks`, its messageId is marked as waited for.
fn group(
    client: &Client,
    callbacks: Option<&CallbackIds>,
    env: napi::sys::napi_env,
    encoded_params: napi::sys::napi_value,
) -> napi::Result<Either<String, ErrorInfo>> {
    let options = &client.config().event_options;
    let text = encoded(env, encoded_params)?;
    let event = match call_event(&text, options)? {
        Ok(event) => event,
        Err(e) => return Ok(Either::B(ErrorInfo::from(&e))),
    };
    let r = match callbacks {
        Some(callbacks) => {
            let id = event.message_id().to_owned();
            callbacks.enqueue(&id, || client.enqueue(event))
        }
        None => client.enqueue(event),
    };
    Ok(match r {
        Ok(id) => Either::A(id),
        Err(e) => Either::B(client_error(&e)),
    })
}

impl Drop for NativeClient {
    /// A collected client is closed on a thread of its own (bounded by its shutdown timeout),
    /// never on the main thread.
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            crate::outcome::close_in_background(client);
        }
    }
}
