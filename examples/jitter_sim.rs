//! The native twin of `bench/jitter-sim.mjs`: the same OCC contention model and the same
//! network draws, with the engine running natively. Both print identical tables (the engine
//! decides identically in Wasm and natively), which `scripts/bench.sh` shows side by side.
//!
//! `cargo run --release --example jitter_sim -- [clients] [seeds]`

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{Action, Call, Instance, Policy, Response};

struct Network(u64);

impl Network {
    fn new(seed: u64) -> Self {
        Network(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// |Normal(10000 us, 2000 us)| by Irwin-Hall, integers only.
    fn delay(&mut self) -> u64 {
        let sum: i64 = (0..12).map(|_| (self.next() % 1_000_000) as i64).sum();
        let z = sum - 6_000_000;
        (10_000 + (z * 2_000) / 1_000_000).unsigned_abs()
    }
}

fn options(jitter: &str, budget: Option<f64>) -> Value {
    let n = Value::Number;
    let retry = Value::Object(vec![
        ("jitter".into(), Value::String(jitter.into())),
        ("baseDelayMs".into(), n(5.0)),
        ("maxDelayMs".into(), n(2000.0)),
        ("maxAttempts".into(), n(100_000.0)),
        ("statusCodes".into(), Value::Array(vec![n(409.0)])),
    ]);
    let budget = match budget {
        None => Value::Bool(false),
        Some(ratio) => Value::Object(vec![
            ("ratio".into(), n(ratio)),
            ("minRetriesPerSecond".into(), n(10.0)),
            ("windowMs".into(), n(10_000.0)),
        ]),
    };
    Value::Object(vec![
        ("retry".into(), retry),
        ("breaker".into(), Value::Bool(false)),
        ("budget".into(), budget),
        ("timeoutMs".into(), Value::Bool(false)),
    ])
}

/// One run: (calls, time in ms, clients that gave up).
fn simulate(policy: &Arc<Policy>, seed: u64, clients: usize) -> (u64, f64, u64) {
    let mut net = Network::new(seed);
    let mut engine = Instance::new(seed);
    let base: u64 = 1_790_000_000_000;
    let mut queue = BinaryHeap::new();
    let mut order = 0u64;
    let mut push =
        |q: &mut BinaryHeap<Reverse<(u64, u64, u8, usize)>>, t: u64, kind: u8, c: usize| {
            q.push(Reverse((t, order, kind, c)));
            order += 1;
        };
    let mut calls_state: Vec<(Call, u64, bool)> = Vec::new();
    for c in 0..clients {
        let mut call = Call::new(Arc::clone(policy), "record", RequestMeta::new("PUT"));
        call.start(&mut engine, base / 1000);
        calls_state.push((call, 0, false));
        push(&mut queue, base, 0, c);
    }
    let (mut version, mut calls, mut done, mut gave_up, mut end) = (0u64, 0u64, 0usize, 0u64, base);
    while done < clients {
        let Some(Reverse((t, _, kind, c))) = queue.pop() else {
            break;
        };
        let s = &mut calls_state[c];
        match kind {
            0 => {
                calls += 1;
                push(&mut queue, t + net.delay(), 1, c);
            }
            1 => {
                s.1 = version;
                push(&mut queue, t + net.delay(), 2, c);
            }
            2 => {
                s.2 = s.1 == version;
                if s.2 {
                    version += 1;
                }
                push(&mut queue, t + net.delay(), 3, c);
            }
            3 => {
                let status = if s.2 { 200 } else { 409 };
                match s
                    .0
                    .on_response(&mut engine, &Response::status(status), t / 1000)
                {
                    Action::Respond { .. } => {
                        done += 1;
                        gave_up += u64::from(!s.2);
                        end = t;
                    }
                    Action::Wait { ms, .. } => push(&mut queue, t + ms * 1000, 4, c),
                    other => panic!("unexpected {other:?}"),
                }
            }
            _ => match s.0.on_wake(&mut engine, t / 1000) {
                Action::Send { .. } => push(&mut queue, t, 0, c),
                other => panic!("unexpected {other:?}"),
            },
        }
    }
    (calls, (end - base) as f64 / 1000.0, gave_up)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let rows: [(&str, &str, Option<f64>); 6] = [
        ("no jitter", "none", None),
        ("full jitter", "full", None),
        ("equal jitter", "equal", None),
        ("decorrelated", "decorrelated", None),
        ("full + budget 0.1", "full", Some(0.1)),
        ("full + budget 0.5", "full", Some(0.5)),
    ];
    println!("{clients} clients, one OCC write each; averages over {seeds} seeds (engine native)");
    println!("strategy              calls    time s   gave up");
    for (name, jitter, budget) in rows {
        let decoded = decode(&options(jitter, budget)).expect("valid");
        let policy = Arc::new(Policy::from_options(&decoded.options).expect("valid"));
        let (mut calls, mut time, mut gave_up) = (0u64, 0.0f64, 0u64);
        for seed in 1..=seeds {
            let (c, t, g) = simulate(&policy, seed, clients);
            calls += c;
            time += t / 1000.0;
            gave_up += g;
        }
        let n = seeds as f64;
        println!(
            "{name:<20} {:>6.0} {:>9.2} {:>9.1}",
            calls as f64 / n,
            time / n,
            gave_up as f64 / n
        );
    }
}
