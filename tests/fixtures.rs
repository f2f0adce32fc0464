//! The engine against the exact headers of real, unmodified rate limiters
//! (`tests/fixtures/ratelimit-servers.json`, captured by `bench/limiters/capture-fixtures.mjs`
//! from nginx `limit_req`, express-rate-limit with draft-6, draft-7 and draft-8 headers plus
//! the legacy ones, and @fastify/rate-limit). Each server's last allowed response and first
//! 429 go through a call with the default options, at the instant of capture (its `Date`).
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use resilient_fetch::engine::ratelimit::{hold_ms, RateLimitFields};
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{Action, BreakerState, Call, Instance, Policy, Response, WaitReason};
use serde_json::Value;

const KEY: &str = "http://127.0.0.1";

fn fixtures() -> Value {
    let text = std::fs::read_to_string("tests/fixtures/ratelimit-servers.json").expect("fixtures");
    serde_json::from_str(&text).expect("valid JSON")
}

/// The capture's instant: its `Date`, half a second in (the header has whole seconds).
fn captured_at(headers: &Value) -> u64 {
    let date = headers["date"].as_str().expect("a Date header");
    let secs = httpdate::parse_http_date(date)
        .expect("an HTTP-date")
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    secs * 1000 + 500
}

fn fields(headers: &Value) -> RateLimitFields<'_> {
    RateLimitFields::from_pairs(
        headers
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
    )
}

fn response<'a>(r: &'a Value) -> Response<'a> {
    let h = &r["headers"];
    Response {
        status: r["status"].as_u64().unwrap() as u16,
        retry_after: h["retry-after"].as_str(),
        date: h["date"].as_str(),
        pushback: None,
        rate_limit: fields(h),
    }
}

/// The server's two responses through one instance with the default options: the allowed
/// one ends a call, the 429 answers a second call's first attempt. Returns what the 429's
/// call does next and what a third call to the route does at that instant.
fn play(server: &Value) -> (Action, Action, Instance) {
    let policy = Arc::new(Policy::default());
    let mut inst = Instance::new(7);
    let now = captured_at(&server["allowed"]["headers"]);
    let mut a = Call::new(Arc::clone(&policy), KEY, RequestMeta::get().with_path("/"));
    assert!(matches!(a.start(&mut inst, now), Action::Send { .. }));
    // The 429 answers a call that was already in flight when the quota ran out.
    let mut b = Call::new(Arc::clone(&policy), KEY, RequestMeta::get().with_path("/"));
    assert!(matches!(b.start(&mut inst, now), Action::Send { .. }));
    let allowed = response(&server["allowed"]);
    assert_eq!(
        a.on_response(&mut inst, &allowed, now),
        Action::Respond { stop: None }
    );
    let limited = response(&server["limited"]);
    let next = b.on_response(&mut inst, &limited, now);
    let mut c = Call::new(policy, KEY, RequestMeta::get().with_path("/"));
    let third = c.start(&mut inst, now);
    (next, third, inst)
}

#[test]
fn express_and_fastify_hold_the_route_until_the_window_resets() {
    let all = fixtures();
    for id in [
        "express-draft-6",
        "express-draft-7",
        "express-draft-8",
        "fastify",
    ] {
        let server = &all["servers"][id];
        let allowed = &server["allowed"]["headers"];
        let now = captured_at(allowed);
        // The standard field (2 s) wins over the legacy epoch reset, rounded up to a whole
        // second (up to 3.5 s from the capture's half second).
        assert_eq!(
            hold_ms(&fields(allowed), now, false),
            Some(2_000),
            "{id}: allowed"
        );
        let (next, third, inst) = play(server);
        assert_eq!(
            next,
            Action::Wait {
                ms: 2_000,
                reason: WaitReason::RetryAfter { server_ms: 2_000 }
            },
            "{id}: the 429 waits for the reset, no jitter of its own"
        );
        assert_eq!(
            third,
            Action::Wait {
                ms: 2_000,
                reason: WaitReason::Throttle
            },
            "{id}: a new call waits for the same reset"
        );
        assert_eq!(inst.breaker_state(KEY, now), BreakerState::Closed, "{id}");
    }
}

#[test]
fn nginx_refuses_with_no_hint_and_the_route_learns_a_rate() {
    let all = fixtures();
    let server = &all["servers"]["nginx"];
    let now = captured_at(&server["allowed"]["headers"]);
    assert_eq!(
        hold_ms(&fields(&server["limited"]["headers"]), now, true),
        None,
        "nginx names no time"
    );
    let (next, third, inst) = play(server);
    // One success counted in the last second: the rate is cut to 0.8 x 1 per second, and the
    // retry takes the route's next slot; so does a new call, after it.
    let Action::Wait {
        ms,
        reason: WaitReason::Backoff,
    } = next
    else {
        panic!("{next:?}")
    };
    assert_eq!(ms, 1_250);
    assert_eq!(
        third,
        Action::Wait {
            ms: 2_500,
            reason: WaitReason::Throttle
        }
    );
    let rate = inst
        .learned_rate(&format!("{KEY} /"), now)
        .expect("a learned rate");
    assert!((rate - 0.8).abs() < 1e-9, "{rate}");
    assert_eq!(inst.breaker_state(KEY, now), BreakerState::Closed);
}
