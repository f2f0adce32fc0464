//! Loosely typed options in, typed [`Options`] out: where a wrong type is caught.
//!
//! JavaScript callers (and hosts that speak JSON) hand over a tree of values of any type.
//! [`decode`] walks that tree, checks each option's type, rejects unknown keys inside the
//! option objects (a typo such as `retry.maxAtempts` must not be silently ignored), and
//! fills [`Options`] for [`Policy::from_options`](super::policy::Policy::from_options) to
//! range-check. Top-level keys it does not know are left alone: they are `RequestInit`
//! fields (`method`, `headers`, `cf`, `duplex`...) meant for `fetch`.
//!
//! [`merge`] lays per-call options over an instance's defaults one level deep, as the API
//! contract says: `retry`, `breaker`, ... merge key by key; a per-call `false` switches a
//! feature off, and a per-call object over a default `false` switches it back on.
//!
//! `undefined` means "not given" everywhere, as in ky and cockatiel; `true` for an option
//! object means "on, with the defaults".

use super::raw::{
    BreakerOptions, BudgetOptions, BulkheadOptions, HedgeOptions, OptionError, Options,
    RateLimitOptions, RetryOptions, Setting,
};
use super::schema::{BREAKER, BUDGET, BULKHEAD, HEDGE, RATE_LIMIT, RETRY, TOP};
use super::value::{is_header_value, is_token, Value};

/// How the `Idempotency-Key` header is provided.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum IdempotencyKey {
    /// `false` (default): none, unless the caller set the header.
    #[default]
    None,
    /// `true`: the driver makes one UUIDv4 per call.
    Generate,
    /// A string: this key.
    Fixed(String),
}

/// How the breaker key is found for a call.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum BreakerKey {
    /// The URL's origin (default).
    #[default]
    Origin,
    /// This string.
    Fixed(String),
    /// A function of the URL, called by the driver.
    Function,
}

/// Everything [`decode`] found: the engine's [`Options`] plus the settings only the driver
/// acts on.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Decoded {
    /// The options the engine decides on.
    pub options: Options,
    /// `idempotencyKey`.
    pub idempotency_key: IdempotencyKey,
    /// `breaker.key`.
    pub breaker_key: BreakerKey,
    /// `attemptHeader`: the header that carries the attempt number, if any.
    pub attempt_header: Option<String>,
}

/// The top-level option names the engine and driver own; every other top-level key belongs
/// to `fetch`.
pub const OPTION_NAMES: &[&str] = TOP;

/// Lays `call` over `defaults`, one level deep (see the module doc).
pub fn merge(defaults: &Value, call: &Value) -> Value {
    let (Value::Object(base), Value::Object(over)) = (defaults, call) else {
        return match call {
            Value::Undefined => defaults.clone(),
            _ => call.clone(),
        };
    };
    let mut out = base.clone();
    for (key, value) in over {
        if matches!(value, Value::Undefined) {
            continue;
        }
        let merged = match (out.iter().position(|(k, _)| k == key), value) {
            (Some(i), Value::Object(_)) if TOP.contains(&key.as_str()) => {
                let m = merge_object(&out[i].1, value);
                out.remove(i);
                m
            }
            (Some(i), _) => {
                out.remove(i);
                value.clone()
            }
            (None, _) => value.clone(),
        };
        out.push((key.clone(), merged));
    }
    Value::Object(out)
}

/// Key-by-key merge of two option objects (`retry`, `breaker`, ...).
fn merge_object(base: &Value, over: &Value) -> Value {
    match base {
        Value::Object(_) => merge(base, over),
        _ => over.clone(),
    }
}

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// An option object, `false` (off), `true` or `undefined` (defaults).
fn object<'a>(p: &str, v: &'a Value) -> Result<Setting<&'a [(String, Value)]>, OptionError> {
    match v {
        Value::Undefined | Value::Bool(true) => Ok(Setting::Default),
        Value::Bool(false) => Ok(Setting::Off),
        Value::Object(entries) => Ok(Setting::On(entries)),
        other => Err(OptionError::type_(p, "an object or false", other.clone())),
    }
}

fn number(p: &str, v: &Value) -> Result<Option<f64>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Number(n) => Ok(Some(*n)),
        other => Err(OptionError::type_(p, "a number", other.clone())),
    }
}

fn string(p: &str, v: &Value) -> Result<Option<String>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(OptionError::type_(p, "a string", other.clone())),
    }
}

fn boolean(p: &str, v: &Value) -> Result<Option<bool>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(OptionError::type_(p, "a boolean", other.clone())),
    }
}

fn function(p: &str, v: &Value) -> Result<(), OptionError> {
    match v {
        Value::Undefined | Value::Function => Ok(()),
        other => Err(OptionError::type_(p, "a function", other.clone())),
    }
}

fn array<'a>(p: &str, v: &'a Value, what: &str) -> Result<Option<&'a [Value]>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Array(items) => Ok(Some(items)),
        other => Err(OptionError::type_(
            p,
            format!("an array of {what}"),
            other.clone(),
        )),
    }
}

/// Walks one option object, handing each known key to `set`, rejecting unknown ones.
fn fields(
    parent: &str,
    entries: &[(String, Value)],
    known: &'static [&'static str],
    mut set: impl FnMut(&str, &str, &Value) -> Result<(), OptionError>,
) -> Result<(), OptionError> {
    for (key, value) in entries {
        let p = path(parent, key);
        if !known.contains(&key.as_str()) {
            return Err(OptionError::unknown(p, known));
        }
        if !matches!(value, Value::Undefined) {
            set(key, &p, value)?;
        }
    }
    Ok(())
}

/// Checks the types of every option in `value` (an object, or `undefined` for none).
pub fn decode(value: &Value) -> Result<Decoded, OptionError> {
    let entries: &[(String, Value)] = match value {
        Value::Undefined | Value::Null => &[],
        Value::Object(entries) => entries,
        other => return Err(OptionError::type_("options", "an object", other.clone())),
    };
    let mut out = Decoded::default();
    for (key, v) in entries {
        let key = key.as_str();
        if !TOP.contains(&key) || matches!(v, Value::Undefined) {
            continue; // a RequestInit field, or not given
        }
        match key {
            "retry" => out.options.retry = decode_retry(v)?,
            "timeoutMs" => {
                out.options.timeout_ms = match v {
                    Value::Bool(false) => Setting::Off,
                    Value::Number(n) => Setting::On(*n),
                    other => {
                        return Err(OptionError::type_(
                            "timeoutMs",
                            "a number of milliseconds or false",
                            other.clone(),
                        ))
                    }
                }
            }
            "idempotencyKey" => out.idempotency_key = decode_idempotency_key(v)?,
            "breaker" => {
                let (setting, key) = decode_breaker(v)?;
                out.options.breaker = setting;
                out.breaker_key = key;
            }
            "budget" => out.options.budget = decode_budget(v)?,
            "hedge" => out.options.hedge = decode_hedge(v)?,
            "rateLimit" => out.options.rate_limit = decode_rate_limit(v)?,
            "bulkhead" => out.options.bulkhead = decode_bulkhead(v)?,
            "pushback" => out.options.pushback = boolean("pushback", v)?,
            "cooldown" => out.options.cooldown = boolean("cooldown", v)?,
            "paceFromHeaders" => out.options.pace_from_headers = boolean("paceFromHeaders", v)?,
            "adaptiveRate" => out.options.adaptive_rate = boolean("adaptiveRate", v)?,
            "attemptHeader" => {
                out.attempt_header = match v {
                    Value::Bool(false) => None,
                    Value::String(s) if is_token(s) => Some(s.clone()),
                    Value::String(_) => {
                        return Err(OptionError::range(
                            "attemptHeader",
                            "a header name",
                            v.clone(),
                        ))
                    }
                    other => {
                        return Err(OptionError::type_(
                            "attemptHeader",
                            "a header name or false",
                            other.clone(),
                        ))
                    }
                }
            }
            "fallback" | "onRetry" | "onBreakerStateChange" | "onHedge" => function(key, v)?,
            // `TOP` names no other key: the schema test below catches a row without an arm.
            _ => {}
        }
    }
    Ok(out)
}

fn decode_retry(v: &Value) -> Result<Setting<RetryOptions>, OptionError> {
    let entries = match object("retry", v)? {
        Setting::On(e) => e,
        Setting::Off => return Ok(Setting::Off),
        Setting::Default => return Ok(Setting::Default),
    };
    let mut r = RetryOptions::default();
    fields("retry", entries, RETRY, |key, p, v| {
        match key {
            "maxAttempts" => r.max_attempts = number(p, v)?,
            "baseDelayMs" => r.base_delay_ms = number(p, v)?,
            "maxDelayMs" => r.max_delay_ms = number(p, v)?,
            "jitter" => r.jitter = string(p, v)?,
            "methods" => {
                let items = array(p, v, "method names")?.unwrap_or_default();
                let mut methods = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    methods.extend(string(&format!("{p}[{i}]"), item)?);
                }
                r.methods = Some(methods);
            }
            "statusCodes" => {
                let items = array(p, v, "status codes")?.unwrap_or_default();
                let mut codes = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    codes.extend(number(&format!("{p}[{i}]"), item)?);
                }
                r.status_codes = Some(codes);
            }
            "respectRetryAfter" => r.respect_retry_after = boolean(p, v)?,
            "maxRetryAfterMs" => r.max_retry_after_ms = number(p, v)?,
            "retryAfterJitterMs" => r.retry_after_jitter_ms = number(p, v)?,
            "deadlineMs" => r.deadline_ms = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), RETRY)),
        }
        Ok(())
    })?;
    Ok(Setting::On(r))
}

fn decode_idempotency_key(v: &Value) -> Result<IdempotencyKey, OptionError> {
    match v {
        Value::Bool(false) => Ok(IdempotencyKey::None),
        Value::Bool(true) => Ok(IdempotencyKey::Generate),
        Value::String(s) if is_header_value(s) => Ok(IdempotencyKey::Fixed(s.clone())),
        Value::String(_) => Err(OptionError::range(
            "idempotencyKey",
            "true, false or a non-empty string of visible ASCII characters",
            v.clone(),
        )),
        other => Err(OptionError::type_(
            "idempotencyKey",
            "a boolean or a string",
            other.clone(),
        )),
    }
}

fn decode_breaker(v: &Value) -> Result<(Setting<BreakerOptions>, BreakerKey), OptionError> {
    let entries = match object("breaker", v)? {
        Setting::On(e) => e,
        Setting::Off => return Ok((Setting::Off, BreakerKey::Origin)),
        Setting::Default => return Ok((Setting::Default, BreakerKey::Origin)),
    };
    let mut b = BreakerOptions::default();
    let mut key = BreakerKey::Origin;
    fields("breaker", entries, BREAKER, |k, p, v| {
        match k {
            "key" => {
                key = match v {
                    Value::Function => BreakerKey::Function,
                    Value::String(s) if !s.is_empty() => BreakerKey::Fixed(s.clone()),
                    Value::String(_) => {
                        return Err(OptionError::range(
                            p,
                            "a non-empty string or a function",
                            v.clone(),
                        ))
                    }
                    other => {
                        return Err(OptionError::type_(
                            p,
                            "a string or a function",
                            other.clone(),
                        ))
                    }
                }
            }
            "mode" => b.mode = string(p, v)?,
            "failureThreshold" => b.failure_threshold = number(p, v)?,
            "resetTimeoutMs" => b.reset_timeout_ms = number(p, v)?,
            "halfOpenMaxProbes" => b.half_open_max_probes = number(p, v)?,
            "failureRateThreshold" => b.failure_rate_threshold = number(p, v)?,
            "minimumThroughput" => b.minimum_throughput = number(p, v)?,
            "windowMs" => b.window_ms = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), BREAKER)),
        }
        Ok(())
    })?;
    Ok((Setting::On(b), key))
}

fn decode_budget(v: &Value) -> Result<Setting<BudgetOptions>, OptionError> {
    let entries = match object("budget", v)? {
        Setting::On(e) => e,
        Setting::Off => return Ok(Setting::Off),
        Setting::Default => return Ok(Setting::Default),
    };
    let mut b = BudgetOptions::default();
    fields("budget", entries, BUDGET, |k, p, v| {
        match k {
            "ratio" => b.ratio = number(p, v)?,
            "retriesPerSuccess" => b.retries_per_success = number(p, v)?,
            "windowMs" => b.window_ms = number(p, v)?,
            "minRetriesPerSecond" => b.min_retries_per_second = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), BUDGET)),
        }
        Ok(())
    })?;
    Ok(Setting::On(b))
}

/// An option that is off unless configured (`hedge`, `rateLimit`, `bulkhead`): its object's
/// entries, or `None` for `false`/`undefined`. `true` alone is a type error: it names none of
/// the values (`required`) the feature needs.
fn configured<'a>(
    name: &str,
    v: &'a Value,
    required: &str,
) -> Result<Option<&'a [(String, Value)]>, OptionError> {
    match object(name, v)? {
        Setting::On(entries) => Ok(Some(entries)),
        Setting::Default if matches!(v, Value::Bool(true)) => Err(OptionError::type_(
            name,
            format!("an object with {required}, or false"),
            v.clone(),
        )),
        Setting::Off | Setting::Default => Ok(None),
    }
}

fn decode_hedge(v: &Value) -> Result<Setting<HedgeOptions>, OptionError> {
    let Some(entries) = configured("hedge", v, "delayMs")? else {
        return Ok(Setting::Off);
    };
    let mut h = HedgeOptions::default();
    fields("hedge", entries, HEDGE, |k, p, v| {
        match k {
            "delayMs" => h.delay_ms = number(p, v)?,
            "maxHedges" => h.max_hedges = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), HEDGE)),
        }
        Ok(())
    })?;
    Ok(Setting::On(h))
}

fn decode_rate_limit(v: &Value) -> Result<Setting<RateLimitOptions>, OptionError> {
    let Some(entries) = configured("rateLimit", v, "requestsPerSecond")? else {
        return Ok(Setting::Off);
    };
    let mut r = RateLimitOptions::default();
    fields("rateLimit", entries, RATE_LIMIT, |k, p, v| {
        match k {
            "requestsPerSecond" => r.requests_per_second = number(p, v)?,
            "burst" => r.burst = number(p, v)?,
            "maxWaitMs" => r.max_wait_ms = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), RATE_LIMIT)),
        }
        Ok(())
    })?;
    Ok(Setting::On(r))
}

fn decode_bulkhead(v: &Value) -> Result<Setting<BulkheadOptions>, OptionError> {
    let Some(entries) = configured("bulkhead", v, "maxConcurrent")? else {
        return Ok(Setting::Off);
    };
    let mut b = BulkheadOptions::default();
    fields("bulkhead", entries, BULKHEAD, |k, p, v| {
        match k {
            "maxConcurrent" => b.max_concurrent = number(p, v)?,
            "maxQueue" => b.max_queue = number(p, v)?,
            _ => return Err(OptionError::unknown(p.to_owned(), BULKHEAD)),
        }
        Ok(())
    })?;
    Ok(Setting::On(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::policy::Policy;
    use crate::engine::raw::OptionErrorKind;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }
    fn n(x: f64) -> Value {
        Value::Number(x)
    }
    fn s(x: &str) -> Value {
        Value::String(x.to_owned())
    }

    fn decode_err(v: &Value) -> (OptionErrorKind, String) {
        let e = decode(v)
            .and_then(|d| Policy::from_options(&d.options).map(|_| d))
            .unwrap_err();
        (e.kind, e.to_string())
    }

    #[test]
    fn numbers_print_as_javascript_does() {
        let cases = [
            (-1.0, "-1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (123456789.0, "123456789"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, want) in cases {
            assert_eq!(n(x).to_string(), want);
        }
        assert_eq!(s("a\"b").to_string(), r#""a\"b""#);
        assert_eq!(
            Value::Array(vec![n(1.0), s("x")]).to_string(),
            r#"[1, "x"]"#
        );
    }

    #[test]
    fn decodes_every_option() {
        let v = obj(&[
            ("method", s("POST")), // a RequestInit field: ignored
            (
                "retry",
                obj(&[
                    ("maxAttempts", n(3.0)),
                    ("baseDelayMs", n(10.0)),
                    ("maxDelayMs", n(100.0)),
                    ("jitter", s("equal")),
                    ("methods", Value::Array(vec![s("GET")])),
                    ("statusCodes", Value::Array(vec![n(503.0)])),
                    ("respectRetryAfter", Value::Bool(false)),
                    ("maxRetryAfterMs", n(50.0)),
                    ("retryAfterJitterMs", n(0.0)),
                    ("deadlineMs", n(1_000.0)),
                ]),
            ),
            ("timeoutMs", Value::Bool(false)),
            ("idempotencyKey", Value::Bool(true)),
            (
                "breaker",
                obj(&[("key", Value::Function), ("failureThreshold", n(2.0))]),
            ),
            ("budget", Value::Bool(false)),
            ("hedge", obj(&[("delayMs", n(50.0))])),
            (
                "rateLimit",
                obj(&[("requestsPerSecond", n(5.0)), ("maxWaitMs", n(100.0))]),
            ),
            ("onRetry", Value::Function),
            ("fallback", Value::Undefined),
        ]);
        let d = decode(&v).unwrap();
        assert_eq!(d.idempotency_key, IdempotencyKey::Generate);
        assert_eq!(d.breaker_key, BreakerKey::Function);
        let p = Policy::from_options(&d.options).unwrap();
        assert_eq!(p.retry.max_attempts.get(), 3);
        assert_eq!(p.retry.deadline_ms, Some(1_000));
        assert!(!p.retry.respect_retry_after);
        assert_eq!(p.timeout_ms, None);
        assert_eq!(p.budget, None);
        assert_eq!(p.hedge.unwrap().delay_ms, 50);
        assert_eq!(p.rate_limit.unwrap().burst, 5);
        assert_eq!(p.breaker.unwrap().reset_timeout_ms, 30_000);
    }

    #[test]
    fn wrong_types_are_type_errors_naming_path_and_value() {
        let cases = [
            (
                obj(&[("retry", n(3.0))]),
                "retry must be an object or false, got 3",
            ),
            (
                obj(&[("retry", obj(&[("maxAttempts", s("5"))]))]),
                r#"retry.maxAttempts must be a number, got "5""#,
            ),
            (
                obj(&[("retry", obj(&[("jitter", n(1.0))]))]),
                "retry.jitter must be a string, got 1",
            ),
            (
                obj(&[("retry", obj(&[("methods", s("GET"))]))]),
                r#"retry.methods must be an array of method names, got "GET""#,
            ),
            (
                obj(&[(
                    "retry",
                    obj(&[("methods", Value::Array(vec![s("GET"), n(1.0)]))]),
                )]),
                "retry.methods[1] must be a string, got 1",
            ),
            (
                obj(&[(
                    "retry",
                    obj(&[("statusCodes", Value::Array(vec![s("503")]))]),
                )]),
                r#"retry.statusCodes[0] must be a number, got "503""#,
            ),
            (
                obj(&[("retry", obj(&[("respectRetryAfter", s("yes"))]))]),
                r#"retry.respectRetryAfter must be a boolean, got "yes""#,
            ),
            (
                obj(&[("retry", obj(&[("maxAttempts", Value::Null)]))]),
                "retry.maxAttempts must be a number, got null",
            ),
            (
                obj(&[("timeoutMs", s("10s"))]),
                r#"timeoutMs must be a number of milliseconds or false, got "10s""#,
            ),
            (
                obj(&[("timeoutMs", Value::Bool(true))]),
                "timeoutMs must be a number of milliseconds or false, got true",
            ),
            (
                obj(&[("idempotencyKey", n(1.0))]),
                "idempotencyKey must be a boolean or a string, got 1",
            ),
            (
                obj(&[("breaker", obj(&[("key", n(1.0))]))]),
                "breaker.key must be a string or a function, got 1",
            ),
            (
                obj(&[("budget", s("on"))]),
                r#"budget must be an object or false, got "on""#,
            ),
            (
                obj(&[("hedge", Value::Bool(true))]),
                "hedge must be an object with delayMs, or false, got true",
            ),
            (
                obj(&[("onRetry", s("log"))]),
                r#"onRetry must be a function, got "log""#,
            ),
            (
                obj(&[("fallback", obj(&[]))]),
                "fallback must be a function, got an object",
            ),
            (n(5.0), "options must be an object, got 5"),
        ];
        for (v, want) in cases {
            assert_eq!(decode_err(&v), (OptionErrorKind::Type, want.to_string()));
        }
    }

    #[test]
    fn unknown_nested_keys_are_rejected() {
        let v = obj(&[("retry", obj(&[("maxAtempts", n(3.0))]))]);
        let (kind, msg) = decode_err(&v);
        assert_eq!(kind, OptionErrorKind::Type);
        assert!(
            msg.starts_with("retry.maxAtempts is not an option (known: maxAttempts, "),
            "{msg}"
        );
    }

    #[test]
    fn ranges_are_checked_after_types() {
        let v = obj(&[("retry", obj(&[("maxAttempts", n(-1.0))]))]);
        assert_eq!(
            decode_err(&v),
            (
                OptionErrorKind::Range,
                "retry.maxAttempts must be an integer >= 1, got -1".into()
            )
        );
        let v = obj(&[("idempotencyKey", s(""))]);
        assert_eq!(decode_err(&v).0, OptionErrorKind::Range);
        let v = obj(&[("idempotencyKey", s("line\nbreak"))]);
        assert_eq!(decode_err(&v).0, OptionErrorKind::Range);
    }

    #[test]
    fn undefined_means_not_given() {
        let v = obj(&[
            ("retry", obj(&[("maxAttempts", Value::Undefined)])),
            ("timeoutMs", Value::Undefined),
        ]);
        let p = Policy::from_options(&decode(&v).unwrap().options).unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(
            Policy::from_options(&decode(&Value::Undefined).unwrap().options).unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn merge_is_one_level_deep() {
        let defaults = obj(&[
            (
                "retry",
                obj(&[("maxAttempts", n(3.0)), ("baseDelayMs", n(10.0))]),
            ),
            ("timeoutMs", n(500.0)),
            ("budget", Value::Bool(false)),
        ]);
        let call = obj(&[
            ("retry", obj(&[("baseDelayMs", n(20.0))])),
            ("budget", obj(&[("ratio", n(0.5))])),
            ("timeoutMs", Value::Undefined),
            ("method", s("PUT")),
        ]);
        let m = merge(&defaults, &call);
        assert_eq!(
            m.get("retry"),
            &obj(&[("maxAttempts", n(3.0)), ("baseDelayMs", n(20.0))])
        );
        assert_eq!(m.get("timeoutMs"), &n(500.0));
        assert_eq!(
            m.get("budget"),
            &obj(&[("ratio", n(0.5))]),
            "an object over false switches on"
        );
        assert_eq!(m.get("method"), &s("PUT"));
        let off = merge(&defaults, &obj(&[("retry", Value::Bool(false))]));
        assert_eq!(off.get("retry"), &Value::Bool(false));
        assert_eq!(merge(&defaults, &Value::Undefined), defaults);
    }

    /// Every schema row is read into a field of its own: a valid value of each decodes to a
    /// result different from the defaults and from every other row's, and a `null` is a
    /// type error naming the row. A row added to the schema without its decoder arm fails
    /// here, instead of its value landing silently in another field.
    #[test]
    fn every_schema_row_has_its_own_decoder_arm() {
        use crate::engine::schema::ROWS;
        let nest = |path: &str, v: Value| match path.split_once('.') {
            Some((group, key)) => obj(&[(group, obj(&[(key, v)]))]),
            None => obj(&[(path, v)]),
        };
        let mut seen: Vec<(String, &str)> = vec![];
        for row in ROWS {
            let e = decode(&nest(row.path, Value::Null)).unwrap_err();
            assert_eq!((e.kind, e.path.as_str()), (OptionErrorKind::Type, row.path));
            let valid = match row.kind {
                "function" => continue, // hooks: checked, then acted on by the driver only
                "group" => obj(&[]),
                "number" | "timeout" => n(7.0),
                "string" if row.path == "retry.jitter" => s("equal"),
                "string" => s("failure-rate"),
                "boolean" => Value::Bool(false),
                "methods" => Value::Array(vec![s("GET")]),
                "statusCodes" => Value::Array(vec![n(503.0)]),
                "idempotencyKey" => Value::Bool(true),
                "attemptHeader" => s("x-attempt"),
                "breakerKey" => s("k"),
                other => panic!("{}: no test value for kind {other}", row.path),
            };
            let decoded = format!("{:?}", decode(&nest(row.path, valid)).unwrap());
            assert_ne!(decoded, format!("{:?}", Decoded::default()), "{}", row.path);
            if let Some((_, other)) = seen.iter().find(|(d, _)| *d == decoded) {
                panic!("{} and {} decode into the same field", row.path, other);
            }
            seen.push((decoded, row.path));
        }
    }
}
