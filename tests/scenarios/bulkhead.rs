//! The bulkhead: admission, the queue, slots handed on.

use super::*;

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
        Action::Reject(Failure::Throttled { wait_ms: 0 })
    );
    assert_eq!(inst.stats().throttled, 1);
    assert_eq!(inst.poll_wake(), None);
    // A ends: its slot goes to B.
    assert_eq!(
        a.on_response(&mut inst, &Response::status(200), 5),
        Action::Respond { stop: None }
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
        Action::Reject(Failure::Aborted)
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
        Action::Reject(Failure::GaveUp(resilient_fetch::engine::Stop::Deadline))
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
