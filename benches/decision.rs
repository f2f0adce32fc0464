//! Cost of one engine decision, natively: a call of 503, 503, 200 with full jitter, the
//! breaker and the budget on (seven decisions: start, response, wake, response, wake,
//! response, plus the call's set-up), and the Retry-After parser alone.
//!
//! Run with `cargo bench --bench decision`. Prints nanoseconds per decision; it asserts
//! nothing about speed, because machines differ.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use resilient_fetch::engine::retry_after;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{Action, Call, Instance, Policy, Response};

fn run_call(policy: &Arc<Policy>, instance: &mut Instance, now: &mut u64) -> u32 {
    let mut call = Call::new(
        Arc::clone(policy),
        "https://api.example",
        RequestMeta::get(),
    );
    let mut statuses = [503u16, 503, 200].into_iter();
    let mut action = call.start(instance, *now);
    let mut decisions = 1;
    loop {
        action = match action {
            Action::Send { .. } => {
                let status = statuses.next().unwrap_or(200);
                call.on_response(instance, &Response::status(status), *now)
            }
            Action::Wait { ms, .. } => {
                *now += ms;
                call.on_wake(instance, *now)
            }
            _ => return decisions,
        };
        decisions += 1;
    }
}

fn main() {
    let policy = Arc::new(Policy::default());
    let mut instance = Instance::new(7);
    let mut now = 1_790_000_000_000u64;
    let rounds = 300_000;
    for _ in 0..10_000 {
        run_call(&policy, &mut instance, &mut now);
    }
    let t = Instant::now();
    let mut decisions = 0u64;
    for _ in 0..rounds {
        decisions += u64::from(run_call(&policy, black_box(&mut instance), &mut now));
        now += 1_000; // keep the budget's window moving as real traffic would
    }
    let per = t.elapsed().as_nanos() as f64 / decisions as f64;
    println!("engine: {decisions} decisions, {per:.1} ns per decision (call of 503, 503, 200)");

    let values = [
        "120",
        "1.5",
        "Wed, 21 Oct 2026 07:28:00 GMT",
        "garbage",
        "-1",
    ];
    let n = 1_000_000;
    let t = Instant::now();
    let mut sum = 0u64;
    for i in 0..n {
        let v = black_box(values[i % values.len()]);
        sum = sum.wrapping_add(retry_after::parse(v, None, black_box(now)).unwrap_or(0));
    }
    let per = t.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "retry_after::parse: {per:.1} ns per value (mixed forms) [{}]",
        sum % 10
    );
}
