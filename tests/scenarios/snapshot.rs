//! Snapshot and restore: a process that restarts (or a second one) picks up where the first
//! left off, to the millisecond, and never past it.

use super::*;
use resilient_fetch::engine::snapshot::{BreakerSnapshot, Snapshot};

const T: u64 = 1_790_000_000_000;

#[test]
fn a_restarted_process_refuses_calls_until_the_breaker_would_have_half_opened() {
    let p = breaker_policy(2.0, 1.0);
    let mut first = Instance::new(1);
    for at in [T, T + 10] {
        let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
        call.start(&mut first, at);
        call.on_response(&mut first, &Response::status(503), at);
    }
    assert_eq!(first.breaker_state("k", T + 10), BreakerState::Open);
    let saved = first.snapshot(T + 400);
    assert_eq!(
        saved.keys[0].breaker,
        BreakerSnapshot::Open { until: T + 1_010 }
    );
    // Through JSON, as a process would keep it.
    #[cfg(feature = "serde")]
    let back: Snapshot = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
    #[cfg(not(feature = "serde"))]
    let back: Snapshot = saved.clone();

    // Restored 600 ms later: the same 1 s reset counted from the same failure, not from now.
    let mut second = Instance::new(2);
    second.restore(&back, T + 600).unwrap();
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert_eq!(
        call.start(&mut second, T + 600),
        Action::Reject(Failure::CircuitOpen {
            retry_after_ms: 410
        })
    );
    // At the reset time the first call is a probe, and a success closes the breaker.
    let mut probe = Call::new(Arc::clone(&p), "k", RequestMeta::get());
    assert!(matches!(
        probe.start(&mut second, T + 1_010),
        Action::Send { .. }
    ));
    probe.on_response(&mut second, &Response::status(200), T + 1_020);
    assert_eq!(second.breaker_state("k", T + 1_020), BreakerState::Closed);
    // Counters are the process's own.
    assert_eq!(second.stats().breaker_opened, 0);
    assert_eq!(second.stats().short_circuited, 1);
}

#[test]
fn a_restored_hold_delays_calls_only_until_its_end() {
    let p = exact_policy(&[("maxAttempts", n(1.0))]);
    let mut first = Instance::new(1);
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get().with_path("/q"));
    call.start(&mut first, T);
    let mut r = Response::status(429);
    r.retry_after = Some("3");
    call.on_response(&mut first, &r, T);
    let saved = first.snapshot(T + 1_000);
    let mut second = Instance::new(2);
    second.restore(&saved, T + 2_000).unwrap();
    let mut call = Call::new(Arc::clone(&p), "k", RequestMeta::get().with_path("/q"));
    match call.start(&mut second, T + 2_000) {
        Action::Wait { ms, .. } => assert_eq!(ms, 1_000, "held until T + 3 s, as before"),
        other => panic!("{other:?}"),
    }
    let mut late = Instance::new(3);
    late.restore(&saved, T + 3_000).unwrap();
    let mut call = Call::new(p, "k", RequestMeta::get().with_path("/q"));
    assert!(matches!(
        call.start(&mut late, T + 3_000),
        Action::Send { .. }
    ));
}
