//! The options of a [`Client`](super::Client), typed, and read with serde.
//!
//! [`Options`] holds the engine's typed option model ([`raw::Options`]: `retry`, `timeoutMs`,
//! `breaker`, `budget`, ... as [`Setting`]s, so `false` switches a group off) plus what only
//! the driver acts on (`idempotencyKey`, `breaker.key`, `attemptHeader`) and the Rust hooks.
//!
//! It implements `serde::Deserialize` under the JavaScript option names (camelCase, as the
//! npm package documents them), from any serde format: a JS value through
//! `serde-wasm-bindgen` ([`Options::from_js`]), JSON or TOML from a config file. The names
//! are not repeated here: the value is read as a loose tree first and checked by the engine's
//! decoder, which is generated from the option schema. So the rules and the messages are the
//! npm package's, word for word, and every error names the option: `retry.maxAttempts must
//! be an integer >= 1, got -1`, `retry.maxAtempts is not an option (known: ...)`. Types and
//! ranges are both checked while deserializing. `null` (and JS `undefined`) means "not
//! given". Top-level keys that are not options are ignored, as in the npm package (there
//! they are `RequestInit` fields).
//!
//! Hooks are Rust closures and are set in Rust ([`Options::on_retry`],
//! [`Options::on_breaker_state_change`]); a JS function in a JS options object is a type
//! error.

use std::fmt;
use std::rc::Rc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use wasm_bindgen::JsValue;

use crate::engine::options::{decode, BreakerKey, IdempotencyKey};
use crate::engine::raw::{self, OptionError};
use crate::engine::value::Value;
use crate::engine::{BreakerEvent, Policy};

#[cfg(doc)]
use crate::engine::raw::Setting;

use super::RetryEvent;

/// A hook called before each retry's wait.
pub type RetryHook = Rc<dyn Fn(&RetryEvent)>;
/// A hook called when a breaker changes state.
pub type BreakerHook = Rc<dyn Fn(&BreakerEvent)>;

/// Everything a [`Client`](super::Client) (or one call) runs with.
///
/// # Default
/// The npm package's defaults: 5 attempts, full jitter from 1 s up to 30 s, a 30 s timeout
/// per attempt, a breaker and a retry budget per origin, `Retry-After` honoured, no
/// idempotency key, no hooks.
///
/// ```
/// # #[cfg(all(feature = "web", target_arch = "wasm32"))] {
/// use resilient_fetch::engine::raw::{RetryOptions, Setting};
/// use resilient_fetch::web::Options;
///
/// let mut options = Options::default();
/// options.engine.retry = Setting::On(RetryOptions {
///     max_attempts: Some(3.0),
///     ..RetryOptions::default()
/// });
/// options.engine.timeout_ms = Setting::On(10_000.0);
/// options.engine.budget = Setting::Off;
/// // The same, from JSON (or a JS object, with Options::from_js):
/// // { "retry": { "maxAttempts": 3 }, "timeoutMs": 10000, "budget": false }
/// # }
/// ```
#[derive(Clone, Default, serde::Deserialize)]
#[serde(try_from = "Tree")]
pub struct Options {
    /// The options the engine decides on, as the schema names them (`retry`, `timeoutMs`,
    /// `breaker`, `budget`, `hedge`, `rateLimit`, `bulkhead`, `cooldown`...).
    pub engine: raw::Options,
    /// `idempotencyKey`: `true` makes one UUIDv4 per call, sent on every attempt; a string is
    /// that key. Either makes POST and PATCH retryable. A caller-set `Idempotency-Key` header
    /// is always kept and has the same effect.
    pub idempotency_key: IdempotencyKey,
    /// `breaker.key`: the breaker (and budget, limiter) key of every call; `None`: the URL's
    /// origin.
    pub breaker_key: Option<String>,
    /// `attemptHeader`: a header that carries the 1-based attempt number, if any.
    pub attempt_header: Option<String>,
    /// Called before each retry's wait (not for waits of the rate limiter or a hold, and not
    /// after the attempt the policy gives up on). It runs inside the call: keep it short; it
    /// must not call back into the same client's `fetch`.
    pub on_retry: Option<RetryHook>,
    /// Called for each breaker state change, after the step of the call that caused it.
    pub on_breaker_state_change: Option<BreakerHook>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("engine", &self.engine)
            .field("idempotency_key", &self.idempotency_key)
            .field("breaker_key", &self.breaker_key)
            .field("attempt_header", &self.attempt_header)
            .field("on_retry", &self.on_retry.is_some())
            .field(
                "on_breaker_state_change",
                &self.on_breaker_state_change.is_some(),
            )
            .finish()
    }
}

impl Options {
    /// Reads options from a JavaScript value (a plain object; `undefined` or `null` for the
    /// defaults) with `serde-wasm-bindgen`. Types and ranges are checked: the error names the
    /// option, as the npm package's `TypeError`/`RangeError` message does.
    pub fn from_js(value: &JsValue) -> Result<Options, OptionError> {
        let tree: Tree =
            serde_wasm_bindgen::from_value(value.clone()).map_err(|e| {
                match unreadable(value, "", 0) {
                    Some((path, got)) => OptionError::type_(
                        path,
                        "plain data (hooks are Rust closures here: see Options::on_retry)",
                        got,
                    ),
                    None => OptionError::type_(
                        "options",
                        "plain data (objects, arrays, strings, numbers, booleans)",
                        Value::Other(e.to_string()),
                    ),
                }
            })?;
        Options::try_from(tree)
    }

    /// These options with `hook` called before each retry's wait.
    pub fn on_retry(mut self, hook: impl Fn(&RetryEvent) + 'static) -> Self {
        self.on_retry = Some(Rc::new(hook));
        self
    }

    /// These options with `hook` called for each breaker state change.
    pub fn on_breaker_state_change(mut self, hook: impl Fn(&BreakerEvent) + 'static) -> Self {
        self.on_breaker_state_change = Some(Rc::new(hook));
        self
    }

    /// The engine's policy: every range checked, every default filled. `hedge` is refused
    /// rather than ignored: this driver sends no hedges (yet).
    pub(crate) fn policy(&self) -> Result<Policy, OptionError> {
        let policy = Policy::from_options(&self.engine)?;
        if policy.hedge.is_some() {
            return Err(OptionError::range(
                "hedge",
                "false (the web face sends no hedges)",
                Value::Object(Vec::new()),
            ));
        }
        Ok(policy)
    }
}

impl TryFrom<Tree> for Options {
    type Error = OptionError;

    fn try_from(tree: Tree) -> Result<Self, OptionError> {
        let decoded = decode(&tree.0)?;
        let options = Options {
            engine: decoded.options,
            idempotency_key: decoded.idempotency_key,
            breaker_key: match decoded.breaker_key {
                BreakerKey::Fixed(key) => Some(key),
                // A function cannot come through serde; the origin it is.
                BreakerKey::Origin | BreakerKey::Function => None,
            },
            attempt_header: decoded.attempt_header,
            on_retry: None,
            on_breaker_state_change: None,
        };
        options.policy()?;
        Ok(options)
    }
}

/// The path of the first value serde-wasm-bindgen cannot read as data (a function, a
/// symbol), looked for two levels deep as options nest, and what it is.
fn unreadable(value: &JsValue, path: &str, depth: u32) -> Option<(String, Value)> {
    if value.is_function() {
        return Some((path.to_owned(), Value::Function));
    }
    if value.is_symbol() {
        return Some((path.to_owned(), Value::Other("a symbol".to_owned())));
    }
    if depth > 2 || !value.is_object() {
        return None;
    }
    let object: &js_sys::Object = wasm_bindgen::JsCast::unchecked_ref(value);
    js_sys::Object::entries(object).iter().find_map(|entry| {
        let entry = js_sys::Array::from(&entry);
        let key = entry.get(0).as_string()?;
        let at = if path.is_empty() {
            key
        } else {
            format!("{path}.{key}")
        };
        unreadable(&entry.get(1), &at, depth + 1)
    })
}

/// Any serde value as the engine's loose [`Value`] tree, for its decoder to check.
#[derive(Debug)]
pub(crate) struct Tree(pub(crate) Value);

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor).map(Tree)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("plain data")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Undefined)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Undefined)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(TreeVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Tree(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, Tree(value))) = map.next_entry::<String, Tree>()? {
            entries.push((key, value));
        }
        Ok(Value::Object(entries))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Other(format!("{} bytes", v.len())))
    }
}
