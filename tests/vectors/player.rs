//! Plays a vector scenario through the native engine and writes its transcript: shared by
//! the generator (`examples/vectors.rs`) and the native replay (`tests/vectors.rs`).
//!
//! A scenario: `{ name, seed, options, calls: [{ start, method, key?, stream?, options?,
//! steps: [{ after, status, retryAfter?, date? } | { after, transport }] }] }`. Each step
//! answers the next send, `after` ms later (a timeout takes the whole timeout); waits
//! advance the clock. After each call the key's breaker state is written, and after the
//! last the counters.

#![allow(dead_code)]

use std::sync::Arc;

use resilient_fetch::engine::options::{decode, merge};
use resilient_fetch::engine::ratelimit::RateLimitFields;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{Action, Call, Instance, Policy, Response, TransportFailure};

pub fn value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(value).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), value(v))).collect())
        }
    }
}

/// One action as a transcript line (the JavaScript host writes the same words).
pub fn line(a: &Action) -> String {
    a.to_string()
}

pub fn play(s: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut instance = Instance::new(s["seed"].as_u64().unwrap_or(0));
    let defaults = s.get("options").map_or(Value::Undefined, value);
    for c in s["calls"].as_array().into_iter().flatten() {
        let own = c.get("options").map_or(Value::Undefined, value);
        let options = merge(&defaults, &own);
        let policy = match decode(&options).and_then(|d| Policy::from_options(&d.options)) {
            Ok(p) => Arc::new(p),
            Err(e) => {
                let kind = match e.kind {
                    resilient_fetch::engine::OptionErrorKind::Type => "wrong-type",
                    resilient_fetch::engine::OptionErrorKind::Range => "out-of-range",
                };
                out.push(format!("error {kind} {}", e.message()));
                continue;
            }
        };
        let method = c["method"].as_str().unwrap_or("GET");
        let keyed = c["key"].as_bool().unwrap_or(false);
        let replayable = !c["stream"].as_bool().unwrap_or(false);
        let request = RequestMeta::new(method)
            .with_idempotency_key(keyed)
            .with_replayable_body(replayable)
            .with_path(c["path"].as_str().unwrap_or(""));
        let mut call = Call::new(policy, "https://api.example", request);
        let mut now = c["start"].as_u64().unwrap_or(0);
        let mut steps = c["steps"].as_array().into_iter().flatten();
        let mut action = call.start(&mut instance, now);
        for _ in 0..100 {
            out.push(line(&action));
            action = match action {
                Action::Send { timeout_ms, .. } => {
                    let Some(step) = steps.next() else { break };
                    let after = step["after"].as_u64().unwrap_or(0);
                    if let Some(kind) = step["transport"].as_str() {
                        now += match (kind, timeout_ms) {
                            ("timeout", Some(t)) => t,
                            _ => after,
                        };
                        call.on_transport_error(
                            &mut instance,
                            TransportFailure::from_name(kind),
                            now,
                        )
                    } else {
                        now += after;
                        let status = step["status"].as_u64().unwrap_or(200) as u16;
                        let r = Response {
                            status,
                            retry_after: step["retryAfter"].as_str(),
                            date: step["date"].as_str(),
                            pushback: step["pushback"].as_str(),
                            rate_limit: RateLimitFields::from_pairs(
                                step["rateLimit"]
                                    .as_object()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
                            ),
                        };
                        call.on_response(&mut instance, &r, now)
                    }
                }
                Action::Wait { ms, .. } => {
                    now += ms;
                    call.on_wake(&mut instance, now)
                }
                _ => break,
            };
        }
        out.push(format!(
            "breaker {}",
            instance.breaker_state("https://api.example", now).as_str()
        ));
    }
    // The first six counters, under their wire names (the vectors predate hedges and
    // throttling counters).
    let mut stats = String::from("stats");
    for (name, value) in &instance.stats().fields()[..6] {
        stats.push_str(&format!(" {name}={value}"));
    }
    out.push(stats);
    out
}
