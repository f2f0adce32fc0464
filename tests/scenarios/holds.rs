//! Holds on a route: pushback, cool-downs after a Retry-After, the learned send rate, the day cap.

use super::*;

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
        Action::Respond {
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
        Action::Reject(Failure::Throttled { wait_ms: 1_910 })
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
        Action::Reject(Failure::Throttled {
            wait_ms: 86_400_000
        })
    );
}
