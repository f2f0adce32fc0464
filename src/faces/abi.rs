//! The engine's numeric interface (feature `abi`, target `wasm32`): what the npm package's
//! TypeScript driver calls. Plain `extern "C"` exports of numbers, no imports at all: the
//! module instantiates with an empty import object in every runtime, carries no glue, and a
//! decision costs one boundary crossing.
//!
//! Conventions:
//! - Instances (one per `createResilientFetch()`), policies (one per distinct options
//!   object) and calls live in slabs here, named by `u32` handles.
//! - Text crosses through one scratch buffer: the driver asks [`rf_scratch`] for room,
//!   writes UTF-8 there, and passes the length; text coming back (an event's key) is written
//!   there too. Strings the driver reuses (breaker keys, paths, methods) are interned once
//!   ([`rf_intern`]) and named by number after that.
//! - An action is returned as its kind's code ([`kind`]); its numbers go to [`rf_out`]'s
//!   eight slots (`NaN`: absent). Codes are the wire's names in a fixed order (see the
//!   tables below), so the driver's tables and these stay in step by test.
//! - Options arrive already checked (by the generated TypeScript validator, with the same
//!   messages as the engine's decoder) and encoded as numbers by the generated encoder:
//!   see [`Reader`] and `abi_options.rs`.
//!
//! Nothing here formats or parses a number as text. Built without the default feature `std`
//! (`--no-default-features --features abi`) the module carries no formatting machinery at
//! all: a panic traps, and memory comes from a small allocator.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
#[cfg(target_arch = "wasm32")]
use core::cell::UnsafeCell;

use super::{abi_options, abi_snapshot};
use crate::engine::ratelimit::RateLimitFields;
use crate::engine::{
    Action, BreakerMode, Call, Change, Failure, Instance, Policy, RequestMeta, Response, Snapshot,
    SnapshotError, Stop, TransportFailure, Verdict, WaitReason,
};

/// Action kinds, in the wire's order (`crate::engine::wire`).
pub mod kind {
    /// `send`: out = [attempt, timeoutMs].
    pub const SEND: i32 = 0;
    /// `hedge`: out = [attempt, timeoutMs, copy].
    pub const HEDGE: i32 = 1;
    /// `queued`: out = [ticket, timeoutMs].
    pub const QUEUED: i32 = 2;
    /// `pending`.
    pub const PENDING: i32 = 3;
    /// `wait`: out = [ms, reason (0 backoff, 1 retry-after, 2 throttle), retryAfterMs].
    pub const WAIT: i32 = 4;
    /// `respond`: out = [stop or NaN].
    pub const RESPOND: i32 = 5;
    /// `reject`: out = [failure (0 gave-up, 1 circuit-open, 2 throttled, 3 aborted,
    /// 4 invalid, 5 misuse), stop, retryAfterMs or waitMs].
    pub const REJECT: i32 = 6;
    /// Not an action: the handle named nothing (a call already freed).
    pub const NONE: i32 = -1;
}

/// Stop reasons by code (out slot of `respond` and `reject gave-up`).
pub const STOPS: [Stop; 8] = [
    Stop::Attempts,
    Stop::Budget,
    Stop::Deadline,
    Stop::NotRetryable,
    Stop::CircuitOpen,
    Stop::RetryAfterTooLong,
    Stop::Throttled,
    Stop::Pushback,
];

/// Reads the option encoding: numbers in schema row order, `NaN` for "not given", list
/// items inline after their count, method names from the text's lines in order.
pub(super) struct Reader<'a> {
    slots: &'a [f64],
    next: usize,
    lines: core::str::Split<'a, char>,
}

impl<'a> Reader<'a> {
    fn new(slots: &'a [f64], text: &'a str) -> Self {
        Self {
            slots,
            next: 0,
            lines: text.split('\n'),
        }
    }

    fn take(&mut self) -> f64 {
        let v = self.slots.get(self.next).copied().unwrap_or(f64::NAN);
        self.next += 1;
        v
    }

    /// A number, or `None` (`NaN`).
    pub(super) fn num(&mut self) -> Option<f64> {
        Some(self.take()).filter(|v| !v.is_nan())
    }

    /// A boolean (0 or 1), or `None`.
    pub(super) fn flag(&mut self) -> Option<bool> {
        self.num().map(|v| v != 0.0)
    }

    /// One of `names` by index, or `None`.
    pub(super) fn name(&mut self, names: &[&str]) -> Option<String> {
        self.num()
            .and_then(|i| names.get(i as usize))
            .map(|s| (*s).to_owned())
    }

    /// A group's state: 0 default, 1 given (its fields follow), 2 off.
    pub(super) fn group(&mut self) -> u8 {
        let v = self.take();
        if v == 1.0 {
            1
        } else if v == 2.0 {
            2
        } else {
            0
        }
    }

    /// A timeout: `NaN` default, `-Infinity` off (`false`), else milliseconds.
    pub(super) fn timeout(&mut self) -> crate::engine::raw::Setting<f64> {
        use crate::engine::raw::Setting;
        match self.take() {
            v if v.is_nan() => Setting::Default,
            v if v == f64::NEG_INFINITY => Setting::Off,
            v => Setting::On(v),
        }
    }

    /// A list of numbers: its count, then its items.
    pub(super) fn numbers(&mut self) -> Option<Vec<f64>> {
        let n = self.num()? as usize;
        Some((0..n.min(self.slots.len())).map(|_| self.take()).collect())
    }

    /// A list of names: its count, then that many of the text's lines.
    pub(super) fn names(&mut self) -> Option<Vec<String>> {
        let n = self.num()? as usize;
        Some(
            (0..n.min(self.slots.len()))
                .map(|_| self.lines.next().unwrap_or("").to_owned())
                .collect(),
        )
    }
}

/// A slab: values named by index, freed slots reused.
struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    const fn new() -> Self {
        Self {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = Some(value);
                i
            }
            None => {
                self.items.push(Some(value));
                (self.items.len() - 1) as u32
            }
        }
    }

    fn get(&mut self, i: u32) -> Option<&mut T> {
        self.items.get_mut(i as usize)?.as_mut()
    }

    fn remove(&mut self, i: u32) -> Option<T> {
        let v = self.items.get_mut(i as usize)?.take();
        if v.is_some() {
            self.free.push(i);
        }
        v
    }
}

/// Everything the module holds.
struct State {
    instances: Slab<Instance>,
    policies: Slab<Arc<Policy>>,
    calls: Slab<(u32, Call)>,
    strings: Vec<String>,
    scratch: Vec<u8>,
    out: [f64; 8],
    slots: Vec<f64>,
}

impl State {
    const fn new() -> Self {
        Self {
            instances: Slab::new(),
            policies: Slab::new(),
            calls: Slab::new(),
            strings: Vec::new(),
            scratch: Vec::new(),
            out: [0.0; 8],
            slots: Vec::new(),
        }
    }
}

/// The module's one [`State`].
#[cfg(target_arch = "wasm32")]
struct Global(UnsafeCell<State>);

// SAFETY: the module is built for wasm32 without the `atomics` target feature, where there is
// one thread: nothing can reach `STATE` from another.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Global {}

#[cfg(target_arch = "wasm32")]
static STATE: Global = Global(UnsafeCell::new(State::new()));

#[cfg(target_arch = "wasm32")]
fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    // SAFETY: one thread (see `Global`), and no export calls another nor calls out of the
    // module, so this is the only reference to the state while `f` runs.
    f(unsafe { &mut *STATE.0.get() })
}

// Natively (where the exports are only called by this file's tests, on many threads), each
// thread has a state of its own.
#[cfg(not(target_arch = "wasm32"))]
std::thread_local! {
    static STATE: core::cell::RefCell<State> = const { core::cell::RefCell::new(State::new()) };
}

#[cfg(not(target_arch = "wasm32"))]
fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// A panic (a bug) traps: no message, so no formatting machinery in the module.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Memory from `talc`: a small allocator for single-threaded Wasm.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

impl State {
    fn text(&self, len: u32) -> &str {
        let bytes = &self.scratch[..(len as usize).min(self.scratch.len())];
        core::str::from_utf8(bytes).unwrap_or("")
    }

    fn string(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }

    /// Runs `f` on call `h` and its instance; `kind::NONE` when either is gone.
    fn step(&mut self, h: u32, f: impl FnOnce(&mut Call, &mut Instance) -> Action) -> i32 {
        let Some((inst, call)) = self.calls.get(h) else {
            return kind::NONE;
        };
        let Some(instance) = self.instances.get(*inst) else {
            return kind::NONE;
        };
        let action = f(call, instance);
        self.action(action)
    }

    /// Writes `action`'s numbers to `out`, returns its kind.
    fn action(&mut self, action: Action) -> i32 {
        let out = &mut self.out;
        out.fill(f64::NAN);
        let ms = |t: Option<u64>| t.map_or(f64::NAN, |t| t as f64);
        match action {
            Action::Send {
                attempt,
                timeout_ms,
            } => {
                out[0] = attempt.into();
                out[1] = ms(timeout_ms);
                kind::SEND
            }
            Action::Hedge {
                attempt,
                copy,
                timeout_ms,
            } => {
                out[0] = attempt.into();
                out[1] = ms(timeout_ms);
                out[2] = copy.into();
                kind::HEDGE
            }
            Action::Queued { ticket, timeout_ms } => {
                out[0] = ticket as f64;
                out[1] = ms(timeout_ms);
                kind::QUEUED
            }
            Action::Pending => kind::PENDING,
            Action::Wait { ms, reason } => {
                out[0] = ms as f64;
                out[1] = match reason {
                    WaitReason::Backoff => 0.0,
                    WaitReason::RetryAfter { server_ms } => {
                        out[2] = server_ms as f64;
                        1.0
                    }
                    WaitReason::Throttle => 2.0,
                };
                kind::WAIT
            }
            Action::Respond { stop } => {
                out[0] = stop.map_or(f64::NAN, stop_code);
                kind::RESPOND
            }
            Action::Reject(failure) => {
                out[0] = match failure {
                    Failure::GaveUp(stop) => {
                        out[1] = stop_code(stop);
                        0.0
                    }
                    Failure::CircuitOpen { retry_after_ms } => {
                        out[2] = retry_after_ms as f64;
                        1.0
                    }
                    Failure::Throttled { wait_ms } => {
                        out[2] = wait_ms as f64;
                        2.0
                    }
                    Failure::Aborted => 3.0,
                    Failure::Invalid => 4.0,
                    Failure::Misuse => 5.0,
                };
                kind::REJECT
            }
        }
    }
}

fn stop_code(stop: Stop) -> f64 {
    STOPS.iter().position(|s| *s == stop).unwrap_or(0) as f64
}

fn transport(code: u32) -> TransportFailure {
    match code {
        1 => TransportFailure::Timeout,
        2 => TransportFailure::Aborted,
        3 => TransportFailure::Invalid,
        4 => TransportFailure::NeverSent,
        _ => TransportFailure::Network,
    }
}

/// The caller's verdict on an outcome: 0 default (and any unknown code), 1 retry, 2 stop.
fn verdict(code: u32) -> Verdict {
    match code {
        1 => Verdict::Retry,
        2 => Verdict::Stop,
        _ => Verdict::Default,
    }
}

/// Room for `len` bytes of text; returns where they go (valid until the next call here).
#[no_mangle]
pub extern "C" fn rf_scratch(len: u32) -> u32 {
    with(|s| {
        s.scratch.clear();
        s.scratch.resize(len as usize, 0);
        s.scratch.as_ptr() as u32
    })
}

/// The eight numbers of the last action (and of [`rf_stats`]).
#[no_mangle]
pub extern "C" fn rf_out() -> u32 {
    with(|s| s.out.as_ptr() as u32)
}

/// Room for `len` option numbers; returns where they go (see [`Reader`]).
#[no_mangle]
pub extern "C" fn rf_slots(len: u32) -> u32 {
    with(|s| {
        s.slots.clear();
        s.slots.resize(len as usize, f64::NAN);
        s.slots.as_ptr() as u32
    })
}

/// Interns the scratch text (`len` bytes): its number from now on.
#[no_mangle]
pub extern "C" fn rf_intern(len: u32) -> u32 {
    with(|s| {
        let text = s.text(len).to_owned();
        s.strings.push(text);
        (s.strings.len() - 1) as u32
    })
}

/// Forgets every interned string (calls keep their own copies).
#[no_mangle]
pub extern "C" fn rf_intern_clear() {
    with(|s| s.strings.clear());
}

/// A new instance whose jitter draws from the seed `hi << 32 | lo`.
#[no_mangle]
pub extern "C" fn rf_instance(lo: u32, hi: u32) -> u32 {
    with(|s| {
        let seed = (u64::from(hi) << 32) | u64::from(lo);
        s.instances.insert(Instance::new(seed))
    })
}

/// Drops an instance (its calls must be done).
#[no_mangle]
pub extern "C" fn rf_instance_free(i: u32) {
    with(|s| drop(s.instances.remove(i)));
}

/// A policy from the option numbers (`slots` of them, see [`rf_slots`]) and the scratch
/// text (`len` bytes): its handle, or -1 when the options are out of range (the driver
/// checked them first, so this is a bug).
#[no_mangle]
pub extern "C" fn rf_policy(slots: u32, len: u32) -> i32 {
    with(|s| {
        let numbers = &s.slots[..(slots as usize).min(s.slots.len())];
        let options = abi_options::options(&mut Reader::new(numbers, s.text(len)));
        match Policy::from_options(&options) {
            Ok(p) => s.policies.insert(Arc::new(p)) as i32,
            Err(_) => -1,
        }
    })
}

/// Drops a policy (calls started under it keep it).
#[no_mangle]
pub extern "C" fn rf_policy_free(p: u32) {
    with(|s| drop(s.policies.remove(p)));
}

/// Starts a call of `instance` under `policy`: breaker key, method and path interned;
/// `flags` bit 0: an idempotency key is sent, bit 1: the body can be sent again. Returns the
/// call's handle (or `u32::MAX` for an unknown policy); its first action is [`rf_start`]'s.
#[no_mangle]
pub extern "C" fn rf_call(
    instance: u32,
    policy: u32,
    key: u32,
    method: u32,
    path: u32,
    flags: u32,
) -> u32 {
    with(|s| {
        let Some(policy) = s.policies.get(policy).cloned() else {
            return u32::MAX;
        };
        let meta = RequestMeta::new(s.string(method))
            .with_idempotency_key(flags & 1 != 0)
            .with_replayable_body(flags & 2 != 0)
            .with_path(s.string(path));
        let call = Call::new(policy, s.string(key), meta);
        s.calls.insert((instance, call))
    })
}

/// Whether call `c` may be sent more than once (1) or not (0).
#[no_mangle]
pub extern "C" fn rf_retryable(c: u32) -> u32 {
    with(|s| s.calls.get(c).is_some_and(|(_, call)| call.is_retryable()) as u32)
}

/// Whether call `c` reads rate-limit fields on every response (1) or not (0).
#[no_mangle]
pub extern "C" fn rf_paces(c: u32) -> u32 {
    with(|s| s.calls.get(c).is_some_and(|(_, call)| call.paces()) as u32)
}

/// Attempts call `c` sent (hedges not included).
#[no_mangle]
pub extern "C" fn rf_attempts(c: u32) -> u32 {
    with(|s| s.calls.get(c).map_or(0, |(_, call)| call.attempts()))
}

/// When the next hedge of call `c` is due after its latest copy (-1: none).
#[no_mangle]
pub extern "C" fn rf_hedge_after(c: u32) -> f64 {
    with(|s| {
        s.calls
            .get(c)
            .and_then(|(_, call)| call.hedge_after_ms())
            .map_or(-1.0, |ms| ms as f64)
    })
}

/// Drops call `c`. A call dropped before it ended (its driver failed) is first ended as
/// aborted at `now`, so it holds no bulkhead slot or half-open probe for good.
#[no_mangle]
pub extern "C" fn rf_call_free(c: u32, now: f64) {
    with(|s| {
        let Some((inst, mut call)) = s.calls.remove(c) else {
            return;
        };
        if let Some(instance) = s.instances.get(inst) {
            if !call.is_done() {
                call.on_transport_error(instance, TransportFailure::Aborted, now as u64);
            }
        }
    })
}

/// The first action of call `c`, at `now`.
#[no_mangle]
pub extern "C" fn rf_start(c: u32, now: f64) -> i32 {
    with(|s| s.step(c, |call, i| call.start(i, now as u64)))
}

/// A response of `status` to call `c` at `now`; the scratch's first `len` bytes hold its
/// fields as `name\nvalue\n` pairs (lower-case names: `retry-after`, `date`,
/// `retry-pushback-ms`, and the rate-limit fields). `judged`: the caller's verdict on it
/// (0 default: the classifier decides, 1 retry, 2 stop; see `Verdict`).
#[no_mangle]
pub extern "C" fn rf_response(c: u32, status: u32, len: u32, now: f64, judged: u32) -> i32 {
    with(|s| {
        let text = s.text(len).to_owned();
        let mut response = Response::status(status.min(999) as u16);
        let mut pairs = Vec::new();
        let mut lines = text.split('\n');
        while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
            match name {
                "retry-after" => response.retry_after = Some(value),
                "date" => response.date = Some(value),
                crate::engine::pushback::HEADER => response.pushback = Some(value),
                _ => pairs.push((name, value)),
            }
        }
        response.rate_limit = RateLimitFields::from_pairs(pairs);
        s.step(c, |call, i| {
            call.on_response_judged(i, &response, now as u64, verdict(judged))
        })
    })
}

/// No response for call `c` at `now`: 0 network, 1 timeout, 2 aborted, 3 invalid, 4 never
/// sent (connection refused, DNS failure: retryable whatever the method);
/// `judged` as for [`rf_response`] (ignored for aborts and invalid requests).
#[no_mangle]
pub extern "C" fn rf_failure(c: u32, failure: u32, now: f64, judged: u32) -> i32 {
    with(|s| {
        s.step(c, |call, i| {
            call.on_transport_error_judged(i, transport(failure), now as u64, verdict(judged))
        })
    })
}

/// Call `c`'s body can no longer be replayed (a stream body overflowed `maxReplayBytes`):
/// nothing more is sent (see `Call::commit`).
#[no_mangle]
pub extern "C" fn rf_commit(c: u32) {
    with(|s| {
        if let Some((_, call)) = s.calls.get(c) {
            call.commit();
        }
    })
}

/// A wait (or a queued timeout) of call `c` ended at `now`.
#[no_mangle]
pub extern "C" fn rf_wake(c: u32, now: f64) -> i32 {
    with(|s| s.step(c, |call, i| call.on_wake(i, now as u64)))
}

/// Call `c`'s bulkhead ticket came out of [`rf_poll_wake`].
#[no_mangle]
pub extern "C" fn rf_slot(c: u32, now: f64) -> i32 {
    with(|s| s.step(c, |call, i| call.on_slot(i, now as u64)))
}

/// Call `c`'s hedge timer fired at `now`: a `hedge` action, or `pending` for none.
#[no_mangle]
pub extern "C" fn rf_hedge_timer(c: u32, now: f64) -> i32 {
    with(|s| {
        s.step(c, |call, i| {
            call.on_hedge_timer(i, now as u64)
                .unwrap_or(Action::Pending)
        })
    })
}

/// The next breaker change of `instance`: -1 for none, else `from * 3 + to` (0 closed,
/// 1 open, 2 half-open), its key in the scratch: `rf_out()[6]` bytes at `rf_out()[7]` (the
/// last action's numbers, in the first three, stay as they were).
#[no_mangle]
pub extern "C" fn rf_poll_event(instance: u32) -> i32 {
    with(|s| {
        let Some(event) = s.instances.get(instance).and_then(Instance::poll_event) else {
            return -1;
        };
        s.scratch.clear();
        s.scratch.extend_from_slice(event.key.as_bytes());
        s.out[6] = s.scratch.len() as f64;
        s.out[7] = s.scratch.as_ptr() as u32 as f64;
        state_code(event.from) * 3 + state_code(event.to)
    })
}

fn state_code(state: crate::engine::BreakerState) -> i32 {
    use crate::engine::BreakerState::*;
    match state {
        Closed => 0,
        Open => 1,
        HalfOpen => 2,
    }
}

/// The ticket of a queued call of `instance` that now holds a bulkhead slot (-1: none).
#[no_mangle]
pub extern "C" fn rf_poll_wake(instance: u32) -> f64 {
    with(|s| {
        s.instances
            .get(instance)
            .and_then(Instance::poll_wake)
            .map_or(-1.0, |t| t as f64)
    })
}

/// The state of the breaker of the key in the scratch (`len` bytes) at `now`: 0 closed,
/// 1 open, 2 half-open.
#[no_mangle]
pub extern "C" fn rf_breaker_state(instance: u32, len: u32, now: f64) -> i32 {
    with(|s| {
        let key = s.text(len).to_owned();
        s.instances
            .get(instance)
            .map_or(0, |i| state_code(i.breaker_state(&key, now as u64)))
    })
}

/// Writes `instance`'s counters to [`rf_out`], in the wire's order (`Stats::fields`).
#[no_mangle]
pub extern "C" fn rf_stats(instance: u32) {
    with(|s| {
        let stats = s
            .instances
            .get(instance)
            .map(|i| i.stats())
            .unwrap_or_default();
        for (slot, (_, value)) in s.out.iter_mut().zip(stats.fields()) {
            *slot = value as f64;
        }
    })
}

/// Forgets `instance`'s breaker, budget, limiter and hold state (not the counters).
#[no_mangle]
pub extern "C" fn rf_reset(instance: u32) {
    with(|s| {
        if let Some(i) = s.instances.get(instance) {
            i.reset();
        }
    })
}

/// Writes `instance`'s snapshot at `now` in abi_snapshot.rs's form: its numbers in the slots
/// (see [`rf_slots`]), its text in the scratch; `rf_out()` holds the numbers' address and
/// count, then the text's address and bytes. Returns the count (0: no such instance).
#[no_mangle]
pub extern "C" fn rf_snapshot(instance: u32, now: f64) -> u32 {
    with(|s| {
        let Some(snapshot) = s.instances.get(instance).map(|i| i.snapshot(now as u64)) else {
            return 0;
        };
        abi_snapshot::write(&snapshot, &mut s.slots, &mut s.scratch);
        s.out = [f64::NAN; 8];
        s.out[0] = s.slots.as_ptr() as u32 as f64;
        s.out[1] = s.slots.len() as f64;
        s.out[2] = s.scratch.as_ptr() as u32 as f64;
        s.out[3] = s.scratch.len() as f64;
        s.slots.len() as u32
    })
}

/// Restores `instance` at `now` from a snapshot in abi_snapshot.rs's form: `len` numbers in
/// the slots, `bytes` of text in the scratch. 0: done; -1: malformed, or refused by
/// `Instance::restore` (nothing applied); -2: no such instance.
#[no_mangle]
pub extern "C" fn rf_restore(instance: u32, len: u32, bytes: u32, now: f64) -> i32 {
    take_in(instance, len, bytes, |i, snapshot| {
        i.restore(snapshot, now as u64)
    })
}

/// Merges a fleet's view into `instance` at `now` (`Instance::merge`), read as
/// [`rf_restore`] reads a snapshot, with the same answers.
#[no_mangle]
pub extern "C" fn rf_merge(instance: u32, len: u32, bytes: u32, now: f64) -> i32 {
    take_in(instance, len, bytes, |i, view| i.merge(view, now as u64))
}

fn take_in(
    instance: u32,
    len: u32,
    bytes: u32,
    apply: impl FnOnce(&mut Instance, &Snapshot) -> Result<(), SnapshotError>,
) -> i32 {
    with(|s| {
        let numbers = &s.slots[..(len as usize).min(s.slots.len())];
        let text = &s.scratch[..(bytes as usize).min(s.scratch.len())];
        let Some(snapshot) = abi_snapshot::read(numbers, text) else {
            return -1;
        };
        match s.instances.get(instance) {
            None => -2,
            Some(i) => match apply(i, &snapshot) {
                Ok(()) => 0,
                Err(_) => -1,
            },
        }
    })
}

/// Starts queueing `instance`'s changes for a fleet (see `share`).
#[no_mangle]
pub extern "C" fn rf_share(instance: u32) {
    with(|s| {
        if let Some(i) = s.instances.get(instance) {
            i.share(true);
        }
    })
}

/// The next change of `instance` for its fleet (-1: none): 0 failure, 1 success, 2 probe
/// released, 3 hold, 4 rate cut. Its key or route is in the scratch (`rf_out()[6]` bytes at
/// `rf_out()[7]`); its numbers in `rf_out()`: a failure's `[probe, threshold,
/// resetTimeoutMs, openedUntil (NaN: none)]`, a success's `[probe]`, a hold's `[until]`, a
/// cut's `[wMax, cutAt, horizon]`.
#[no_mangle]
pub extern "C" fn rf_poll_change(instance: u32) -> i32 {
    with(|s| {
        let Some(change) = s.instances.get(instance).and_then(Instance::poll_change) else {
            return -1;
        };
        let mut out = [f64::NAN; 8];
        let (code, name) = match change {
            Change::Failure {
                key,
                probe,
                threshold,
                reset_timeout_ms,
                opened_until,
            } => {
                out[..4].copy_from_slice(&[
                    f64::from(u8::from(probe)),
                    f64::from(threshold),
                    reset_timeout_ms as f64,
                    opened_until.map_or(f64::NAN, |u| u as f64),
                ]);
                (0, key)
            }
            Change::Success { key, probe } => {
                out[0] = f64::from(u8::from(probe));
                (1, key)
            }
            Change::Released { key } => (2, key),
            Change::Hold { route, until } => {
                out[0] = until as f64;
                (3, route)
            }
            Change::Rate {
                route,
                w_max,
                cut_at,
                horizon,
            } => {
                out[..3].copy_from_slice(&[w_max, cut_at as f64, horizon as f64]);
                (4, route)
            }
        };
        s.scratch.clear();
        s.scratch.extend_from_slice(name.as_bytes());
        out[6] = s.scratch.len() as f64;
        out[7] = s.scratch.as_ptr() as u32 as f64;
        s.out = out;
        code
    })
}

/// Writes call `c`'s breaker settings to [`rf_out`]: `[failureThreshold (0: failure-rate
/// mode), resetTimeoutMs, halfOpenMaxProbes]`. 1: written; 0: the call has no breaker.
#[no_mangle]
pub extern "C" fn rf_breaker_config(c: u32) -> u32 {
    with(|s| {
        let Some(b) = s.calls.get(c).and_then(|(_, call)| call.breaker_config()) else {
            return 0;
        };
        let threshold = match b.mode {
            BreakerMode::Consecutive { failure_threshold } => failure_threshold.get(),
            BreakerMode::FailureRate { .. } => 0,
        };
        s.out[0] = f64::from(threshold);
        s.out[1] = b.reset_timeout_ms as f64;
        s.out[2] = f64::from(b.half_open_max_probes.get());
        1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` where the scratch is (natively: through the state, not a pointer).
    fn scratch(text: &str) -> u32 {
        with(|s| {
            s.scratch.clear();
            s.scratch.extend_from_slice(text.as_bytes());
        });
        text.len() as u32
    }

    fn intern(text: &str) -> u32 {
        rf_intern(scratch(text))
    }

    fn out() -> [f64; 8] {
        with(|s| s.out)
    }

    /// A policy from option numbers (schema order, see js/encode.ts) and method lines.
    fn policy(slots: &[f64], lines: &str) -> u32 {
        with(|s| {
            s.slots.clear();
            s.slots.extend_from_slice(slots);
        });
        let p = rf_policy(slots.len() as u32, scratch(lines));
        assert!(p >= 0, "policy refused");
        p as u32
    }

    fn call(inst: u32, p: u32, method: &str, flags: u32) -> u32 {
        rf_call(
            inst,
            p,
            intern("https://k"),
            intern(method),
            intern("/p"),
            flags,
        )
    }

    #[test]
    fn no_numbers_read_as_the_defaults() {
        let options = abi_options::options(&mut Reader::new(&[], ""));
        assert_eq!(options, crate::engine::raw::Options::default());
    }

    #[test]
    fn groups_keys_and_lists_read_in_schema_order() {
        let nan = f64::NAN;
        // retry given: maxAttempts 3, jitter "none", methods [GET, POST], statusCodes [503];
        // timeoutMs false; breaker off.
        let slots = [
            1.0,
            3.0,
            nan,
            nan,
            3.0,
            2.0,
            1.0,
            503.0,
            nan,
            nan,
            nan,
            nan,
            f64::NEG_INFINITY,
            2.0,
        ];
        let o = abi_options::options(&mut Reader::new(&slots, "GET\nPOST"));
        use crate::engine::raw::Setting;
        let Setting::On(retry) = &o.retry else {
            panic!("retry: {:?}", o.retry)
        };
        assert_eq!(retry.max_attempts, Some(3.0));
        assert_eq!(retry.jitter.as_deref(), Some("none"));
        assert_eq!(retry.methods, Some(vec!["GET".into(), "POST".into()]));
        assert_eq!(retry.status_codes, Some(vec![503.0]));
        assert_eq!(retry.respect_retry_after, None);
        assert_eq!(o.timeout_ms, Setting::Off);
        assert_eq!(o.breaker, Setting::Off);
        assert_eq!(o.budget, Setting::Default);
    }

    #[test]
    fn a_call_runs_to_its_end_through_the_exports() {
        let inst = rf_instance(7, 0);
        let p = policy(&[], "");
        let c = call(inst, p, "GET", 2);
        assert_eq!(rf_retryable(c), 1);
        assert_eq!(rf_start(c, 1_000.0), kind::SEND);
        assert_eq!(out()[0], 1.0, "attempt 1");
        assert_eq!(out()[1], 30_000.0, "the default timeout");
        let len = scratch("retry-after\n2\n");
        assert_eq!(rf_response(c, 503, len, 1_000.0, 0), kind::WAIT);
        assert_eq!(out()[1], 1.0, "a retry-after wait");
        assert_eq!(out()[2], 2_000.0, "the server's 2 s");
        assert!(out()[0] >= 2_000.0);
        assert_eq!(rf_wake(c, 1_000.0 + out()[0]), kind::SEND);
        assert_eq!(rf_response(c, 200, 0, 5_000.0, 0), kind::RESPOND);
        assert!(out()[0].is_nan(), "no stop reason");
        assert_eq!(rf_attempts(c), 2);
        rf_stats(inst);
        assert_eq!(&out()[..3], &[1.0, 2.0, 1.0], "requests, attempts, retries");
        rf_call_free(c, 5_000.0);
        assert_eq!(rf_start(c, 5_000.0), kind::NONE, "a freed call is gone");
        rf_instance_free(inst);
    }

    #[test]
    fn a_post_without_a_key_stops_with_its_reason() {
        let inst = rf_instance(1, 0);
        let c = call(inst, policy(&[], ""), "POST", 2);
        assert_eq!(rf_retryable(c), 0);
        assert_eq!(rf_start(c, 0.0), kind::SEND);
        assert_eq!(rf_response(c, 503, 0, 0.0, 0), kind::RESPOND);
        assert_eq!(STOPS[out()[0] as usize], Stop::NotRetryable);
        assert_eq!(
            rf_start(call(inst, policy(&[], ""), "POST", 2), 0.0),
            kind::SEND
        );
        rf_instance_free(inst);
    }

    #[test]
    fn verdicts_cross_as_codes() {
        let inst = rf_instance(2, 0);
        let p = policy(&[], "");
        // 1: retry a 401 the classifier would not.
        let c = call(inst, p, "GET", 2);
        rf_start(c, 0.0);
        assert_eq!(rf_response(c, 401, 0, 0.0, 1), kind::WAIT);
        // 2: stop at a 503, final as a 404 is.
        let c = call(inst, p, "GET", 2);
        rf_start(c, 0.0);
        assert_eq!(rf_response(c, 503, 0, 0.0, 2), kind::RESPOND);
        assert!(out()[0].is_nan(), "no stop reason");
        // 2 on a network failure: gave up, not retryable; unknown codes are the default.
        let c = call(inst, p, "GET", 2);
        rf_start(c, 0.0);
        assert_eq!(rf_failure(c, 0, 0.0, 2), kind::REJECT);
        assert_eq!(STOPS[out()[1] as usize], Stop::NotRetryable);
        let c = call(inst, p, "GET", 2);
        rf_start(c, 0.0);
        assert_eq!(rf_response(c, 401, 0, 0.0, 9), kind::RESPOND);
        rf_instance_free(inst);
    }

    #[test]
    fn never_sent_and_commit_cross_as_codes() {
        let inst = rf_instance(4, 0);
        let p = policy(&[], "");
        // 4: never sent: a POST without a key is sent again; 0 (network) is not.
        let c = call(inst, p, "POST", 2);
        assert_eq!(rf_retryable(c), 0);
        rf_start(c, 0.0);
        assert_eq!(rf_failure(c, 4, 0.0, 0), kind::WAIT);
        assert_eq!(rf_wake(c, out()[0]), kind::SEND);
        assert_eq!(rf_failure(c, 0, 0.0, 0), kind::REJECT);
        assert_eq!(STOPS[out()[1] as usize], Stop::NotRetryable);
        // A committed call sends nothing more.
        let c = call(inst, p, "GET", 2);
        rf_start(c, 0.0);
        rf_commit(c);
        assert_eq!(rf_retryable(c), 0);
        assert_eq!(rf_response(c, 503, 0, 0.0, 0), kind::RESPOND);
        assert_eq!(STOPS[out()[0] as usize], Stop::NotRetryable);
        rf_commit(u32::MAX); // an unknown call: nothing
        rf_instance_free(inst);
    }

    #[test]
    fn freeing_an_unfinished_call_gives_its_bulkhead_slot_to_the_next() {
        let nan = f64::NAN;
        // Every group at its default, bulkhead { maxConcurrent: 1, maxQueue: 1 }.
        let mut slots = vec![0.0; 1];
        slots.extend([nan; 10]); // retry's keys (methods and statusCodes: counts, NaN = none)
        slots.push(nan); // timeoutMs
        slots.push(0.0); // breaker
        slots.extend([nan; 7]);
        slots.push(0.0); // budget
        slots.extend([nan; 4]);
        slots.push(0.0); // hedge
        slots.extend([nan; 2]);
        slots.push(0.0); // rateLimit
        slots.extend([nan; 3]);
        slots.extend([1.0, 1.0, 1.0]); // bulkhead given: maxConcurrent 1, maxQueue 1
        let p = policy(&slots, "");
        let inst = rf_instance(3, 0);
        let first = call(inst, p, "GET", 2);
        assert_eq!(rf_start(first, 0.0), kind::SEND);
        let second = call(inst, p, "GET", 2);
        assert_eq!(rf_start(second, 0.0), kind::QUEUED, "the bulkhead is full");
        let ticket = out()[0];
        assert_eq!(rf_poll_wake(inst), -1.0);
        rf_call_free(first, 10.0); // its driver failed mid-call
        assert_eq!(rf_poll_wake(inst), ticket, "the slot passed on");
        assert_eq!(rf_slot(second, 10.0), kind::SEND);
        rf_call_free(second, 10.0);
        rf_instance_free(inst);
    }

    #[test]
    fn breaker_changes_come_out_with_their_key() {
        // breaker { failureThreshold: 1 }, retry off.
        let nan = f64::NAN;
        let mut slots = vec![2.0];
        slots.extend([nan; 10]);
        slots.push(nan);
        slots.extend([1.0, nan, 1.0]);
        let p = policy(&slots, "");
        let inst = rf_instance(5, 0);
        let c = call(inst, p, "GET", 2);
        assert_eq!(rf_start(c, 0.0), kind::SEND);
        assert_eq!(rf_failure(c, 0, 0.0, 0), kind::REJECT);
        assert_eq!(out()[0], 0.0, "gave up");
        let code = rf_poll_event(inst);
        assert_eq!(code, 1, "closed (0) -> open (1)");
        let len = out()[6] as usize;
        let key = with(|s| s.scratch[..len].to_vec());
        assert_eq!(key, b"https://k");
        assert_eq!(rf_poll_event(inst), -1);
        assert_eq!(rf_breaker_state(inst, scratch("https://k"), 1.0), 1);
        rf_call_free(c, 0.0);
        rf_instance_free(inst);
    }

    #[test]
    fn a_snapshot_crosses_as_numbers_and_text() {
        use crate::engine::breaker::BreakerConfig;
        use crate::engine::classify::BreakerVerdict;
        const T: u64 = 1_790_000_000_000;
        let a = rf_instance(1, 0);
        with(|s| {
            let i = s.instances.get(a).unwrap();
            for _ in 0..5 {
                i.record(
                    "https://k",
                    &BreakerConfig::default(),
                    BreakerVerdict::Failure,
                    None,
                    T,
                );
            }
        });
        let n = rf_snapshot(a, T as f64);
        assert_eq!(n as f64, out()[1]);
        let (numbers, text) = with(|s| (s.slots.clone(), s.scratch.clone()));
        assert_eq!(text, b"https://k");
        let b = rf_instance(2, 0);
        with(|s| {
            s.slots.clone_from(&numbers);
            s.scratch.clone_from(&text);
        });
        assert_eq!(rf_restore(b, n, text.len() as u32, (T + 1_000) as f64), 0);
        assert_eq!(
            rf_breaker_state(b, scratch("https://k"), (T + 29_999) as f64),
            1
        );
        assert_eq!(
            rf_breaker_state(b, scratch("https://k"), (T + 30_000) as f64),
            2
        );
        with(|s| s.slots.clone_from(&numbers));
        assert_eq!(rf_restore(b, n - 1, 0, T as f64), -1, "cut short");
        assert_eq!(rf_restore(99, 0, 0, T as f64), -1);
        assert_eq!(rf_snapshot(99, 0.0), 0);
    }
}
