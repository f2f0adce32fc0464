//! The runtime's I/O, through web-sys: one attempt (`fetch` under an `AbortController`
//! with a `setTimeout` timeout, linked to the caller's signal), an abortable sleep, a place
//! in a bulkhead's line, and discarding a body.
//!
//! Only the global `fetch`, `setTimeout` and `clearTimeout` are used, never `window`, so the
//! driver runs in pages, workers and service workers alike. Every timer is cleared and every
//! listener removed when the step that made it ends (the guards below), so a call leaves
//! nothing behind on a long-lived signal and no timer runs while no call is in flight.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Request, RequestInit, Response};

use crate::engine::TransportFailure;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, looked up on every call (so a page may replace it).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(request: &Request) -> Result<Promise, JsValue>;
    /// The global `setTimeout`: a number in browsers, an object in Node and Deno.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// setTimeout's longest delay (2^31 - 1 ms); longer waits sleep in steps.
pub(crate) const MAX_TIMER_MS: u64 = 2_147_483_647;

/// A running `setTimeout`, cleared when dropped.
struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    fn start(ms: u64, callback: impl FnMut() + 'static) -> Self {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let id = set_timeout(
            callback.as_ref().unchecked_ref(),
            ms.min(MAX_TIMER_MS) as f64,
        );
        Self {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// An `abort` listener on a signal, removed when dropped.
struct OnAbort {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl OnAbort {
    fn listen(signal: &AbortSignal, callback: impl FnMut() + 'static) -> Self {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        Self {
            signal: signal.clone(),
            callback,
        }
    }
}

impl Drop for OnAbort {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// A promise and the function that resolves it.
fn promise() -> (Promise, Function) {
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _| resolve = Some(res));
    (promise, resolve.expect("the executor runs at once"))
}

fn resolve_with(resolve: &Function, value: &JsValue) {
    let _ = resolve.call1(&JsValue::UNDEFINED, value);
}

/// What one attempt produced.
pub(crate) enum Outcome {
    Response(Response),
    Failed {
        kind: TransportFailure,
        error: JsValue,
    },
}

/// Sends one attempt: a fresh clone of `base` (so its body is sent afresh) under its own
/// `AbortController`, aborted by the caller's `signal` and, after `timeout_ms`, by the
/// timeout (reported as [`TransportFailure::Timeout`]). The timeout bounds the wait for
/// response headers only: once fetch resolves, the timer is cleared.
pub(crate) async fn attempt(
    base: &Request,
    signal: &AbortSignal,
    timeout_ms: Option<u64>,
    attempt_header: Option<(&str, u32)>,
) -> Outcome {
    if signal.aborted() {
        return Outcome::Failed {
            kind: TransportFailure::Aborted,
            error: signal.reason(),
        };
    }
    let controller = match AbortController::new() {
        Ok(c) => c,
        Err(error) => return invalid(error),
    };
    let copy = match base.clone() {
        Ok(c) => c,
        Err(error) => return invalid(error),
    };
    let init = RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    if let Some((name, n)) = attempt_header {
        let headers = copy.headers();
        let _ = headers.set(name, &n.to_string());
        init.set_headers(&headers);
    }
    let request = match Request::new_with_request_and_init(&copy, &init) {
        Ok(r) => r,
        Err(error) => return invalid(error),
    };
    let timed_out = Rc::new(Cell::new(false));
    let _timer = timeout_ms.map(|ms| {
        let (timed_out, controller) = (Rc::clone(&timed_out), controller.clone());
        Timer::start(ms, move || {
            timed_out.set(true);
            controller.abort_with_reason(&timeout_error(ms));
        })
    });
    let _link = {
        let (caller, controller) = (signal.clone(), controller.clone());
        OnAbort::listen(signal, move || {
            controller.abort_with_reason(&caller.reason())
        })
    };
    let result = match global_fetch(&request) {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(value) => match value.dyn_into::<Response>() {
            Ok(response) => Outcome::Response(response),
            Err(other) => Outcome::Failed {
                kind: TransportFailure::Network,
                error: other,
            },
        },
        Err(_) if signal.aborted() => Outcome::Failed {
            kind: TransportFailure::Aborted,
            error: signal.reason(),
        },
        Err(error) if timed_out.get() => Outcome::Failed {
            kind: TransportFailure::Timeout,
            error,
        },
        Err(error) => Outcome::Failed {
            kind: TransportFailure::Network,
            error,
        },
    }
}

fn invalid(error: JsValue) -> Outcome {
    Outcome::Failed {
        kind: TransportFailure::Invalid,
        error,
    }
}

/// The reason an attempt's timeout aborts it with: a `TimeoutError`, as
/// `AbortSignal.timeout` uses.
fn timeout_error(ms: u64) -> JsValue {
    let e = js_sys::Error::new(&format!("the attempt timed out after {ms} ms"));
    e.set_name("TimeoutError");
    e.into()
}

/// Sleeps `ms`, or until the caller's `signal` aborts: `Err(reason)` then.
pub(crate) async fn sleep(ms: u64, signal: &AbortSignal) -> Result<(), JsValue> {
    let mut remaining = ms;
    loop {
        if signal.aborted() {
            return Err(signal.reason());
        }
        let step = remaining.min(MAX_TIMER_MS);
        let (promise, resolve) = promise();
        let _timer = {
            let resolve = resolve.clone();
            Timer::start(step, move || resolve_with(&resolve, &JsValue::TRUE))
        };
        let _abort = OnAbort::listen(signal, move || resolve_with(&resolve, &JsValue::FALSE));
        let slept = JsFuture::from(promise).await.unwrap_or(JsValue::FALSE);
        if slept != JsValue::TRUE {
            return Err(signal.reason());
        }
        remaining -= step;
        if remaining == 0 {
            return Ok(());
        }
    }
}

/// How a wait in a bulkhead's line ended.
pub(crate) enum Parked {
    /// A slot was handed to this call.
    Slot,
    /// The deadline passed first.
    Timeout,
    /// The caller aborted, with this reason.
    Aborted(JsValue),
}

/// Waits in line: `wake` (kept by the client under the call's ticket) resolves it with a
/// slot; a `timeout_ms` or the caller's abort end it first.
pub(crate) async fn park(
    timeout_ms: Option<u64>,
    signal: &AbortSignal,
    keep: impl FnOnce(Function),
) -> Parked {
    if signal.aborted() {
        return Parked::Aborted(signal.reason());
    }
    let (promise, resolve) = promise();
    keep(resolve.clone());
    let _timer = timeout_ms.map(|ms| {
        let resolve = resolve.clone();
        Timer::start(ms, move || {
            resolve_with(&resolve, &JsValue::from_str("timeout"))
        })
    });
    let _abort = OnAbort::listen(signal, move || {
        resolve_with(&resolve, &JsValue::from_str("abort"))
    });
    let woken = JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED);
    match woken.as_string().as_deref() {
        Some("slot") => Parked::Slot,
        Some("timeout") => Parked::Timeout,
        _ => Parked::Aborted(signal.reason()),
    }
}

/// Wakes a call parked by [`park`] with a slot.
pub(crate) fn wake(resolve: &Function) {
    resolve_with(resolve, &JsValue::from_str("slot"));
}

/// Cancels a response's body we will not hand out, so its connection is freed now rather
/// than at garbage collection.
pub(crate) fn discard(response: &Response) {
    if let Some(body) = response.body() {
        if !body.locked() {
            let done = body.cancel();
            // A failed cancel has nothing left to free.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(done).await;
            });
        }
    }
}
