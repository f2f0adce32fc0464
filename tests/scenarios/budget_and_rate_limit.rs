//! The retry budget and the client-side rate limiter.

use super::*;

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
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond budget"]);
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
            "respond budget"
        ]
    );
    assert_eq!(inst.stats().budget_denied, 2);
    // Once the window has moved on, calls deposit afresh.
    let run = play_call(&mut inst, &p, GET, &[Status(503)], 60_000, 0);
    assert_eq!(run.lines.last().unwrap(), "respond budget");
    let run = play_call(&mut inst, &p, GET, &[Status(503), Status(200)], 60_000, 0);
    assert_eq!(run.lines.last().unwrap(), "respond");
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
        ["send 1 timeout=30000", "respond"]
    );
    assert_eq!(
        play_call(&mut inst, &strict, GET, &[], 200, 0).lines,
        ["reject throttled 800"]
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
        ["wait 800 throttle", "send 1 timeout=30000", "respond"]
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
            "respond throttled"
        ]
    );
}
