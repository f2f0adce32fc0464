//! Scenario tests: scripted outcomes in, the exact transcript of actions out.
//!
//! Most scenarios use `jitter: "none"` and `retryAfterJitterMs: 0` so waits are exact; the
//! jittered strategies are pinned by seeded sequences and bounded by the property tests.
//!
//! One file per feature; the helpers every file shares are here.

#[path = "../common/mod.rs"]
mod common;

use common::*;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{
    Action, BreakerState, Call, Failure, Instance, Response, TransportFailure,
};
use std::sync::Arc;

mod breaker;
mod budget_and_rate_limit;
mod bulkhead;
mod deadline;
mod hedging;
mod holds;
mod judged;
mod requests;
mod retry;
mod retry_after;
mod snapshot;

/// A policy with exact waits (no jitter, no Retry-After jitter), no budget and no breaker,
/// plus the given `retry` fields.
fn exact_policy(retry: &[(&'static str, Value)]) -> Arc<resilient_fetch::engine::Policy> {
    let mut r = vec![("jitter", s("none")), ("retryAfterJitterMs", n(0.0))];
    r.extend(retry.iter().cloned());
    policy(obj(&[
        ("retry", obj(&r)),
        ("budget", Value::Bool(false)),
        ("breaker", Value::Bool(false)),
    ]))
}

fn breaker_policy(threshold: f64, max_attempts: f64) -> Arc<resilient_fetch::engine::Policy> {
    policy(obj(&[
        (
            "retry",
            obj(&[
                ("jitter", s("none")),
                ("maxAttempts", n(max_attempts)),
                ("baseDelayMs", n(10.0)),
            ]),
        ),
        ("budget", Value::Bool(false)),
        (
            "breaker",
            obj(&[
                ("failureThreshold", n(threshold)),
                ("resetTimeoutMs", n(1_000.0)),
            ]),
        ),
    ]))
}

fn hedged(extra: &[(&'static str, Value)]) -> Arc<resilient_fetch::engine::Policy> {
    let mut entries = vec![
        (
            "retry",
            obj(&[("jitter", s("none")), ("baseDelayMs", n(100.0))]),
        ),
        ("budget", Value::Bool(false)),
        ("hedge", obj(&[("delayMs", n(50.0)), ("maxHedges", n(2.0))])),
    ];
    entries.extend(extra.iter().cloned());
    policy(obj(&entries))
}
