//! Property tests: for any options, seed, outcomes and timings, the engine keeps its promises.
//!
//! - every call terminates, within `maxAttempts` attempts;
//! - a request that may not be retried is sent once;
//! - every backoff wait lies in `[0, maxDelayMs]`; every Retry-After wait lies in
//!   `[server, server + retryAfterJitterMs]` and only when `server <= maxRetryAfterMs`;
//! - no wait ends at or past the deadline, and no attempt's timeout runs past it;
//! - the budget grants a retry exactly when the retries in its window stay within the
//!   allowance (checked against an independent event log);
//! - the breaker only makes legal transitions, never has more probes out than allowed, and
//!   refuses everything while open.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::Arc;

use common::{n, obj, s};
use proptest::prelude::*;
use resilient_fetch::engine::breaker::{
    Admission, Breaker, BreakerConfig, BreakerMode, BreakerState, Probe,
};
use resilient_fetch::engine::budget::{Basis, Budget, BudgetConfig};
use resilient_fetch::engine::classify::BreakerVerdict;
use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::ratelimit::MAX_HOLD_MS;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::window::BUCKETS;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{
    Action, Call, Instance, Policy, Response, TransportFailure, WaitReason,
};

const RETRY_AFTER_VALUES: &[&str] = &[
    "0",
    "1",
    "5",
    "120",
    "1.5",
    "-1",
    "garbage",
    "",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Wed, 21 Oct 2099 07:28:00 GMT",
    "Thu Jan  1 00:01:00 1970",
    "99999999999999999999",
];

#[derive(Clone, Debug)]
enum Step {
    Status {
        status: u16,
        retry_after: Option<usize>,
        latency: u64,
    },
    Transport {
        kind: TransportFailure,
        latency: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let status = prop::sample::select(vec![200u16, 201, 404, 408, 429, 500, 502, 503, 504]);
    prop_oneof![
        6 => (status, prop::option::of(0..RETRY_AFTER_VALUES.len()), 0u64..5_000)
            .prop_map(|(status, retry_after, latency)| Step::Status { status, retry_after, latency }),
        3 => (prop::sample::select(vec![TransportFailure::Network, TransportFailure::Timeout]), 0u64..5_000)
            .prop_map(|(kind, latency)| Step::Transport { kind, latency }),
        1 => (0u64..5_000).prop_map(|latency| Step::Transport { kind: TransportFailure::Aborted, latency }),
    ]
}

fn options() -> impl Strategy<Value = Value> {
    let retry = (
        1u32..8,
        0u32..5_000,
        0u32..60_000,
        prop::sample::select(vec!["full", "equal", "decorrelated", "none"]),
        0u32..2_000,
        prop::option::of(0u32..120_000),
        prop::option::of(1u32..200_000),
        any::<bool>(),
    )
        .prop_map(
            |(attempts, base, max, jitter, ra_jitter, max_ra, deadline, respect)| {
                let mut r = vec![
                    ("maxAttempts", n(f64::from(attempts))),
                    ("baseDelayMs", n(f64::from(base))),
                    ("maxDelayMs", n(f64::from(max))),
                    ("jitter", s(jitter)),
                    ("retryAfterJitterMs", n(f64::from(ra_jitter))),
                    ("respectRetryAfter", Value::Bool(respect)),
                ];
                if let Some(m) = max_ra {
                    r.push(("maxRetryAfterMs", n(f64::from(m))));
                }
                if let Some(d) = deadline {
                    r.push(("deadlineMs", n(f64::from(d))));
                }
                obj(&r)
            },
        );
    let budget = prop_oneof![
        Just(Value::Bool(false)),
        (0.0f64..=1.0, 0.0f64..20.0).prop_map(|(ratio, floor)| obj(&[
            ("ratio", n(ratio)),
            ("minRetriesPerSecond", n(floor))
        ])),
    ];
    let breaker = prop_oneof![
        Just(Value::Bool(false)),
        (1u32..10, 0u32..60_000).prop_map(|(t, r)| obj(&[
            ("failureThreshold", n(f64::from(t))),
            ("resetTimeoutMs", n(f64::from(r)))
        ])),
    ];
    let timeout = prop_oneof![
        Just(Value::Bool(false)),
        (1u32..60_000).prop_map(|t| n(f64::from(t)))
    ];
    (retry, budget, breaker, timeout).prop_map(|(retry, budget, breaker, timeout)| {
        obj(&[
            ("retry", retry),
            ("budget", budget),
            ("breaker", breaker),
            ("timeoutMs", timeout),
        ])
    })
}

fn request() -> impl Strategy<Value = (&'static str, bool, bool)> {
    (
        prop::sample::select(vec!["GET", "PUT", "POST", "PATCH", "DELETE"]),
        any::<bool>(),
        prop::bool::weighted(0.9),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn every_call_keeps_the_promises(
        options in options(),
        (method, keyed, replayable) in request(),
        script in prop::collection::vec(step(), 1..12),
        seed in any::<u64>(),
        start in 0u64..4_000_000_000_000,
        calls in 1usize..4,
    ) {
        let policy = Arc::new(Policy::from_options(&decode(&options).unwrap().options).unwrap());
        let retry = &policy.retry;
        let mut instance = Instance::new(seed);
        let mut now = start;
        let mut script = script.iter().cycle();
        for _ in 0..calls {
            let mut call = Call::new(
                Arc::clone(&policy),
                "k",
                RequestMeta::new(method)
                    .with_idempotency_key(keyed)
                    .with_replayable_body(replayable),
            );
            let deadline = retry.deadline_ms.map(|d| now + d);
            let mut action = call.start(&mut instance, now);
            let mut steps = 0;
            loop {
                steps += 1;
                prop_assert!(steps <= 4 * retry.max_attempts.get() as usize + 4, "did not terminate");
                action = match action {
                    Action::Send { attempt, timeout_ms } => {
                        prop_assert!(attempt <= retry.max_attempts.get());
                        prop_assert!(attempt == 1 || call.is_retryable(), "a single-shot request was resent");
                        if let Some(d) = deadline {
                            prop_assert!(now < d);
                            prop_assert!(timeout_ms.is_some_and(|t| now + t <= d));
                        }
                        match script.next().unwrap() {
                            Step::Status { status, retry_after, latency } => {
                                let t = timeout_ms.map_or(*latency, |t| (*latency).min(t));
                                now += t;
                                let r = Response {
                                    status: *status,
                                    retry_after: retry_after.map(|i| RETRY_AFTER_VALUES[i]),
                                    date: None, pushback: None, rate_limit: Default::default()
                                };
                                call.on_response(&mut instance, &r, now)
                            }
                            Step::Transport { kind, latency } => {
                                now += match (kind, timeout_ms) {
                                    (TransportFailure::Timeout, Some(t)) => t,
                                    (_, Some(t)) => (*latency).min(t),
                                    (_, None) => *latency,
                                };
                                call.on_transport_error(&mut instance, *kind, now)
                            }
                        }
                    }
                    Action::Wait { ms, reason } => {
                        // A held route, or one with a learned send rate, may delay a retry
                        // past its own wait; never past a day's hold plus a schedule's spacing.
                        let gated = instance.hold_ms(call.route(), now) > 0
                            || instance.learned_rate(call.route(), now).is_some();
                        let own = retry.backoff.max_ms.max(retry.max_retry_after_ms + retry.retry_after_jitter_ms);
                        prop_assert!(ms <= MAX_HOLD_MS + own + 10_000, "an unbounded wait: {ms}");
                        match reason {
                            WaitReason::Backoff => prop_assert!(ms <= retry.backoff.max_ms || gated),
                            WaitReason::RetryAfter { server_ms } => {
                                prop_assert!(server_ms <= retry.max_retry_after_ms);
                                prop_assert!(ms >= server_ms);
                                prop_assert!(ms <= server_ms + retry.retry_after_jitter_ms || gated);
                            }
                            _ => {}
                        }
                        if let Some(d) = deadline {
                            prop_assert!(now + ms < d, "a wait past the deadline");
                        }
                        now += ms;
                        call.on_wake(&mut instance, now)
                    }
                    _ => break,
                };
            }
            prop_assert!(call.attempts() <= retry.max_attempts.get());
            now += 1;
        }
    }

    #[test]
    fn the_budget_grants_exactly_what_the_window_allows(
        ratio in 0.0f64..=1.0,
        window_ms in 1u64..20_000,
        floor in 0.0f64..5.0,
        ops in prop::collection::vec((0u64..3_000, any::<bool>()), 1..300),
    ) {
        let config = BudgetConfig { basis: Basis::Calls, ratio, window_ms, min_retries_per_second: floor };
        let mut budget = Budget::new(&config);
        let bucket = window_ms.div_ceil(BUCKETS as u64);
        let mut log: Vec<(u64, bool)> = Vec::new(); // (time, is_retry)
        let mut now = 0;
        for (dt, is_withdraw) in ops {
            now += dt;
            if is_withdraw {
                let e = now / bucket;
                let in_window = |t: u64| t / bucket + (BUCKETS as u64) > e;
                let calls = log.iter().filter(|(t, r)| !r && in_window(*t)).count() as u64;
                let retries = log.iter().filter(|(t, r)| *r && in_window(*t)).count() as u64;
                let allowed = (retries + 1) as f64 <= config.allowance(calls);
                prop_assert_eq!(budget.withdraw(&config, now), allowed);
                if allowed {
                    log.push((now, true));
                    prop_assert!((retries + 1) as f64 <= config.allowance(calls));
                }
            } else {
                budget.deposit(&config, now);
                log.push((now, false));
            }
        }
    }

    #[test]
    fn the_breaker_moves_only_along_legal_edges(
        threshold in 1u32..6,
        reset in 0u64..5_000,
        probes in 1u32..4,
        rate_mode in any::<bool>(),
        ops in prop::collection::vec((0u64..2_000, 0u8..4), 1..300),
    ) {
        let mode = if rate_mode {
            BreakerMode::FailureRate { threshold: 0.5, minimum_throughput: threshold, window_ms: 10_000 }
        } else {
            BreakerMode::Consecutive { failure_threshold: std::num::NonZeroU32::new(threshold).unwrap() }
        };
        let config = BreakerConfig { mode, reset_timeout_ms: reset, half_open_max_probes: std::num::NonZeroU32::new(probes).unwrap() };
        let mut breaker = Breaker::new();
        // Admitted attempts: their probe ticket, and whether the model holds it live.
        let mut outstanding: Vec<(Option<Probe>, bool)> = Vec::new();
        let mut now = 0;
        let mut opened_at: Option<u64> = None;
        let legal = [
            (BreakerState::Closed, BreakerState::Open),
            (BreakerState::Open, BreakerState::HalfOpen),
            (BreakerState::HalfOpen, BreakerState::Closed),
            (BreakerState::HalfOpen, BreakerState::Open),
        ];
        for (dt, op) in ops {
            now += dt;
            let transition = if op == 0 || outstanding.is_empty() {
                let (admission, t) = breaker.admit(&config, now);
                match admission {
                    Admission::Allowed { probe } => {
                        if let Some(at) = opened_at {
                            prop_assert!(now >= at + reset, "admitted while open");
                        }
                        outstanding.push((probe, probe.is_some()));
                        let out = outstanding.iter().filter(|(_, live)| *live).count() as u32;
                        prop_assert!(out <= probes, "too many probes");
                    }
                    Admission::Rejected { retry_after_ms } => {
                        prop_assert!(breaker.state(now) != BreakerState::Closed);
                        if let Some(at) = opened_at {
                            prop_assert!(retry_after_ms == (at + reset).saturating_sub(now));
                        }
                    }
                }
                t
            } else {
                let (probe, _) = outstanding.remove(0);
                let verdict = match op {
                    1 => BreakerVerdict::Success,
                    2 => BreakerVerdict::Failure,
                    _ => BreakerVerdict::Ignored,
                };
                breaker.record(&config, verdict, probe, now)
            };
            if let Some(t) = transition {
                prop_assert!(legal.contains(&(t.from, t.to)), "illegal {:?}", t);
                match t.to {
                    BreakerState::Open => opened_at = Some(now),
                    BreakerState::HalfOpen => opened_at = None,
                    BreakerState::Closed => {
                        opened_at = None;
                        outstanding.iter_mut().for_each(|(_, live)| *live = false);
                    }
                }
                if t.to == BreakerState::Open {
                    // Probes still out are now stale; their outcomes change nothing.
                    outstanding.iter_mut().for_each(|(_, live)| *live = false);
                }
            }
        }
    }

    #[test]
    fn hedged_calls_keep_the_promises(
        max_hedges in 1u32..4,
        max_attempts in 1u32..5,
        (method, keyed, replayable) in request(),
        // Per outcome: a status (or 0 = network failure), and whether a hedge timer fires first.
        script in prop::collection::vec((prop::sample::select(vec![0u16, 200, 404, 429, 500, 503]), any::<bool>()), 1..40),
        seed in any::<u64>(),
    ) {
        let options = obj(&[
            ("retry", obj(&[("maxAttempts", n(f64::from(max_attempts))), ("baseDelayMs", n(5.0))])),
            ("hedge", obj(&[("delayMs", n(20.0)), ("maxHedges", n(f64::from(max_hedges)))])),
            ("budget", Value::Bool(false)),
            ("breaker", Value::Bool(false)),
        ]);
        let policy = Arc::new(Policy::from_options(&decode(&options).unwrap().options).unwrap());
        let mut instance = Instance::new(seed);
        let mut call = Call::new(
                Arc::clone(&policy),
                "k",
                RequestMeta::new(method)
                    .with_idempotency_key(keyed)
                    .with_replayable_body(replayable),
            );
        let mut now = 0u64;
        let mut in_flight = 0u32;
        let mut hedges_this_attempt = 0u32;
        let mut script = script.iter().cycle();
        let mut action = call.start(&mut instance, now);
        for _ in 0..1_000 {
            match action {
                Action::Send { attempt, .. } => {
                    prop_assert!(attempt <= max_attempts);
                    prop_assert_eq!(in_flight, 0, "a new attempt while copies are in flight");
                    in_flight = 1;
                    hedges_this_attempt = 0;
                }
                Action::Hedge { .. } => {
                    prop_assert!(call.is_retryable(), "a single-shot request was hedged");
                    in_flight += 1;
                    hedges_this_attempt += 1;
                    prop_assert!(hedges_this_attempt <= max_hedges);
                }
                Action::Pending => prop_assert!(in_flight > 0, "pending with nothing in flight"),
                Action::Wait { ms, .. } => {
                    prop_assert_eq!(in_flight, 0);
                    now += ms;
                    action = call.on_wake(&mut instance, now);
                    continue;
                }
                _ => break,
            }
            let (status, hedge_first) = *script.next().unwrap();
            now += 10;
            if hedge_first && call.hedge_after_ms().is_some() {
                if let Some(a) = call.on_hedge_timer(&mut instance, now) {
                    action = a;
                    continue;
                }
            }
            prop_assert!(in_flight > 0);
            in_flight -= 1;
            action = if status == 0 {
                call.on_transport_error(&mut instance, TransportFailure::Network, now)
            } else {
                call.on_response(&mut instance, &Response::status(status), now)
            };
            if !matches!(action, Action::Pending) {
                // The winner settles the attempt: the driver aborts the other copies.
                in_flight = 0;
            }
        }
        prop_assert!(call.is_done(), "the hedged call did not finish");
        let s = instance.stats();
        prop_assert_eq!(s.attempts, u64::from(call.attempts()) + s.hedges);
    }
}
