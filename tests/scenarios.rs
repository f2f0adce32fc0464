//! Scenario tests: scripted outcomes in, the exact transcript of actions out.
//!
//! Most scenarios use `jitter: "none"` and `retryAfterJitterMs: 0` so waits are exact; the
//! jittered strategies are pinned by seeded sequences and bounded by the property tests.

mod common;

use common::*;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{
    Action, BreakerState, Call, Failure, Instance, Response, TransportFailure,
};
use std::sync::Arc;

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

#[test]
fn two_503s_then_200() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[Status(503), Status(503), Status(200)]),
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "wait 2000 backoff",
            "send 3 timeout=30000",
            "return",
        ]
    );
}

#[test]
fn attempts_run_out_on_a_persistent_503() {
    let p = exact_policy(&[("maxAttempts", n(3.0))]);
    assert_eq!(
        get(&p, &[Status(503), Status(503), Status(503)]),
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "wait 2000 backoff",
            "send 3 timeout=30000",
            "return stop=attempts",
        ]
    );
}

#[test]
fn backoff_ceilings_double_and_cap() {
    let p = exact_policy(&[
        ("maxAttempts", n(8.0)),
        ("baseDelayMs", n(100.0)),
        ("maxDelayMs", n(1_000.0)),
    ]);
    let lines = get(&p, &[Status(503); 8]);
    let waits: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("wait"))
        .map(|l| l.as_str())
        .collect();
    assert_eq!(
        waits,
        [
            "wait 100 backoff",
            "wait 200 backoff",
            "wait 400 backoff",
            "wait 800 backoff",
            "wait 1000 backoff",
            "wait 1000 backoff",
            "wait 1000 backoff",
        ]
    );
    assert_eq!(lines.last().unwrap(), "return stop=attempts");
}

#[test]
fn retry_after_delta_seconds_replaces_backoff() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(429, "3"), Status(200)]),
        [
            "send 1 timeout=30000",
            "wait 3000 retry-after=3000",
            "send 2 timeout=30000",
            "return"
        ]
    );
}

#[test]
fn retry_after_zero_means_now() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(503, "0"), Status(200)])[1],
        "wait 0 retry-after=0"
    );
}

#[test]
fn retry_after_fraction_is_accepted() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(503, "1.5"), Status(200)])[1],
        "wait 1500 retry-after=1500"
    );
}

#[test]
fn retry_after_http_date_forms_against_the_date_header() {
    let p = exact_policy(&[]);
    // The client clock (t = 0) is decades off: the Date header decides.
    for value in [
        "Sun, 06 Nov 1994 08:49:47 GMT",
        "Sunday, 06-Nov-94 08:49:47 GMT",
        "Sun Nov  6 08:49:47 1994",
    ] {
        let script = [
            StatusWith {
                status: 429,
                retry_after: value,
                date: Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            },
            Status(200),
        ];
        assert_eq!(
            get(&p, &script)[1],
            "wait 10000 retry-after=10000",
            "{value}"
        );
    }
}

#[test]
fn retry_after_http_date_against_the_local_clock_and_in_the_past() {
    let p = exact_policy(&[]);
    let date_ms = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
    let mut inst = Instance::new(1);
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[ra(503, "Sun, 06 Nov 1994 08:49:37 GMT"), Status(200)],
        date_ms - 4_000,
        0,
    );
    assert_eq!(run.lines[1], "wait 4000 retry-after=4000");
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[ra(503, "Sun, 06 Nov 1994 08:49:37 GMT"), Status(200)],
        date_ms + 60_000,
        0,
    );
    assert_eq!(run.lines[1], "wait 0 retry-after=0", "a past date is 0");
}

#[test]
fn garbage_negative_and_empty_retry_after_fall_back_to_backoff() {
    let p = exact_policy(&[]);
    for value in [
        "soon",
        "-5",
        "",
        "  ",
        "NaN",
        "1e3",
        "Sun, 32 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(
            get(&p, &[ra(503, value), Status(200)])[1],
            "wait 1000 backoff",
            "{value:?}"
        );
    }
}

#[test]
fn retry_after_above_the_cap_stops_at_once() {
    let p = exact_policy(&[("maxRetryAfterMs", n(5_000.0))]);
    assert_eq!(
        get(&p, &[ra(429, "6")]),
        ["send 1 timeout=30000", "return stop=retry-after-too-long"]
    );
    assert_eq!(
        get(&p, &[ra(429, "5"), Status(200)])[1],
        "wait 5000 retry-after=5000"
    );
    // Past a day a value is malformed: ignored, backoff applies, and it holds nothing.
    let lenient = exact_policy(&[("maxRetryAfterMs", n(86_400_000.0))]);
    for huge in ["99999999999999999999999", "86401", "1790000000"] {
        assert_eq!(
            get(&lenient, &[ra(503, huge), Status(200)])[1],
            "wait 1000 backoff",
            "{huge}"
        );
    }
    assert_eq!(
        get(&lenient, &[ra(503, "86400"), Status(200)])[1],
        "wait 86400000 retry-after=86400000",
        "a day stands"
    );
}

#[test]
fn retry_after_is_ignored_when_not_respected() {
    let p = exact_policy(&[("respectRetryAfter", Value::Bool(false))]);
    assert_eq!(
        get(&p, &[ra(503, "20"), Status(200)])[1],
        "wait 1000 backoff"
    );
}

#[test]
fn retry_after_jitter_lies_on_top_of_the_server_value() {
    let p = policy(obj(&[
        ("retry", obj(&[("retryAfterJitterMs", n(500.0))])),
        ("budget", Value::Bool(false)),
    ]));
    for seed in 0..200 {
        let mut inst = Instance::new(seed);
        let run = play_call(&mut inst, &p, GET, &[ra(429, "2"), Status(200)], 0, 0);
        let Action::Wait { ms, .. } = run.actions[1] else {
            panic!("{:?}", run.lines)
        };
        assert!((2_000..=2_500).contains(&ms), "{ms}");
    }
}

#[test]
fn capped_statuses_retry_at_most_twice() {
    let p = exact_policy(&[("maxAttempts", n(10.0))]);
    for status in [500, 502, 504] {
        let lines = get(&p, &[Status(status); 3]);
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("send")).count(),
            3,
            "{status}"
        );
        assert_eq!(lines.last().unwrap(), "return stop=attempts");
    }
    // The cap counts retries caused by capped statuses, wherever they fall.
    let lines = get(
        &p,
        &[
            Status(500),
            Status(503),
            Status(502),
            Status(503),
            Status(504),
        ],
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("send")).count(), 5);
    assert_eq!(lines.last().unwrap(), "return stop=attempts");
}

#[test]
fn uncapped_statuses_retry_up_to_max_attempts() {
    let p = exact_policy(&[("maxAttempts", n(6.0)), ("baseDelayMs", n(1.0))]);
    for status in [408, 429, 503] {
        let lines = get(&p, &[Status(status); 6]);
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("send")).count(),
            6,
            "{status}"
        );
    }
}

#[test]
fn every_other_status_is_returned_at_once() {
    let p = exact_policy(&[]);
    for status in [
        100, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 410, 422, 451, 501, 505,
        511,
    ] {
        assert_eq!(
            get(&p, &[Status(status)]),
            ["send 1 timeout=30000", "return"],
            "{status}"
        );
    }
}

#[test]
fn custom_status_codes_replace_the_table() {
    let p = exact_policy(&[
        ("statusCodes", Value::Array(vec![n(418.0), n(500.0)])),
        ("maxAttempts", n(4.0)),
    ]);
    assert_eq!(get(&p, &[Status(503)]), ["send 1 timeout=30000", "return"]);
    let lines = get(&p, &[Status(500); 4]);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("send")).count(),
        4,
        "listed statuses use maxAttempts"
    );
    assert_eq!(get(&p, &[Status(418), Status(200)]).len(), 4);
}

#[test]
fn retry_false_sends_once() {
    let p = policy(obj(&[("retry", Value::Bool(false))]));
    assert_eq!(
        get(&p, &[Status(503)]),
        ["send 1 timeout=30000", "return stop=attempts"]
    );
}

#[test]
fn post_without_key_is_sent_once() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, POST, &[Status(503)], 0, 0);
    assert_eq!(
        run.lines,
        ["send 1 timeout=30000", "return stop=not-retryable"]
    );
    let run = play_call(
        &mut inst,
        &p,
        PATCH,
        &[Transport(TransportFailure::Network)],
        0,
        0,
    );
    assert_eq!(
        run.lines,
        ["send 1 timeout=30000", "fail gave-up=not-retryable"]
    );
}

#[test]
fn post_with_key_is_retried() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(
        &mut inst,
        &p,
        POST_KEYED,
        &[
            Status(503),
            Transport(TransportFailure::Timeout),
            Status(201),
        ],
        0,
        0,
    );
    assert_eq!(
        run.lines,
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "wait 2000 backoff",
            "send 3 timeout=30000",
            "return",
        ]
    );
}

#[test]
fn stream_bodies_are_sent_once() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, PUT_STREAM_KEYED, &[Status(503)], 0, 0);
    assert_eq!(
        run.lines,
        ["send 1 timeout=30000", "return stop=not-retryable"]
    );
}

#[test]
fn transport_failures_retry_for_idempotent_methods() {
    let p = exact_policy(&[]);
    let lines = get(
        &p,
        &[
            Transport(TransportFailure::Network),
            Transport(TransportFailure::Timeout),
            Status(200),
        ],
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("send")).count(), 3);
    assert_eq!(lines.last().unwrap(), "return");
    let lines = get(&p, &[Transport(TransportFailure::Network); 5]);
    assert_eq!(lines.last().unwrap(), "fail gave-up=attempts");
}

#[test]
fn a_caller_abort_is_never_retried() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[Transport(TransportFailure::Aborted)]),
        ["send 1 timeout=30000", "fail aborted"]
    );
}

#[test]
fn an_invalid_request_is_never_retried_and_never_counted() {
    let p = policy(obj(&[("breaker", obj(&[("failureThreshold", n(1.0))]))]));
    let mut inst = Instance::new(1);
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[Transport(TransportFailure::Invalid)],
        0,
        0,
    );
    assert_eq!(run.lines, ["send 1 timeout=30000", "fail invalid"]);
    assert_eq!(
        inst.breaker_state("https://api.example", 0),
        BreakerState::Closed
    );
    // Refused before sending: not an attempt either.
    assert_eq!(inst.stats().attempts, 0);
    assert_eq!(inst.stats().requests, 1);
}

#[test]
fn a_caller_abort_during_a_wait_ends_the_call() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(p, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert!(matches!(
        call.on_response(&mut inst, &Response::status(503), 0),
        Action::Wait { .. }
    ));
    assert_eq!(
        call.on_transport_error(&mut inst, TransportFailure::Aborted, 10),
        Action::Fail(Failure::Aborted)
    );
    assert!(call.is_done());
    assert_eq!(call.attempts(), 1);
}

#[test]
fn timeout_can_be_switched_off() {
    let p = policy(obj(&[("timeoutMs", Value::Bool(false))]));
    assert_eq!(get(&p, &[Status(200)]), ["send 1", "return"]);
}

#[test]
fn deadline_stops_before_a_wait_that_would_pass_it() {
    let p = exact_policy(&[("deadlineMs", n(2_500.0))]);
    assert_eq!(
        get(&p, &[Status(503), Status(503)]),
        [
            "send 1 timeout=2500",
            "wait 1000 backoff",
            "send 2 timeout=1500",
            "return stop=deadline",
        ]
    );
}

#[test]
fn deadline_reached_in_flight_fails_with_deadline() {
    let p = exact_policy(&[("deadlineMs", n(2_500.0))]);
    assert_eq!(
        get(&p, &[Status(503), Transport(TransportFailure::Timeout)]),
        [
            "send 1 timeout=2500",
            "wait 1000 backoff",
            "send 2 timeout=1500",
            "fail gave-up=deadline",
        ]
    );
}

#[test]
fn deadline_also_bounds_retry_after() {
    let p = exact_policy(&[("deadlineMs", n(5_000.0))]);
    assert_eq!(
        get(&p, &[ra(429, "10")]),
        ["send 1 timeout=5000", "return stop=deadline"]
    );
}

#[test]
fn decorrelated_first_wait_lies_in_base_to_three_base() {
    let p = policy(obj(&[
        ("retry", obj(&[("jitter", s("decorrelated"))])),
        ("budget", Value::Bool(false)),
    ]));
    for seed in 0..300 {
        let mut inst = Instance::new(seed);
        let run = play_call(&mut inst, &p, GET, &[Status(503), Status(200)], 0, 0);
        let Action::Wait { ms, .. } = run.actions[1] else {
            panic!()
        };
        assert!((1_000..=3_000).contains(&ms), "{ms}");
    }
}

#[test]
fn seeded_full_jitter_transcript_is_reproducible() {
    let p = policy(obj(&[("budget", Value::Bool(false))]));
    let script = [Status(503), Status(503), Status(503), Status(200)];
    let a = play_call(&mut Instance::new(99), &p, GET, &script, 0, 5).lines;
    let b = play_call(&mut Instance::new(99), &p, GET, &script, 0, 5).lines;
    let c = play_call(&mut Instance::new(100), &p, GET, &script, 0, 5).lines;
    assert_eq!(a, b);
    assert_ne!(a, c, "another seed draws other waits");
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

#[test]
fn breaker_opens_short_circuits_half_opens_and_closes() {
    let p = breaker_policy(3.0, 1.0);
    let mut inst = Instance::new(1);
    for t in 0..3 {
        let run = play_call(&mut inst, &p, GET, &[Status(503)], t, 0);
        assert_eq!(run.lines.last().unwrap(), "return stop=attempts");
    }
    assert_eq!(
        inst.breaker_state("https://api.example", 2),
        BreakerState::Open
    );
    // Open: nothing is sent, and the caller learns when to come back.
    let run = play_call(&mut inst, &p, GET, &[], 502, 0);
    assert_eq!(run.lines, ["fail circuit-open retry-after=500"]);
    // After resetTimeoutMs the next call is a probe; a success closes the breaker.
    assert_eq!(
        inst.breaker_state("https://api.example", 1_002),
        BreakerState::HalfOpen
    );
    let run = play_call(&mut inst, &p, GET, &[Status(200)], 1_002, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "return"]);
    assert_eq!(
        inst.breaker_state("https://api.example", 1_002),
        BreakerState::Closed
    );
    let events: Vec<(BreakerState, BreakerState)> = std::iter::from_fn(|| inst.poll_event())
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(
        events,
        [
            (BreakerState::Closed, BreakerState::Open),
            (BreakerState::Open, BreakerState::HalfOpen),
            (BreakerState::HalfOpen, BreakerState::Closed),
        ]
    );
    let stats = inst.stats();
    assert_eq!(
        (
            stats.requests,
            stats.attempts,
            stats.short_circuited,
            stats.breaker_opened
        ),
        (5, 4, 1, 1)
    );
}

#[test]
fn a_failed_probe_reopens_and_busy_half_open_rejects() {
    let p = breaker_policy(1.0, 1.0);
    let mut inst = Instance::new(1);
    play_call(&mut inst, &p, GET, &[Status(500)], 0, 0);
    // Two calls arrive at once after the reset time: one probes, the other is refused.
    let mut probe = Call::new(Arc::clone(&p), "https://api.example", RequestMeta::get());
    assert!(matches!(probe.start(&mut inst, 1_000), Action::Send { .. }));
    let mut other = Call::new(Arc::clone(&p), "https://api.example", RequestMeta::get());
    assert_eq!(
        other.start(&mut inst, 1_000),
        Action::Fail(Failure::CircuitOpen { retry_after_ms: 0 })
    );
    assert_eq!(
        probe.on_response(&mut inst, &Response::status(503), 1_100),
        Action::Return {
            stop: Some(resilient_fetch::engine::Stop::Attempts)
        }
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 1_100),
        BreakerState::Open
    );
    assert_eq!(
        play_call(&mut inst, &p, GET, &[], 1_600, 0).lines,
        ["fail circuit-open retry-after=500"]
    );
}

#[test]
fn breaker_opening_mid_call_stops_the_call() {
    let p = breaker_policy(2.0, 5.0);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, GET, &[Status(503), Status(503)], 0, 0);
    assert_eq!(
        run.lines,
        [
            "send 1 timeout=30000",
            "wait 10 backoff",
            "send 2 timeout=30000",
            "return stop=circuit-open"
        ]
    );
    let run = play_call(&mut inst, &p, GET, &[], 20, 0);
    assert_eq!(run.lines, ["fail circuit-open retry-after=990"]);
}

#[test]
fn breaker_opened_by_another_call_during_a_wait_stops_this_one() {
    let p = breaker_policy(2.0, 5.0);
    let mut inst = Instance::new(1);
    let mut a = Call::new(Arc::clone(&p), "https://api.example", RequestMeta::get());
    a.start(&mut inst, 0);
    assert!(matches!(
        a.on_response(&mut inst, &Response::status(503), 0),
        Action::Wait { .. }
    ));
    // Meanwhile another call's failure opens the breaker.
    play_call(&mut inst, &p, GET, &[Status(503)], 1, 0);
    assert_eq!(
        inst.breaker_state("https://api.example", 5),
        BreakerState::Open
    );
    assert_eq!(
        a.on_wake(&mut inst, 10),
        Action::Return {
            stop: Some(resilient_fetch::engine::Stop::CircuitOpen)
        }
    );
}

#[test]
fn breaker_accounting_ignores_4xx_and_every_429() {
    let p = breaker_policy(2.0, 1.0);
    let mut inst = Instance::new(1);
    for status in [404, 401, 400, 422] {
        play_call(&mut inst, &p, GET, &[Status(status)], 0, 0);
    }
    play_call(&mut inst, &p, GET, &[ra(429, "1")], 0, 0);
    play_call(&mut inst, &p, GET, &[Status(429)], 0, 0);
    play_call(&mut inst, &p, GET, &[ra(429, "3600")], 0, 0);
    play_call(&mut inst, &p, GET, &[ra(429, "garbage")], 0, 0);
    assert_eq!(
        inst.breaker_state("https://api.example", 0),
        BreakerState::Closed,
        "a 429 in any form is a signal, not a failure"
    );
    // (After the hour the last Retry-After held the route.)
    let later = 3_600_000;
    play_call(&mut inst, &p, GET, &[Status(503)], later, 0);
    play_call(&mut inst, &p, GET, &[Status(500)], later, 0);
    assert_eq!(
        inst.breaker_state("https://api.example", later),
        BreakerState::Open
    );
}

#[test]
fn transport_failures_and_timeouts_count_for_the_breaker() {
    let p = breaker_policy(2.0, 1.0);
    let mut inst = Instance::new(1);
    play_call(
        &mut inst,
        &p,
        GET,
        &[Transport(TransportFailure::Network)],
        0,
        0,
    );
    play_call(
        &mut inst,
        &p,
        GET,
        &[Transport(TransportFailure::Aborted)],
        0,
        0,
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 0),
        BreakerState::Closed,
        "aborts do not count"
    );
    play_call(
        &mut inst,
        &p,
        GET,
        &[Transport(TransportFailure::Timeout)],
        0,
        0,
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 0),
        BreakerState::Open
    );
}

#[test]
fn budget_denial_stops_retrying() {
    let p = policy(obj(&[
        ("retry", obj(&[("jitter", s("none"))])),
        ("breaker", Value::Bool(false)),
        (
            "budget",
            obj(&[("ratio", n(0.5)), ("minRetriesPerSecond", n(0.0))]),
        ),
    ]));
    let mut inst = Instance::new(1);
    // Call 1 deposits 1: 0.5 retries affordable, so none.
    let run = play_call(&mut inst, &p, GET, &[Status(503)], 0, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "return stop=budget"]);
    // Call 2 brings the window to 2 calls: one retry is affordable, the second is not.
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[Transport(TransportFailure::Network), Status(503)],
        0,
        0,
    );
    assert_eq!(
        run.lines,
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "return stop=budget"
        ]
    );
    assert_eq!(inst.stats().budget_denied, 2);
    // Once the window has moved on, calls deposit afresh.
    let run = play_call(&mut inst, &p, GET, &[Status(503)], 60_000, 0);
    assert_eq!(run.lines.last().unwrap(), "return stop=budget");
    let run = play_call(&mut inst, &p, GET, &[Status(503), Status(200)], 60_000, 0);
    assert_eq!(run.lines.last().unwrap(), "return");
}

#[test]
fn rate_limit_throttles_or_waits() {
    let strict = policy(obj(&[
        ("rateLimit", obj(&[("requestsPerSecond", n(1.0))])),
        ("budget", Value::Bool(false)),
    ]));
    let mut inst = Instance::new(1);
    assert_eq!(
        play_call(&mut inst, &strict, GET, &[Status(200)], 0, 0).lines,
        ["send 1 timeout=30000", "return"]
    );
    assert_eq!(
        play_call(&mut inst, &strict, GET, &[], 200, 0).lines,
        ["fail throttled wait=800"]
    );
    assert_eq!(inst.stats().throttled, 1);

    let patient = policy(obj(&[
        (
            "rateLimit",
            obj(&[("requestsPerSecond", n(1.0)), ("maxWaitMs", n(2_000.0))]),
        ),
        ("budget", Value::Bool(false)),
    ]));
    let mut inst = Instance::new(1);
    play_call(&mut inst, &patient, GET, &[Status(200)], 0, 0);
    assert_eq!(
        play_call(&mut inst, &patient, GET, &[Status(200)], 200, 0).lines,
        ["wait 800 throttle", "send 1 timeout=30000", "return"]
    );
}

#[test]
fn rate_limit_applies_to_retries_too() {
    let p = policy(obj(&[
        (
            "retry",
            obj(&[("jitter", s("none")), ("baseDelayMs", n(100.0))]),
        ),
        (
            "rateLimit",
            obj(&[("requestsPerSecond", n(2.0)), ("burst", n(1.0))]),
        ),
        ("budget", Value::Bool(false)),
    ]));
    let mut inst = Instance::new(1);
    // The backoff (100 ms) ends before the next token (500 ms): the retry is throttled.
    let run = play_call(&mut inst, &p, GET, &[Status(503)], 0, 0);
    assert_eq!(
        run.lines,
        [
            "send 1 timeout=30000",
            "wait 100 backoff",
            "return stop=throttled"
        ]
    );
}

#[test]
fn stats_count_requests_attempts_and_retries() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    play_call(
        &mut inst,
        &p,
        GET,
        &[Status(503), Status(503), Status(200)],
        0,
        0,
    );
    play_call(&mut inst, &p, GET, &[Status(200)], 0, 0);
    let s = inst.stats();
    assert_eq!((s.requests, s.attempts, s.retries), (2, 4, 2));
}

#[test]
fn the_protocol_is_enforced() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert_eq!(
        call.on_response(&mut inst, &Response::status(200), 0),
        Action::Fail(Failure::Misuse)
    );
    let mut call = Call::new(p, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_response(&mut inst, &Response::status(200), 0),
        Action::Return { stop: None }
    );
    // A finished call answers the same again.
    assert_eq!(call.on_wake(&mut inst, 0), Action::Return { stop: None });
}

#[test]
fn a_throttled_half_open_probe_gives_its_slot_back() {
    let p = policy(obj(&[
        ("retry", Value::Bool(false)),
        ("budget", Value::Bool(false)),
        (
            "breaker",
            obj(&[("failureThreshold", n(1.0)), ("resetTimeoutMs", n(100.0))]),
        ),
        ("rateLimit", obj(&[("requestsPerSecond", n(1.0))])),
    ]));
    let mut inst = Instance::new(1);
    play_call(&mut inst, &p, GET, &[Status(500)], 0, 0);
    // Half-open at 150, but the token bucket is empty until 1000: throttled, slot freed.
    assert_eq!(
        play_call(&mut inst, &p, GET, &[], 150, 0).lines,
        ["fail throttled wait=850"]
    );
    assert_eq!(
        play_call(&mut inst, &p, GET, &[Status(200)], 1_000, 0).lines,
        ["send 1 timeout=30000", "return"]
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 1_000),
        BreakerState::Closed
    );
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

#[test]
fn a_hedge_goes_out_after_the_delay_and_the_first_final_response_wins() {
    let p = hedged(&[]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(p, "k", RequestMeta::get());
    assert!(matches!(
        call.start(&mut inst, 0),
        Action::Send { attempt: 1, .. }
    ));
    assert_eq!(call.hedge_after_ms(), Some(50));
    assert_eq!(
        call.on_hedge_timer(&mut inst, 50),
        Some(Action::Hedge {
            attempt: 1,
            copy: 2,
            timeout_ms: Some(30_000)
        })
    );
    assert_eq!(call.hedge_after_ms(), Some(50), "a second hedge may follow");
    // The hedge answers first: it wins.
    assert_eq!(
        call.on_response(&mut inst, &Response::status(200), 70),
        Action::Return { stop: None }
    );
    assert_eq!(call.hedge_after_ms(), None);
    let s = inst.stats();
    assert_eq!((s.requests, s.attempts, s.hedges, s.retries), (1, 2, 1, 0));
}

#[test]
fn a_failed_copy_waits_for_the_others_and_all_failing_retries() {
    let p = hedged(&[]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(p, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    call.on_hedge_timer(&mut inst, 50).unwrap();
    call.on_hedge_timer(&mut inst, 100).unwrap();
    assert_eq!(call.hedge_after_ms(), None, "maxHedges reached");
    assert_eq!(call.on_hedge_timer(&mut inst, 150), None);
    assert_eq!(
        call.on_response(&mut inst, &Response::status(503), 110),
        Action::Pending
    );
    assert_eq!(
        call.on_transport_error(&mut inst, TransportFailure::Timeout, 120),
        Action::Pending
    );
    // The last copy fails too: the attempt failed, and the policy retries.
    assert_eq!(
        call.on_response(&mut inst, &Response::status(503), 130),
        Action::Wait {
            ms: 100,
            reason: resilient_fetch::engine::WaitReason::Backoff
        }
    );
    assert!(matches!(
        call.on_wake(&mut inst, 230),
        Action::Send { attempt: 2, .. }
    ));
    assert_eq!(
        call.hedge_after_ms(),
        Some(50),
        "the retry may be hedged again"
    );
}

#[test]
fn no_hedges_for_single_shot_requests() {
    let p = hedged(&[]);
    let mut inst = Instance::new(1);
    let mut post = Call::new(Arc::clone(&p), "k", RequestMeta::new("POST"));
    post.start(&mut inst, 0);
    assert_eq!(post.hedge_after_ms(), None);
    assert_eq!(post.on_hedge_timer(&mut inst, 50), None);
    let mut keyed = Call::new(p, "k", RequestMeta::new("POST").with_idempotency_key(true));
    keyed.start(&mut inst, 0);
    assert_eq!(
        keyed.hedge_after_ms(),
        Some(50),
        "a key makes a POST hedgeable"
    );
}

#[test]
fn no_hedge_while_the_breaker_is_not_closed_or_the_budget_is_spent() {
    let p = hedged(&[("breaker", obj(&[("failureThreshold", n(1.0))]))]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    call.start(&mut inst, 0);
    // Another call opens the breaker meanwhile.
    let mut other = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    other.start(&mut inst, 0);
    other.on_response(&mut inst, &Response::status(500), 10);
    assert_eq!(inst.breaker_state("k", 50), BreakerState::Open);
    assert_eq!(call.on_hedge_timer(&mut inst, 50), None);

    let broke = hedged(&[(
        "budget",
        obj(&[("ratio", n(0.0)), ("minRetriesPerSecond", n(0.0))]),
    )]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(broke, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_hedge_timer(&mut inst, 50),
        None,
        "a hedge costs a retry"
    );
    assert_eq!(inst.stats().budget_denied, 1);
}

#[test]
fn the_bulkhead_admits_queues_refuses_and_hands_slots_on() {
    let p = policy(obj(&[
        ("budget", Value::Bool(false)),
        (
            "bulkhead",
            obj(&[("maxConcurrent", n(1.0)), ("maxQueue", n(1.0))]),
        ),
    ]));
    let mut inst = Instance::new(1);
    let mut a = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    let mut b = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    let mut c = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert!(matches!(a.start(&mut inst, 0), Action::Send { .. }));
    let Action::Queued {
        ticket,
        timeout_ms: None,
    } = b.start(&mut inst, 0)
    else {
        panic!("b should queue")
    };
    assert_eq!(
        c.start(&mut inst, 0),
        Action::Fail(Failure::Throttled { wait_ms: 0 })
    );
    assert_eq!(inst.stats().throttled, 1);
    assert_eq!(inst.poll_wake(), None);
    // A ends: its slot goes to B.
    assert_eq!(
        a.on_response(&mut inst, &Response::status(200), 5),
        Action::Return { stop: None }
    );
    assert_eq!(inst.poll_wake(), Some(ticket));
    assert!(matches!(
        b.on_slot(&mut inst, 5),
        Action::Send { attempt: 1, .. }
    ));
    // B ends: nobody waits, the slot is free for the next call.
    b.on_response(&mut inst, &Response::status(404), 6);
    assert_eq!(inst.poll_wake(), None);
    let mut d = Call::new(p, "k", RequestMeta::get());
    assert!(matches!(d.start(&mut inst, 7), Action::Send { .. }));
}

#[test]
fn a_queued_call_can_be_aborted_or_reach_its_deadline() {
    let p = policy(obj(&[
        ("retry", obj(&[("deadlineMs", n(1_000.0))])),
        ("budget", Value::Bool(false)),
        (
            "bulkhead",
            obj(&[("maxConcurrent", n(1.0)), ("maxQueue", n(5.0))]),
        ),
    ]));
    let mut inst = Instance::new(1);
    let mut holder = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    holder.start(&mut inst, 0);
    let mut aborted = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert!(matches!(
        aborted.start(&mut inst, 0),
        Action::Queued {
            timeout_ms: Some(1_000),
            ..
        }
    ));
    assert_eq!(
        aborted.on_transport_error(&mut inst, TransportFailure::Aborted, 10),
        Action::Fail(Failure::Aborted)
    );
    let mut late = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert!(matches!(
        late.start(&mut inst, 100),
        Action::Queued {
            timeout_ms: Some(1_000),
            ..
        }
    ));
    assert_eq!(
        late.on_wake(&mut inst, 1_100),
        Action::Fail(Failure::GaveUp(resilient_fetch::engine::Stop::Deadline))
    );
    // Neither left a ticket behind: the holder's slot goes to nobody.
    holder.on_response(&mut inst, &Response::status(200), 1_200);
    assert_eq!(inst.poll_wake(), None);
}

#[test]
fn a_slot_handed_to_a_call_that_just_aborted_passes_on() {
    let p = policy(obj(&[
        ("budget", Value::Bool(false)),
        (
            "bulkhead",
            obj(&[("maxConcurrent", n(1.0)), ("maxQueue", n(2.0))]),
        ),
    ]));
    let mut inst = Instance::new(1);
    let mut a = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    let mut b = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    let mut c = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    a.start(&mut inst, 0);
    let Action::Queued { ticket: tb, .. } = b.start(&mut inst, 0) else {
        panic!()
    };
    let Action::Queued { ticket: tc, .. } = c.start(&mut inst, 0) else {
        panic!()
    };
    a.on_response(&mut inst, &Response::status(200), 1); // the slot goes to B...
    b.on_transport_error(&mut inst, TransportFailure::Aborted, 1); // ...which aborts before waking
    assert_eq!(inst.poll_wake(), Some(tb));
    assert_eq!(inst.poll_wake(), Some(tc), "the slot passed on to C");
    assert!(matches!(c.on_slot(&mut inst, 2), Action::Send { .. }));
}

#[test]
fn pushback_stops_or_delays_retries_when_honoured() {
    let on = policy(obj(&[
        (
            "retry",
            obj(&[("jitter", s("none")), ("retryAfterJitterMs", n(0.0))]),
        ),
        ("budget", Value::Bool(false)),
        ("pushback", Value::Bool(true)),
    ]));
    let with = |value: &'static str| Response {
        status: 503,
        retry_after: None,
        date: None,
        pushback: Some(value),
        rate_limit: Default::default(),
    };
    let mut inst = Instance::new(1);
    let mut call = Call::new(Arc::clone(&on), "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_response(&mut inst, &with("-1"), 5),
        Action::Return {
            stop: Some(resilient_fetch::engine::Stop::Pushback)
        }
    );
    let mut call = Call::new(Arc::clone(&on), "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_response(&mut inst, &with("2500"), 5),
        Action::Wait {
            ms: 2_500,
            reason: resilient_fetch::engine::WaitReason::RetryAfter { server_ms: 2_500 }
        }
    );
    // Not honoured unless asked for.
    let off = exact_policy(&[]);
    let mut call = Call::new(off, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_response(&mut inst, &with("-1"), 5),
        Action::Wait {
            ms: 1_000,
            reason: resilient_fetch::engine::WaitReason::Backoff
        }
    );
}

#[test]
fn a_retry_after_cools_the_key_down_for_every_call() {
    let cool = policy(obj(&[
        (
            "retry",
            obj(&[("jitter", s("none")), ("retryAfterJitterMs", n(0.0))]),
        ),
        ("budget", Value::Bool(false)),
        ("cooldown", Value::Bool(true)),
    ]));
    let mut inst = Instance::new(1);
    let mut a = Call::new(Arc::clone(&cool), "k", RequestMeta::get());
    a.start(&mut inst, 0);
    let ra = Response {
        status: 429,
        retry_after: Some("2"),
        date: None,
        pushback: None,
        rate_limit: Default::default(),
    };
    assert!(matches!(
        a.on_response(&mut inst, &ra, 10),
        Action::Wait { ms: 2_000, .. }
    ));
    // Another call to the key waits out the cool-down instead of discovering the limit.
    let mut b = Call::new(Arc::clone(&cool), "k", RequestMeta::get());
    assert_eq!(
        b.start(&mut inst, 100),
        Action::Wait {
            ms: 1_910,
            reason: resilient_fetch::engine::WaitReason::Throttle
        }
    );
    assert!(matches!(
        b.on_wake(&mut inst, 2_010),
        Action::Send { attempt: 1, .. }
    ));
    // One whose deadline cannot wait that long is refused at once.
    let hurried = policy(obj(&[
        ("retry", obj(&[("deadlineMs", n(500.0))])),
        ("cooldown", Value::Bool(true)),
    ]));
    let mut c = Call::new(hurried, "k", RequestMeta::get());
    assert_eq!(
        c.start(&mut inst, 100),
        Action::Fail(Failure::Throttled { wait_ms: 1_910 })
    );
    // Other keys, other paths of the key, and calls without the option are not held back.
    let mut d = Call::new(Arc::clone(&cool), "other", RequestMeta::get());
    assert!(matches!(d.start(&mut inst, 100), Action::Send { .. }));
    let mut p = Call::new(
        Arc::clone(&cool),
        "k",
        RequestMeta::get().with_path("/items"),
    );
    assert!(matches!(p.start(&mut inst, 100), Action::Send { .. }));
    let off = policy(obj(&[
        ("cooldown", Value::Bool(false)),
        ("paceFromHeaders", Value::Bool(false)),
        ("adaptiveRate", Value::Bool(false)),
    ]));
    let mut e = Call::new(off, "k", RequestMeta::get());
    assert!(matches!(e.start(&mut inst, 100), Action::Send { .. }));
}

#[test]
fn hint_less_429s_teach_the_route_a_rate_and_callers_leave_in_arrival_order() {
    let p = policy(obj(&[("retry", obj(&[("jitter", s("none"))]))]));
    let mut inst = Instance::new(1);
    let t = 1_790_000_000_000u64;
    // Ten successes in the last second, then four calls in flight are refused.
    for i in 0..10 {
        let mut c = Call::new(Arc::clone(&p), "k", RequestMeta::get());
        c.start(&mut inst, t + i);
        c.on_response(&mut inst, &Response::status(200), t + i);
    }
    let mut calls: Vec<Call> = (0..4)
        .map(|_| Call::new(Arc::clone(&p), "k", RequestMeta::get()))
        .collect();
    for c in &mut calls {
        assert!(matches!(c.start(&mut inst, t + 100), Action::Send { .. }));
    }
    let waits: Vec<u64> = calls
        .iter_mut()
        .map(
            |c| match c.on_response(&mut inst, &Response::status(429), t + 110) {
                Action::Wait { ms, .. } => ms,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    // 0.8 x 10/s: one slot every 125 ms, in the order the refusals came in.
    assert_eq!(waits, [125, 250, 375, 500]);
    // A new call queues behind them.
    let mut late = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert_eq!(
        late.start(&mut inst, t + 110),
        Action::Wait {
            ms: 625,
            reason: resilient_fetch::engine::WaitReason::Throttle
        }
    );
    assert_eq!(inst.breaker_state("k", t + 110), BreakerState::Closed);
    // Off, the same refusals back off like any retryable status.
    let off = policy(obj(&[
        ("retry", obj(&[("jitter", s("none"))])),
        ("adaptiveRate", Value::Bool(false)),
    ]));
    let mut c = Call::new(off, "k2", RequestMeta::get());
    c.start(&mut inst, t);
    assert_eq!(
        c.on_response(&mut inst, &Response::status(429), t),
        Action::Wait {
            ms: 1_000,
            reason: resilient_fetch::engine::WaitReason::Backoff
        }
    );
}

#[test]
fn no_header_holds_a_route_past_a_day() {
    let p = policy(obj(&[(
        "retry",
        obj(&[
            ("maxRetryAfterMs", n(100_000_000.0)),
            ("retryAfterJitterMs", n(0.0)),
            ("jitter", s("none")),
        ]),
    )]));
    let mut inst = Instance::new(1);
    let t = 1_790_000_000_000u64;
    let mut a = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    a.start(&mut inst, t);
    let huge = Response {
        status: 503,
        retry_after: Some("99999999999999999999"),
        ..Response::status(503)
    };
    assert_eq!(
        a.on_response(&mut inst, &huge, t),
        Action::Wait {
            ms: 1_000,
            reason: resilient_fetch::engine::WaitReason::Backoff
        },
        "malformed: backoff"
    );
    assert_eq!(inst.hold_ms("k ", t), 0, "and no hold");
    let mut b = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    b.start(&mut inst, t);
    let day = Response {
        retry_after: Some("86400"),
        ..Response::status(429)
    };
    assert!(matches!(
        b.on_response(&mut inst, &day, t),
        Action::Wait { ms: 86_400_000, .. }
    ));
    assert_eq!(inst.hold_ms("k ", t), 86_400_000, "a day stands");
    // A call whose bounds do not allow a day fails at once, without sending.
    let mut c = Call::new(policy(obj(&[])), "k", RequestMeta::get());
    assert_eq!(
        c.start(&mut inst, t),
        Action::Fail(Failure::Throttled {
            wait_ms: 86_400_000
        })
    );
}
