//! The `web` face in headless Chromium, through wasm-pack:
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --features web
//! ```
//!
//! No server: each test installs a scripted `fetch` in the page (`globalThis.fetch`, which
//! the driver looks up on every attempt) that answers from a list of outcomes (statuses,
//! headers, a stall until aborted, a network error) and records every request it sees.
#![cfg(all(target_arch = "wasm32", feature = "web"))]

use std::cell::RefCell;
use std::rc::Rc;

use resilient_fetch::engine::raw::{RetryOptions, Setting};
use resilient_fetch::engine::{BreakerState, OptionErrorKind, Stop};
use resilient_fetch::web::{Client, Error, Options, RetryEvent, RetryReason};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{AbortController, Request, RequestInit};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
let script = [];
let seen = [];
export function install(steps) {
  script = JSON.parse(steps);
  seen = [];
  globalThis.fetch = async (request) => {
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    seen.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body });
    const step = script.shift() ?? { status: 200 };
    if (step.stall) {
      return new Promise((_, reject) => {
        const abort = () => reject(request.signal.reason);
        if (request.signal.aborted) abort();
        request.signal.addEventListener("abort", abort);
      });
    }
    if (step.error) throw new TypeError("Failed to fetch");
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    return new Response(step.body ?? `answer ${seen.length}`, { status: step.status, headers: step.headers ?? {} });
  };
}
export function count() { return seen.length; }
export function header(i, name) { return seen[i].headers[name.toLowerCase()]; }
export function body(i) { return seen[i].body; }
export function abortAfter(controller, ms) { setTimeout(() => controller.abort(new Error("caller gave up")), ms); }
export function jsOptions(json) { return JSON.parse(json); }
export function withHook(json) { return { ...JSON.parse(json), onRetry: () => {} }; }
"#)]
extern "C" {
    fn install(steps: &str);
    fn count() -> u32;
    fn header(i: u32, name: &str) -> Option<String>;
    fn body(i: u32) -> String;
    #[wasm_bindgen(js_name = abortAfter)]
    fn abort_after(controller: &AbortController, ms: u32);
    #[wasm_bindgen(js_name = withHook)]
    fn with_hook(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = jsOptions)]
    fn js_options(json: &str) -> JsValue;
}

const URL: &str = "https://api.test/items";
const ORIGIN: &str = "https://api.test";

fn now() -> f64 {
    js_sys::Date::now()
}

fn client(json: &str) -> Client {
    Client::from_js(&js_options(json)).expect("valid options")
}

fn get() -> Request {
    Request::new_with_str(URL).unwrap()
}

fn post(body: &str, signal: Option<&web_sys::AbortSignal>) -> Request {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    if let Some(s) = signal {
        init.set_signal(Some(s));
    }
    Request::new_with_str_and_init(URL, &init).unwrap()
}

/// Records the `on_retry` events.
fn recorder() -> (Rc<RefCell<Vec<RetryEvent>>>, impl Fn(&RetryEvent) + 'static) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&events);
    (events, move |e: &RetryEvent| {
        sink.borrow_mut().push(e.clone())
    })
}

async fn text(response: web_sys::Response) -> String {
    let text = wasm_bindgen_futures::JsFuture::from(response.text().unwrap())
        .await
        .unwrap();
    text.as_string().unwrap()
}

#[wasm_bindgen_test]
async fn retries_503s_until_200() {
    install(r#"[{"status":503},{"status":503},{"status":200}]"#);
    let (events, hook) = recorder();
    let options = Options::from_js(&js_options(
        r#"{"retry":{"baseDelayMs":10,"maxDelayMs":20}}"#,
    ))
    .unwrap();
    let client = Client::new(options.on_retry(hook)).unwrap();
    let response = client.fetch(&get()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(text(response).await, "answer 3");
    assert_eq!(count(), 3);
    let stats = client.stats();
    assert_eq!((stats.requests, stats.attempts, stats.retries), (1, 3, 2));
    let events = events.borrow();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].attempt, 1);
    assert_eq!(events[1].attempt, 2);
    assert_eq!(events[0].status, Some(503));
    assert_eq!(events[0].reason, RetryReason::Status);
    assert_eq!(events[0].url, URL);
    assert!(events.iter().all(|e| e.delay_ms <= 20));
}

#[wasm_bindgen_test]
async fn a_final_status_is_returned_untouched() {
    install(r#"[{"status":404},{"status":200}]"#);
    let response = client("{}").fetch(&get()).await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(count(), 1);
}

#[wasm_bindgen_test]
async fn retry_after_is_honoured() {
    install(r#"[{"status":503,"headers":{"Retry-After":"1"}},{"status":200}]"#);
    let (events, hook) = recorder();
    let options = Options::from_js(&js_options(
        r#"{"retry":{"baseDelayMs":1,"maxDelayMs":5000,"retryAfterJitterMs":0}}"#,
    ))
    .unwrap();
    let client = Client::new(options.on_retry(hook)).unwrap();
    let started = now();
    let response = client.fetch(&get()).await.unwrap();
    let elapsed = now() - started;
    assert_eq!(response.status(), 200);
    assert_eq!(count(), 2);
    assert!(elapsed >= 1000.0, "waited only {elapsed} ms");
    assert!(elapsed < 3000.0, "waited {elapsed} ms");
    let events = events.borrow();
    assert_eq!(events[0].retry_after_ms, Some(1000));
    assert_eq!(events[0].delay_ms, 1000);
}

#[wasm_bindgen_test]
async fn post_with_generated_key_is_retried_with_the_same_key_and_body() {
    install(r#"[{"status":503},{"error":true},{"status":201}]"#);
    let client = client(r#"{"idempotencyKey":true,"retry":{"baseDelayMs":5,"maxDelayMs":10}}"#);
    let request = post("pay 10 EUR", None);
    let response = client.fetch(&request).await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(count(), 3);
    let key = header(0, "Idempotency-Key").expect("a key is sent");
    assert_eq!(key.len(), 36);
    assert_eq!(key.as_bytes()[14], b'4', "a version-4 UUID: {key}");
    for i in 0..3 {
        assert_eq!(header(i, "Idempotency-Key").as_deref(), Some(key.as_str()));
        assert_eq!(body(i), "pay 10 EUR");
    }
    assert!(
        !request.body_used(),
        "the caller's request is left unconsumed"
    );
}

#[wasm_bindgen_test]
async fn a_callers_key_is_kept() {
    install(r#"[{"status":503},{"status":200}]"#);
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str("x"));
    let headers = web_sys::Headers::new().unwrap();
    headers.set("Idempotency-Key", "order-42").unwrap();
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(URL, &init).unwrap();
    let client = client(r#"{"retry":{"baseDelayMs":1,"maxDelayMs":1}}"#);
    assert_eq!(client.fetch(&request).await.unwrap().status(), 200);
    assert_eq!(count(), 2);
    assert_eq!(header(1, "Idempotency-Key").as_deref(), Some("order-42"));
}

#[wasm_bindgen_test]
async fn post_without_key_is_sent_once() {
    install(r#"[{"status":503},{"status":200}]"#);
    let client = client(r#"{"retry":{"baseDelayMs":1,"maxDelayMs":1}}"#);
    let response = client.fetch(&post("once", None)).await.unwrap();
    assert_eq!(response.status(), 503, "the 503 is the answer");
    assert_eq!(count(), 1);
    assert_eq!(header(0, "Idempotency-Key"), None);

    install(r#"[{"error":true},{"status":200}]"#);
    match client.fetch(&post("once", None)).await {
        Err(Error::GaveUp {
            attempts: 1,
            reason: Stop::NotRetryable,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(count(), 1);
}

#[wasm_bindgen_test]
async fn a_stalled_attempt_times_out_and_is_retried() {
    install(r#"[{"stall":true},{"status":200}]"#);
    let (events, hook) = recorder();
    let options = Options::from_js(&js_options(
        r#"{"timeoutMs":100,"retry":{"baseDelayMs":1,"maxDelayMs":1}}"#,
    ))
    .unwrap();
    let client = Client::new(options.on_retry(hook)).unwrap();
    let started = now();
    let response = client.fetch(&get()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(count(), 2);
    assert!(now() - started >= 100.0);
    assert_eq!(events.borrow()[0].reason, RetryReason::Timeout);

    install(r#"[{"stall":true},{"stall":true}]"#);
    let mut options = Options::from_js(&js_options(r#"{"timeoutMs":50}"#)).unwrap();
    options.engine.retry = Setting::On(RetryOptions {
        max_attempts: Some(2.0),
        base_delay_ms: Some(1.0),
        ..RetryOptions::default()
    });
    match client.fetch_with(&get(), &options).await {
        Err(
            e @ Error::GaveUp {
                attempts: 2,
                reason: Stop::Attempts,
                ..
            },
        ) => {
            assert!(e.to_string().contains("timed out"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn the_breaker_opens_and_short_circuits() {
    install(r#"[{"status":503},{"status":503},{"status":200}]"#);
    let client = client(
        r#"{"retry":false,"budget":false,"breaker":{"failureThreshold":2,"resetTimeoutMs":60000}}"#,
    );
    assert_eq!(client.fetch(&get()).await.unwrap().status(), 503);
    assert_eq!(client.breaker_state(ORIGIN), BreakerState::Closed);
    assert_eq!(client.fetch(&get()).await.unwrap().status(), 503);
    assert_eq!(client.breaker_state(ORIGIN), BreakerState::Open);
    match client.fetch(&get()).await {
        Err(Error::CircuitOpen {
            key,
            retry_after_ms,
        }) => {
            assert_eq!(key, ORIGIN);
            assert!(retry_after_ms > 50_000 && retry_after_ms <= 60_000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(), 2, "nothing sent while open");
    assert_eq!(client.stats().short_circuited, 1);
    client.reset();
    assert_eq!(client.breaker_state(ORIGIN), BreakerState::Closed);
    assert_eq!(client.fetch(&get()).await.unwrap().status(), 200);
}

#[wasm_bindgen_test]
async fn breaker_changes_reach_the_hook() {
    install(r#"[{"status":500}]"#);
    let changes = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&changes);
    let options = Options::from_js(&js_options(
        r#"{"retry":false,"breaker":{"failureThreshold":1}}"#,
    ))
    .unwrap()
    .on_breaker_state_change(move |e| sink.borrow_mut().push((e.key.clone(), e.to)));
    let client = Client::new(options).unwrap();
    assert_eq!(client.fetch(&get()).await.unwrap().status(), 500);
    assert_eq!(
        *changes.borrow(),
        vec![(ORIGIN.to_owned(), BreakerState::Open)]
    );
}

#[wasm_bindgen_test]
async fn a_caller_abort_during_a_wait_ends_the_call() {
    install(r#"[{"status":503,"headers":{"Retry-After":"5"}},{"status":200}]"#);
    let client = client(r#"{"retry":{"maxRetryAfterMs":10000}}"#);
    let controller = AbortController::new().unwrap();
    let init = RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    let request = Request::new_with_str_and_init(URL, &init).unwrap();
    abort_after(&controller, 100);
    let started = now();
    match client.fetch(&request).await {
        Err(Error::Aborted(reason)) => {
            let e: &js_sys::Error = reason.unchecked_ref();
            assert_eq!(String::from(e.message()), "caller gave up");
        }
        other => panic!("{other:?}"),
    }
    let elapsed = now() - started;
    assert!(elapsed < 2000.0, "the wait was not cut short: {elapsed} ms");
    assert_eq!(count(), 1);
}

#[wasm_bindgen_test]
async fn a_caller_abort_in_flight_ends_the_call() {
    install(r#"[{"stall":true}]"#);
    let controller = AbortController::new().unwrap();
    let request = post("x", Some(&controller.signal()));
    abort_after(&controller, 50);
    assert!(matches!(
        client("{}").fetch(&request).await,
        Err(Error::Aborted(_))
    ));
    assert_eq!(count(), 1);
}

#[wasm_bindgen_test]
fn invalid_options_are_rejected_naming_the_option() {
    let cases = [
        (
            r#"{"retry":{"maxAttempts":"5"}}"#,
            OptionErrorKind::Type,
            r#"retry.maxAttempts must be a number, got "5""#,
        ),
        (
            r#"{"retry":{"maxAttempts":-1}}"#,
            OptionErrorKind::Range,
            "retry.maxAttempts must be an integer >= 1, got -1",
        ),
        (
            r#"{"timeoutMs":"10s"}"#,
            OptionErrorKind::Type,
            r#"timeoutMs must be a number of milliseconds or false, got "10s""#,
        ),
        (
            r#"{"hedge":{"delayMs":50}}"#,
            OptionErrorKind::Range,
            "hedge must be false (the web face sends no hedges), got an object",
        ),
        (
            r#"{"budget":{"ratio":2}}"#,
            OptionErrorKind::Range,
            "budget.ratio must be a number from 0 to 1, got 2",
        ),
    ];
    for (json, kind, message) in cases {
        let e = Client::from_js(&js_options(json)).err().expect(json);
        assert_eq!(
            (e.kind, e.to_string()),
            (kind, message.to_owned()),
            "{json}"
        );
    }
    let e = Client::from_js(&js_options(r#"{"retry":{"maxAtempts":3}}"#))
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .starts_with("retry.maxAtempts is not an option (known: maxAttempts"),
        "{e}"
    );
    let e = Client::from_js(&with_hook(r#"{"retry":false}"#))
        .err()
        .unwrap();
    assert_eq!(e.path, "onRetry");
    assert!(e.to_string().ends_with("got a function"), "{e}");
    // The same checks through any serde format.
    let e = serde_json::from_str::<Options>(r#"{"retry":{"maxAttempts":0.5}}"#).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("retry.maxAttempts must be an integer >= 1, got 0.5"),
        "{e}"
    );
    // A Rust-built value is checked by Client::new.
    let mut options = Options::default();
    options.engine.timeout_ms = Setting::On(-5.0);
    let e = Client::new(options).err().unwrap();
    assert_eq!(e.path, "timeoutMs");
}

#[wasm_bindgen_test]
fn false_switches_a_group_off() {
    let o: Options = serde_json::from_str(
        r#"{"retry":false,"timeoutMs":false,"breaker":false,"budget":false,"idempotencyKey":"k-1","breaker":{"key":"api"}}"#,
    )
    .unwrap();
    assert_eq!(o.engine.retry, Setting::Off);
    assert_eq!(o.engine.timeout_ms, Setting::Off);
    assert_eq!(o.engine.budget, Setting::Off);
    assert_eq!(o.breaker_key.as_deref(), Some("api"));
    let o = Options::from_js(&js_options(r#"{"breaker":false,"hedge":false}"#)).unwrap();
    assert_eq!(o.engine.breaker, Setting::Off);
    assert_eq!(o.engine.hedge, Setting::Off);
    assert!(Options::from_js(&JsValue::UNDEFINED).is_ok());
}

#[wasm_bindgen_test]
fn errors_display_and_convert_to_js() {
    let e = Error::CircuitOpen {
        key: ORIGIN.into(),
        retry_after_ms: 1200,
    };
    assert_eq!(
        e.to_string(),
        "circuit open for https://api.test: retry after 1200 ms"
    );
    let js: JsValue = e.into();
    let js: &js_sys::Error = js.unchecked_ref();
    assert_eq!(String::from(js.name()), "CircuitOpenError");
}

#[wasm_bindgen_test]
async fn the_rate_limiter_throttles_and_the_attempt_header_counts() {
    install(r#"[{"status":503},{"status":200},{"status":200}]"#);
    let client = client(
        r#"{"rateLimit":{"requestsPerSecond":1,"burst":2},"attemptHeader":"X-Attempt","retry":{"baseDelayMs":1,"maxDelayMs":1}}"#,
    );
    assert_eq!(client.fetch(&get()).await.unwrap().status(), 200);
    assert_eq!(header(0, "X-Attempt").as_deref(), Some("1"));
    assert_eq!(header(1, "X-Attempt").as_deref(), Some("2"));
    match client.fetch(&get()).await {
        Err(Error::Throttled { key, wait_ms }) => {
            assert_eq!(key, ORIGIN);
            assert!(wait_ms > 0 && wait_ms <= 1000, "{wait_ms}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(), 2);
}

#[wasm_bindgen_test]
async fn a_full_bulkhead_queues_the_next_call_until_a_slot_frees() {
    install(r#"[{"status":200,"delayMs":150,"body":"first"},{"status":200,"body":"second"}]"#);
    let client = client(r#"{"bulkhead":{"maxConcurrent":1,"maxQueue":1}}"#);
    let call = |client: Client| {
        wasm_bindgen_futures::future_to_promise(async move {
            let response = client.fetch(&get()).await?;
            let finished = JsValue::from_f64(now());
            Ok(js_sys::Array::of2(&finished, &JsValue::from_str(&text(response).await)).into())
        })
    };
    let started = now();
    let both = js_sys::Array::of2(&call(client.clone()), &call(client.clone()));
    let done = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&both))
        .await
        .unwrap();
    let done = js_sys::Array::from(&done);
    let (first, second) = (
        js_sys::Array::from(&done.get(0)),
        js_sys::Array::from(&done.get(1)),
    );
    assert_eq!(first.get(1).as_string().as_deref(), Some("first"));
    assert_eq!(second.get(1).as_string().as_deref(), Some("second"));
    assert!(
        second.get(0).as_f64().unwrap() - started >= 150.0,
        "the second call waited for the first's slot"
    );
    assert_eq!(count(), 2);
    match client.fetch(&get()).await {
        Ok(r) => assert_eq!(r.status(), 200),
        other => panic!("{other:?}"),
    }
}
