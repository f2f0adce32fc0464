//! What one call sends, worked out once before the first attempt: the URL and method, the
//! caller's signal, the `Idempotency-Key`, and whether the body can be sent again.
//!
//! io.js (`prepare`) reads the caller's input and init first, running user code (getters,
//! Proxy traps, `toString`) once and catching what it throws; this works from that plain
//! record only, so nothing here can throw into the Wasm frames.
//!
//! Replaying a body is where retry libraries lose data, so the rules are strict:
//! - A string, `ArrayBuffer`, typed array, `Blob` or `URLSearchParams` body is handed to
//!   fetch again on every attempt; fetch reads these afresh each time, byte for byte.
//! - A `FormData` body is serialised once, before the first attempt, and the same bytes (and
//!   the same multipart boundary) are sent on every attempt.
//! - A body fetch consumes (a `ReadableStream`, an async iterable, a Node stream) can be
//!   read only once: such a request is sent once.
//! - A `Request` input is cloned before every attempt, so each attempt gets a fresh copy of
//!   its body (the runtime buffers it); a `Request` whose body was already used is sent once.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{FormData, Headers, Request};

use crate::engine::options::IdempotencyKey;

#[wasm_bindgen(module = "/src/faces/wasm/io.js")]
extern "C" {
    /// What io.js read of the caller's values (see `prepare` and `options` there): a plain
    /// object of its own, so its fields are read without running user code. `error` set
    /// means the call rejects with it; the other fields are then absent.
    pub(crate) type Record;
    #[wasm_bindgen(method, getter)]
    pub(crate) fn error(this: &Record) -> JsValue;
    /// The resilience options, as a plain copy (undefined when none).
    #[wasm_bindgen(method, getter)]
    pub(crate) fn options(this: &Record) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn request(this: &Record) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn input(this: &Record) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn url(this: &Record) -> String;
    #[wasm_bindgen(method, getter)]
    fn method(this: &Record) -> String;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &Record) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn replayable(this: &Record) -> bool;
    #[wasm_bindgen(method, getter)]
    fn form(this: &Record) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn init(this: &Record) -> Object;

    /// Reads fetch's two arguments and the options among `names` (never throws).
    pub(crate) fn prepare(input: &JsValue, init: &JsValue, names: &JsValue) -> Record;
    /// Reads an options object: those in `names`, or all (never throws).
    #[wasm_bindgen(js_name = options)]
    pub(crate) fn read_options(source: &JsValue, names: &JsValue) -> Record;
}

/// The `Idempotency-Key` header's name.
const KEY_HEADER: &str = "Idempotency-Key";

/// One call's request, ready to be sent as many times as the engine decides.
pub(crate) struct Prepared {
    /// The caller's input when it is a `Request` (cloned per attempt).
    request: Option<Request>,
    /// The caller's input otherwise, as the URL string fetch makes of it.
    input: JsValue,
    /// Our own copy of the caller's init fields (io.js copies it again per attempt to set the
    /// attempt's signal); `headers` and `body` are replaced here when they have to be.
    init: Object,
    /// The absolute URL (for events).
    pub url: String,
    /// The URL's origin (the default breaker key).
    pub origin: String,
    /// The method, as fetch will send it.
    pub method: String,
    /// The caller's signal, if any.
    pub signal: Option<JsValue>,
    /// Whether an `Idempotency-Key` is sent (the caller's or ours).
    pub has_key: bool,
    /// Whether the body can be sent more than once.
    pub replayable: bool,
    /// A `FormData` body still to be frozen into bytes.
    form: Option<FormData>,
    /// The headers object to send, once we had to build one.
    headers: Option<Headers>,
}

fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_object() {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object we created cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Resolves a relative `raw` against the page's location, where there is one (browsers):
/// its href and origin. Elsewhere, or if it still does not parse, `None`: the raw string is
/// then its own key, and fetch will reject it.
fn resolve(raw: &str) -> Option<(String, String)> {
    let base = get(&get(&js_sys::global(), "location"), "href").as_string()?;
    let url = web_sys::Url::new_with_base(raw, &base).ok()?;
    Some((url.href(), url.origin()))
}

/// How many recently seen URLs keep their parsed href and origin.
const URL_CACHE: usize = 32;

thread_local! {
    /// Clients call the same few URLs again and again: parsing each once saves a URL parse
    /// (and two strings across the boundary) per call.
    static URLS: std::cell::RefCell<Vec<(String, String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The href and origin of `raw`. Absolute URLs are remembered for the last [`URL_CACHE`]
/// distinct ones; relative ones are resolved every time (the page's location can change).
fn locate(raw: &str) -> (String, String) {
    URLS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, href, origin)) = cache.iter().find(|(r, _, _)| r == raw) {
            return (href.clone(), origin.clone());
        }
        let Ok(url) = web_sys::Url::new(raw) else {
            return resolve(raw).unwrap_or_else(|| (raw.to_owned(), raw.to_owned()));
        };
        let (href, origin) = (url.href(), url.origin());
        if cache.len() == URL_CACHE {
            cache.remove(0);
        }
        cache.push((raw.to_owned(), href.clone(), origin.clone()));
        (href, origin)
    })
}

impl Prepared {
    /// Works out the call from io.js's record of fetch's two arguments (see `prepare`) and
    /// the `idempotencyKey` option.
    pub(crate) fn new(record: &Record, key_option: &IdempotencyKey) -> Self {
        let request = record.request().dyn_into::<Request>().ok();
        let raw_url = record.url();
        let method = record.method();
        let signal = Some(record.signal()).filter(|s| !s.is_undefined());
        let replayable = record.replayable();
        let form = record.form().dyn_into::<FormData>().ok();
        let init = record.init();
        let (url, origin) = locate(&raw_url);
        let mut prepared = Self {
            input: record.input(),
            request,
            init,
            url,
            origin,
            method,
            signal,
            has_key: false,
            replayable,
            form,
            headers: None,
        };
        let post_like = prepared.method.eq_ignore_ascii_case("POST")
            || prepared.method.eq_ignore_ascii_case("PATCH");
        if *key_option != IdempotencyKey::None || post_like {
            prepared.apply_key(key_option);
        }
        prepared
    }

    /// The headers the caller gave (init's, else the Request's), as a `Headers` we may
    /// extend; made once and set on the init, so every attempt sends it.
    fn headers(&mut self) -> Headers {
        if let Some(h) = &self.headers {
            return h.clone();
        }
        let source = get(&self.init, "headers");
        let source = match (&self.request, source.is_undefined()) {
            (Some(r), true) => JsValue::from(r.headers()),
            _ => source,
        };
        let made = if source.is_undefined() || source.is_null() {
            Headers::new()
        } else {
            Headers::new_with_headers(source.unchecked_ref())
        };
        // Headers the runtime rejects are left as given: fetch reports them on the attempt.
        let headers = made.unwrap_or_else(|_| source.unchecked_into());
        set(&self.init, "headers", &headers);
        self.headers = Some(headers.clone());
        headers
    }

    /// Keeps a caller-set `Idempotency-Key`, else sets ours when the option asks for one.
    fn apply_key(&mut self, key_option: &IdempotencyKey) {
        if self.headers().has(KEY_HEADER).unwrap_or(false) {
            self.has_key = true;
            return;
        }
        let key = match key_option {
            IdempotencyKey::None => return,
            IdempotencyKey::Generate => new_uuid_v4(),
            IdempotencyKey::Fixed(k) => k.clone(),
        };
        let _ = self.headers().set(KEY_HEADER, &key);
        self.has_key = true;
    }

    /// Serialises a `FormData` body once, so every attempt sends the same bytes and the
    /// same boundary. Does nothing for other bodies or single-shot requests.
    pub(crate) async fn freeze_body(&mut self) -> Result<(), JsValue> {
        let Some(form) = self.form.take() else {
            return Ok(());
        };
        let encoded = web_sys::Response::new_with_opt_form_data(Some(&form))?;
        let content_type = encoded.headers().get("content-type")?.unwrap_or_default();
        let bytes = JsFuture::from(encoded.array_buffer()?).await?;
        let _ = self.headers().set("content-type", &content_type);
        set(&self.init, "body", &bytes);
        Ok(())
    }

    /// The arguments of one attempt: a fresh clone of a `Request` input, and the init
    /// (io.js copies it and sets the attempt's own `signal`).
    pub(crate) fn attempt(&self) -> (JsValue, &Object) {
        let input = match &self.request {
            Some(r) => r.clone().map_or_else(|_| JsValue::from(r), JsValue::from),
            None => self.input.clone(),
        };
        (input, &self.init)
    }

    /// A body-less `Request` describing the call, for `fallback`'s `ctx.request`.
    pub(crate) fn describe(&self) -> JsValue {
        if let Some(r) = &self.request {
            return r.clone().map_or_else(|_| JsValue::from(r), JsValue::from);
        }
        let init = web_sys::RequestInit::new();
        init.set_method(&self.method);
        let headers = get(&self.init, "headers");
        if !headers.is_undefined() {
            init.set_headers(&headers);
        }
        Request::new_with_str_and_init(&self.url, &init).map_or(JsValue::UNDEFINED, JsValue::from)
    }
}

/// A random (version 4) UUID from the runtime's CSPRNG, as the `Idempotency-Key`.
pub(crate) fn new_uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    // The runtime's crypto.getRandomValues; it does not fail where fetch exists.
    let _ = getrandom::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}
