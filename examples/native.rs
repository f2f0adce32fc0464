//! Drives the engine natively over scripted outcomes and prints every decision.
//!
//! `cargo run --example native`
//!
//! Three calls share one instance (so they share the breaker and the budget of the
//! origin): a GET that meets 503, 429 with `Retry-After: 2`, then 200; a POST without an
//! idempotency key that meets a 503 (sent once); and a burst of failures that opens the
//! breaker, after which a call is refused without being sent. The clock is simulated: a wait
//! advances it instead of sleeping.

use std::sync::Arc;

use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{Action, Call, Instance, Policy, Response};

/// A call's scripted answers: status and `Retry-After`, one per attempt.
type Script = &'static [(u16, Option<&'static str>)];

fn main() {
    // Options exactly as a JavaScript caller would write them.
    let options = Value::Object(vec![
        (
            "retry".into(),
            Value::Object(vec![
                ("maxAttempts".into(), Value::Number(4.0)),
                ("baseDelayMs".into(), Value::Number(200.0)),
            ]),
        ),
        (
            "breaker".into(),
            Value::Object(vec![("failureThreshold".into(), Value::Number(3.0))]),
        ),
    ]);
    let decoded = decode(&options).expect("valid types");
    let policy = Arc::new(Policy::from_options(&decoded.options).expect("valid values"));
    let mut instance = Instance::new(2026);
    let mut now: u64 = 1_790_000_000_000;

    let scripts: [(&str, Script); 4] = [
        ("GET", &[(503, None), (429, Some("2")), (200, None)]),
        ("POST", &[(503, None)]),
        ("GET", &[(500, None), (502, None), (504, None)]),
        ("GET", &[]),
    ];
    for (i, (method, script)) in scripts.iter().enumerate() {
        println!("call {} ({method})", i + 1);
        let mut call = Call::new(
            Arc::clone(&policy),
            "https://api.example",
            RequestMeta::new(method),
        );
        let mut outcomes = script.iter();
        let mut action = call.start(&mut instance, now);
        loop {
            println!("  t+{:>5} ms  {action:?}", now - 1_790_000_000_000);
            action = match action {
                Action::Send { .. } => {
                    let (status, retry_after) = outcomes.next().expect("scripted");
                    now += 30; // the server takes 30 ms to answer
                    println!(
                        "  t+{:>5} ms  <- {status}{}",
                        now - 1_790_000_000_000,
                        retry_after
                            .map(|r| format!(" Retry-After: {r}"))
                            .unwrap_or_default()
                    );
                    let response = Response {
                        status: *status,
                        retry_after: *retry_after,
                        date: None,
                        pushback: None,
                        rate_limit: Default::default(),
                    };
                    call.on_response(&mut instance, &response, now)
                }
                Action::Wait { ms, .. } => {
                    now += ms;
                    call.on_wake(&mut instance, now)
                }
                _ => break,
            };
        }
        while let Some(event) = instance.poll_event() {
            println!(
                "  breaker {}: {} -> {}",
                event.key,
                event.from.as_str(),
                event.to.as_str()
            );
        }
    }
    println!("{:?}", instance.stats());
}
