//! The engine exported through `wit/engine.wit` (feature `component`): for hosts that are
//! not JavaScript, and for JavaScript through jco. A thin mapping between WIT types and the
//! engine's; every decision is the engine's, so the component decides exactly as the npm
//! package and the native crate do.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::component_options::options;
use crate::engine::ratelimit::RateLimitFields as ERateLimit;
use crate::engine::raw::OptionErrorKind;
use crate::engine::vocabulary::{
    Action as EAction, Failure as EFailure, Stop, WaitReason as EWait,
};
use crate::engine::RequestMeta as ERequest;
use crate::engine::{BreakerState as EState, Call as ECall, Instance, Policy as EPolicy};
use crate::engine::{Response, TransportFailure as ETransport};

wit_bindgen::generate!({ world: "resilient-engine", path: "wit" });

use exports::resilient::fetch::engine::{
    Action, BreakerEvent, BreakerState, Call, ErrorCode, Failure, Guest, GuestCall, GuestClient,
    Hedge, Policy, Queued, RateLimitFields, RequestMeta, Send, Stats, StopReason, TransportFailure,
    Wait, WaitReason,
};

struct Component;

impl Guest for Component {
    type Client = ClientImpl;
    type Call = CallImpl;
}

/// A client: the engine instance, shared with its calls.
pub struct ClientImpl {
    instance: Rc<RefCell<Instance>>,
}

/// One call, holding its client's instance.
pub struct CallImpl {
    instance: Rc<RefCell<Instance>>,
    call: RefCell<ECall>,
}

fn stop(s: Stop) -> StopReason {
    match s {
        Stop::Attempts => StopReason::Attempts,
        Stop::Budget => StopReason::Budget,
        Stop::Deadline => StopReason::Deadline,
        Stop::NotRetryable => StopReason::NotRetryable,
        Stop::CircuitOpen => StopReason::CircuitOpen,
        Stop::RetryAfterTooLong => StopReason::RetryAfterTooLong,
        Stop::Throttled => StopReason::Throttled,
        Stop::Pushback => StopReason::Pushback,
    }
}

fn action(a: EAction) -> Action {
    match a {
        EAction::Send {
            attempt,
            timeout_ms,
        } => Action::Send(Send {
            attempt,
            timeout_ms,
        }),
        EAction::Hedge {
            attempt,
            copy,
            timeout_ms,
        } => Action::Hedge(Hedge {
            attempt,
            copy,
            timeout_ms,
        }),
        EAction::Pending => Action::Pending,
        EAction::Queued { ticket, timeout_ms } => Action::Queued(Queued { ticket, timeout_ms }),
        EAction::Wait { ms, reason } => Action::Wait(Wait {
            ms,
            reason: match reason {
                EWait::RetryAfter { server_ms } => WaitReason::RetryAfter(server_ms),
                EWait::Throttle => WaitReason::Throttle,
                EWait::Backoff => WaitReason::Backoff,
            },
        }),
        EAction::Respond { stop: s } => Action::Respond(s.map(stop)),
        EAction::Reject(f) => Action::Reject(match f {
            EFailure::GaveUp(s) => Failure::GaveUp(stop(s)),
            EFailure::CircuitOpen { retry_after_ms } => Failure::CircuitOpen(retry_after_ms),
            EFailure::Throttled { wait_ms } => Failure::Throttled(wait_ms),
            EFailure::Aborted => Failure::Aborted,
            EFailure::Invalid => Failure::Invalid,
            EFailure::Misuse => Failure::Misuse,
        }),
    }
}

fn state(s: EState) -> BreakerState {
    match s {
        EState::Closed => BreakerState::Closed,
        EState::Open => BreakerState::Open,
        EState::HalfOpen => BreakerState::HalfOpen,
    }
}

impl GuestClient for ClientImpl {
    fn new(seed: u64) -> Self {
        Self {
            instance: Rc::new(RefCell::new(Instance::new(seed))),
        }
    }

    fn start(
        &self,
        policy: Policy,
        request: RequestMeta,
        now_ms: u64,
    ) -> Result<(Call, Action), ErrorCode> {
        let policy = EPolicy::from_options(&options(policy)).map_err(|e| match e.kind {
            OptionErrorKind::Type => ErrorCode::WrongType(e.message()),
            OptionErrorKind::Range => ErrorCode::OutOfRange(e.message()),
        })?;
        let meta = ERequest::new(&request.method)
            .with_idempotency_key(request.has_idempotency_key)
            .with_replayable_body(request.replayable_body)
            .with_path(request.path.as_deref().unwrap_or(""));
        let mut call = ECall::new(Arc::new(policy), request.key, meta);
        let first = call.start(&mut self.instance.borrow_mut(), now_ms);
        let handle = CallImpl {
            instance: Rc::clone(&self.instance),
            call: RefCell::new(call),
        };
        Ok((Call::new(handle), action(first)))
    }

    fn breaker_state(&self, key: String, now_ms: u64) -> BreakerState {
        state(self.instance.borrow().breaker_state(&key, now_ms))
    }

    fn stats(&self) -> Stats {
        let s = self.instance.borrow().stats();
        Stats {
            requests: s.requests,
            attempts: s.attempts,
            retries: s.retries,
            budget_denied: s.budget_denied,
            short_circuited: s.short_circuited,
            breaker_opened: s.breaker_opened,
            hedges: s.hedges,
            throttled: s.throttled,
        }
    }

    fn reset(&self) {
        self.instance.borrow_mut().reset();
    }

    fn poll_event(&self) -> Option<BreakerEvent> {
        let e = self.instance.borrow_mut().poll_event()?;
        Some(BreakerEvent {
            key: e.key,
            from: state(e.from),
            to: state(e.to),
        })
    }

    fn poll_wake(&self) -> Option<u64> {
        self.instance.borrow_mut().poll_wake()
    }
}

impl CallImpl {
    fn step(&self, f: impl FnOnce(&mut ECall, &mut Instance) -> EAction) -> Action {
        action(f(
            &mut self.call.borrow_mut(),
            &mut self.instance.borrow_mut(),
        ))
    }
}

impl GuestCall for CallImpl {
    fn on_response(
        &self,
        status: u16,
        retry_after: Option<String>,
        date: Option<String>,
        pushback: Option<String>,
        rate_limit: RateLimitFields,
        now_ms: u64,
    ) -> Action {
        let response = Response {
            status,
            retry_after: retry_after.as_deref(),
            date: date.as_deref(),
            pushback: pushback.as_deref(),
            rate_limit: ERateLimit::from_pairs(
                rate_limit.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        };
        self.step(|c, i| c.on_response(i, &response, now_ms))
    }

    fn on_transport_error(&self, kind: TransportFailure, now_ms: u64) -> Action {
        let kind = match kind {
            TransportFailure::Network => ETransport::Network,
            TransportFailure::Timeout => ETransport::Timeout,
            TransportFailure::Aborted => ETransport::Aborted,
            TransportFailure::Invalid => ETransport::Invalid,
            TransportFailure::NeverSent => ETransport::NeverSent,
        };
        self.step(|c, i| c.on_transport_error(i, kind, now_ms))
    }

    fn on_wake(&self, now_ms: u64) -> Action {
        self.step(|c, i| c.on_wake(i, now_ms))
    }

    fn on_slot(&self, now_ms: u64) -> Action {
        self.step(|c, i| c.on_slot(i, now_ms))
    }

    fn hedge_after_ms(&self) -> Option<u64> {
        self.call.borrow().hedge_after_ms()
    }

    fn on_hedge_timer(&self, now_ms: u64) -> Option<Action> {
        let hedge = self
            .call
            .borrow_mut()
            .on_hedge_timer(&mut self.instance.borrow_mut(), now_ms);
        hedge.map(action)
    }

    fn attempts(&self) -> u32 {
        self.call.borrow().attempts()
    }

    fn commit(&self) {
        self.call.borrow_mut().commit();
    }
}

export!(Component);
