//! Hedged requests: when a copy goes out, which response wins.

use super::*;

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
        Action::Respond { stop: None }
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
