//! The Wasm driver against real fetch and a real loopback server (the scripted server the
//! test command starts; its origin is baked in at compile time as `RF_TEST_ORIGIN`). The
//! same tests run in Node (`wasm_node.rs`) and in headless Chromium (`wasm_browser.rs`).

use js_sys::{Function, Promise, Reflect};
use resilient_fetch::wasm::Client;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

fn origin() -> &'static str {
    // Set by the test command to the scripted server's origin; without it every request
    // goes to a closed port and the tests fail on their first assertion.
    option_env!("RF_TEST_ORIGIN").unwrap_or("http://127.0.0.1:9")
}

/// A unique script URL per test and runtime run.
fn script(name: &str, steps: &str) -> (String, String) {
    let id = format!(
        "{}-{}-{}",
        name,
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    );
    (format!("{}/s/{id}/{steps}", origin()), id)
}

fn make_error() -> Function {
    Function::new_with_args(
        "kind, fields",
        "const e = new Error(kind); e.name = kind; Object.assign(e, fields); return e;",
    )
}

fn options(js: &str) -> JsValue {
    js_sys::eval(&format!("({js})")).expect("test options parse")
}

fn client(defaults: &str) -> Client {
    Client::new(options(defaults), make_error()).expect("valid defaults")
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

async fn log(id: &str) -> js_sys::Array {
    let res = settle(fetch(&format!("{}/log/{id}", origin())))
        .await
        .unwrap();
    let res: web_sys::Response = res.unchecked_into();
    settle(res.json().unwrap()).await.unwrap().unchecked_into()
}

#[wasm_bindgen]
extern "C" {
    fn fetch(url: &str) -> Promise;
}

const FAST: &str = "{ retry: { baseDelayMs: 10, jitter: 'none', retryAfterJitterMs: 0 }, breaker: false, budget: false }";

#[wasm_bindgen_test]
async fn retries_503s_until_a_200() {
    let (url, id) = script("ok", "503,503,200");
    let res = settle(client(FAST).fetch(url.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let res: web_sys::Response = res.unchecked_into();
    assert_eq!(res.status(), 200);
    let text = settle(res.text().unwrap()).await.unwrap();
    assert_eq!(text.as_string().unwrap(), "200 #3");
    assert_eq!(log(&id).await.length(), 3);
}

#[wasm_bindgen_test]
async fn honours_retry_after() {
    let (url, id) = script("ra", "429;ra=1,200");
    let started = js_sys::Date::now();
    let res = settle(client(FAST).fetch(url.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(res.unchecked_into::<web_sys::Response>().status(), 200);
    assert!(js_sys::Date::now() - started >= 990.0);
    assert_eq!(log(&id).await.length(), 2);
}

#[wasm_bindgen_test]
async fn a_post_with_a_generated_key_is_retried_with_the_same_key_and_body() {
    let (url, id) = script("key", "503,200");
    let init = options("{ method: 'POST', body: 'pay 10', idempotencyKey: true }");
    let res = settle(client(FAST).fetch(url.into(), init)).await.unwrap();
    assert_eq!(res.unchecked_into::<web_sys::Response>().status(), 200);
    let entries = log(&id).await;
    assert_eq!(entries.length(), 2);
    let (a, b) = (entries.get(0), entries.get(1));
    let key = get(&a, "key").as_string().unwrap();
    assert_eq!(key.len(), 36);
    assert_eq!(get(&b, "key").as_string().unwrap(), key);
    assert_eq!(get(&a, "bodySha256"), get(&b, "bodySha256"));
}

#[wasm_bindgen_test]
async fn a_post_without_a_key_is_sent_once() {
    let (url, id) = script("post", "503,200");
    let res = settle(client(FAST).fetch(url.into(), options("{ method: 'POST', body: 'x' }")))
        .await
        .unwrap();
    assert_eq!(res.unchecked_into::<web_sys::Response>().status(), 503);
    assert_eq!(log(&id).await.length(), 1);
}

#[wasm_bindgen_test]
async fn a_stalled_attempt_times_out_and_is_retried() {
    let (url, id) = script("stall", "stall,200");
    let init = options("{ timeoutMs: 300 }");
    let res = settle(client(FAST).fetch(url.into(), init)).await.unwrap();
    assert_eq!(res.unchecked_into::<web_sys::Response>().status(), 200);
    assert_eq!(log(&id).await.length(), 2);
}

#[wasm_bindgen_test]
async fn the_breaker_opens_and_short_circuits() {
    let c = client("{ retry: false, breaker: { failureThreshold: 2, key: 'b' }, budget: false }");
    let (url, id) = script("breaker", "500");
    for _ in 0..2 {
        settle(c.fetch(url.clone().into(), JsValue::UNDEFINED))
            .await
            .unwrap();
    }
    assert_eq!(c.breaker_state("b"), "open");
    let err = settle(c.fetch(url.into(), JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(get(&err, "name").as_string().unwrap(), "circuit-open");
    assert_eq!(get(&err, "key").as_string().unwrap(), "b");
    assert_eq!(log(&id).await.length(), 2);
    assert_eq!(get(&c.stats(), "shortCircuited").as_f64().unwrap(), 1.0);
}

#[wasm_bindgen_test]
async fn invalid_options_reject_before_sending() {
    let (url, id) = script("invalid", "200");
    let err = settle(client(FAST).fetch(url.into(), options("{ retry: { maxAttempts: -1 } }")))
        .await
        .unwrap_err();
    assert!(err.is_instance_of::<js_sys::RangeError>());
    assert_eq!(
        get(&err, "message").as_string().unwrap(),
        "retry.maxAttempts must be an integer >= 1, got -1"
    );
    assert!(Client::new(options("{ retry: { jitter: 1 } }"), make_error()).is_err());
    assert_eq!(log(&id).await.length(), 0);
}

#[wasm_bindgen_test]
async fn a_caller_abort_during_a_wait_rejects_with_its_reason() {
    let (url, id) = script("abort", "503;ra=5,200");
    let controller = web_sys::AbortController::new().unwrap();
    let init = js_sys::Object::new();
    Reflect::set(&init, &"signal".into(), &controller.signal()).unwrap();
    let pending = client(FAST).fetch(url.into(), init.into());
    let abort = Closure::once_into_js(move || controller.abort_with_reason(&"user left".into()));
    js_sys::global()
        .unchecked_into::<GlobalWithTimers>()
        .set_timeout(abort.unchecked_ref(), 100);
    let started = js_sys::Date::now();
    let err = settle(pending).await.unwrap_err();
    assert_eq!(err.as_string().unwrap(), "user left");
    assert!(js_sys::Date::now() - started < 2_000.0);
    assert_eq!(log(&id).await.length(), 1);
}

#[wasm_bindgen]
extern "C" {
    type GlobalWithTimers;
    #[wasm_bindgen(method, js_name = setTimeout)]
    fn set_timeout(this: &GlobalWithTimers, f: &Function, ms: i32) -> JsValue;
}
