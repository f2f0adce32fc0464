//! Writes the shared test vectors: seeded scenarios and the transcript of actions the engine
//! must produce for each, replayed natively (`cargo test --test vectors`), through the
//! JavaScript engine API in Node, Deno, workerd and Chromium, and through the component.
//!
//! `cargo run --example vectors -- tests/vectors/vectors.json`
//!
//! The hand-computed core (`tests/vectors/core.json`: expected transcripts worked out by
//! hand from the contract's tables) is checked first, so a bug in the engine cannot hide
//! in vectors the engine itself generated.

use serde_json::{json, Value};

#[path = "../tests/vectors/player.rs"]
mod player;

const T0: u64 = 1_790_000_000_000;

fn call(method: &str, steps: Value) -> Value {
    json!({ "start": T0, "method": method, "steps": steps })
}

fn st(status: u16) -> Value {
    json!({ "after": 10, "status": status })
}

fn ra(status: u16, value: &str) -> Value {
    json!({ "after": 10, "status": status, "retryAfter": value })
}

fn tr(kind: &str) -> Value {
    json!({ "after": 10, "transport": kind })
}

fn scenario(name: String, seed: u64, options: Value, calls: Vec<Value>) -> Value {
    json!({ "name": name, "seed": seed, "options": options, "calls": calls })
}

fn generated() -> Vec<Value> {
    let mut out = Vec::new();
    // Appended after every other vector, so the earlier ones keep their places.
    let mut never_sent = Vec::new();
    // Every jitter strategy, seeded, over mixed failures.
    let scripts: [(&str, Vec<Value>); 4] = [
        ("503 x3 then 200", vec![st(503), st(503), st(503), st(200)]),
        (
            "503, timeout, 502, 200",
            vec![st(503), tr("timeout"), st(502), st(200)],
        ),
        (
            "network x5",
            vec![
                tr("network"),
                tr("network"),
                tr("network"),
                tr("network"),
                tr("network"),
            ],
        ),
        (
            "408, 503, 504, 500, 200",
            vec![st(408), st(503), st(504), st(500), st(200)],
        ),
    ];
    for jitter in ["full", "equal", "decorrelated", "none"] {
        for seed in [1u64, 2, 3] {
            for (label, steps) in &scripts {
                out.push(scenario(
                    format!("jitter {jitter}, seed {seed}: {label}"),
                    seed,
                    json!({ "retry": { "jitter": jitter, "baseDelayMs": 200, "maxDelayMs": 5000 }, "breaker": false }),
                    vec![call("GET", Value::from(steps.clone()))],
                ));
            }
        }
    }
    // Every row of the classifier, and statuses outside it.
    for status in [
        100u16, 200, 201, 204, 301, 304, 400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502,
        503, 504, 505, 599,
    ] {
        out.push(scenario(
            format!("classifier: {status} four times"),
            7,
            json!({ "retry": { "maxAttempts": 6, "jitter": "none", "baseDelayMs": 10 }, "breaker": false, "budget": false }),
            vec![call("GET", json!([st(status), st(status), st(status), st(status), st(200)]))],
        ));
    }
    // Retry-After in every form, valid and adversarial, honoured or not.
    let forms = [
        "0",
        "1",
        "1.5",
        " 2 ",
        "0.001",
        "-1",
        "",
        "abc",
        "1e3",
        "+3",
        "30",
        "31",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "Sun, 06 Nov 1994 08:49:47 GMT",
        "Sunday, 06-Nov-94 08:49:47 GMT",
        "Sun Nov  6 08:49:47 1994",
        "Sun, 06 Nov 1994 08:49:27 GMT",
        "Wed, 21 Oct 2099 07:28:00 GMT",
        "Sun, 32 Nov 1994 08:49:47 GMT",
    ];
    for (i, form) in forms.iter().enumerate() {
        for respect in [true, false] {
            let date = if form.contains("1994") {
                Some("Sun, 06 Nov 1994 08:49:37 GMT")
            } else {
                None
            };
            let mut first = ra(if i % 2 == 0 { 429 } else { 503 }, form);
            if let Some(d) = date {
                first["date"] = json!(d);
            }
            out.push(scenario(
                format!("Retry-After {form:?}, respected: {respect}"),
                11 + i as u64,
                json!({ "retry": { "respectRetryAfter": respect, "maxRetryAfterMs": 30000, "retryAfterJitterMs": 250 } }),
                vec![call("GET", json!([first, st(200)]))],
            ));
        }
    }
    // A Date header skewed from the local clock: the server's clock decides.
    for skew in [-3600i64, -30, 0, 30, 3600] {
        let server_now = (T0 as i64 / 1000 + skew) as u64;
        let date = httpdate_string(server_now);
        let target = httpdate_string(server_now + 5);
        out.push(scenario(
            format!("Retry-After date 5 s after a Date header skewed {skew} s"),
            5,
            json!({ "retry": { "retryAfterJitterMs": 0 } }),
            vec![call(
                "GET",
                json!([{ "after": 0, "status": 503, "retryAfter": target, "date": date }, st(200)]),
            )],
        ));
    }
    // Methods, keys and bodies.
    for method in [
        "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "POST", "PATCH", "CONNECT",
    ] {
        for keyed in [false, true] {
            for stream in [false, true] {
                let mut c = call(method, json!([st(503), tr("network"), st(200)]));
                c["key"] = json!(keyed);
                c["stream"] = json!(stream);
                out.push(scenario(
                    format!("{method}, key {keyed}, stream body {stream}"),
                    3,
                    json!({ "retry": { "jitter": "none", "baseDelayMs": 10 } }),
                    vec![c],
                ));
            }
        }
    }
    // Requests never sent (connection refused, DNS failure): any method is sent again when
    // its body can be; a failure after sending is then judged as before.
    for method in ["GET", "POST", "PATCH"] {
        for stream in [false, true] {
            for (label, steps) in [
                (
                    "never-sent x2, 200",
                    json!([tr("never-sent"), tr("never-sent"), st(200)]),
                ),
                (
                    "never-sent, network, 200",
                    json!([tr("never-sent"), tr("network"), st(200)]),
                ),
                (
                    "never-sent, 503, 200",
                    json!([tr("never-sent"), st(503), st(200)]),
                ),
            ] {
                let mut c = call(method, steps);
                c["stream"] = json!(stream);
                never_sent.push(scenario(
                    format!("never sent: {method}, stream body {stream}: {label}"),
                    5,
                    json!({ "retry": { "jitter": "none", "baseDelayMs": 10 }, "breaker": { "failureThreshold": 3 } }),
                    vec![c],
                ));
            }
        }
    }
    // ...and counts for the breaker: the origin is unreachable.
    never_sent.push(scenario(
        "never sent: a POST's failures open a breaker of 2".into(),
        5,
        json!({ "retry": { "jitter": "none", "baseDelayMs": 10 }, "breaker": { "failureThreshold": 2 } }),
        vec![call(
            "POST",
            json!([tr("never-sent"), tr("never-sent"), st(200)]),
        )],
    ));
    // Long runs: breaker open / half-open cycles in both modes.
    for (mode, breaker) in [
        (
            "consecutive",
            json!({ "failureThreshold": 3, "resetTimeoutMs": 500 }),
        ),
        (
            "failure-rate",
            json!({ "mode": "failure-rate", "failureRateThreshold": 0.5, "minimumThroughput": 4, "windowMs": 2000, "resetTimeoutMs": 500 }),
        ),
    ] {
        let mut calls = Vec::new();
        let pattern = [
            500u16, 200, 503, 503, 503, 200, 500, 500, 200, 200, 504, 504, 504, 504, 200, 200,
        ];
        for (i, s) in pattern.iter().cycle().take(40).enumerate() {
            calls.push(json!({ "start": T0 + 150 * i as u64, "method": "GET", "steps": [st(*s)] }));
        }
        out.push(scenario(
            format!("breaker cycles ({mode}), 40 calls"),
            9,
            json!({ "retry": false, "breaker": breaker }),
            calls,
        ));
    }
    // Budget exhaustion and recovery.
    for (ratio, floor) in [(0.1, 0.0), (0.5, 0.0), (0.0, 1.0), (1.0, 0.0)] {
        let mut calls = Vec::new();
        for i in 0..30u64 {
            let start = T0 + if i < 20 { i * 10 } else { 20_000 + i * 10 };
            calls.push(
                json!({ "start": start, "method": "GET", "steps": [st(503), st(503), st(200)] }),
            );
        }
        out.push(scenario(
            format!("budget ratio {ratio} floor {floor}/s: exhaustion and recovery"),
            13,
            json!({ "retry": { "jitter": "none", "baseDelayMs": 1 }, "breaker": false, "budget": { "ratio": ratio, "minRetriesPerSecond": floor, "windowMs": 5000 } }),
            calls,
        ));
    }
    // Pushback from a tier below, honoured or not.
    for honour in [true, false] {
        for value in ["-1", "none", "250", "0", "99999999999999999999"] {
            out.push(scenario(
                format!("Retry-Pushback-Ms {value:?}, honoured: {honour}"),
                19,
                json!({ "pushback": honour, "retry": { "jitter": "none", "retryAfterJitterMs": 0, "maxRetryAfterMs": 5000 } }),
                vec![call("GET", json!([{ "after": 10, "status": 503, "pushback": value }, st(200)]))],
            ));
        }
    }
    // A Retry-After as a shared cool-down: later calls to the key wait it out, or give up.
    for deadline in [None, Some(800u64)] {
        let mut retry = json!({ "jitter": "none", "retryAfterJitterMs": 0 });
        if let Some(d) = deadline {
            retry["deadlineMs"] = json!(d);
        }
        out.push(scenario(
            format!("cool-down after Retry-After 2, deadline {deadline:?}"),
            23,
            json!({ "cooldown": true, "retry": retry }),
            vec![
                json!({ "start": T0, "method": "GET", "steps": [ra(429, "2"), st(200)] }),
                json!({ "start": T0 + 100, "method": "GET", "steps": [st(200)] }),
                json!({ "start": T0 + 5_000, "method": "GET", "steps": [st(200)] }),
                json!({ "start": T0 + 6_000, "method": "GET", "steps": [ra(503, "99999999999999999999"), st(200)] }),
                json!({ "start": T0 + 6_100, "method": "GET", "steps": [st(200)] }),
            ],
        ));
    }
    // Holds from rate-limit headers in every dialect, valid and malformed (on by default).
    let epoch_s = |ahead_ms: u64| ((T0 + ahead_ms) / 1000).to_string();
    for (label, fields) in [
        (
            "IETF r=0;t=2",
            json!({ "ratelimit": "\"default\";r=0;t=2" }),
        ),
        (
            "IETF combined remaining=0, reset=2",
            json!({ "ratelimit": "limit=10, remaining=0, reset=2" }),
        ),
        (
            "RateLimit-Remaining 0, Reset 2",
            json!({ "ratelimit-remaining": "0", "ratelimit-reset": "2" }),
        ),
        (
            "RateLimit-Reset epoch seconds",
            json!({ "ratelimit-remaining": "0", "ratelimit-reset": epoch_s(3_000) }),
        ),
        (
            "X-RateLimit delta 2",
            json!({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" }),
        ),
        (
            "X-RateLimit epoch seconds",
            json!({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(3_000) }),
        ),
        (
            "X-RateLimit epoch ms",
            json!({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": (T0 + 1_500).to_string() }),
        ),
        (
            "X-RateLimit fractional epoch seconds",
            json!({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": format!("{}.250", T0 / 1000 + 1) }),
        ),
        (
            "quota left",
            json!({ "x-ratelimit-remaining": "5", "x-ratelimit-reset": "2" }),
        ),
        (
            "malformed",
            json!({ "ratelimit": "garbage", "x-ratelimit-remaining": "none", "x-ratelimit-reset": "soon" }),
        ),
        (
            "a reset past a day is ignored",
            json!({ "ratelimit-remaining": "0", "ratelimit-reset": "86401" }),
        ),
        (
            "an epoch reset two days ahead is ignored",
            json!({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(2 * 86_400_000) }),
        ),
        (
            "a bare reset waits on a 429 only",
            json!({ "x-ratelimit-reset": "2" }),
        ),
        // The servers' own headers (see tests/fixtures): express-rate-limit draft-6, draft-7
        // and draft-8 with legacy headers on, @fastify/rate-limit; the standard field wins
        // over the legacy epoch reset, which is rounded up to a whole second.
        (
            "express draft-6 + legacy",
            json!({ "ratelimit-policy": "20;w=2", "ratelimit-limit": "20", "ratelimit-remaining": "0", "ratelimit-reset": "2", "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(2_900) }),
        ),
        (
            "express draft-7 + legacy",
            json!({ "ratelimit-policy": "20;w=2", "ratelimit": "limit=20, remaining=0, reset=2", "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(2_900) }),
        ),
        (
            "express draft-8 + legacy",
            json!({ "ratelimit-policy": "\"20-in-2sec\"; q=20; w=2; pk=:ZTNiMGM0NDI5OGZj:", "ratelimit": "\"20-in-2sec\"; r=0; t=2", "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(2_900) }),
        ),
        (
            "fastify",
            json!({ "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2" }),
        ),
        (
            "GitHub",
            json!({ "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": epoch_s(4_000), "x-ratelimit-used": "60", "x-ratelimit-resource": "core" }),
        ),
        (
            "X",
            json!({ "x-rate-limit-limit": "15", "x-rate-limit-remaining": "0", "x-rate-limit-reset": epoch_s(4_000) }),
        ),
        (
            "Discord",
            json!({ "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": format!("{}.500", T0 / 1000 + 4), "x-ratelimit-reset-after": "1.5", "x-ratelimit-bucket": "abcd1234" }),
        ),
        (
            "OpenAI requests",
            json!({ "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-tokens": "149984", "x-ratelimit-reset-tokens": "6ms" }),
        ),
        (
            "OpenAI tokens",
            json!({ "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "2m0.5s" }),
        ),
        (
            "Anthropic",
            json!({ "anthropic-ratelimit-requests-remaining": "0", "anthropic-ratelimit-requests-reset": "2026-09-21T14:13:22Z", "anthropic-ratelimit-tokens-remaining": "5000", "anthropic-ratelimit-tokens-reset": "2026-09-21T14:13:21.500Z" }),
        ),
    ] {
        out.push(scenario(
            format!("hold from headers: {label}"),
            29,
            json!({ "retry": { "jitter": "none", "retryAfterJitterMs": 0 } }),
            vec![
                json!({ "start": T0, "method": "GET", "steps": [{ "after": 0, "status": 200, "rateLimit": fields.clone() }] }),
                json!({ "start": T0 + 100, "method": "GET", "steps": [{ "after": 0, "status": 429, "rateLimit": fields }, st(200)] }),
            ],
        ));
    }
    // nginx limit_req answers 429 with no hint at all: the route learns a send rate (one cut
    // per round, spacing in arrival order), the breaker never opens, the calls get through.
    for adaptive in [true, false] {
        let burst: Vec<Value> = (0..6)
            .map(|i| json!({ "start": T0 + i * 50, "method": "GET", "steps": [st(200), st(200)] }))
            .chain((0..4).map(|i| json!({ "start": T0 + 400 + i * 4_000, "method": "GET", "steps": [st(429), st(429), st(200)] })))
            .chain((0..3).map(|i| json!({ "start": T0 + 20_000 + i * 10, "method": "GET", "steps": [st(200)] })))
            .collect();
        out.push(scenario(
            format!("hint-less 429s, adaptive rate {adaptive}"),
            31,
            json!({ "adaptiveRate": adaptive, "breaker": { "failureThreshold": 2 }, "retry": { "jitter": "none" } }),
            burst,
        ));
    }
    // A 429 in any form never opens the breaker; a half-open probe answered 429 is freed.
    out.push(scenario(
        "429s never open the breaker; a probe answered 429 decides nothing".to_owned(),
        37,
        json!({ "retry": false, "breaker": { "failureThreshold": 2, "resetTimeoutMs": 1000 } }),
        vec![
            json!({ "start": T0, "method": "GET", "steps": [st(429)] }),
            json!({ "start": T0 + 10, "method": "GET", "steps": [ra(429, "3600")] }),
            json!({ "start": T0 + 20, "method": "GET", "path": "/b", "steps": [ra(429, "garbage")] }),
            json!({ "start": T0 + 30, "method": "GET", "path": "/c", "steps": [st(503)] }),
            json!({ "start": T0 + 40, "method": "GET", "path": "/c", "steps": [st(503)] }),
            json!({ "start": T0 + 1_100, "method": "GET", "path": "/d", "steps": [st(429)] }),
            json!({ "start": T0 + 1_200, "method": "GET", "path": "/d", "steps": [st(200)] }),
        ],
    ));
    // The scope of a hold: a limit on /search does not stall /items of the same origin.
    out.push(scenario(
        "a hold on /search leaves /items alone".to_owned(),
        41,
        json!({ "retry": { "jitter": "none", "retryAfterJitterMs": 0 } }),
        vec![
            json!({ "start": T0, "method": "GET", "path": "/search", "steps": [ra(429, "2"), st(200)] }),
            json!({ "start": T0 + 100, "method": "GET", "path": "/items", "steps": [st(200)] }),
            json!({ "start": T0 + 100, "method": "GET", "path": "/search", "steps": [st(200)] }),
            json!({ "start": T0 + 100, "method": "GET", "path": "/search", "options": { "retry": { "deadlineMs": 1000 } }, "steps": [st(200)] }),
        ],
    ));
    // Signals from two routes of one key within a minute: the limit is the origin's, and a
    // third route is held too.
    out.push(scenario(
        "holds on /a and /b reach /c".to_owned(),
        47,
        json!({ "retry": { "jitter": "none", "retryAfterJitterMs": 0, "maxAttempts": 1 } }),
        vec![
            json!({ "start": T0, "method": "GET", "path": "/a", "steps": [ra(429, "3")] }),
            json!({ "start": T0 + 100, "method": "GET", "path": "/c", "steps": [st(200)] }),
            json!({ "start": T0 + 200, "method": "GET", "path": "/b", "steps": [ra(429, "3")] }),
            json!({ "start": T0 + 300, "method": "GET", "path": "/c", "steps": [st(200)] }),
        ],
    ));
    // The default budget counts retries against successes: failures among successes are all
    // retried; a dead origin gets only the floor.
    for (label, every) in [("every 5th fails", 5u64), ("every request fails", 1)] {
        let calls = (0..12u64)
            .map(|i| {
                let steps: Vec<Value> = (0..4u64)
                    .map(|a| {
                        let fails = (i * 4 + a) % every == every - 1;
                        json!({ "after": 1, "status": if fails { 503 } else { 200 } })
                    })
                    .collect();
                json!({ "start": T0 + i * 5, "method": "GET", "steps": steps })
            })
            .collect();
        out.push(scenario(
            format!("default budget: {label}"),
            43,
            json!({ "breaker": false, "retry": { "maxAttempts": 4, "baseDelayMs": 0, "maxDelayMs": 0 }, "budget": { "minRetriesPerSecond": 0.5 } }),
            calls,
        ));
    }
    // Deadlines against waits and attempts in flight.
    for deadline in [1u64, 500, 1500, 3500, 10_000] {
        out.push(scenario(
            format!("deadline {deadline} ms"),
            17,
            json!({ "retry": { "jitter": "none", "deadlineMs": deadline }, "timeoutMs": 2000 }),
            vec![call(
                "GET",
                json!([st(503), tr("timeout"), st(503), st(200)]),
            )],
        ));
    }
    // Invalid options.
    for (label, options) in [
        (
            "negative attempts",
            json!({ "retry": { "maxAttempts": -1 } }),
        ),
        (
            "fractional attempts",
            json!({ "retry": { "maxAttempts": 2.5 } }),
        ),
        ("unknown jitter", json!({ "retry": { "jitter": "fool" } })),
        ("ratio above 1", json!({ "budget": { "ratio": 1.5 } })),
        ("zero timeout", json!({ "timeoutMs": 0 })),
        (
            "string attempts",
            json!({ "retry": { "maxAttempts": "3" } }),
        ),
        ("unknown key", json!({ "breaker": { "threshold": 3 } })),
    ] {
        let mut v = scenario(
            format!("invalid options: {label}"),
            1,
            options,
            vec![call("GET", json!([]))],
        );
        if matches!(label, "string attempts" | "unknown key") {
            // A wrong type or an unknown key cannot be written in a typed host (the WIT
            // policy record): only loosely typed hosts (JavaScript) replay these.
            v["looselyTypedOnly"] = json!(true);
        }
        out.push(v);
    }
    out.extend(never_sent);
    out
}

/// IMF-fixdate of Unix seconds (for the skewed-clock vectors).
fn httpdate_string(secs: u64) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

fn main() {
    let out_path = std::env::args().nth(1).expect("usage: vectors <out.json>");
    let core: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string("tests/vectors/core.json").expect("tests/vectors/core.json"),
    )
    .expect("valid JSON");
    let mut vectors = Vec::new();
    for s in core {
        let got = player::play(&s);
        let want: Vec<String> =
            serde_json::from_value(s["expected"].clone()).expect("expected lines");
        assert_eq!(
            got, want,
            "hand-computed vector {:?} disagrees with the engine",
            s["name"]
        );
        vectors.push(s);
    }
    for mut s in generated() {
        s["expected"] = json!(player::play(&s));
        vectors.push(s);
    }
    let text = serde_json::to_string_pretty(&vectors).expect("serialisable");
    std::fs::write(&out_path, text + "\n").expect("writable output");
    eprintln!("{} vectors written to {out_path}", vectors.len());
}
