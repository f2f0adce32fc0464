//! Loosely typed options in, typed [`Options`] out: where a wrong type is caught.
//!
//! JavaScript callers (and hosts that speak JSON) hand over a tree of values of any type.
//! [`decode`] walks that tree, checks each option's type, rejects unknown keys inside the
//! option objects (a typo such as `retry.maxAtempts` must not be silently ignored), and
//! fills [`Options`] for [`Policy::from_options`](super::policy::Policy::from_options) to
//! range-check. Top-level keys it does not know are left alone: they are `RequestInit`
//! fields (`method`, `headers`, `cf`, `duplex`...) meant for `fetch`.
//!
//! The per-key arms are generated from the option schema (`fields.rs`, on the
//! primitives of `read.rs`); what is written here is what no row can say: the
//! driver-only forms (`idempotencyKey`, `attemptHeader`, `breaker.key`).
//!
//! [`merge`] lays per-call options over an instance's defaults one level deep, as the API
//! contract says: `retry`, `breaker`, ... merge key by key; a per-call `false` switches a
//! feature off, and a per-call object over a default `false` switches it back on.
//!
//! `undefined` means "not given" everywhere, as in ky and cockatiel; `true` for an option
//! object means "on, with the defaults".

use alloc::string::String;

use super::fields::{decode_breaker, decode_top};
use super::raw::{OptionError, Options};
use super::read::group;
use super::schema::{BREAKER, TOP};
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

/// Checks the types of every option in `value` (an object, or `undefined` for none).
///
/// The schema's field arms are generated (`fields.rs`); the driver-only forms
/// are read here.
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
        if decode_top(&mut out.options, key, v)? {
            continue;
        }
        match key {
            "idempotencyKey" => out.idempotency_key = decode_idempotency_key(v)?,
            "breaker" => {
                let mut breaker_key = BreakerKey::Origin;
                out.options.breaker = group("breaker", v, BREAKER, None, |b, k, p, v| {
                    if k == "key" {
                        breaker_key = decode_breaker_key(p, v)?;
                        return Ok(true);
                    }
                    decode_breaker(b, k, p, v)
                })?;
                out.breaker_key = breaker_key;
            }
            "attemptHeader" => out.attempt_header = decode_attempt_header(v)?,
            // Read by the npm package's driver only; checked here so every face agrees.
            "telemetry" => decode_telemetry(v)?,
            // Checked here as far as the value tree reaches (an object of this format
            // version); the npm package's driver reads and checks the rest, and restores it.
            "initialState" => decode_initial_state(v)?,
            // Read by the npm package's driver only, like `telemetry`.
            "shared" => decode_shared(v)?,
            // `TOP` names no other key: the schema test below catches a row without an arm.
            _ => {}
        }
    }
    Ok(out)
}

fn decode_attempt_header(v: &Value) -> Result<Option<String>, OptionError> {
    match v {
        Value::Bool(false) => Ok(None),
        Value::String(s) if is_token(s) => Ok(Some(s.clone())),
        Value::String(_) => Err(OptionError::range(
            "attemptHeader",
            "a header name",
            v.clone(),
        )),
        other => Err(OptionError::type_(
            "attemptHeader",
            "a header name or false",
            other.clone(),
        )),
    }
}

/// `telemetry`: `false`, or `{ meter, tracer? }`, each an object (OpenTelemetry's `Meter` and
/// `Tracer`, which only the JavaScript driver calls).
fn decode_telemetry(v: &Value) -> Result<(), OptionError> {
    let entries = match v {
        Value::Bool(false) => return Ok(()),
        Value::Object(entries) => entries,
        other => {
            return Err(OptionError::type_(
                "telemetry",
                "an object with meter, or false",
                other.clone(),
            ))
        }
    };
    for (key, _) in entries {
        if key != "meter" && key != "tracer" {
            return Err(OptionError::unknown(
                ["telemetry.", key.as_str()].concat(),
                &["meter", "tracer"],
            ));
        }
    }
    for (key, what) in [("meter", "Meter"), ("tracer", "Tracer")] {
        let value = entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        match value {
            Some(Value::Object(_)) => {}
            None | Some(Value::Undefined) if key == "tracer" => {}
            other => {
                return Err(OptionError::type_(
                    ["telemetry.", key].concat(),
                    ["an object (an OpenTelemetry ", what, ")"].concat(),
                    other.cloned().unwrap_or(Value::Undefined),
                ))
            }
        }
    }
    Ok(())
}

/// `shared`: `{ store, refreshMs?, timeoutMs?, onUnavailable? }`, `store` an object with an
/// `exchange` function (the npm package's driver talks to it; see `share`).
fn decode_shared(v: &Value) -> Result<(), OptionError> {
    const KNOWN: &[&str] = &["store", "refreshMs", "timeoutMs", "onUnavailable"];
    let Value::Object(entries) = v else {
        return Err(OptionError::type_(
            "shared",
            "an object with store",
            v.clone(),
        ));
    };
    if let Some((key, _)) = entries.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return Err(OptionError::unknown(
            ["shared.", key.as_str()].concat(),
            KNOWN,
        ));
    }
    let store = v.get("store");
    if !matches!(store.get("exchange"), Value::Function) || !matches!(store, Value::Object(_)) {
        return Err(OptionError::type_(
            "shared.store",
            "an object with an exchange function",
            store.clone(),
        ));
    }
    for (key, bound) in [("refreshMs", ">= 0"), ("timeoutMs", "> 0")] {
        let path = ["shared.", key].concat();
        match v.get(key) {
            Value::Undefined => {}
            &Value::Number(ms)
                if ms.is_finite() && (ms > 0.0 || (ms == 0.0 && bound == ">= 0")) => {}
            n @ Value::Number(_) => {
                let must_be = ["a number of milliseconds ", bound].concat();
                return Err(OptionError::range(path, must_be, n.clone()));
            }
            other => return Err(OptionError::type_(path, "a number", other.clone())),
        }
    }
    match v.get("onUnavailable") {
        Value::Undefined | Value::Function => Ok(()),
        other => Err(OptionError::type_(
            "shared.onUnavailable",
            "a function",
            other.clone(),
        )),
    }
}

/// `initialState`: an object from `snapshot()` of this engine's format version (see
/// [`snapshot`](super::snapshot)); the version is checked first, so a snapshot of another
/// format is named as such whatever its shape.
fn decode_initial_state(v: &Value) -> Result<(), OptionError> {
    if !matches!(v, Value::Object(_)) {
        return Err(OptionError::type_(
            "initialState",
            "an object from snapshot()",
            v.clone(),
        ));
    }
    match v.get("version") {
        Value::Number(n) if *n == f64::from(super::snapshot::VERSION) => Ok(()),
        n @ Value::Number(_) => Err(OptionError::range("initialState.version", "1", n.clone())),
        other => Err(OptionError::type_(
            "initialState.version",
            "a number",
            other.clone(),
        )),
    }
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

fn decode_breaker_key(p: &str, v: &Value) -> Result<BreakerKey, OptionError> {
    match v {
        Value::Function => Ok(BreakerKey::Function),
        Value::String(s) if !s.is_empty() => Ok(BreakerKey::Fixed(s.clone())),
        Value::String(_) => Err(OptionError::range(
            p,
            "a non-empty string or a function",
            v.clone(),
        )),
        other => Err(OptionError::type_(
            p,
            "a string or a function",
            other.clone(),
        )),
    }
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
                "function" => continue,  // hooks: checked, then acted on by the driver only
                "telemetry" => continue, // checked, then used by the JavaScript driver only
                "snapshot" => continue,  // likewise
                "shared" => continue,    // likewise
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
