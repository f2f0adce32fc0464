//! The async driver: one `Client` per `createResilientFetch()` instance, running each call's
//! engine state machine against the real `fetch` and real timers.
//!
//! For each call it works out the options (per-call merged over the instance's defaults,
//! checked by the engine), prepares the request once ([`Prepared`]), then loops: ask the
//! engine, do what it says (send an attempt, sleep, return, reject), report the outcome.
//!
//! Every call settles, whatever user code throws. The caller's values (input, init, options)
//! are read by io.js, which catches what getters, Proxy traps and `toString` throw and hands
//! back plain records; every import either cannot throw or is declared `catch`, so no
//! exception unwinds through these frames (it would leave the call's promise unsettled and
//! its bulkhead slot and half-open probe held for good). Hooks (`onRetry`,
//! `onBreakerStateChange`, `fallback`, a `breaker.key` function) are user code too: a hook
//! that throws or rejects never breaks the call. The engine instance is seeded
//! from the runtime's CSPRNG on the first call, not at creation, because Workers allow
//! entropy only inside a request handler.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::convert::to_value;
use super::request::{prepare, read_options, Prepared, Record};
use crate::engine::options::{decode, merge, BreakerKey, Decoded, IdempotencyKey, OPTION_NAMES};
use crate::engine::pushback::HEADER as PUSHBACK_HEADER;
use crate::engine::ratelimit::RateLimitFields;
use crate::engine::raw::{OptionError, OptionErrorKind};
use crate::engine::value::Value;
use crate::engine::wire::camel_case;
use crate::engine::RequestMeta;
use crate::engine::{
    Action, Call, Failure, Instance, Policy, Response, TransportFailure, WaitReason,
};

#[wasm_bindgen(module = "/src/faces/wasm/headers.js")]
extern "C" {
    #[wasm_bindgen(js_name = rateLimitFields)]
    fn rate_limit_fields(response: &JsValue) -> String;
}

#[wasm_bindgen(module = "/src/faces/wasm/io.js")]
extern "C" {
    /// Why an attempt produced no response (see io.js).
    #[wasm_bindgen(js_name = Failure)]
    type AttemptFailure;
    #[wasm_bindgen(method, getter)]
    fn kind(this: &AttemptFailure) -> String;
    #[wasm_bindgen(method, getter)]
    fn error(this: &AttemptFailure) -> JsValue;

    /// A response, from whatever fetch made it (see io.js).
    type Reply;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Reply) -> u16;
    /// The value fetch resolved with, for the caller.
    #[wasm_bindgen(method, getter)]
    fn response(this: &Reply) -> JsValue;
    fn header(reply: &Reply, name: &str) -> Option<String>;

    fn attempt(
        input: &JsValue,
        init: &JsValue,
        timeout_ms: Option<f64>,
        signal: &JsValue,
        hedge: bool,
        attempt_header: Option<String>,
        attempt_number: u32,
    ) -> Promise;
    fn race(copies: &js_sys::Array, timer: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = timer)]
    fn hedge_timer(ms: f64) -> Promise;
    fn cancel(pending: &JsValue);
    fn park(timeout_ms: Option<f64>, signal: &JsValue) -> Promise;
    fn wake(parked: &Promise);
    fn sleep(ms: f64, signal: &JsValue) -> Promise;
    fn discard(reply: &Reply);
    fn quiet(value: &JsValue);
}

/// setTimeout's longest delay (2^31 - 1 ms); longer waits sleep in steps.
const MAX_TIMER_MS: u64 = 2_147_483_647;

/// The user functions of one call's options.
#[derive(Clone, Default)]
struct Hooks {
    on_retry: Option<Function>,
    on_breaker: Option<Function>,
    on_hedge: Option<Function>,
    fallback: Option<Function>,
    key: Option<Function>,
}

fn function(target: &JsValue, key: &str) -> Option<Function> {
    if !target.is_object() {
        return None;
    }
    Reflect::get(target, &JsValue::from_str(key))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

impl Hooks {
    fn read(options: &JsValue) -> Self {
        let breaker =
            Reflect::get(options, &JsValue::from_str("breaker")).unwrap_or(JsValue::UNDEFINED);
        Self {
            on_retry: function(options, "onRetry"),
            on_breaker: function(options, "onBreakerStateChange"),
            on_hedge: function(options, "onHedge"),
            fallback: function(options, "fallback"),
            key: function(&breaker, "key"),
        }
    }

    fn over(self, base: &Hooks) -> Self {
        Self {
            on_retry: self.on_retry.or_else(|| base.on_retry.clone()),
            on_breaker: self.on_breaker.or_else(|| base.on_breaker.clone()),
            on_hedge: self.on_hedge.or_else(|| base.on_hedge.clone()),
            fallback: self.fallback.or_else(|| base.fallback.clone()),
            key: self.key.or_else(|| base.key.clone()),
        }
    }
}

/// Everything one call's options resolve to.
#[derive(Clone)]
struct Settings {
    policy: Arc<Policy>,
    idempotency_key: IdempotencyKey,
    breaker_key: BreakerKey,
    attempt_header: Option<String>,
    hooks: Hooks,
}

/// The engine's option error as JavaScript's `TypeError` or `RangeError`, values printed by
/// JavaScript itself (`String(n)`, `JSON.stringify`).
pub(crate) fn option_error(e: OptionError) -> JsValue {
    let number = |n: f64| {
        String::from(
            js_sys::Number::from(n)
                .to_string_with_radix(10)
                .unwrap_or_default(),
        )
    };
    let string = |s: &str| {
        js_sys::JSON::stringify(&JsValue::from_str(s))
            .map(String::from)
            .unwrap_or_default()
    };
    let message = e.message_with(|v| v.render(&number, &string));
    match e.kind {
        OptionErrorKind::Type => js_sys::TypeError::new(&message).into(),
        OptionErrorKind::Range => js_sys::RangeError::new(&message).into(),
    }
}

fn settings(decoded: Decoded, hooks: Hooks) -> Result<Settings, JsValue> {
    Ok(Settings {
        policy: Arc::new(Policy::from_options(&decoded.options).map_err(option_error)?),
        idempotency_key: decoded.idempotency_key,
        breaker_key: decoded.breaker_key,
        attempt_header: decoded.attempt_header,
        hooks,
    })
}

thread_local! {
    /// The option names, as a JavaScript array made once.
    static NAMES: JsValue = OPTION_NAMES.iter().map(|n| JsValue::from_str(n)).collect::<js_sys::Array>().into();
}

struct Shared {
    instance: RefCell<Option<Instance>>,
    /// Calls waiting in a bulkhead's line, by ticket.
    parked: RefCell<std::collections::BTreeMap<u64, Promise>>,
    defaults_value: Value,
    defaults: Settings,
    make_error: Function,
}

impl Shared {
    /// Runs `f` on the engine instance, creating (and seeding) it on first use.
    fn with<T>(&self, f: impl FnOnce(&mut Instance) -> T) -> T {
        let mut slot = self.instance.borrow_mut();
        let instance = slot.get_or_insert_with(|| {
            let mut seed = [0u8; 8];
            let _ = getrandom::fill(&mut seed);
            Instance::new(u64::from_le_bytes(seed))
        });
        f(instance)
    }

    fn error(&self, kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
        let props = Object::new();
        for (k, v) in fields {
            let _ = Reflect::set(&props, &JsValue::from_str(k), v);
        }
        self.make_error
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(kind), &props)
            .unwrap_or_else(|e| e)
    }
}

/// The engine and its state behind one `createResilientFetch()` instance.
#[wasm_bindgen]
pub struct Client {
    shared: Rc<Shared>,
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// Calls a user hook; whatever it throws or rejects with is swallowed.
fn call_hook(hook: &Option<Function>, arg: &JsValue) {
    if let Some(f) = hook {
        if let Ok(v) = f.call1(&JsValue::UNDEFINED, arg) {
            quiet(&v);
        }
    }
}

#[wasm_bindgen]
impl Client {
    /// Checks `defaults` at once (throwing `TypeError`/`RangeError`); `make_error(kind,
    /// fields)` builds the package's error objects.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "unknown")] defaults: JsValue,
        #[wasm_bindgen(js_name = makeError)] make_error: Function,
    ) -> Result<Client, JsValue> {
        // A plain copy of the options: one that throws when read throws a TypeError naming it.
        let record = NAMES.with(|names| read_options(&defaults, names));
        let error = record.error();
        if !error.is_undefined() {
            return Err(error);
        }
        let snapshot = record.options();
        let defaults_value = if snapshot.is_undefined() {
            Value::Undefined
        } else {
            to_value(&snapshot)
        };
        let decoded = decode(&defaults_value).map_err(option_error)?;
        let hooks = if snapshot.is_object() {
            Hooks::read(&snapshot)
        } else {
            Hooks::default()
        };
        let defaults = settings(decoded, hooks)?;
        Ok(Client {
            shared: Rc::new(Shared {
                instance: RefCell::new(None),
                parked: RefCell::default(),
                defaults_value,
                defaults,
                make_error,
            }),
        })
    }

    /// `fetch(input, init)` with the instance's resilience: resolves with the final
    /// `Response`, rejects with the package's errors or the caller's abort reason.
    #[wasm_bindgen(unchecked_return_type = "Promise<unknown>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] input: JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown")] init: JsValue,
    ) -> Promise {
        let shared = Rc::clone(&self.shared);
        // Every value of the caller's is read here, once, by io.js; what it throws rejects.
        let record = NAMES.with(|names| prepare(&input, &init, names));
        let error = record.error();
        if !error.is_undefined() {
            return Promise::reject(&error);
        }
        let snapshot = record.options();
        let settings = if snapshot.is_undefined() {
            Ok(shared.defaults.clone())
        } else {
            let merged = merge(&shared.defaults_value, &to_value(&snapshot));
            decode(&merged)
                .map_err(option_error)
                .and_then(|d| settings(d, Hooks::read(&snapshot).over(&shared.defaults.hooks)))
        };
        match settings {
            Err(e) => Promise::reject(&e),
            Ok(settings) => future_to_promise(run(shared, record, settings)),
        }
    }

    /// The breaker state of `key`: `"closed"`, `"open"` or `"half-open"`.
    #[wasm_bindgen(js_name = breakerState)]
    pub fn breaker_state(&self, key: &str) -> String {
        match self.shared.instance.borrow().as_ref() {
            Some(i) => i.breaker_state(key, now()).as_str().to_owned(),
            None => "closed".to_owned(),
        }
    }

    /// Monotonic counters since creation.
    pub fn stats(&self) -> Object {
        let s = self
            .shared
            .instance
            .borrow()
            .as_ref()
            .map(Instance::stats)
            .unwrap_or_default();
        let o = Object::new();
        for (name, value) in s.fields() {
            let _ = js_sys::Reflect::set(
                &o,
                &JsValue::from_str(&camel_case(name)),
                &JsValue::from_f64(value as f64),
            );
        }
        o
    }

    /// Forgets breaker, budget and limiter state (not the counters).
    pub fn reset(&self) {
        if let Some(i) = self.shared.instance.borrow_mut().as_mut() {
            i.reset();
        }
    }
}

/// The breaker key of a call: a fixed string, the user's function of the URL (falling back
/// to the origin if it throws or returns no string), or the URL's origin.
fn breaker_key(settings: &Settings, url: &str, origin: &str) -> String {
    let origin = || origin.to_owned();
    match &settings.breaker_key {
        BreakerKey::Fixed(k) => k.clone(),
        BreakerKey::Origin => origin(),
        BreakerKey::Function => settings
            .hooks
            .key
            .as_ref()
            .and_then(|f| {
                let url = web_sys::Url::new(url).ok()?;
                f.call1(&JsValue::UNDEFINED, &url).ok()?.as_string()
            })
            .unwrap_or_else(origin),
    }
}

/// What the last attempt produced.
enum Last {
    Nothing,
    Response(Reply),
    Error {
        kind: TransportFailure,
        error: JsValue,
    },
}

async fn run(shared: Rc<Shared>, record: Record, settings: Settings) -> Result<JsValue, JsValue> {
    let mut prepared = Prepared::new(&record, &settings.idempotency_key);
    let key = breaker_key(&settings, &prepared.url, &prepared.origin);
    let request = RequestMeta::new(&prepared.method)
        .with_idempotency_key(prepared.has_key)
        .with_replayable_body(prepared.replayable)
        .with_path(path_of(&prepared.url, &prepared.origin));
    let mut call = Call::new(Arc::clone(&settings.policy), key.clone(), request);
    if call.is_retryable() {
        prepared.freeze_body().await?;
    }
    let signal = prepared.signal.clone().unwrap_or(JsValue::UNDEFINED);
    let hooks = &settings.hooks;
    let emit = |shared: &Shared| {
        // Slots that calls ending here handed to calls waiting in line.
        let woken: Vec<u64> = shared.with(|i| std::iter::from_fn(|| i.poll_wake()).collect());
        for ticket in woken {
            if let Some(parked) = shared.parked.borrow().get(&ticket) {
                wake(parked);
            }
        }
        let events: Vec<_> = shared.with(|i| std::iter::from_fn(|| i.poll_event()).collect());
        for e in events {
            let arg = object(&[
                ("key", JsValue::from_str(&e.key)),
                ("from", JsValue::from_str(e.from.as_str())),
                ("to", JsValue::from_str(e.to.as_str())),
            ]);
            call_hook(&hooks.on_breaker, &arg);
        }
    };

    let mut last = Last::Nothing;
    let mut action = shared.with(|i| call.start(i, now()));
    loop {
        emit(&shared);
        action = match action {
            Action::Send {
                attempt,
                timeout_ms,
            } => {
                if let Last::Response(r) = &last {
                    discard(r);
                }
                let header = settings.attempt_header.as_deref();
                let copy = Copy {
                    attempt,
                    timeout_ms,
                    hedge: false,
                    header,
                };
                let first = send_copy(&prepared, &signal, copy);
                if call.hedge_after_ms().is_none() {
                    // The common case: one copy in flight, awaited directly.
                    let outcome = JsFuture::from(first).await.unwrap_or_else(|e| e);
                    settle(&shared, &mut call, &mut last, outcome)
                } else {
                    {
                        let ctx = HedgeCtx {
                            prepared: &prepared,
                            signal: &signal,
                            hook: &hooks.on_hedge,
                            header,
                        };
                        hedged(&shared, &mut call, &mut last, &ctx, first, &emit).await
                    }
                }
            }
            Action::Queued { ticket, timeout_ms } => {
                let parked = park(timeout_ms.map(|t| t.min(MAX_TIMER_MS) as f64), &signal);
                shared.parked.borrow_mut().insert(ticket, parked.clone());
                let outcome = JsFuture::from(parked).await;
                shared.parked.borrow_mut().remove(&ticket);
                match outcome {
                    Ok(v) if v.as_string().as_deref() == Some("slot") => {
                        shared.with(|i| call.on_slot(i, now()))
                    }
                    Ok(_) => shared.with(|i| call.on_wake(i, now())),
                    Err(reason) => {
                        shared
                            .with(|i| call.on_transport_error(i, TransportFailure::Aborted, now()));
                        emit(&shared);
                        return Err(reason);
                    }
                }
            }
            // Hedges and pending copies are handled inside `hedged`.
            Action::Hedge { .. } | Action::Pending => shared.with(|i| call.on_wake(i, now())),
            Action::Wait { ms, reason } => {
                if reason != WaitReason::Throttle {
                    on_retry(hooks, &prepared, &call, &last, ms, reason);
                }
                let mut remaining = ms;
                let mut aborted = None;
                loop {
                    let step = remaining.min(MAX_TIMER_MS);
                    if let Err(reason) = JsFuture::from(sleep(step as f64, &signal)).await {
                        aborted = Some(reason);
                        break;
                    }
                    remaining -= step;
                    if remaining == 0 {
                        break;
                    }
                }
                match aborted {
                    Some(reason) => {
                        shared
                            .with(|i| call.on_transport_error(i, TransportFailure::Aborted, now()));
                        emit(&shared);
                        if let Last::Response(r) = &last {
                            discard(r);
                        }
                        return Err(reason);
                    }
                    None => shared.with(|i| call.on_wake(i, now())),
                }
            }
            Action::Respond { stop } => {
                let Last::Response(response) = last else {
                    return Err(shared.error("internal", &[]));
                };
                return match (stop, &hooks.fallback) {
                    (Some(stop), Some(fallback)) => {
                        let original = response.response();
                        let ctx = fallback_ctx(
                            &prepared,
                            stop.public_reason(),
                            call.attempts(),
                            None,
                            Some(&original),
                        );
                        let result = run_fallback(fallback, &ctx, &original).await;
                        if result.is_ok() {
                            discard(&response);
                        }
                        result
                    }
                    _ => Ok(response.response()),
                };
            }
            Action::Reject(failure) => {
                let error = match &last {
                    Last::Error { error, .. } => error.clone(),
                    _ => JsValue::UNDEFINED,
                };
                if let Last::Response(r) = &last {
                    discard(r);
                }
                let (rejection, reason) = match failure {
                    Failure::Aborted | Failure::Invalid => return Err(error),
                    Failure::GaveUp(stop) => {
                        let attempts = JsValue::from(call.attempts());
                        let reason = stop.public_reason();
                        let err = shared.error(
                            "retry",
                            &[
                                ("attempts", attempts),
                                ("reason", JsValue::from_str(reason)),
                                ("cause", error.clone()),
                            ],
                        );
                        (err, reason)
                    }
                    // Refused before sending: the error names the key and the wait.
                    Failure::CircuitOpen { retry_after_ms: ms }
                    | Failure::Throttled { wait_ms: ms } => {
                        let (kind, field) = match failure {
                            Failure::CircuitOpen { .. } => ("circuit-open", "retryAfterMs"),
                            _ => ("throttled", "waitMs"),
                        };
                        let fields = [
                            ("key", JsValue::from_str(&key)),
                            (field, JsValue::from_f64(ms as f64)),
                        ];
                        (shared.error(kind, &fields), kind)
                    }
                    _ => (shared.error("internal", &[]), "internal"),
                };
                return match &hooks.fallback {
                    Some(fallback) if reason != "internal" => {
                        let ctx = fallback_ctx(
                            &prepared,
                            reason,
                            call.attempts(),
                            Some(&rejection),
                            None,
                        );
                        run_fallback(fallback, &ctx, &rejection).await
                    }
                    _ => Err(rejection),
                };
            }
        };
    }
}

/// Starts one copy of an attempt (a hedge asks caches to stay out of the way: a browser's
/// HTTP cache would otherwise hold a second request for a URL until the first finishes).
fn send_copy(prepared: &Prepared, signal: &JsValue, copy: Copy<'_>) -> Promise {
    let (input, init) = prepared.attempt();
    attempt(
        &input,
        init,
        copy.timeout_ms.map(|t| t.min(MAX_TIMER_MS) as f64),
        signal,
        copy.hedge,
        copy.header.map(str::to_owned),
        copy.attempt,
    )
}

/// One copy of an attempt: its number (sent in `attemptHeader`, if set), timeout, and
/// whether it is a hedge.
#[derive(Clone, Copy)]
struct Copy<'a> {
    attempt: u32,
    timeout_ms: Option<u64>,
    hedge: bool,
    header: Option<&'a str>,
}

/// Feeds one copy's outcome (a `Reply` or a `Failure`) to the engine.
fn settle(shared: &Shared, call: &mut Call, last: &mut Last, outcome: JsValue) -> Action {
    match outcome.dyn_into::<Reply>() {
        Ok(reply) => {
            let status = reply.status();
            // Retry-After and pushback matter only to retryable statuses and 429 accounting:
            // a success costs no header lookups.
            let (retry_after, date, pushback) = if status >= 400 {
                (
                    header(&reply, "retry-after"),
                    header(&reply, "date"),
                    header(&reply, PUSHBACK_HEADER),
                )
            } else {
                (None, None, None)
            };
            // Rate-limit fields, on every response, only when the policy reads them.
            let quota = if call.paces() {
                rate_limit_fields(&reply)
            } else {
                String::new()
            };
            if let Last::Response(previous) = std::mem::replace(last, Last::Response(reply)) {
                // A failed copy's response replaced by a later one.
                discard(&previous);
            }
            let r = Response {
                status,
                retry_after: retry_after.as_deref(),
                date: date.as_deref(),
                pushback: pushback.as_deref(),
                rate_limit: fields_of(&quota),
            };
            shared.with(|i| call.on_response(i, &r, now()))
        }
        Err(outcome) => {
            let (kind, error) = match outcome.dyn_ref::<AttemptFailure>() {
                Some(f) => (TransportFailure::from_name(&f.kind()), f.error()),
                None => (TransportFailure::Network, outcome),
            };
            if let Last::Response(previous) = std::mem::replace(last, Last::Error { kind, error }) {
                discard(&previous);
            }
            shared.with(|i| call.on_transport_error(i, kind, now()))
        }
    }
}

/// The fields of `rateLimitFields`' answer: `name\nvalue\n` pairs.
fn fields_of(text: &str) -> RateLimitFields<'_> {
    let mut lines = text.split('\n');
    RateLimitFields::from_pairs(std::iter::from_fn(|| Some((lines.next()?, lines.next()?))))
}

/// The path of `url` (no query, no fragment) when it starts with `origin`; else empty.
fn path_of<'a>(url: &'a str, origin: &str) -> &'a str {
    match url.strip_prefix(origin) {
        Some(rest) if origin != "null" => rest.split(['?', '#']).next().unwrap_or(""),
        _ => "",
    }
}

/// One attempt with hedging: races the copies in flight against the hedge timer, sends a
/// hedge when the engine agrees, and returns at the first decision that is not `Pending`,
/// after aborting the copies still in flight (their bodies are cancelled) and the timer.
/// What sending a hedge needs besides the call.
struct HedgeCtx<'a> {
    prepared: &'a Prepared,
    signal: &'a JsValue,
    hook: &'a Option<Function>,
    header: Option<&'a str>,
}

async fn hedged(
    shared: &Shared,
    call: &mut Call,
    last: &mut Last,
    ctx: &HedgeCtx<'_>,
    first: Promise,
    emit: &dyn Fn(&Shared),
) -> Action {
    let HedgeCtx {
        prepared,
        signal,
        hook,
        ..
    } = *ctx;
    let mut copies: Vec<Promise> = vec![first];
    let mut timer = call
        .hedge_after_ms()
        .map(|ms| hedge_timer(ms.min(MAX_TIMER_MS) as f64));
    let action = loop {
        let racing: js_sys::Array = copies.iter().collect();
        let raced = JsFuture::from(race(
            &racing,
            timer.as_ref().map_or(&JsValue::UNDEFINED, |t| t.as_ref()),
        ))
        .await
        .unwrap_or_else(|e| e);
        let raced: &js_sys::Array = raced.unchecked_ref();
        let index = raced.get(0).as_f64().unwrap_or(0.0) as u32;
        if index as usize >= copies.len() {
            // The hedge timer fired with no final outcome yet.
            timer = None;
            if let Some(Action::Hedge {
                attempt,
                copy,
                timeout_ms,
            }) = shared.with(|i| call.on_hedge_timer(i, now()))
            {
                let event = object(&[
                    ("url", JsValue::from_str(&prepared.url)),
                    ("method", JsValue::from_str(&prepared.method)),
                    ("attempt", JsValue::from(attempt)),
                    ("copy", JsValue::from(copy)),
                ]);
                call_hook(hook, &event);
                let copy = Copy {
                    attempt,
                    timeout_ms,
                    hedge: true,
                    header: ctx.header,
                };
                copies.push(send_copy(prepared, signal, copy));
                timer = call
                    .hedge_after_ms()
                    .map(|ms| hedge_timer(ms.min(MAX_TIMER_MS) as f64));
            }
            emit(shared);
            continue;
        }
        drop(copies.remove(index as usize)); // settled: nothing left to cancel
        let action = settle(shared, call, last, raced.get(1));
        if action != Action::Pending {
            break action;
        }
        emit(shared);
    };
    for copy in &copies {
        cancel(copy);
    }
    if let Some(t) = &timer {
        cancel(t);
    }
    action
}

/// Calls `onRetry` with the `RetryEvent` of the wait about to start.
fn on_retry(
    hooks: &Hooks,
    prepared: &Prepared,
    call: &Call,
    last: &Last,
    ms: u64,
    reason: WaitReason,
) {
    if hooks.on_retry.is_none() {
        return;
    }
    let mut fields = vec![
        ("url", JsValue::from_str(&prepared.url)),
        ("method", JsValue::from_str(&prepared.method)),
        ("attempt", JsValue::from(call.attempts())),
        ("delayMs", JsValue::from_f64(ms as f64)),
    ];
    match last {
        Last::Response(r) => {
            fields.push(("status", JsValue::from(r.status())));
            fields.push(("reason", JsValue::from_str("status")));
        }
        Last::Error { kind, error } => {
            fields.push(("error", error.clone()));
            fields.push(("reason", JsValue::from_str(kind.as_str())));
        }
        Last::Nothing => {}
    }
    if let WaitReason::RetryAfter { server_ms } = reason {
        fields.push(("retryAfterMs", JsValue::from_f64(server_ms as f64)));
    }
    call_hook(&hooks.on_retry, &object(&fields));
}

fn fallback_ctx(
    prepared: &Prepared,
    reason: &str,
    attempts: u32,
    error: Option<&JsValue>,
    response: Option<&JsValue>,
) -> Object {
    let ctx = object(&[
        ("request", prepared.describe()),
        ("reason", JsValue::from_str(reason)),
        ("attempts", JsValue::from(attempts)),
    ]);
    if let Some(e) = error {
        let _ = Reflect::set(&ctx, &JsValue::from_str("error"), e);
    }
    if let Some(r) = response {
        let _ = Reflect::set(&ctx, &JsValue::from_str("response"), r);
    }
    ctx
}

/// Runs the user's fallback: its (awaited) value is the call's result; if it throws, the
/// call rejects with that error, whose `cause` is set to the original failure when unset.
async fn run_fallback(
    fallback: &Function,
    ctx: &Object,
    original: &JsValue,
) -> Result<JsValue, JsValue> {
    let result = match fallback.call1(&JsValue::UNDEFINED, ctx) {
        Ok(v) => JsFuture::from(Promise::resolve(&v)).await,
        Err(e) => Err(e),
    };
    result.inspect_err(|e| {
        if e.is_object()
            && Reflect::get(e, &JsValue::from_str("cause")).is_ok_and(|c| c.is_undefined())
        {
            let _ = Reflect::set(e, &JsValue::from_str("cause"), original);
        }
    })
}
