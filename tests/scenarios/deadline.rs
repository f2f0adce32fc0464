//! The per-attempt timeout and the call deadline.

use super::*;

#[test]
fn timeout_can_be_switched_off() {
    let p = policy(obj(&[("timeoutMs", Value::Bool(false))]));
    assert_eq!(get(&p, &[Status(200)]), ["send 1", "respond"]);
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
            "respond deadline",
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
            "reject gave-up deadline",
        ]
    );
}

#[test]
fn deadline_also_bounds_retry_after() {
    let p = exact_policy(&[("deadlineMs", n(5_000.0))]);
    assert_eq!(
        get(&p, &[ra(429, "10")]),
        ["send 1 timeout=5000", "respond deadline"]
    );
}
