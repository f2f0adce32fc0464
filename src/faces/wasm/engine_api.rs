//! The sans-IO engine for JavaScript (`EngineClient`, `EngineCall`): the same decisions as
//! `resilientFetch`, with time and the seed passed in and no I/O, for users who bring their
//! own transport (undici, axios, a custom protocol) and for replaying test vectors.
//!
//! Actions are plain objects: `{ type: "send", attempt, timeoutMs? }`,
//! `{ type: "hedge", attempt, copy, timeoutMs? }`, `{ type: "pending" }`,
//! `{ type: "queued", ticket, timeoutMs? }`, `{ type: "wait", ms, reason, retryAfterMs? }`
//! (`reason`: `"backoff"`, `"retry-after"`, `"throttle"`), `{ type: "respond", stop? }`, and
//! `{ type: "reject", failure, stop?, retryAfterMs?, waitMs? }` (`failure`: `"gave-up"`,
//! `"circuit-open"`, `"throttled"`, `"aborted"`, `"invalid"`, `"misuse"`): the wire's names
//! (`crate::engine::wire`), the component's and the vectors' too.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::client::option_error;
use super::convert::to_value;
use super::request::read_options;
use crate::engine::options::decode;
use crate::engine::ratelimit::RateLimitFields;
use crate::engine::wire::camel_case;
use crate::engine::RequestMeta;
use crate::engine::{
    Action, Call, Failure, Instance, Policy, Response, TransportFailure, WaitReason,
};

#[wasm_bindgen(typescript_custom_section)]
const ENGINE_TYPES: &str = r#"
import type { ResilienceOptions, ResilienceStats } from "../types.js";

/** Why retrying stopped (the wire's names: the component's and the vectors' too). */
export type EngineStop =
  | "attempts" | "budget" | "deadline" | "not-retryable" | "circuit-open"
  | "retry-after-too-long" | "throttled" | "pushback";

/** What the driver must do next: switch on `type`. */
export type EngineAction =
  | { type: "send"; attempt: number; timeoutMs?: number }
  | { type: "hedge"; attempt: number; copy: number; timeoutMs?: number }
  | { type: "queued"; ticket: number; timeoutMs?: number }
  | { type: "pending" }
  | { type: "wait"; ms: number; reason: "backoff" | "throttle" }
  | { type: "wait"; ms: number; reason: "retry-after"; retryAfterMs: number }
  | { type: "respond"; stop?: EngineStop }
  | { type: "reject"; failure: "gave-up"; stop: EngineStop }
  | { type: "reject"; failure: "circuit-open"; retryAfterMs: number }
  | { type: "reject"; failure: "throttled"; waitMs: number }
  | { type: "reject"; failure: "aborted" | "invalid" | "misuse" };

/** What the engine must know of a request, worked out once before the call starts. */
export interface EngineRequest {
  /** Where the breaker, budget, limiter and bulkhead live (e.g. the URL's origin). */
  key: string;
  /** @default "GET" */
  method?: string;
  /** Whether an idempotency key is sent (makes POST and PATCH retryable). @default false */
  idempotencyKey?: boolean;
  /** Whether the body can be sent twice (false for a stream). @default true */
  replayableBody?: boolean;
  /** The URL's path: where holds and the learned send rate live. @default "" */
  path?: string;
}

/** A response as the engine reads it: the status and the raw header values it uses. */
export interface EngineResponse {
  status: number;
  retryAfter?: string | null;
  date?: string | null;
  /** `Retry-Pushback-Ms`. */
  pushback?: string | null;
  /** Rate-limit fields by lower-case header name (every dialect the README lists). */
  rateLimit?: Record<string, string>;
}

/** Why an attempt produced no response. */
export type EngineTransportFailure = "network" | "timeout" | "aborted" | "invalid";

/** A breaker's state. */
export type EngineBreakerState = "closed" | "open" | "half-open";

/** A breaker's change, oldest first. */
export interface EngineBreakerChange {
  key: string;
  from: EngineBreakerState;
  to: EngineBreakerState;
}

/** The counters, as `resilientFetch.stats()` gives them. */
export type EngineStats = ResilienceStats;
"#;

fn set(o: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &value);
}

fn num(x: u64) -> JsValue {
    JsValue::from_f64(x as f64)
}

/// An engine action as a plain JavaScript object.
fn action(a: Action) -> JsValue {
    // Every name is the wire's (crate::engine::wire): `type` is the action's kind, `reason`
    // the wait's, `failure` the failure's, `stop` the stop reason's.
    let o = Object::new();
    set(&o, "type", JsValue::from_str(a.kind()));
    let timeout = |o: &Object, t: Option<u64>| {
        if let Some(t) = t {
            set(o, "timeoutMs", num(t));
        }
    };
    match a {
        Action::Send {
            attempt,
            timeout_ms,
        } => {
            set(&o, "attempt", attempt.into());
            timeout(&o, timeout_ms);
        }
        Action::Hedge {
            attempt,
            copy,
            timeout_ms,
        } => {
            set(&o, "attempt", attempt.into());
            set(&o, "copy", copy.into());
            timeout(&o, timeout_ms);
        }
        Action::Queued { ticket, timeout_ms } => {
            set(&o, "ticket", num(ticket));
            timeout(&o, timeout_ms);
        }
        Action::Wait { ms, reason } => {
            set(&o, "ms", num(ms));
            if let WaitReason::RetryAfter { server_ms } = reason {
                set(&o, "retryAfterMs", num(server_ms));
            }
            set(&o, "reason", JsValue::from_str(reason.kind()));
        }
        Action::Respond { stop: Some(s) } => set(&o, "stop", JsValue::from_str(s.as_str())),
        Action::Reject(f) => {
            match f {
                Failure::GaveUp(s) => set(&o, "stop", JsValue::from_str(s.as_str())),
                Failure::CircuitOpen { retry_after_ms } => {
                    set(&o, "retryAfterMs", num(retry_after_ms))
                }
                Failure::Throttled { wait_ms } => set(&o, "waitMs", num(wait_ms)),
                _ => {}
            }
            set(&o, "failure", JsValue::from_str(f.kind()));
        }
        _ => {}
    }
    o.into()
}

/// Breakers, budgets, limiters and bulkheads per key, counters and the jitter generator:
/// what a `createResilientFetch()` instance holds, with time and the seed passed in.
#[wasm_bindgen]
pub struct EngineClient {
    instance: Rc<RefCell<Instance>>,
}

/// One call's retry loop: report outcomes and times, get the next action.
#[wasm_bindgen]
pub struct EngineCall {
    instance: Rc<RefCell<Instance>>,
    call: Call,
    first: JsValue,
}

#[wasm_bindgen]
impl EngineClient {
    /// A client whose jitter draws from `seed` (a bigint).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: u64) -> EngineClient {
        EngineClient {
            instance: Rc::new(RefCell::new(Instance::new(seed))),
        }
    }

    /// Starts a call under `options` (resilientFetch's option object, checked with the same
    /// messages: TypeError or RangeError) for `request` = `{ key, method, idempotencyKey?,
    /// replayableBody?, path? }` at `nowMs` (`path`: the URL's path, where holds and the
    /// learned send rate live); the first action is the call's `first`.
    pub fn start(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ResilienceOptions | undefined")] options: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EngineRequest")] request: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<EngineCall, JsValue> {
        // A plain copy first: an option that throws when read rejects, naming it.
        let record = read_options(&options, &JsValue::UNDEFINED);
        let error = record.error();
        if !error.is_undefined() {
            return Err(error);
        }
        let options = record.options();
        let decoded = decode(&to_value(&options)).map_err(option_error)?;
        let policy = Policy::from_options(&decoded.options).map_err(option_error)?;
        let get =
            |k: &str| Reflect::get(&request, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let key = get("key").as_string().unwrap_or_default();
        let method = get("method")
            .as_string()
            .unwrap_or_else(|| "GET".to_owned());
        let keyed = get("idempotencyKey").as_bool().unwrap_or(false);
        let replayable = get("replayableBody").as_bool().unwrap_or(true);
        let path = get("path").as_string().unwrap_or_default();
        let meta = RequestMeta::new(&method)
            .with_idempotency_key(keyed)
            .with_replayable_body(replayable)
            .with_path(&path);
        let mut call = Call::new(Arc::new(policy), key, meta);
        let first = action(call.start(&mut self.instance.borrow_mut(), now_ms as u64));
        Ok(EngineCall {
            instance: Rc::clone(&self.instance),
            call,
            first,
        })
    }

    /// `"closed"`, `"open"` or `"half-open"` at `nowMs`.
    #[wasm_bindgen(js_name = breakerState)]
    #[wasm_bindgen(unchecked_return_type = "EngineBreakerState")]
    pub fn breaker_state(&self, key: &str, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> String {
        self.instance
            .borrow()
            .breaker_state(key, now_ms as u64)
            .as_str()
            .to_owned()
    }

    /// The counters, as `resilientFetch.stats()` gives them.
    #[wasm_bindgen(unchecked_return_type = "EngineStats")]
    pub fn stats(&self) -> JsValue {
        let s = self.instance.borrow().stats();
        let o = Object::new();
        for (name, value) in s.fields() {
            set(&o, &camel_case(name), num(value));
        }
        o.into()
    }

    /// Forgets breaker, budget, limiter and bulkhead state (not the counters).
    pub fn reset(&self) {
        self.instance.borrow_mut().reset();
    }

    /// The next breaker change `{ key, from, to }`, oldest first, or undefined.
    #[wasm_bindgen(js_name = pollEvent)]
    #[wasm_bindgen(unchecked_return_type = "EngineBreakerChange | undefined")]
    pub fn poll_event(&self) -> JsValue {
        match self.instance.borrow_mut().poll_event() {
            None => JsValue::UNDEFINED,
            Some(e) => {
                let o = Object::new();
                set(&o, "key", JsValue::from_str(&e.key));
                set(&o, "from", JsValue::from_str(e.from.as_str()));
                set(&o, "to", JsValue::from_str(e.to.as_str()));
                o.into()
            }
        }
    }

    /// The ticket of a queued call that now holds a bulkhead slot, or undefined.
    #[wasm_bindgen(js_name = pollWake)]
    pub fn poll_wake(&self) -> Option<f64> {
        self.instance.borrow_mut().poll_wake().map(|t| t as f64)
    }
}

#[wasm_bindgen]
impl EngineCall {
    /// The action `start` decided.
    #[wasm_bindgen(getter, unchecked_return_type = "EngineAction")]
    pub fn first(&self) -> JsValue {
        self.first.clone()
    }

    /// The response of an attempt (or copy) in flight, at `nowMs`: `{ status, retryAfter?,
    /// date?, pushback?, rateLimit? }` with the raw header values (`rateLimit`: an object
    /// from lower-case header name to raw value, every dialect the README lists). One object
    /// rather than six positional arguments, the component's fields in its order, and time
    /// last, as in every other report.
    #[wasm_bindgen(js_name = onResponse, unchecked_return_type = "EngineAction")]
    pub fn on_response(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EngineResponse")] response: JsValue,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> JsValue {
        let get =
            |k: &str| Reflect::get(&response, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let status = get("status").as_f64().unwrap_or(0.0) as u16;
        let (retry_after, date, pushback) = (
            get("retryAfter").as_string(),
            get("date").as_string(),
            get("pushback").as_string(),
        );
        let rate_limit = get("rateLimit");
        let mut pairs: Vec<(String, String)> = Vec::new();
        if rate_limit.is_object() {
            for entry in Object::entries(rate_limit.unchecked_ref()).iter() {
                let entry: js_sys::Array = entry.unchecked_into();
                if let (Some(k), Some(v)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
                    pairs.push((k, v));
                }
            }
        }
        let r = Response {
            status,
            retry_after: retry_after.as_deref(),
            date: date.as_deref(),
            pushback: pushback.as_deref(),
            rate_limit: RateLimitFields::from_pairs(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        };
        action(
            self.call
                .on_response(&mut self.instance.borrow_mut(), &r, now_ms as u64),
        )
    }

    /// No response: `"network"`, `"timeout"`, `"aborted"` or `"invalid"`.
    #[wasm_bindgen(js_name = onTransportError)]
    #[wasm_bindgen(unchecked_return_type = "EngineAction")]
    pub fn on_transport_error(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EngineTransportFailure")] kind: &str,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> JsValue {
        action(self.call.on_transport_error(
            &mut self.instance.borrow_mut(),
            TransportFailure::from_name(kind),
            now_ms as u64,
        ))
    }

    /// A wait (or a queued timeout) ended.
    #[wasm_bindgen(js_name = onWake)]
    #[wasm_bindgen(unchecked_return_type = "EngineAction")]
    pub fn on_wake(&mut self, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> JsValue {
        action(
            self.call
                .on_wake(&mut self.instance.borrow_mut(), now_ms as u64),
        )
    }

    /// The call's bulkhead ticket came out of `pollWake`.
    #[wasm_bindgen(js_name = onSlot)]
    #[wasm_bindgen(unchecked_return_type = "EngineAction")]
    pub fn on_slot(&mut self, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> JsValue {
        action(
            self.call
                .on_slot(&mut self.instance.borrow_mut(), now_ms as u64),
        )
    }

    /// When the next hedge is due after the latest copy, or undefined.
    #[wasm_bindgen(js_name = hedgeAfterMs)]
    pub fn hedge_after_ms(&self) -> Option<f64> {
        self.call.hedge_after_ms().map(|t| t as f64)
    }

    /// The hedge timer fired: the hedge action, or undefined for none.
    #[wasm_bindgen(js_name = onHedgeTimer)]
    #[wasm_bindgen(unchecked_return_type = "EngineAction | undefined")]
    pub fn on_hedge_timer(&mut self, #[wasm_bindgen(js_name = nowMs)] now_ms: f64) -> JsValue {
        self.call
            .on_hedge_timer(&mut self.instance.borrow_mut(), now_ms as u64)
            .map_or(JsValue::UNDEFINED, action)
    }

    /// Attempts sent so far (hedges not included).
    pub fn attempts(&self) -> u32 {
        self.call.attempts()
    }
}
