//! The raw option model: every option the engine decides on, as the caller gave it, and the
//! error that names a wrong one.
//!
//! [`Options`] mirrors the API contract's option table field for field, with every field
//! optional (unset means the documented default) and every number an `f64`, because that is
//! what JavaScript and loosely typed hosts hand over. [`decode`](super::options::decode)
//! fills it from a value tree (where a wrong type is caught);
//! [`Policy::from_options`](super::policy::Policy::from_options) resolves it (where a value
//! out of range is caught). Neither of those imports the other: both speak this model.

use super::value::Value;

/// An option that can be left at its default, switched off with `false`, or set.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Setting<T> {
    /// Not given: the documented default.
    #[default]
    Default,
    /// `false`: the feature is off.
    Off,
    /// Given.
    On(T),
}

/// `retry.*`, as given.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RetryOptions {
    /// Attempts in total, the first included (default 5).
    pub max_attempts: Option<f64>,
    /// Backoff base in ms (default 1000).
    pub base_delay_ms: Option<f64>,
    /// Cap on any computed backoff in ms (default 30000).
    pub max_delay_ms: Option<f64>,
    /// `"full"` (default), `"equal"`, `"decorrelated"` or `"none"`.
    pub jitter: Option<String>,
    /// Methods that may be retried (default GET HEAD OPTIONS TRACE PUT DELETE).
    pub methods: Option<Vec<String>>,
    /// Replaces the retryable status table.
    pub status_codes: Option<Vec<f64>>,
    /// Honour `Retry-After` (default true).
    pub respect_retry_after: Option<bool>,
    /// Longest server-requested wait honoured (default = `max_delay_ms`).
    pub max_retry_after_ms: Option<f64>,
    /// Jitter added on top of `Retry-After` (default 1000).
    pub retry_after_jitter_ms: Option<f64>,
    /// Bound on the whole call, waits included (default none).
    pub deadline_ms: Option<f64>,
}

/// `breaker.*`, as given (`key` is resolved by the driver, which knows the URL).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BreakerOptions {
    /// `"consecutive"` (default) or `"failure-rate"`.
    pub mode: Option<String>,
    /// Consecutive failures that open the breaker (default 5).
    pub failure_threshold: Option<f64>,
    /// Open time before a half-open probe, in ms (default 30000).
    pub reset_timeout_ms: Option<f64>,
    /// Concurrent probes while half-open (default 1).
    pub half_open_max_probes: Option<f64>,
    /// Failure share that opens a failure-rate breaker (default 0.5).
    pub failure_rate_threshold: Option<f64>,
    /// Outcomes needed in the window before a failure-rate breaker judges (default 10).
    pub minimum_throughput: Option<f64>,
    /// The failure-rate window in ms (default 30000).
    pub window_ms: Option<f64>,
}

/// `budget.*`, as given.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BudgetOptions {
    /// Retries per call in the window, in `[0, 1]`: the article's form, counted against
    /// calls.
    pub ratio: Option<f64>,
    /// Retries per success in the window, >= 0 (default 1): the default form, counted
    /// against successes. Exclusive with `ratio`.
    pub retries_per_success: Option<f64>,
    /// Window length in ms (default 10000).
    pub window_ms: Option<f64>,
    /// Retries per second always allowed (default 10).
    pub min_retries_per_second: Option<f64>,
}

/// `hedge.*`, as given.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HedgeOptions {
    /// Wait before sending a hedge, in ms (required).
    pub delay_ms: Option<f64>,
    /// Extra copies at most (default 1).
    pub max_hedges: Option<f64>,
}

/// `rateLimit.*`, as given.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RateLimitOptions {
    /// Sustained rate (required).
    pub requests_per_second: Option<f64>,
    /// Bucket size (default `ceil(requestsPerSecond)`, at least 1).
    pub burst: Option<f64>,
    /// Longest wait for a token before throttling, in ms (default 0).
    pub max_wait_ms: Option<f64>,
}

/// `bulkhead.*`, as given.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BulkheadOptions {
    /// Calls open at once per key (required).
    pub max_concurrent: Option<f64>,
    /// Calls that may wait for a slot (default 0).
    pub max_queue: Option<f64>,
}

/// Every option the engine decides on, as given by the caller.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Options {
    /// `retry` (`false` = one attempt only).
    pub retry: Setting<RetryOptions>,
    /// `timeoutMs`, per attempt (default 30000; `false` = none).
    pub timeout_ms: Setting<f64>,
    /// `breaker` (`false` = none).
    pub breaker: Setting<BreakerOptions>,
    /// `budget` (`false` = unlimited retries within `maxAttempts`).
    pub budget: Setting<BudgetOptions>,
    /// `hedge` (default off).
    pub hedge: Setting<HedgeOptions>,
    /// `rateLimit` (default off).
    pub rate_limit: Setting<RateLimitOptions>,
    /// `bulkhead` (default off).
    pub bulkhead: Setting<BulkheadOptions>,
    /// `pushback`: honour `Retry-Pushback-Ms` (default false).
    pub pushback: Option<bool>,
    /// `cooldown`: a Retry-After holds back every call to the route (default true).
    pub cooldown: Option<bool>,
    /// `paceFromHeaders`: rate-limit headers hold the route (default true).
    pub pace_from_headers: Option<bool>,
    /// `adaptiveRate`: 429s without a named time teach the route a send rate (default true).
    pub adaptive_rate: Option<bool>,
}

/// Whether an invalid option has the wrong type or a value out of range (JS: `TypeError`
/// or `RangeError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionErrorKind {
    /// The wrong type (a string where a number belongs, an unknown key).
    Type,
    /// The right type, out of range (negative, fractional count, NaN, unknown name).
    Range,
}

/// What an invalid option should have been.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// A value of this description (`an integer >= 1`); the message then shows the value given.
    Value {
        /// What the value must be, e.g. `an integer >= 1`.
        must_be: String,
        /// The value given.
        got: Value,
    },
    /// A key that is not an option, with the keys that are.
    KnownKey(&'static [&'static str]),
}

/// An invalid option: which one, what it must be, and what it was. Formatted lazily
/// (`Display`), so a host that formats values its own way (the Wasm driver prints numbers
/// with JavaScript's `String(n)`) does not carry Rust's float printing.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionError {
    /// Type or range.
    pub kind: OptionErrorKind,
    /// The option path, e.g. `retry.maxAttempts` or `retry.statusCodes[2]`.
    pub path: String,
    /// What it should have been.
    pub expected: Expected,
}

impl OptionError {
    fn new(kind: OptionErrorKind, path: String, expected: &str, got: Value) -> Self {
        let expected = Expected::Value {
            must_be: expected.to_owned(),
            got,
        };
        Self {
            kind,
            path,
            expected,
        }
    }

    pub(crate) fn range(path: impl Into<String>, expected: impl AsRef<str>, got: Value) -> Self {
        Self::new(OptionErrorKind::Range, path.into(), expected.as_ref(), got)
    }

    pub(crate) fn type_(path: impl Into<String>, expected: impl AsRef<str>, got: Value) -> Self {
        Self::new(OptionErrorKind::Type, path.into(), expected.as_ref(), got)
    }

    /// A key that is not an option: a typo must not be silently ignored.
    pub(crate) fn unknown(path: String, known: &'static [&'static str]) -> Self {
        Self {
            kind: OptionErrorKind::Type,
            path,
            expected: Expected::KnownKey(known),
        }
    }

    /// The message, with the value given rendered by `show`: `{path} must be {...}, got
    /// {show(value)}`, or `{path} is not an option (known: ...)`.
    pub fn message_with(&self, show: impl FnOnce(&Value) -> String) -> String {
        match &self.expected {
            Expected::Value { must_be, got } => {
                let mut m = String::with_capacity(self.path.len() + must_be.len() + 24);
                m.push_str(&self.path);
                m.push_str(" must be ");
                m.push_str(must_be);
                m.push_str(", got ");
                m.push_str(&show(got));
                m
            }
            Expected::KnownKey(known) => {
                let mut m = self.path.clone();
                m.push_str(" is not an option (known: ");
                m.push_str(&known.join(", "));
                m.push(')');
                m
            }
        }
    }

    /// The message users see, e.g. `retry.maxAttempts must be an integer >= 1, got -1`.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl core::fmt::Display for OptionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message_with(|v| v.to_string()))
    }
}

impl std::error::Error for OptionError {}
