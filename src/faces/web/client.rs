//! The async driver: a [`Client`] runs each call's engine state machine (see
//! [`Call`](crate::engine::Call) for the protocol) against the real `fetch` and real timers.
//!
//! For each call it works out the request once (URL, origin, method, the `Idempotency-Key`,
//! whether the body can be sent again), then loops: ask the engine, do what it says (send an
//! attempt, sleep, wait in line, hand over the response, fail), report the outcome. It
//! decides nothing itself.
//!
//! The engine instance is seeded from `getrandom` (the runtime's `crypto.getRandomValues`)
//! on the first call, not at creation, because Cloudflare Workers allow entropy only inside a
//! request handler.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::Function;
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Headers, Request, RequestInit};

use super::error::Error;
use super::io::{self, Outcome, Parked};
use super::options::Options;
use crate::engine::options::IdempotencyKey;
use crate::engine::pushback::HEADER as PUSHBACK_HEADER;
use crate::engine::ratelimit::RateLimitFields;
use crate::engine::raw::OptionError;
use crate::engine::{
    Action, BreakerState, Call, Failure, Instance, Policy, RequestMeta, Response, Stats,
    TransportFailure, WaitReason,
};

/// Why an attempt is being retried, in a [`RetryEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// A retryable status (`RetryEvent::status` says which).
    Status,
    /// A network failure.
    Network,
    /// The attempt's timeout fired.
    Timeout,
}

/// What [`Options::on_retry`] is told before each retry's wait (the npm package's
/// `RetryEvent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryEvent {
    /// The request's URL.
    pub url: String,
    /// The request's method.
    pub method: String,
    /// The 1-based number of the attempt that just failed.
    pub attempt: u32,
    /// Its status, if it had a response.
    pub status: Option<u16>,
    /// Why it failed.
    pub reason: RetryReason,
    /// The wait about to start, in milliseconds.
    pub delay_ms: u64,
    /// The server's `Retry-After`, in milliseconds, when the wait honours one.
    pub retry_after_ms: Option<u64>,
}

/// One call's options, resolved.
#[derive(Clone)]
struct Settings {
    policy: Arc<Policy>,
    options: Options,
}

impl Settings {
    fn new(options: Options) -> Result<Self, OptionError> {
        Ok(Self {
            policy: Arc::new(options.policy()?),
            options,
        })
    }
}

struct Shared {
    instance: RefCell<Option<Instance>>,
    /// Calls waiting in a bulkhead's line: ticket -> the function that wakes them.
    parked: RefCell<BTreeMap<u64, Function>>,
    defaults: Settings,
}

impl Shared {
    /// Runs `f` on the engine instance, creating (and seeding) it on first use.
    fn with<T>(&self, f: impl FnOnce(&mut Instance) -> T) -> T {
        let mut slot = self.instance.borrow_mut();
        let instance = slot.get_or_insert_with(|| {
            let mut seed = [0u8; 8];
            // crypto.getRandomValues does not fail where fetch exists; a zero seed would
            // still be a valid one.
            let _ = getrandom::fill(&mut seed);
            Instance::new(u64::from_le_bytes(seed))
        });
        f(instance)
    }

    /// Wakes the calls whose bulkhead slot came free and tells the hook of breaker changes.
    fn emit(&self, settings: &Settings) {
        let woken: Vec<u64> = self.with(|i| std::iter::from_fn(|| i.poll_wake()).collect());
        for ticket in woken {
            if let Some(resolve) = self.parked.borrow().get(&ticket) {
                io::wake(resolve);
            }
        }
        let events: Vec<_> = self.with(|i| std::iter::from_fn(|| i.poll_event()).collect());
        if let Some(hook) = &settings.options.on_breaker_state_change {
            for event in &events {
                hook(event);
            }
        }
    }
}

/// A resilient `fetch`: retries with backoff and jitter, `Retry-After`, idempotency keys,
/// timeouts, a retry budget and a circuit breaker per origin, with state (breakers, budgets,
/// holds) shared by every call of this client and its clones.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use resilient_fetch::web::{Client, Options};
///
/// let client = Client::new(Options::default())?;
/// let request = web_sys::Request::new_with_str("https://api.example.com/items")
///     .map_err(|_| "bad URL")?;
/// let response = client.fetch(&request).await?;
/// assert!(response.ok());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Rc<Shared>,
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

impl Client {
    /// A client with these default options, checked at once.
    pub fn new(options: Options) -> Result<Client, OptionError> {
        Ok(Client {
            shared: Rc::new(Shared {
                instance: RefCell::new(None),
                parked: RefCell::default(),
                defaults: Settings::new(options)?,
            }),
        })
    }

    /// A client with options from a JavaScript value (see [`Options::from_js`]).
    pub fn from_js(options: &JsValue) -> Result<Client, OptionError> {
        Client::new(Options::from_js(options)?)
    }

    /// Sends `request` with the client's options. The request itself is never consumed:
    /// each attempt sends a clone (so its body is sent afresh), and its signal aborts the
    /// call.
    ///
    /// Resolves with the final response, whatever its status, as `fetch` does; fails only
    /// when there is no response to give (see [`Error`]).
    pub async fn fetch(&self, request: &Request) -> Result<web_sys::Response, Error> {
        run(&self.shared, request, &self.shared.defaults).await
    }

    /// [`Client::fetch`] with `options` for this call instead of the client's defaults (the
    /// state it uses — breakers, budgets, holds — is still the client's). Options are not
    /// merged here: start from a clone of the defaults to change one field.
    pub async fn fetch_with(
        &self,
        request: &Request,
        options: &Options,
    ) -> Result<web_sys::Response, Error> {
        let settings = Settings::new(options.clone())?;
        run(&self.shared, request, &settings).await
    }

    /// The options this client was created with.
    pub fn options(&self) -> &Options {
        &self.shared.defaults.options
    }

    /// The state of `key`'s breaker (a key is an origin such as `https://api.example.com`
    /// unless `breaker.key` says otherwise); `Closed` for a key never seen.
    pub fn breaker_state(&self, key: &str) -> BreakerState {
        match self.shared.instance.borrow().as_ref() {
            Some(i) => i.breaker_state(key, now()),
            None => BreakerState::Closed,
        }
    }

    /// Monotonic counters since creation.
    pub fn stats(&self) -> Stats {
        self.shared
            .instance
            .borrow()
            .as_ref()
            .map(Instance::stats)
            .unwrap_or_default()
    }

    /// Forgets breaker, budget, limiter and hold state and learned rates (not the counters).
    pub fn reset(&self) {
        if let Some(i) = self.shared.instance.borrow_mut().as_mut() {
            i.reset();
        }
    }
}

/// The `Idempotency-Key` header's name.
const KEY_HEADER: &str = "Idempotency-Key";

/// One call's request, worked out once.
struct Prepared {
    /// What every attempt clones: the caller's request with our headers.
    base: Request,
    url: String,
    method: String,
    signal: AbortSignal,
    has_key: bool,
}

impl Prepared {
    fn new(request: &Request, key_option: &IdempotencyKey) -> Result<Self, JsValue> {
        let url = request.url();
        let method = request.method();
        let signal = request.signal();
        // Our own copy of the caller's request (its body teed), so the caller's stays unused.
        let own = request.clone()?;
        let headers = Headers::new_with_headers(&request.headers())?;
        let mut has_key = headers.has(KEY_HEADER)?;
        if !has_key {
            let key = match key_option {
                IdempotencyKey::None => None,
                IdempotencyKey::Generate => Some(new_uuid_v4()),
                IdempotencyKey::Fixed(k) => Some(k.clone()),
            };
            if let Some(key) = key {
                headers.set(KEY_HEADER, &key)?;
                has_key = true;
            }
        }
        let init = RequestInit::new();
        init.set_headers(&headers);
        let base = Request::new_with_request_and_init(&own, &init)?;
        Ok(Self {
            base,
            url,
            method,
            signal,
            has_key,
        })
    }
}

/// What the last attempt produced.
enum Last {
    Nothing,
    Response(web_sys::Response),
    Error {
        kind: TransportFailure,
        error: JsValue,
    },
}

impl Last {
    /// Replaces the last outcome; a response replaced is discarded (its body cancelled).
    fn set(&mut self, next: Last) {
        if let Last::Response(previous) = std::mem::replace(self, next) {
            io::discard(&previous);
        }
    }
}

async fn run(
    shared: &Shared,
    request: &Request,
    settings: &Settings,
) -> Result<web_sys::Response, Error> {
    let options = &settings.options;
    // A request whose body was already used cannot be cloned: fetch's own error.
    let prepared =
        Prepared::new(request, &options.idempotency_key).map_err(Error::InvalidRequest)?;
    let origin = web_sys::Url::new(&prepared.url)
        .map(|u| u.origin())
        .unwrap_or_else(|_| prepared.url.clone());
    let key = options
        .breaker_key
        .clone()
        .unwrap_or_else(|| origin.clone());
    let meta = RequestMeta::new(&prepared.method)
        .with_idempotency_key(prepared.has_key)
        // Every body is replayable: each attempt sends a clone, whose body the runtime tees.
        .with_replayable_body(true)
        .with_path(path_of(&prepared.url, &origin));
    let mut call = Call::new(Arc::clone(&settings.policy), key.clone(), meta);
    let mut last = Last::Nothing;
    let mut action = shared.with(|i| call.start(i, now()));
    loop {
        shared.emit(settings);
        action = match action {
            Action::Send {
                attempt,
                timeout_ms,
            } => {
                let header = options.attempt_header.as_deref().map(|h| (h, attempt));
                let outcome =
                    io::attempt(&prepared.base, &prepared.signal, timeout_ms, header).await;
                report(shared, &mut call, &mut last, outcome)
            }
            Action::Wait { ms, reason } => {
                if reason != WaitReason::Throttle {
                    on_retry(options, &prepared, &call, &last, ms, reason);
                }
                match io::sleep(ms, &prepared.signal).await {
                    Ok(()) => shared.with(|i| call.on_wake(i, now())),
                    Err(reason) => {
                        last.set(Last::Nothing);
                        shared
                            .with(|i| call.on_transport_error(i, TransportFailure::Aborted, now()));
                        shared.emit(settings);
                        return Err(Error::Aborted(reason));
                    }
                }
            }
            Action::Queued { ticket, timeout_ms } => {
                let parked = io::park(timeout_ms, &prepared.signal, |wake| {
                    shared.parked.borrow_mut().insert(ticket, wake);
                })
                .await;
                shared.parked.borrow_mut().remove(&ticket);
                match parked {
                    Parked::Slot => shared.with(|i| call.on_slot(i, now())),
                    Parked::Timeout => shared.with(|i| call.on_wake(i, now())),
                    Parked::Aborted(reason) => {
                        shared
                            .with(|i| call.on_transport_error(i, TransportFailure::Aborted, now()));
                        shared.emit(settings);
                        return Err(Error::Aborted(reason));
                    }
                }
            }
            Action::Respond { .. } => {
                return match std::mem::replace(&mut last, Last::Nothing) {
                    Last::Response(response) => Ok(response),
                    // The engine responds only after a response: unreachable by protocol.
                    _ => Err(Error::InvalidRequest(JsValue::from_str(
                        "resilient-fetch: the engine asked to respond without a response",
                    ))),
                };
            }
            Action::Reject(failure) => {
                let error = match std::mem::replace(&mut last, Last::Nothing) {
                    Last::Error { error, .. } => error,
                    Last::Response(r) => {
                        io::discard(&r);
                        JsValue::UNDEFINED
                    }
                    Last::Nothing => JsValue::UNDEFINED,
                };
                return Err(match failure {
                    Failure::Aborted => Error::Aborted(prepared.signal.reason()),
                    Failure::GaveUp(reason) => Error::GaveUp {
                        attempts: call.attempts(),
                        reason,
                        last: error,
                    },
                    Failure::CircuitOpen { retry_after_ms } => Error::CircuitOpen {
                        key,
                        retry_after_ms,
                    },
                    Failure::Throttled { wait_ms } => Error::Throttled { key, wait_ms },
                    _ => Error::InvalidRequest(error),
                });
            }
            // Hedges are not sent by this driver (it never calls `on_hedge_timer`), so no
            // copies are ever pending; answering `on_wake` reports the misuse should one be.
            _ => shared.with(|i| call.on_wake(i, now())),
        };
    }
}

/// Feeds one attempt's outcome to the engine.
fn report(shared: &Shared, call: &mut Call, last: &mut Last, outcome: Outcome) -> Action {
    match outcome {
        Outcome::Response(response) => {
            let status = response.status();
            let headers = response.headers();
            let get = |name: &str| headers.get(name).ok().flatten();
            // Retry-After and pushback matter only to failures and 429 accounting.
            let (retry_after, date, pushback) = if status >= 400 {
                (get("retry-after"), get("date"), get(PUSHBACK_HEADER))
            } else {
                (None, None, None)
            };
            let quota = if call.paces() {
                rate_limit_pairs(&headers)
            } else {
                Vec::new()
            };
            last.set(Last::Response(response));
            let r = Response {
                status,
                retry_after: retry_after.as_deref(),
                date: date.as_deref(),
                pushback: pushback.as_deref(),
                rate_limit: RateLimitFields::from_pairs(
                    quota.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                ),
            };
            shared.with(|i| call.on_response(i, &r, now()))
        }
        Outcome::Failed { kind, error } => {
            last.set(Last::Error { kind, error });
            shared.with(|i| call.on_transport_error(i, kind, now()))
        }
    }
}

/// The response's header fields whose names start like a rate-limit dialect the engine
/// reads (names come lower-case from `Headers`).
fn rate_limit_pairs(headers: &Headers) -> Vec<(String, String)> {
    const PREFIXES: [&str; 4] = [
        "ratelimit",
        "x-ratelimit",
        "x-rate-limit",
        "anthropic-ratelimit",
    ];
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|pair| {
            let pair = js_sys::Array::from(&pair);
            let name = pair.get(0).as_string()?;
            PREFIXES
                .iter()
                .any(|p| name.starts_with(p))
                .then(|| Some((name, pair.get(1).as_string()?)))?
        })
        .collect()
}

/// The path of `url` (no query, no fragment) when it starts with `origin`; else empty.
fn path_of<'a>(url: &'a str, origin: &str) -> &'a str {
    match url.strip_prefix(origin) {
        Some(rest) if origin != "null" => rest.split(['?', '#']).next().unwrap_or(""),
        _ => "",
    }
}

/// Calls `on_retry` with the event of the wait about to start.
fn on_retry(
    options: &Options,
    prepared: &Prepared,
    call: &Call,
    last: &Last,
    ms: u64,
    reason: WaitReason,
) {
    let Some(hook) = &options.on_retry else {
        return;
    };
    let (status, why) = match last {
        Last::Response(r) => (Some(r.status()), RetryReason::Status),
        Last::Error {
            kind: TransportFailure::Timeout,
            ..
        } => (None, RetryReason::Timeout),
        _ => (None, RetryReason::Network),
    };
    hook(&RetryEvent {
        url: prepared.url.clone(),
        method: prepared.method.clone(),
        attempt: call.attempts(),
        status,
        reason: why,
        delay_ms: ms,
        retry_after_ms: match reason {
            WaitReason::RetryAfter { server_ms } => Some(server_ms),
            _ => None,
        },
    });
}

/// A random (version 4) UUID from the runtime's CSPRNG, as the `Idempotency-Key`.
fn new_uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}
