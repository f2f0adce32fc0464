//! Why a call produced no response: the npm package's errors as one Rust enum.

use std::fmt;

use wasm_bindgen::JsValue;

use crate::engine::raw::OptionError;
use crate::engine::Stop;

/// Why [`Client::fetch`](super::Client::fetch) has no response to give. A response, even a
/// 4xx or 5xx, is never an error: it is returned as `Ok`, as `fetch` does.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The last attempt failed in transport (network error, timeout) and the policy stopped
    /// (the npm package's `RetryError`).
    GaveUp {
        /// Attempts sent.
        attempts: u32,
        /// Why retrying stopped: [`Stop::Attempts`], [`Stop::Budget`], [`Stop::Deadline`],
        /// [`Stop::NotRetryable`] (a POST without an idempotency key is never sent twice)...
        reason: Stop,
        /// What the last attempt failed with: fetch's rejection, or the timeout's reason.
        last: JsValue,
    },
    /// The breaker of `key` is open: nothing was sent (`CircuitOpenError`).
    CircuitOpen {
        /// The breaker key.
        key: String,
        /// Milliseconds until the breaker lets a probe through (0 while probes are out).
        retry_after_ms: u64,
    },
    /// The rate limiter, a hold of the route (`Retry-After`, a spent quota) or a full bulkhead
    /// refused the call: nothing was sent (`ThrottledError`).
    Throttled {
        /// The key.
        key: String,
        /// Milliseconds until a send would be allowed.
        wait_ms: u64,
    },
    /// The caller aborted through the request's signal; the abort reason, unchanged.
    Aborted(JsValue),
    /// The request cannot be sent as given (its body was already used, say): the runtime's
    /// error.
    InvalidRequest(JsValue),
    /// Per-call options that do not check (`Client::fetch_with`).
    Options(OptionError),
}

impl Error {
    /// The npm package's error name: `RetryError`, `CircuitOpenError`, `ThrottledError`,
    /// `AbortError`, `TypeError` or `RangeError`.
    pub fn name(&self) -> &'static str {
        match self {
            Error::GaveUp { .. } => "RetryError",
            Error::CircuitOpen { .. } => "CircuitOpenError",
            Error::Throttled { .. } => "ThrottledError",
            Error::Aborted(_) => "AbortError",
            Error::InvalidRequest(_) => "TypeError",
            Error::Options(e) => match e.kind {
                crate::engine::OptionErrorKind::Type => "TypeError",
                crate::engine::OptionErrorKind::Range => "RangeError",
            },
        }
    }
}

/// A JS value's own message, for `Display`: an `Error`'s `message`, or the value as text.
fn describe(value: &JsValue) -> String {
    if let Some(e) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(value) {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::GaveUp {
                attempts,
                reason,
                last,
            } => write!(
                f,
                "gave up after {attempts} attempt{} ({}): {}",
                if *attempts == 1 { "" } else { "s" },
                reason.as_str(),
                describe(last)
            ),
            Error::CircuitOpen {
                key,
                retry_after_ms,
            } => write!(f, "circuit open for {key}: retry after {retry_after_ms} ms"),
            Error::Throttled { key, wait_ms } => {
                write!(f, "throttled for {key}: wait {wait_ms} ms")
            }
            Error::Aborted(reason) => write!(f, "aborted: {}", describe(reason)),
            Error::InvalidRequest(e) => write!(f, "invalid request: {}", describe(e)),
            Error::Options(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Options(e) => Some(e),
            _ => None,
        }
    }
}

impl From<OptionError> for Error {
    fn from(e: OptionError) -> Self {
        Error::Options(e)
    }
}

/// For handing the error back to JavaScript: the caller's abort reason and the runtime's
/// errors unchanged, the others as a JS `Error` whose `name` and `message` are this error's.
impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        match e {
            Error::Aborted(v) | Error::InvalidRequest(v) => v,
            other => {
                let js = js_sys::Error::new(&other.to_string());
                js.set_name(other.name());
                js.into()
            }
        }
    }
}
