//! Fuzzing, proptest-driven (cargo-fuzz needs a nightly toolchain these machines do not
//! have): generated and mutated inputs for the Retry-After parser, the rate-limit header
//! parsers, option decoding and the per-call state machine. Nothing may panic (tests build with overflow checks), and no wait
//! may exceed its caps. The seed corpus is `tests/fuzz/*.txt`.
//!
//! Cases per target: `FUZZ_CASES` (the test command runs a short pass; `scripts/fuzz.sh` runs
//! each target for a bounded time and reports the executions).
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::ratelimit::{hold_ms, RateLimitFields, HEADERS};
use resilient_fetch::engine::retry_after;
use resilient_fetch::engine::schema::{BREAKER, BUDGET, BULKHEAD, HEDGE, RATE_LIMIT, RETRY, TOP};
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{
    Action, Call, Instance, Policy, Response, TransportFailure, WaitReason,
};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

fn corpus(name: &str) -> Vec<String> {
    std::fs::read_to_string(format!("tests/fuzz/{name}.txt"))
        .expect("the seed corpus")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A Retry-After corpus entry with random edits, or arbitrary text.
fn header_value() -> impl Strategy<Value = String> {
    mutated(corpus("retry_after"))
}

/// A seed with random edits (a character removed, a few inserted), or arbitrary text.
fn mutated(seeds: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(seeds),
            any::<u64>(),
            prop::collection::vec(any::<char>(), 0..4)
        )
            .prop_map(|(seed, at, insert)| {
                let mut chars: Vec<char> = seed.chars().collect();
                let i = if chars.is_empty() {
                    0
                } else {
                    (at as usize) % (chars.len() + 1)
                };
                if at % 3 == 0 && i < chars.len() {
                    chars.remove(i);
                }
                for (k, c) in insert.into_iter().enumerate() {
                    chars.insert((i + k).min(chars.len()), c);
                }
                chars.into_iter().collect()
            }),
        "[0-9 .+-]{0,30}",
        any::<String>(),
    ]
}

/// Runs `body` for `FUZZ_CASES` cases, or, with `FUZZ_SECONDS` set, in fresh batches (each
/// with a new random seed) until that many seconds have passed; reports the executions.
fn run(name: &str, mut body: impl FnMut(&mut TestRunner) -> Result<(), String>) {
    let seconds: Option<f64> = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok());
    let started = std::time::Instant::now();
    let mut executions = 0u64;
    loop {
        let batch = if seconds.is_some() { 2_000 } else { cases() };
        let mut runner = TestRunner::new(Config {
            cases: batch,
            failure_persistence: None,
            ..Config::default()
        });
        body(&mut runner).unwrap_or_else(|e| panic!("{name}: {e}"));
        executions += u64::from(batch);
        match seconds {
            Some(limit) if started.elapsed().as_secs_f64() < limit => continue,
            _ => break,
        }
    }
    eprintln!(
        "fuzz {name}: {executions} executions in {:.1} s, no failure",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn fuzz_retry_after_parser() {
    run("retry_after::parse", |runner| {
        runner
            .run(
                &(
                    header_value(),
                    prop::option::of(header_value()),
                    any::<u64>(),
                ),
                |(v, date, now)| {
                    // Nothing panics; and a later clock never lengthens a wait (delta-seconds
                    // ignore the clock; a date's wait shrinks, down to 0).
                    let now = now % (u64::MAX / 2);
                    let early = retry_after::parse(&v, date.as_deref(), now);
                    let later = retry_after::parse(&v, date.as_deref(), now + 1_000);
                    prop_assert_eq!(early.is_some(), later.is_some());
                    if let (Some(a), Some(b)) = (early, later) {
                        prop_assert!(b <= a, "{v:?}: {a} ms at t, {b} ms at t + 1 s");
                    }
                    Ok(())
                },
            )
            .map_err(|e| e.to_string())
    });
}

#[test]
fn fuzz_rate_limit_headers() {
    run("ratelimit::quota", |runner| {
        let field = || prop::option::of(mutated(corpus("ratelimit")));
        runner
            .run(
                &(
                    prop::collection::vec((0..HEADERS.len(), field()), 0..6),
                    any::<u64>(),
                    any::<bool>(),
                ),
                |(fields, now, refused)| {
                    let fields = RateLimitFields::from_pairs(
                        fields
                            .iter()
                            .filter_map(|(i, v)| Some((HEADERS[*i], v.as_deref()?))),
                    );
                    // Nothing panics, no hold passes a day, and a later clock never
                    // lengthens one.
                    let now = now % (u64::MAX / 2);
                    let early = hold_ms(&fields, now, refused);
                    let later = hold_ms(&fields, now + 1_000, refused);
                    for ms in [early, later].into_iter().flatten() {
                        prop_assert!(ms <= resilient_fetch::engine::ratelimit::MAX_HOLD_MS);
                    }
                    if let (Some(a), Some(b)) = (early, later) {
                        prop_assert!(b <= a, "hold {a} ms at t, {b} ms at t + 1 s");
                    }
                    Ok(())
                },
            )
            .map_err(|e| e.to_string())
    });
}

fn value(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Undefined),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            any::<f64>(),
            -10.0f64..100_000.0,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(0.5)
        ]
        .prop_map(Value::Number),
        prop::sample::select(vec![
            "full",
            "equal",
            "decorrelated",
            "none",
            "failure-rate",
            "consecutive",
            "x",
            ""
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        Just(Value::Function),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    // Every option name the schema knows, at every level, and a name it does not.
    let names: Vec<&'static str> = [TOP, RETRY, BREAKER, BUDGET, HEDGE, RATE_LIMIT, BULKHEAD]
        .concat()
        .into_iter()
        .chain(["bogus"])
        .collect();
    let keys = prop::sample::select(names);
    prop_oneof![
        3 => leaf,
        1 => prop::collection::vec(value(depth - 1), 0..4).prop_map(Value::Array),
        2 => prop::collection::vec((keys, value(depth - 1)), 0..6)
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
    .boxed()
}

#[test]
fn fuzz_option_decoding() {
    run("options::decode + Policy::from_options", |runner| {
        runner
            .run(&value(3), |v| {
                if let Ok(d) = decode(&v) {
                    if let Err(e) = Policy::from_options(&d.options) {
                        prop_assert!(!e.message().is_empty());
                    }
                }
                Ok(())
            })
            .map_err(|e| e.to_string())
    });
}

#[test]
fn fuzz_call_state_machine() {
    run("the per-call state machine", |runner| {
        let step = (
            any::<u16>(),
            prop::option::of(header_value()),
            0u64..100_000,
            0u8..6,
        );
        runner
            .run(
                &(
                    value(2),
                    prop::collection::vec(step, 1..20),
                    any::<u64>(),
                    any::<u64>(),
                ),
                |(options, steps, seed, start)| {
                    let Ok(d) = decode(&options) else {
                        return Ok(());
                    };
                    let Ok(policy) = Policy::from_options(&d.options) else {
                        return Ok(());
                    };
                    let retry = policy.retry.clone();
                    let policy = Arc::new(policy);
                    let mut instance = Instance::new(seed);
                    let mut call = Call::new(Arc::clone(&policy), "k", RequestMeta::get());
                    let mut now = start % 4_000_000_000_000;
                    let mut action = call.start(&mut instance, now);
                    let mut steps = steps.iter().cycle();
                    for _ in 0..(4 * retry.max_attempts.get().min(50) as usize + 8) {
                        action = match action {
                            Action::Send { .. } | Action::Hedge { .. } | Action::Pending => {
                                let (status, ra, dt, kind) = steps.next().unwrap();
                                now = now.saturating_add(*dt);
                                match kind {
                                    0 => call.on_transport_error(
                                        &mut instance,
                                        TransportFailure::Network,
                                        now,
                                    ),
                                    1 => call.on_transport_error(
                                        &mut instance,
                                        TransportFailure::Timeout,
                                        now,
                                    ),
                                    _ => {
                                        let r = Response {
                                            status: *status,
                                            retry_after: ra.as_deref(),
                                            date: None,
                                            pushback: None,
                                            rate_limit: Default::default(),
                                        };
                                        call.on_response(&mut instance, &r, now)
                                    }
                                }
                            }
                            Action::Wait { ms, reason } => {
                                match reason {
                                    WaitReason::Backoff => prop_assert!(ms <= retry.backoff.max_ms),
                                    WaitReason::RetryAfter { server_ms } => {
                                        prop_assert!(server_ms <= retry.max_retry_after_ms);
                                        prop_assert!(
                                            ms <= server_ms
                                                .saturating_add(retry.retry_after_jitter_ms)
                                        );
                                    }
                                    _ => {}
                                }
                                now = now.saturating_add(ms);
                                call.on_wake(&mut instance, now)
                            }
                            Action::Queued { .. } => call.on_slot(&mut instance, now),
                            _ => break,
                        };
                    }
                    Ok(())
                },
            )
            .map_err(|e| e.to_string())
    });
}
