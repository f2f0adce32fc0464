//! The circuit breaker: opening, half-open probes, what counts as a failure.

use super::*;

#[test]
fn breaker_opens_short_circuits_half_opens_and_closes() {
    let p = breaker_policy(3.0, 1.0);
    let mut inst = Instance::new(1);
    for t in 0..3 {
        let run = play_call(&mut inst, &p, GET, &[Status(503)], t, 0);
        assert_eq!(run.lines.last().unwrap(), "respond attempts");
    }
    assert_eq!(
        inst.breaker_state("https://api.example", 2),
        BreakerState::Open
    );
    // Open: nothing is sent, and the caller learns when to come back.
    let run = play_call(&mut inst, &p, GET, &[], 502, 0);
    assert_eq!(run.lines, ["reject circuit-open 500"]);
    // After resetTimeoutMs the next call is a probe; a success closes the breaker.
    assert_eq!(
        inst.breaker_state("https://api.example", 1_002),
        BreakerState::HalfOpen
    );
    let run = play_call(&mut inst, &p, GET, &[Status(200)], 1_002, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond"]);
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
        Action::Reject(Failure::CircuitOpen { retry_after_ms: 0 })
    );
    assert_eq!(
        probe.on_response(&mut inst, &Response::status(503), 1_100),
        Action::Respond {
            stop: Some(resilient_fetch::engine::Stop::Attempts)
        }
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 1_100),
        BreakerState::Open
    );
    assert_eq!(
        play_call(&mut inst, &p, GET, &[], 1_600, 0).lines,
        ["reject circuit-open 500"]
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
            "respond circuit-open"
        ]
    );
    let run = play_call(&mut inst, &p, GET, &[], 20, 0);
    assert_eq!(run.lines, ["reject circuit-open 990"]);
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
        Action::Respond {
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
        ["reject throttled 850"]
    );
    assert_eq!(
        play_call(&mut inst, &p, GET, &[Status(200)], 1_000, 0).lines,
        ["send 1 timeout=30000", "respond"]
    );
    assert_eq!(
        inst.breaker_state("https://api.example", 1_000),
        BreakerState::Closed
    );
}
