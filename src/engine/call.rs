//! One call's retry loop as a state machine: outcomes and times in, the next [`Action`] out.
//!
//! The driver (the Wasm glue, a component host, a test) does all I/O and all waiting; this
//! machine decides. The protocol, in the manner of rustls' unbuffered API:
//!
//! 1. [`Call::start`] at the call's start. It deposits into the budget and returns the first
//!    action.
//! 2. On [`Action::Send`] the driver MUST send attempt `attempt` with at most `timeout_ms` to
//!    wait for response headers, then report exactly one of [`Call::on_response`] or
//!    [`Call::on_transport_error`] (an abort by the caller is
//!    [`TransportFailure::Aborted`]). Each report is what frees a half-open probe slot.
//!    A driver whose user judges outcomes (a `shouldRetry` hook) asks first, then reports
//!    with the answer: [`Call::on_response_judged`] / [`Call::on_transport_error_judged`]
//!    with a [`Verdict`]; the plain reports are the judged ones with [`Verdict::Default`].
//! 3. On [`Action::Wait`] the driver MUST wait `ms` milliseconds (or be aborted by the
//!    caller, reported as `on_transport_error(Aborted)`), then call [`Call::on_wake`]. It
//!    SHOULD keep the last response until the next `Send`, because a wait can end in
//!    `Respond` (e.g. the breaker opened meanwhile); it MUST cancel that response's body before
//!    sending again.
//! 4. [`Action::Respond`] hands the last response to the caller; [`Action::Reject`] rejects.
//!    Both are final.
//! 5. Bulkhead: `start` may answer [`Action::Queued`]; the driver parks the call until
//!    [`Instance::poll_wake`] yields its ticket (then [`Call::on_slot`]), its deadline passes
//!    ([`Call::on_wake`]) or the caller aborts (`on_transport_error(Aborted)`). The driver
//!    SHOULD drain `poll_wake` after every step of every call, since any call's end may hand
//!    its slot on.
//! 6. Hedging: after a `Send`, [`Call::hedge_after_ms`] says when a hedge is due; if no
//!    final outcome has arrived by then, [`Call::on_hedge_timer`] may answer
//!    [`Action::Hedge`] (send another copy, then ask `hedge_after_ms` again). While copies
//!    remain in flight, a retryable failure of one answers [`Action::Pending`]; the first
//!    final response wins, and the driver MUST abort the other copies and cancel their
//!    bodies. Only when every copy has failed does the attempt count as failed (and retry).
//!
//! 7. A body the driver replays from a bounded buffer (a stream under `maxReplayBytes`) is
//!    declared replayable; once the buffer overflows, the driver calls [`Call::commit`]: the
//!    call then sends nothing more (no retry, no hedge), whatever the outcome.
//!
//! Guarantees: the machine sends at most `retry.maxAttempts` attempts; it never starts a
//! wait that would end at or past the deadline, and no attempt's timeout runs past it; it
//! never retries a request that is not retryable (POST/PATCH without a key, a stream body),
//! except one the runtime shows was never sent ([`TransportFailure::NeverSent`]) whose body
//! can be sent again; it never sends again after [`Call::commit`];
//! it never waits less than a server's `Retry-After` when it honours one. Every loop is
//! bounded, so every call terminates.

use alloc::string::String;
use alloc::sync::Arc;

use super::backoff::retry_after_wait;
use super::breaker::{Admission, BreakerConfig, BreakerState, Probe};
use super::bulkhead::Entry;
use super::classify::{self, StatusVerdict, TransportFailure, CAPPED_STATUS_RETRIES};
use super::gate::{self, WHOLE_KEY};
use super::instance::{Instance, Scope, Slots};
use super::limiter::Reservation;
use super::policy::Policy;
use super::pushback::{self, Pushback};
use super::ratelimit;
use super::retry_after;
use super::vocabulary::{Action, Failure, RequestMeta, Response, Stop, Verdict, WaitReason};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Ready,
    /// Waiting in line for a bulkhead slot.
    Queued(u64),
    InFlight,
    /// Waiting; then begin a new attempt (`true`) or send the one already admitted (`false`).
    Waiting {
        begin: bool,
    },
    Done(Action),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    Nothing,
    Response,
    Error,
}

/// The state of one call. Cheap to create; holds the policy and the key, borrows the
/// [`Instance`] at each step.
#[derive(Clone, Debug)]
pub struct Call {
    policy: Arc<Policy>,
    key: String,
    /// Where holds and the learned rate live: the key and the URL path, and the whole key.
    scope: Scope,
    retryable: bool,
    /// Whether the body can be sent again (replayable, and not committed): what a request
    /// that was never sent needs to be resent whatever its method.
    resendable: bool,
    phase: Phase,
    last: Last,
    attempt: u32,
    capped_retries: u32,
    deadline: Option<u64>,
    prev_delay: u64,
    /// The half-open probe ticket of the attempt in flight, if it is one.
    probe: Option<Probe>,
    /// Copies of the current attempt in flight (1 without hedging).
    in_flight: u32,
    /// Hedges sent for the current attempt.
    hedges: u32,
    /// Whether the call holds a bulkhead slot (released when it ends).
    slot: bool,
    /// When the attempt in flight was sent.
    sent_at: u64,
    /// The slot taken in the route's schedule for the next attempt, if any.
    reserved: Option<Slots>,
    /// This call's requests counted as in flight on the route's gate.
    counted: u32,
}

impl Call {
    /// A call of `request` under `policy`, whose breaker, budget and limiter live under
    /// `key`, and whose holds and learned rate under `key` and `request.path`. The request's
    /// method, idempotency key and body decide whether it may be sent twice.
    pub fn new(policy: Arc<Policy>, key: impl Into<String>, request: RequestMeta<'_>) -> Self {
        let retryable = classify::request_retryable(
            &policy.retry.methods,
            request.method,
            request.idempotency_key,
            request.replayable_body,
        );
        let prev_delay = policy.retry.backoff.initial_prev();
        let key = key.into();
        Self {
            scope: Scope {
                route: gate::route(&key, request.path),
                whole: gate::route(&key, WHOLE_KEY),
            },
            policy,
            key,
            retryable,
            resendable: request.replayable_body,
            phase: Phase::Ready,
            last: Last::Nothing,
            attempt: 0,
            capped_retries: 0,
            deadline: None,
            prev_delay,
            probe: None,
            in_flight: 0,
            hedges: 0,
            slot: false,
            sent_at: 0,
            reserved: None,
            counted: 0,
        }
    }

    /// Where the call's holds and learned rate live (see [`gate::route`]).
    pub fn route(&self) -> &str {
        &self.scope.route
    }

    /// Attempts sent so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Whether the policy reads rate-limit headers (`paceFromHeaders`, on by default): the
    /// driver then reports them on every response, successes included.
    pub fn paces(&self) -> bool {
        self.policy.pace
    }

    /// Whether the request may be sent more than once.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// The body can no longer be replayed (a stream body overflowed the buffer it was
    /// replayed from): the call commits to the attempts already sent. Whatever their outcome,
    /// nothing more is sent: no retry, no hedge, not even of a request never sent; a
    /// retryable outcome then ends the call with [`Stop::NotRetryable`]. Idempotent; may be
    /// called at any point of the call, in flight included.
    pub fn commit(&mut self) {
        self.retryable = false;
        self.resendable = false;
    }

    /// The breaker key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The breaker settings of the call's policy (`None`: `breaker: false`).
    pub fn breaker_config(&self) -> Option<BreakerConfig> {
        self.policy.breaker
    }

    /// The deadline on the caller's clock, if the policy sets one.
    pub fn deadline(&self) -> Option<u64> {
        self.deadline
    }

    /// Whether the call has reached `Respond` or `Reject`.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done(_))
    }

    /// Starts the call at `now`: counts it, deposits into the budget, takes (or queues for)
    /// a bulkhead slot, and decides the first action.
    pub fn start(&mut self, inst: &mut Instance, now: u64) -> Action {
        let action = self.start_inner(inst, now);
        self.settle(inst, action)
    }

    /// Reports the response of an attempt (or copy) in flight.
    pub fn on_response(
        &mut self,
        inst: &mut Instance,
        response: &Response<'_>,
        now: u64,
    ) -> Action {
        self.on_response_judged(inst, response, now, Verdict::Default)
    }

    /// Reports the response of an attempt (or copy) in flight, with the caller's judgement
    /// of it: `verdict` replaces the classifier's "retry this status?" and nothing else (the
    /// breaker, the budget and the route's gate count the response as they always do).
    pub fn on_response_judged(
        &mut self,
        inst: &mut Instance,
        response: &Response<'_>,
        now: u64,
        verdict: Verdict,
    ) -> Action {
        let action = self.on_response_inner(inst, response, now, verdict);
        self.settle(inst, action)
    }

    /// Reports that an attempt (or copy) in flight produced no response, or that the caller
    /// aborted (in flight, during a wait, or in the bulkhead's line).
    pub fn on_transport_error(
        &mut self,
        inst: &mut Instance,
        kind: TransportFailure,
        now: u64,
    ) -> Action {
        self.on_transport_error_judged(inst, kind, now, Verdict::Default)
    }

    /// Reports a transport failure with the caller's judgement of it. [`Verdict::Stop`]
    /// ends the call (`Reject(GaveUp(NotRetryable))`) unless the deadline has passed (then
    /// the reason is the deadline); [`Verdict::Retry`] is the default, since a transport
    /// failure of a request that may be sent again is retried anyway. Aborts and invalid
    /// requests are never judged: their verdict is ignored.
    pub fn on_transport_error_judged(
        &mut self,
        inst: &mut Instance,
        kind: TransportFailure,
        now: u64,
        verdict: Verdict,
    ) -> Action {
        let action = self.on_transport_error_inner(inst, kind, now, verdict);
        self.settle(inst, action)
    }

    /// Reports that the wait asked for (a `Wait`, or a `Queued` timeout) has ended.
    pub fn on_wake(&mut self, inst: &mut Instance, now: u64) -> Action {
        let action = self.on_wake_inner(inst, now);
        self.settle(inst, action)
    }

    /// Reports that [`Instance::poll_wake`] yielded this call's ticket: it holds a bulkhead
    /// slot now.
    pub fn on_slot(&mut self, inst: &mut Instance, now: u64) -> Action {
        let action = match self.phase {
            Phase::Queued(_) => {
                self.slot = true;
                self.begin_attempt(inst, now)
            }
            _ => self.misuse(),
        };
        self.settle(inst, action)
    }

    /// A call that has ended gives its bulkhead slot to the next in line, and its unused slot
    /// in the route's schedule back.
    fn settle(&mut self, inst: &mut Instance, action: Action) -> Action {
        if self.slot && self.is_done() {
            self.slot = false;
            inst.bulkhead_leave(&self.key);
        }
        if self.is_done() {
            if let Some(slot) = self.reserved.take() {
                inst.release_slot(&self.scope, slot);
            }
            // Copies the driver aborts at the end report nothing: they leave the count now.
            if self.counted > 0 {
                inst.settled(&self.scope.route, self.counted);
                self.counted = 0;
            }
        }
        action
    }

    /// A request of this call went out: the route's gate counts it in flight.
    fn count_sent(&mut self, inst: &mut Instance, now: u64) {
        if self.gated() {
            inst.gate(&self.scope.route, now).sent();
            self.counted += 1;
        }
    }

    /// An outcome of one of this call's requests arrived.
    fn count_settled(&mut self, inst: &mut Instance) {
        if self.counted > 0 {
            inst.settled(&self.scope.route, 1);
            self.counted -= 1;
        }
    }

    /// Whether the route's gate applies (holds or the learned rate).
    fn gated(&self) -> bool {
        self.policy.cooldown || self.policy.pace || self.policy.adaptive
    }

    /// The start proper.
    fn start_inner(&mut self, inst: &mut Instance, now: u64) -> Action {
        if !matches!(self.phase, Phase::Ready) {
            return self.misuse();
        }
        inst.stats_mut().requests += 1;
        self.deadline = self.policy.retry.deadline_ms.map(|d| now.saturating_add(d));
        if let Some(budget) = &self.policy.budget {
            inst.deposit(&self.key, budget, now);
        }
        if let Some(bulkhead) = self.policy.bulkhead {
            match inst.bulkhead_enter(&self.key, &bulkhead) {
                Entry::Entered => self.slot = true,
                Entry::Queued(ticket) => {
                    self.phase = Phase::Queued(ticket);
                    let timeout_ms = self.deadline.map(|d| d.saturating_sub(now));
                    return Action::Queued { ticket, timeout_ms };
                }
                Entry::Full => {
                    return self.finish(Action::Reject(Failure::Throttled { wait_ms: 0 }))
                }
            }
        }
        self.begin_attempt(inst, now)
    }

    /// Reports the response of the attempt in flight.
    fn on_response_inner(
        &mut self,
        inst: &mut Instance,
        response: &Response<'_>,
        now: u64,
        verdict: Verdict,
    ) -> Action {
        if !matches!(self.phase, Phase::InFlight) {
            return self.misuse();
        }
        self.count_settled(inst);
        let retry = &self.policy.retry;
        let status = response.status;
        // An ignored Retry-After (`respectRetryAfter: false`) neither sets the wait nor holds.
        let server_ms = response
            .retry_after
            .filter(|_| retry.respect_retry_after)
            .and_then(|v| retry_after::parse(v, response.date, now));
        if let Some(breaker) = self.policy.breaker {
            let verdict = classify::breaker_status(status);
            inst.record(&self.key, &breaker, verdict, self.probe.take(), now);
        }
        self.last = Last::Response;
        self.in_flight = self.in_flight.saturating_sub(1);
        let refused = status == 429;
        let accepted = status < 500 && !matches!(status, 408 | 429);
        if let (true, Some(budget)) = (accepted, &self.policy.budget) {
            inst.credit(&self.key, budget, now);
        }
        // The signals of the route's gate: a Retry-After on a 429 or 503 holds the route
        // (cool-down); an exhausted quota holds it until its reset (pacing), and on a 429 a
        // bare reset is its wait; a 429 that names no time teaches the route a lower rate.
        let mut hold_ms = None;
        if let (true, Some(ms), 429 | 503) = (self.policy.cooldown, server_ms, status) {
            hold_ms = Some(ms);
        }
        let mut quota_ms = None;
        let mut left = None;
        if self.policy.pace {
            let reading = ratelimit::read(&response.rate_limit, now, refused);
            quota_ms = reading.hold_ms;
            hold_ms = hold_ms.max(quota_ms);
            left = reading.fewest_left;
        }
        if self.gated() {
            let sent_at = self.sent_at;
            let adaptive = self.policy.adaptive;
            let hintless = refused && server_ms.is_none() && quota_ms.is_none();
            // What remains of a quota may already be spent by the requests still in flight:
            // hold the route until the reset rather than send more into a refusal.
            if let Some((remaining, reset_ms)) = left {
                if remaining <= u64::from(inst.gate(&self.scope.route, now).in_flight()) {
                    hold_ms = hold_ms.max(Some(reset_ms));
                }
            }
            if let Some(ms) = hold_ms {
                inst.hold(&self.scope, now.saturating_add(ms), now);
            }
            // The learned rate stays on the route: refusals that name no time say nothing
            // about the other routes (see `gate`).
            if adaptive && hintless {
                inst.refused(&self.scope.route, sent_at, now);
            } else if adaptive && !refused && status < 500 {
                inst.gate(&self.scope.route, now).on_accepted(sent_at, now);
            }
        }
        // The caller's judgement replaces the classifier's; the limits below still apply.
        let classified = match verdict {
            Verdict::Default => classify::status(&retry.status_codes, status),
            Verdict::Retry => StatusVerdict::Retryable { capped: false },
            Verdict::Stop => StatusVerdict::Final,
        };
        match classified {
            StatusVerdict::Final => self.finish(Action::Respond { stop: None }),
            // Another copy of this attempt may still succeed: wait for it.
            StatusVerdict::Retryable { .. } if self.in_flight > 0 => Action::Pending,
            StatusVerdict::Retryable { capped } => {
                let mut server_ms = server_ms;
                if server_ms.is_none() && refused {
                    server_ms = quota_ms;
                }
                if self.policy.pushback {
                    match response.pushback.map(pushback::parse) {
                        Some(Pushback::Stop) => return self.stop(Stop::Pushback),
                        Some(Pushback::After(ms)) => {
                            server_ms = Some(server_ms.map_or(ms, |s| s.max(ms)))
                        }
                        None => {}
                    }
                }
                let plan = Plan {
                    capped,
                    server_ms,
                    refused,
                    // The route's hold already orders every call waiting for it, this one
                    // included: a 429's wait gets no jitter of its own, or fresh calls would
                    // take each reopened window first. A 503's keeps it, to spread a
                    // recovering server's load.
                    exact: refused && self.gated(),
                    resend: false,
                };
                self.plan_retry(inst, now, plan)
            }
        }
    }

    /// Reports that the attempt in flight produced no response.
    fn on_transport_error_inner(
        &mut self,
        inst: &mut Instance,
        kind: TransportFailure,
        now: u64,
        verdict: Verdict,
    ) -> Action {
        match (self.phase, kind) {
            (Phase::Queued(ticket), TransportFailure::Aborted) => {
                inst.bulkhead_abandon(&self.key, ticket);
                return self.finish(Action::Reject(Failure::Aborted));
            }
            // The caller may abort during a wait as well as in flight.
            (Phase::InFlight | Phase::Waiting { .. }, TransportFailure::Aborted) => {
                if let Some(p) = self.probe.take() {
                    inst.cancel_probe(&self.key, p);
                }
                return self.finish(Action::Reject(Failure::Aborted));
            }
            (Phase::InFlight, TransportFailure::Invalid) => {
                self.count_settled(inst);
                if let Some(p) = self.probe.take() {
                    inst.cancel_probe(&self.key, p);
                }
                // Refused by fetch before anything went out: no attempt was sent after all.
                let stats = inst.stats_mut();
                stats.attempts = stats.attempts.saturating_sub(1);
                if self.attempt > 1 {
                    stats.retries = stats.retries.saturating_sub(1);
                }
                self.attempt -= 1;
                return self.finish(Action::Reject(Failure::Invalid));
            }
            (Phase::InFlight, _) => self.count_settled(inst),
            _ => return self.misuse(),
        }
        if let Some(breaker) = self.policy.breaker {
            inst.record(
                &self.key,
                &breaker,
                classify::breaker_transport(kind),
                self.probe.take(),
                now,
            );
        }
        self.last = Last::Error;
        self.in_flight = self.in_flight.saturating_sub(1);
        let past_deadline = self.deadline.is_some_and(|d| now >= d);
        if verdict == Verdict::Stop && !past_deadline {
            return self.stop(Stop::NotRetryable);
        }
        if self.in_flight > 0 && !past_deadline {
            return Action::Pending;
        }
        if past_deadline {
            return self.stop(Stop::Deadline);
        }
        let plan = Plan {
            capped: false,
            server_ms: None,
            refused: false,
            exact: false,
            resend: classify::resendable(kind, self.resendable),
        };
        self.plan_retry(inst, now, plan)
    }

    /// Reports that the wait asked for has ended.
    fn on_wake_inner(&mut self, inst: &mut Instance, now: u64) -> Action {
        match self.phase {
            Phase::Waiting { begin: true } => self.begin_attempt(inst, now),
            Phase::Waiting { begin: false } => self.send(inst, now),
            Phase::Queued(ticket) => {
                inst.bulkhead_abandon(&self.key, ticket);
                self.stop(Stop::Deadline)
            }
            _ => self.misuse(),
        }
    }

    fn misuse(&mut self) -> Action {
        match self.phase {
            // Asking a finished call again gets the same answer.
            Phase::Done(action) => action,
            _ => self.finish(Action::Reject(Failure::Misuse)),
        }
    }

    fn finish(&mut self, action: Action) -> Action {
        self.phase = Phase::Done(action);
        action
    }

    /// Stops retrying: the last response goes to the caller, or the last error rejects.
    fn stop(&mut self, reason: Stop) -> Action {
        let action = match self.last {
            Last::Response => Action::Respond { stop: Some(reason) },
            Last::Error | Last::Nothing => Action::Reject(Failure::GaveUp(reason)),
        };
        self.finish(action)
    }

    /// Before any attempt: deadline, breaker, then rate limiter.
    fn begin_attempt(&mut self, inst: &mut Instance, now: u64) -> Action {
        let first = self.attempt == 0;
        if self.deadline.is_some_and(|d| now >= d) {
            return self.stop(Stop::Deadline);
        }
        if self.gated() {
            // The route's gate: its hold, and this call's slot under the learned rate. A call
            // woken after waiting for its slot (planned with the retry, or asked for here)
            // has had it, even if the timer fired a little early; only a hold that grew past
            // the slot meanwhile (another call's 429) still counts.
            let hold_end = now.saturating_add(inst.scope_hold_ms(&self.scope, now));
            let (hold, schedule) = match self.reserved {
                Some(slot) => (hold_end.saturating_sub(slot.at().max(now)), 0),
                None => {
                    let slot = inst.reserve_slot(&self.scope, now, now, self.policy.adaptive);
                    self.reserved = Some(slot);
                    (hold_end - now, slot.at().saturating_sub(now))
                }
            };
            let wait = hold.max(schedule);
            if wait > 0 {
                // Wait it out if the caller allows that long (a hold is the server's wait:
                // `maxRetryAfterMs` bounds it; the schedule is ours: only the deadline does),
                // else give up at once.
                let fits = hold <= self.policy.retry.max_retry_after_ms
                    && !self.deadline.is_some_and(|d| now.saturating_add(wait) >= d);
                if fits {
                    self.phase = Phase::Waiting { begin: true };
                    return Action::Wait {
                        ms: wait,
                        reason: WaitReason::Throttle,
                    };
                }
                if let Some(slot) = self.reserved.take() {
                    inst.release_slot(&self.scope, slot);
                }
                inst.stats_mut().throttled += 1;
                return if first {
                    self.finish(Action::Reject(Failure::Throttled { wait_ms: wait }))
                } else {
                    self.stop(Stop::Throttled)
                };
            }
            self.reserved = None;
        }
        if let Some(breaker) = self.policy.breaker {
            match inst.admit(&self.key, &breaker, now) {
                Admission::Allowed { probe } => self.probe = probe,
                Admission::Rejected { retry_after_ms } if first => {
                    return self.finish(Action::Reject(Failure::CircuitOpen { retry_after_ms }))
                }
                Admission::Rejected { .. } => return self.stop(Stop::CircuitOpen),
            }
        }
        if let Some(limit) = self.policy.rate_limit {
            // A token that would only come at or past the deadline is no token.
            let max_wait = match self.deadline {
                Some(d) => limit.max_wait_ms.min((d - now).saturating_sub(1)),
                None => limit.max_wait_ms,
            };
            match inst.reserve(&self.key, &limit, now, max_wait) {
                Reservation::Ready { wait_ms: 0 } => {}
                Reservation::Ready { wait_ms } => {
                    self.phase = Phase::Waiting { begin: false };
                    return Action::Wait {
                        ms: wait_ms,
                        reason: WaitReason::Throttle,
                    };
                }
                Reservation::Denied { wait_ms } => {
                    if let Some(p) = self.probe.take() {
                        inst.cancel_probe(&self.key, p);
                    }
                    return if first {
                        self.finish(Action::Reject(Failure::Throttled { wait_ms }))
                    } else {
                        self.stop(Stop::Throttled)
                    };
                }
            }
        }
        self.send(inst, now)
    }

    fn send(&mut self, inst: &mut Instance, now: u64) -> Action {
        self.attempt += 1;
        self.sent_at = now;
        self.count_sent(inst, now);
        let stats = inst.stats_mut();
        stats.attempts += 1;
        if self.attempt > 1 {
            stats.retries += 1;
        }
        self.phase = Phase::InFlight;
        self.in_flight = 1;
        self.hedges = 0;
        Action::Send {
            attempt: self.attempt,
            timeout_ms: self.timeout(now),
        }
    }

    /// An attempt's timeout: `timeoutMs`, shortened to the deadline.
    fn timeout(&self, now: u64) -> Option<u64> {
        match (self.policy.timeout_ms, self.deadline) {
            (t, None) => t,
            (None, Some(d)) => Some(d.saturating_sub(now)),
            (Some(t), Some(d)) => Some(t.min(d.saturating_sub(now))),
        }
    }

    /// With hedging on, how long after the latest copy was sent the next hedge is due, if
    /// one may still be sent for this attempt: the driver arms a timer and calls
    /// [`Call::on_hedge_timer`] when it fires with copies still in flight.
    pub fn hedge_after_ms(&self) -> Option<u64> {
        let hedge = self.policy.hedge?;
        let live = matches!(self.phase, Phase::InFlight) && self.in_flight > 0;
        (live && self.retryable && self.hedges < hedge.max_hedges.get()).then_some(hedge.delay_ms)
    }

    /// The hedge timer fired with no final outcome yet: a hedge is sent unless the breaker
    /// is not closed, the deadline has passed, the rate limiter has no token at once, or the
    /// budget cannot pay for it (a hedge costs a retry). `None`: no hedge, keep waiting.
    pub fn on_hedge_timer(&mut self, inst: &mut Instance, now: u64) -> Option<Action> {
        self.hedge_after_ms()?;
        if self.deadline.is_some_and(|d| now >= d) {
            return None;
        }
        if self.policy.breaker.is_some()
            && inst.breaker_state(&self.key, now) != BreakerState::Closed
        {
            return None;
        }
        if let Some(limit) = self.policy.rate_limit {
            if !matches!(
                inst.reserve(&self.key, &limit, now, 0),
                Reservation::Ready { .. }
            ) {
                return None;
            }
        }
        if let Some(budget) = &self.policy.budget {
            if !inst.withdraw(&self.key, budget, now) {
                return None;
            }
        }
        self.hedges += 1;
        self.in_flight += 1;
        self.count_sent(inst, now);
        let stats = inst.stats_mut();
        stats.attempts += 1;
        stats.hedges += 1;
        Some(Action::Hedge {
            attempt: self.attempt,
            copy: self.hedges + 1,
            timeout_ms: self.timeout(now),
        })
    }

    /// After a retryable outcome: may we retry, and after how long?
    fn plan_retry(&mut self, inst: &mut Instance, now: u64, plan: Plan) -> Action {
        let Plan {
            capped,
            server_ms,
            refused,
            exact,
            resend,
        } = plan;
        let retry = &self.policy.retry;
        if !self.retryable && !resend {
            return self.stop(Stop::NotRetryable);
        }
        if self.attempt >= retry.max_attempts.get()
            || (capped && self.capped_retries >= CAPPED_STATUS_RETRIES)
        {
            return self.stop(Stop::Attempts);
        }
        if self.policy.breaker.is_some() && inst.breaker_state(&self.key, now) == BreakerState::Open
        {
            return self.stop(Stop::CircuitOpen);
        }
        let (mut ms, reason) = match server_ms {
            Some(server) if server > retry.max_retry_after_ms => {
                return self.stop(Stop::RetryAfterTooLong)
            }
            Some(server) if exact => (server, WaitReason::RetryAfter { server_ms: server }),
            Some(server) => (
                retry_after_wait(server, retry.retry_after_jitter_ms, inst.rng()),
                WaitReason::RetryAfter { server_ms: server },
            ),
            // A 429 naming no time: the route's learned rate spaces the retry.
            None if refused && self.policy.adaptive => (0, WaitReason::Backoff),
            None => {
                let n = self.attempt - 1;
                let mut prev = self.prev_delay;
                let ms = retry.backoff.delay(n, &mut prev, inst.rng());
                self.prev_delay = prev;
                (ms, WaitReason::Backoff)
            }
        };
        // The wait that really happens: the planned one, or later if the route is held or
        // its schedule is full until then.
        let mut slot = None;
        if self.gated() {
            let s = inst.reserve_slot(
                &self.scope,
                now.saturating_add(ms),
                now,
                self.policy.adaptive,
            );
            ms = s.at().saturating_sub(now);
            slot = Some(s);
        }
        let give_back = |inst: &mut Instance, scope: &Scope| {
            if let Some(s) = slot {
                inst.release_slot(scope, s);
            }
        };
        if self.deadline.is_some_and(|d| now.saturating_add(ms) >= d) {
            give_back(inst, &self.scope);
            return self.stop(Stop::Deadline);
        }
        // Retries of a 429 are paced by the route's gate (holds and the learned rate), not
        // the budget: the budget bounds retries of failures.
        let paced = refused && self.policy.adaptive;
        if let (false, Some(budget)) = (paced, &self.policy.budget) {
            if !inst.withdraw(&self.key, budget, now) {
                give_back(inst, &self.scope);
                return self.stop(Stop::Budget);
            }
        }
        if capped {
            self.capped_retries += 1;
        }
        self.reserved = slot;
        self.phase = Phase::Waiting { begin: true };
        Action::Wait { ms, reason }
    }
}

/// What a retryable outcome asks of [`Call::plan_retry`].
#[derive(Clone, Copy)]
struct Plan {
    /// A status retried at most twice.
    capped: bool,
    /// The server's wait (Retry-After, a quota's reset, pushback), if it named one.
    server_ms: Option<u64>,
    /// A 429.
    refused: bool,
    /// The server's wait is taken as is, with no jitter of its own.
    exact: bool,
    /// The request was never sent and its body can be: retryable whatever the method.
    resend: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::options::decode;
    use crate::engine::value::Value;

    /// A policy from `(name, value)` pairs of JSON-ish options, as a host hands them over.
    fn policy(entries: &[(&str, Value)]) -> Arc<Policy> {
        let value = Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        );
        let decoded = decode(&value).expect("options decode");
        Arc::new(Policy::from_options(&decoded.options).expect("options valid"))
    }

    fn retry(fields: &[(&str, Value)]) -> Value {
        Value::Object(
            [("jitter", Value::String("none".into()))]
                .iter()
                .chain(fields)
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn exact() -> Arc<Policy> {
        policy(&[
            ("retry", retry(&[("baseDelayMs", Value::Number(10.0))])),
            ("budget", Value::Bool(false)),
            ("breaker", Value::Bool(false)),
        ])
    }

    fn started(p: &Arc<Policy>, inst: &mut Instance) -> Call {
        let mut call = Call::new(Arc::clone(p), "k", RequestMeta::get());
        assert!(matches!(
            call.start(inst, 0),
            Action::Send { attempt: 1, .. }
        ));
        call
    }

    const BACKOFF: Action = Action::Wait {
        ms: 10,
        reason: WaitReason::Backoff,
    };

    #[test]
    fn a_default_verdict_is_the_plain_report() {
        let p = policy(&[]);
        for status in [200, 401, 404, 408, 429, 500, 502, 503, 504] {
            let (mut a, mut b) = (Instance::new(7), Instance::new(7));
            let (mut x, mut y) = (started(&p, &mut a), started(&p, &mut b));
            let r = Response::status(status);
            assert_eq!(
                x.on_response(&mut a, &r, 5),
                y.on_response_judged(&mut b, &r, 5, Verdict::Default),
                "{status}"
            );
            assert_eq!(a.stats(), b.stats());
        }
        for kind in [TransportFailure::Network, TransportFailure::Timeout] {
            let (mut a, mut b) = (Instance::new(7), Instance::new(7));
            let (mut x, mut y) = (started(&p, &mut a), started(&p, &mut b));
            assert_eq!(
                x.on_transport_error(&mut a, kind, 5),
                y.on_transport_error_judged(&mut b, kind, 5, Verdict::Default),
            );
        }
    }

    #[test]
    fn retry_makes_a_final_status_retryable_and_stop_a_retryable_one_final() {
        let p = exact();
        let mut inst = Instance::new(1);
        let mut call = started(&p, &mut inst);
        let r = Response::status(401);
        assert_eq!(
            call.on_response_judged(&mut inst, &r, 0, Verdict::Retry),
            BACKOFF
        );
        let mut call = started(&p, &mut inst);
        let r = Response::status(503);
        assert_eq!(
            call.on_response_judged(&mut inst, &r, 0, Verdict::Stop),
            Action::Respond { stop: None }
        );
        assert!(call.is_done());
    }

    #[test]
    fn a_transport_failure_judged_stop_rejects_not_retryable_and_retry_is_the_default() {
        let p = exact();
        let mut inst = Instance::new(1);
        let mut call = started(&p, &mut inst);
        assert_eq!(
            call.on_transport_error_judged(&mut inst, TransportFailure::Network, 0, Verdict::Stop),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
        let mut call = started(&p, &mut inst);
        assert_eq!(
            call.on_transport_error_judged(&mut inst, TransportFailure::Network, 0, Verdict::Retry),
            BACKOFF
        );
    }

    #[test]
    fn aborts_and_invalid_requests_ignore_the_verdict() {
        let p = exact();
        let mut inst = Instance::new(1);
        for verdict in [Verdict::Retry, Verdict::Stop] {
            let mut call = started(&p, &mut inst);
            assert_eq!(
                call.on_transport_error_judged(&mut inst, TransportFailure::Aborted, 0, verdict),
                Action::Reject(Failure::Aborted)
            );
            let mut call = started(&p, &mut inst);
            assert_eq!(
                call.on_transport_error_judged(&mut inst, TransportFailure::Invalid, 0, verdict),
                Action::Reject(Failure::Invalid)
            );
        }
    }

    #[test]
    fn retry_keeps_pushback_and_the_request_s_own_limits() {
        let p = policy(&[
            ("retry", retry(&[])),
            ("budget", Value::Bool(false)),
            ("pushback", Value::Bool(true)),
        ]);
        let mut inst = Instance::new(1);
        let mut call = started(&p, &mut inst);
        let mut r = Response::status(401);
        r.pushback = Some("-1");
        assert_eq!(
            call.on_response_judged(&mut inst, &r, 0, Verdict::Retry),
            Action::Respond {
                stop: Some(Stop::Pushback)
            }
        );
        // A stream body is sent once, whatever the verdict.
        let request = RequestMeta::get().with_replayable_body(false);
        let mut call = Call::new(Arc::clone(&p), "k", request);
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_response_judged(&mut inst, &Response::status(401), 0, Verdict::Retry),
            Action::Respond {
                stop: Some(Stop::NotRetryable)
            }
        );
    }

    #[test]
    fn a_post_never_sent_is_retried_without_a_key_and_one_sent_is_not() {
        let p = exact();
        let mut inst = Instance::new(1);
        let post = RequestMeta::new("POST");
        let mut call = Call::new(Arc::clone(&p), "k", post);
        assert!(!call.is_retryable());
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_transport_error(&mut inst, TransportFailure::NeverSent, 0),
            BACKOFF
        );
        assert!(matches!(
            call.on_wake(&mut inst, 10),
            Action::Send { attempt: 2, .. }
        ));
        // Once it went out, a failure after sending is not retried.
        assert_eq!(
            call.on_transport_error(&mut inst, TransportFailure::Network, 20),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
        // Nor is a status: only the transport failure says the server never saw it.
        let mut call = Call::new(Arc::clone(&p), "k", post);
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_response(&mut inst, &Response::status(503), 0),
            Action::Respond {
                stop: Some(Stop::NotRetryable)
            }
        );
    }

    #[test]
    fn never_sent_keeps_every_other_limit() {
        let p = exact();
        let mut inst = Instance::new(1);
        // A stream body consumed by the attempt is not sent again.
        let stream = RequestMeta::new("POST").with_replayable_body(false);
        let mut call = Call::new(Arc::clone(&p), "k", stream);
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_transport_error(&mut inst, TransportFailure::NeverSent, 0),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
        // The caller's `false` stops it.
        let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::new("POST"));
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_transport_error_judged(
                &mut inst,
                TransportFailure::NeverSent,
                0,
                Verdict::Stop
            ),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
        // maxAttempts bounds it.
        let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::new("POST"));
        let mut action = call.start(&mut inst, 0);
        let mut t = 0;
        while let Action::Send { .. } = action {
            action = call.on_transport_error(&mut inst, TransportFailure::NeverSent, t);
            if let Action::Wait { ms, .. } = action {
                t += ms;
                action = call.on_wake(&mut inst, t);
            }
        }
        assert_eq!(action, Action::Reject(Failure::GaveUp(Stop::Attempts)));
        assert_eq!(call.attempts(), 5);
    }

    #[test]
    fn never_sent_counts_for_the_breaker() {
        let p = policy(&[
            ("retry", Value::Bool(false)),
            ("budget", Value::Bool(false)),
            (
                "breaker",
                Value::Object(vec![("failureThreshold".into(), Value::Number(2.0))]),
            ),
        ]);
        let mut inst = Instance::new(1);
        for _ in 0..2 {
            let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
            call.start(&mut inst, 0);
            call.on_transport_error(&mut inst, TransportFailure::NeverSent, 0);
        }
        assert_eq!(inst.breaker_state("k", 1), BreakerState::Open);
    }

    #[test]
    fn commit_ends_retrying_and_hedging() {
        let p = exact();
        let mut inst = Instance::new(1);
        // Committed in flight: a retryable status is final, a network failure rejects.
        let mut call = started(&p, &mut inst);
        call.commit();
        assert!(!call.is_retryable());
        assert_eq!(
            call.on_response(&mut inst, &Response::status(503), 0),
            Action::Respond {
                stop: Some(Stop::NotRetryable)
            }
        );
        for kind in [TransportFailure::Network, TransportFailure::NeverSent] {
            let mut call = started(&p, &mut inst);
            call.commit();
            assert_eq!(
                call.on_transport_error(&mut inst, kind, 0),
                Action::Reject(Failure::GaveUp(Stop::NotRetryable))
            );
        }
        // Committed after a retry: the second attempt's failure ends the call.
        let mut call = started(&p, &mut inst);
        assert_eq!(
            call.on_response(&mut inst, &Response::status(503), 0),
            BACKOFF
        );
        call.on_wake(&mut inst, 10);
        call.commit();
        assert_eq!(
            call.on_response(&mut inst, &Response::status(503), 20),
            Action::Respond {
                stop: Some(Stop::NotRetryable)
            }
        );
        // A success is untouched.
        let mut call = started(&p, &mut inst);
        call.commit();
        assert_eq!(
            call.on_response(&mut inst, &Response::status(200), 0),
            Action::Respond { stop: None }
        );
        // No hedge once committed.
        let h = policy(&[
            ("retry", retry(&[])),
            ("budget", Value::Bool(false)),
            (
                "hedge",
                Value::Object(vec![("delayMs".into(), Value::Number(5.0))]),
            ),
        ]);
        let mut call = started(&h, &mut inst);
        assert_eq!(call.hedge_after_ms(), Some(5));
        call.commit();
        assert_eq!(call.hedge_after_ms(), None);
        assert_eq!(call.on_hedge_timer(&mut inst, 5), None);
    }

    #[test]
    fn without_commit_or_never_sent_nothing_changes() {
        // The default path: a replayable GET retries a network failure as before, and a
        // POST without a key does not.
        let p = exact();
        let mut inst = Instance::new(1);
        let mut call = started(&p, &mut inst);
        assert_eq!(
            call.on_transport_error(&mut inst, TransportFailure::Network, 0),
            BACKOFF
        );
        let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::new("POST"));
        call.start(&mut inst, 0);
        assert_eq!(
            call.on_transport_error(&mut inst, TransportFailure::Network, 0),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
    }

    #[test]
    fn stop_ends_a_hedged_attempt_at_once() {
        let p = policy(&[
            ("retry", retry(&[])),
            ("budget", Value::Bool(false)),
            (
                "hedge",
                Value::Object(vec![("delayMs".into(), Value::Number(5.0))]),
            ),
        ]);
        let mut inst = Instance::new(1);
        let mut call = started(&p, &mut inst);
        assert!(matches!(
            call.on_hedge_timer(&mut inst, 5),
            Some(Action::Hedge { copy: 2, .. })
        ));
        // Unjudged, a failed copy waits for the other; judged `Stop`, the call ends.
        let mut other = started(&p, &mut inst);
        other.on_hedge_timer(&mut inst, 5).unwrap();
        assert_eq!(
            other.on_transport_error(&mut inst, TransportFailure::Network, 6),
            Action::Pending
        );
        assert_eq!(
            call.on_transport_error_judged(&mut inst, TransportFailure::Network, 6, Verdict::Stop),
            Action::Reject(Failure::GaveUp(Stop::NotRetryable))
        );
        assert!(call.is_done());
        // A retryable status judged `Retry` with a copy in flight waits for it.
        let mut call = started(&p, &mut inst);
        call.on_hedge_timer(&mut inst, 5).unwrap();
        assert_eq!(
            call.on_response_judged(&mut inst, &Response::status(401), 6, Verdict::Retry),
            Action::Pending
        );
    }
}
