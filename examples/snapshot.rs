//! Replays a scripted history natively and prints the instance's snapshot as serde writes it.
//!
//! `cargo run --example snapshot -- tests/fixtures/snapshot-script.json`
//!
//! Each step of the script is one call under `{ retry: { maxAttempts: 1 } }` to a key and a
//! path, answered with a status (and a `Retry-After`) at its time. The Node suite replays the
//! same script through the package's `EngineClient` and requires the same JSON: the object
//! its TypeScript builds must be the one serde makes of the engine's `Snapshot`.

use std::sync::Arc;

use resilient_fetch::engine::raw::{Options, RetryOptions, Setting};
use resilient_fetch::engine::{Action, Call, Instance, Policy, RequestMeta, Response};
use serde_json::Value;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/fixtures/snapshot-script.json".into());
    let script: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the script")).expect("JSON");
    let options = Options {
        retry: Setting::On(RetryOptions {
            max_attempts: Some(1.0),
            ..RetryOptions::default()
        }),
        ..Options::default()
    };
    let policy = Arc::new(Policy::from_options(&options).expect("valid options"));
    let mut instance = Instance::new(script["seed"].as_u64().expect("seed"));
    for step in script["steps"].as_array().expect("steps") {
        let at = step["at"].as_u64().expect("at");
        let meta = RequestMeta::new("GET").with_path(step["path"].as_str().expect("path"));
        let mut call = Call::new(policy.clone(), step["key"].as_str().expect("key"), meta);
        let action = call.start(&mut instance, at);
        assert!(matches!(action, Action::Send { .. }), "{action:?}");
        let mut response = Response::status(step["status"].as_u64().expect("status") as u16);
        response.retry_after = step["retryAfter"].as_str();
        call.on_response(&mut instance, &response, at);
    }
    let at = script["snapshotAt"].as_u64().expect("snapshotAt");
    println!(
        "{}",
        serde_json::to_string(&instance.snapshot(at)).expect("JSON")
    );
}
