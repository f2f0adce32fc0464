//! Outcomes judged by the caller (a `shouldRetry` hook): the verdict replaces the
//! classifier's answer, never the limits or the breaker's accounting.

use super::*;
use resilient_fetch::engine::Verdict::{Default as Unjudged, Retry, Stop};

#[test]
fn retry_verdict_retries_a_401_then_a_200_resolves() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[JudgedStatus(401, Retry), Status(200)]),
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "respond",
        ]
    );
}

#[test]
fn stop_verdict_makes_a_503_final_at_once() {
    let p = exact_policy(&[]);
    // Final as a 404 is: no stop reason, so no fallback.
    assert_eq!(
        get(&p, &[JudgedStatus(503, Stop)]),
        ["send 1 timeout=30000", "respond"]
    );
}

#[test]
fn the_default_verdict_is_the_unjudged_transcript() {
    let p = exact_policy(&[("maxAttempts", n(6.0))]);
    let statuses = [503, 500, 429, 502, 401, 200];
    let plain: Vec<Outcome> = statuses.iter().map(|s| Status(*s)).collect();
    let judged: Vec<Outcome> = statuses
        .iter()
        .map(|s| JudgedStatus(*s, Unjudged))
        .collect();
    assert_eq!(get(&p, &plain), get(&p, &judged));
    let network = Transport(TransportFailure::Network);
    let judged_network = JudgedTransport(TransportFailure::Network, Unjudged);
    assert_eq!(
        get(&p, &[network, network, Status(200)]),
        get(&p, &[judged_network, judged_network, Status(200)])
    );
}

#[test]
fn retry_verdicts_stay_within_max_attempts_and_lift_the_capped_table() {
    let p = exact_policy(&[("maxAttempts", n(3.0)), ("baseDelayMs", n(10.0))]);
    assert_eq!(
        get(&p, &[JudgedStatus(401, Retry); 3]),
        [
            "send 1 timeout=30000",
            "wait 10 backoff",
            "send 2 timeout=30000",
            "wait 20 backoff",
            "send 3 timeout=30000",
            "respond attempts",
        ]
    );
    // A 500 judged retryable is retried up to maxAttempts, as a listed statusCodes entry.
    let p = exact_policy(&[("maxAttempts", n(4.0)), ("baseDelayMs", n(10.0))]);
    let lines = get(&p, &[JudgedStatus(500, Retry); 4]);
    assert_eq!(lines.iter().filter(|l| l.starts_with("send")).count(), 4);
    assert_eq!(lines.last().unwrap(), "respond attempts");
}

#[test]
fn a_post_without_a_key_is_sent_once_whatever_the_verdict() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, POST, &[JudgedStatus(401, Retry)], 0, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond not-retryable"]);
    let run = play_call(
        &mut inst,
        &p,
        POST,
        &[JudgedTransport(TransportFailure::Network, Retry)],
        0,
        0,
    );
    assert_eq!(
        run.lines,
        ["send 1 timeout=30000", "reject gave-up not-retryable"]
    );
}

#[test]
fn stop_verdict_on_a_transport_failure_rejects_not_retryable() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[JudgedTransport(TransportFailure::Timeout, Stop)]),
        ["send 1 timeout=30000", "reject gave-up not-retryable"]
    );
    // Past the deadline, the deadline is the reason.
    let p = exact_policy(&[("deadlineMs", n(2_500.0))]);
    assert_eq!(
        get(
            &p,
            &[
                Status(503),
                JudgedTransport(TransportFailure::Timeout, Stop)
            ]
        ),
        [
            "send 1 timeout=2500",
            "wait 1000 backoff",
            "send 2 timeout=1500",
            "reject gave-up deadline",
        ]
    );
}

#[test]
fn a_retried_401_is_no_breaker_failure_and_a_stopped_503_is_one() {
    let p = breaker_policy(1.0, 3.0);
    let mut inst = Instance::new(1);
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[
            JudgedStatus(401, Retry),
            JudgedStatus(401, Retry),
            Status(200),
        ],
        0,
        0,
    );
    assert_eq!(run.lines.last().unwrap(), "respond");
    assert_eq!(run.lines.len(), 6, "{:?}", run.lines);
    assert_eq!(
        inst.breaker_state("https://api.example", run.now),
        BreakerState::Closed
    );
    let run = play_call(&mut inst, &p, GET, &[JudgedStatus(503, Stop)], run.now, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond"]);
    assert_eq!(
        inst.breaker_state("https://api.example", run.now),
        BreakerState::Open
    );
}

#[test]
fn the_budget_still_bounds_judged_retries() {
    // A budget that allows no retry at all: the verdict cannot buy one.
    let p = policy(obj(&[
        ("retry", obj(&[("jitter", s("none"))])),
        ("breaker", Value::Bool(false)),
        (
            "budget",
            obj(&[("ratio", n(0.0)), ("minRetriesPerSecond", n(0.0))]),
        ),
    ]));
    assert_eq!(
        get(&p, &[JudgedStatus(401, Retry)]),
        ["send 1 timeout=30000", "respond budget"]
    );
}
