//! Which requests may be sent twice, transport failures, aborts, and the protocol a driver must keep.

use super::*;

#[test]
fn post_without_key_is_sent_once() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, POST, &[Status(503)], 0, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond not-retryable"]);
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
        ["send 1 timeout=30000", "reject gave-up not-retryable"]
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
            "respond",
        ]
    );
}

#[test]
fn stream_bodies_are_sent_once() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let run = play_call(&mut inst, &p, PUT_STREAM_KEYED, &[Status(503)], 0, 0);
    assert_eq!(run.lines, ["send 1 timeout=30000", "respond not-retryable"]);
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
    assert_eq!(lines.last().unwrap(), "respond");
    let lines = get(&p, &[Transport(TransportFailure::Network); 5]);
    assert_eq!(lines.last().unwrap(), "reject gave-up attempts");
}

#[test]
fn a_caller_abort_is_never_retried() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[Transport(TransportFailure::Aborted)]),
        ["send 1 timeout=30000", "reject aborted"]
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
    assert_eq!(run.lines, ["send 1 timeout=30000", "reject invalid"]);
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
        Action::Reject(Failure::Aborted)
    );
    assert!(call.is_done());
    assert_eq!(call.attempts(), 1);
}

#[test]
fn the_protocol_is_enforced() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert_eq!(
        call.on_response(&mut inst, &Response::status(200), 0),
        Action::Reject(Failure::Misuse)
    );
    let mut call = Call::new(p, "k", RequestMeta::get());
    call.start(&mut inst, 0);
    assert_eq!(
        call.on_response(&mut inst, &Response::status(200), 0),
        Action::Respond { stop: None }
    );
    // A finished call answers the same again.
    assert_eq!(call.on_wake(&mut inst, 0), Action::Respond { stop: None });
}
