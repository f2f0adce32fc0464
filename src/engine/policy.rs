//! What the caller asked for, checked once: raw [`Options`] in, a typed [`Policy`] out.
//!
//! The resolver: [`Policy::from_options`] takes the [`raw`](super::raw) model (every field
//! optional, every number an `f64`), checks every value and resolves every default; nothing
//! downstream re-checks. An invalid value is an [`OptionError`] naming the option path and
//! the value, in the words the JS layer shows: `retry.maxAttempts must be an integer >= 1,
//! got -1`.
//!
//! Conventions, so users can guess right:
//! - Millisecond values are finite and `>= 0` (or `> 0` where zero would mean "never"); a
//!   fractional millisecond is rounded up, so no wait ends early.
//! - Counts (attempts, thresholds, probes, burst, hedges) are integers; values above
//!   `u32::MAX` saturate, since the deadline and the budget bound them anyway.
//! - `NaN` and infinities are out of range everywhere.
//!
//! The checks themselves, their order, their words and the defaults the schema spells are
//! generated from the option schema (`fields.rs`, on the checks of `range.rs`);
//! what is written here is what the engine builds from the checked values.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::num::NonZeroU32;

use super::backoff::{Backoff, Jitter};
use super::breaker::{BreakerConfig, BreakerMode};
use super::budget::{Basis, BudgetConfig};
use super::bulkhead::BulkheadConfig;
use super::classify::{StatusCodes, DEFAULT_METHODS};
use super::fields::{
    check_breaker, check_budget, check_options, check_retry, BreakerChecked, BudgetChecked,
    RateLimitChecked, RetryChecked,
};
use super::limiter::LimiterConfig;
use super::math;
use super::raw::{OptionError, Options, RetryOptions, Setting};

/// The retry part of a [`Policy`].
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retries). Non-zero by type, as
    /// governor's quotas: a policy that never sends cannot be built.
    pub max_attempts: NonZeroU32,
    /// Backoff base, cap and jitter.
    pub backoff: Backoff,
    /// Methods that may be retried, as given (compared case-insensitively).
    pub methods: Vec<String>,
    /// The retryable statuses.
    pub status_codes: StatusCodes,
    /// Whether `Retry-After` is honoured.
    pub respect_retry_after: bool,
    /// A server asking for a longer wait ends the retries at once.
    pub max_retry_after_ms: u64,
    /// Jitter added on top of `Retry-After`.
    pub retry_after_jitter_ms: u64,
    /// Bound on the whole call, waits included.
    pub deadline_ms: Option<u64>,
}

/// Hedging settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeConfig {
    /// Wait before sending a hedge, in ms.
    pub delay_ms: u64,
    /// Extra copies at most.
    pub max_hedges: NonZeroU32,
}

impl HedgeConfig {
    /// A hedge after `delay_ms`, at most `max_hedges` extra copies (never zero, by its type).
    pub const fn new(delay_ms: u64, max_hedges: NonZeroU32) -> Self {
        Self {
            delay_ms,
            max_hedges,
        }
    }
}

/// Validated options: what the engine acts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Retries, backoff and Retry-After.
    pub retry: RetryPolicy,
    /// Per-attempt timeout.
    pub timeout_ms: Option<u64>,
    /// The breaker, if on.
    pub breaker: Option<BreakerConfig>,
    /// The retry budget, if on.
    pub budget: Option<BudgetConfig>,
    /// Hedging, if on.
    pub hedge: Option<HedgeConfig>,
    /// Proactive throttling, if on.
    pub rate_limit: Option<LimiterConfig>,
    /// The concurrency bound, if on.
    pub bulkhead: Option<BulkheadConfig>,
    /// Whether `Retry-Pushback-Ms` is honoured.
    pub pushback: bool,
    /// Whether a Retry-After holds back every call to the route.
    pub cooldown: bool,
    /// Whether rate-limit headers hold the route.
    pub pace: bool,
    /// Whether hint-less 429s teach the route a send rate.
    pub adaptive: bool,
    /// The bytes of a stream body a driver keeps to replay it on a retry (`maxReplayBytes`;
    /// 0: a stream body is sent once). The driver buffers; the engine hears of a body past
    /// the bound through [`super::call::Call::commit`].
    pub max_replay_bytes: u32,
}

impl Default for Policy {
    /// Every default of the API contract.
    fn default() -> Self {
        Self::from_options(&Options::default()).expect("the defaults are valid")
    }
}

impl Policy {
    /// Checks every option and resolves every default.
    ///
    /// The checks, their words and the defaults the schema spells are generated
    /// (`check_options`); what is built from the checked values is here.
    pub fn from_options(options: &Options) -> Result<Self, OptionError> {
        Self::resolve(options).map_err(|e| *e)
    }

    /// [`Policy::from_options`], its error boxed: the checks pass a pointer up, not the error.
    fn resolve(options: &Options) -> Result<Self, Box<OptionError>> {
        let c = check_options(options)?;
        let retry = match c.retry {
            Setting::On(r) => retry_policy(r, false),
            Setting::Default => retry_policy(check_retry(&RetryOptions::default())?, false),
            Setting::Off => retry_policy(check_retry(&RetryOptions::default())?, true),
        };
        Ok(Self {
            retry,
            timeout_ms: c.timeout_ms,
            breaker: match c.breaker {
                Setting::Off => None,
                Setting::Default => Some(breaker_config(check_breaker(&Default::default())?)),
                Setting::On(b) => Some(breaker_config(b)),
            },
            budget: match c.budget {
                Setting::Off => None,
                Setting::Default => Some(budget_config(check_budget(&Default::default())?)),
                Setting::On(b) => Some(budget_config(b)),
            },
            hedge: match c.hedge {
                Setting::Off | Setting::Default => None,
                Setting::On(h) => Some(HedgeConfig {
                    delay_ms: h.delay_ms,
                    // The schema's check made it >= 1.
                    max_hedges: NonZeroU32::new(h.max_hedges).unwrap_or(NonZeroU32::MIN),
                }),
            },
            rate_limit: match c.rate_limit {
                Setting::Off | Setting::Default => None,
                Setting::On(r) => Some(limiter_config(r)),
            },
            pushback: c.pushback,
            cooldown: c.cooldown,
            pace: c.pace_from_headers,
            adaptive: c.adaptive_rate,
            max_replay_bytes: c.max_replay_bytes,
            bulkhead: match c.bulkhead {
                Setting::Off | Setting::Default => None,
                Setting::On(b) => Some(BulkheadConfig {
                    max_concurrent: NonZeroU32::new(b.max_concurrent).unwrap_or(NonZeroU32::MIN),
                    max_queue: b.max_queue,
                }),
            },
        })
    }
}

fn retry_policy(r: RetryChecked, disabled: bool) -> RetryPolicy {
    RetryPolicy {
        max_attempts: if disabled {
            NonZeroU32::MIN
        } else {
            // The schema's check made it >= 1.
            NonZeroU32::new(r.max_attempts).unwrap_or(NonZeroU32::MIN)
        },
        backoff: Backoff {
            base_ms: r.base_delay_ms,
            max_ms: r.max_delay_ms,
            jitter: Jitter::from_name(r.jitter).unwrap_or(Jitter::Full),
        },
        methods: r
            .methods
            .unwrap_or_else(|| DEFAULT_METHODS.iter().map(|m| (*m).to_owned()).collect()),
        status_codes: match r.status_codes {
            None => StatusCodes::Default,
            Some(list) => StatusCodes::Custom(list.into_iter().collect()),
        },
        respect_retry_after: r.respect_retry_after,
        max_retry_after_ms: r.max_retry_after_ms.unwrap_or(r.max_delay_ms),
        retry_after_jitter_ms: r.retry_after_jitter_ms,
        deadline_ms: r.deadline_ms,
    }
}

fn breaker_config(b: BreakerChecked) -> BreakerConfig {
    let mode = if b.mode == "failure-rate" {
        BreakerMode::FailureRate {
            threshold: b.failure_rate_threshold,
            minimum_throughput: b.minimum_throughput,
            window_ms: b.window_ms,
        }
    } else {
        BreakerMode::Consecutive {
            failure_threshold: NonZeroU32::new(b.failure_threshold).unwrap_or(NonZeroU32::MIN),
        }
    };
    BreakerConfig {
        mode,
        reset_timeout_ms: b.reset_timeout_ms,
        half_open_max_probes: NonZeroU32::new(b.half_open_max_probes).unwrap_or(NonZeroU32::MIN),
    }
}

fn budget_config(b: BudgetChecked) -> BudgetConfig {
    BudgetConfig {
        basis: if b.ratio.is_some() {
            Basis::Calls
        } else {
            Basis::Successes
        },
        ratio: b.ratio.unwrap_or(b.retries_per_success),
        window_ms: b.window_ms,
        min_retries_per_second: b.min_retries_per_second,
    }
}

fn limiter_config(r: RateLimitChecked) -> LimiterConfig {
    let rps = r.requests_per_second;
    let default_burst = if rps >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        (math::ceil(rps) as u32).max(1)
    };
    LimiterConfig {
        requests_per_second: rps,
        burst: r.burst.unwrap_or(default_burst),
        max_wait_ms: r.max_wait_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::raw::{
        BreakerOptions, BudgetOptions, BulkheadOptions, HedgeOptions, OptionErrorKind,
        RateLimitOptions,
    };
    use crate::engine::value::Value;

    fn retry(r: RetryOptions) -> Options {
        Options {
            retry: Setting::On(r),
            ..Options::default()
        }
    }

    fn err(o: &Options) -> (OptionErrorKind, String) {
        let e = Policy::from_options(o).unwrap_err();
        (e.kind, e.to_string())
    }

    #[test]
    fn defaults_match_the_contract() {
        let p = Policy::default();
        assert_eq!(p.retry.max_attempts.get(), 5);
        assert_eq!(
            p.retry.backoff,
            Backoff {
                base_ms: 1_000,
                max_ms: 30_000,
                jitter: Jitter::Full
            }
        );
        assert_eq!(p.retry.methods, DEFAULT_METHODS);
        assert_eq!(p.retry.status_codes, StatusCodes::Default);
        assert!(p.retry.respect_retry_after);
        assert_eq!(p.retry.max_retry_after_ms, 30_000);
        assert_eq!(p.retry.retry_after_jitter_ms, 1_000);
        assert_eq!(p.retry.deadline_ms, None);
        assert_eq!(p.timeout_ms, Some(30_000));
        assert_eq!(p.breaker, Some(BreakerConfig::default()));
        assert_eq!(
            p.budget,
            Some(BudgetConfig {
                basis: Basis::Successes,
                ratio: 1.0,
                window_ms: 10_000,
                min_retries_per_second: 10.0
            })
        );
        assert!(
            p.cooldown && p.pace && p.adaptive,
            "429s slow the route by default"
        );
        assert_eq!(p.hedge, None);
        assert_eq!(p.rate_limit, None);
    }

    #[test]
    fn max_retry_after_defaults_to_max_delay() {
        let p = Policy::from_options(&retry(RetryOptions {
            max_delay_ms: Some(5_000.0),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(p.retry.max_retry_after_ms, 5_000);
    }

    #[test]
    fn retry_false_means_one_attempt() {
        let p = Policy::from_options(&Options {
            retry: Setting::Off,
            ..Options::default()
        })
        .unwrap();
        assert_eq!(p.retry.max_attempts.get(), 1);
    }

    #[test]
    fn the_contract_example_message() {
        let o = retry(RetryOptions {
            max_attempts: Some(-1.0),
            ..Default::default()
        });
        assert_eq!(
            err(&o),
            (
                OptionErrorKind::Range,
                "retry.maxAttempts must be an integer >= 1, got -1".into()
            )
        );
    }

    #[test]
    fn out_of_range_values_name_option_and_value() {
        let cases: Vec<(Options, &str)> = vec![
            (
                retry(RetryOptions {
                    max_attempts: Some(1.5),
                    ..Default::default()
                }),
                "retry.maxAttempts must be an integer >= 1, got 1.5",
            ),
            (
                retry(RetryOptions {
                    max_attempts: Some(0.0),
                    ..Default::default()
                }),
                "retry.maxAttempts must be an integer >= 1, got 0",
            ),
            (
                retry(RetryOptions {
                    max_attempts: Some(f64::NAN),
                    ..Default::default()
                }),
                "retry.maxAttempts must be an integer >= 1, got NaN",
            ),
            (
                retry(RetryOptions {
                    max_attempts: Some(f64::INFINITY),
                    ..Default::default()
                }),
                "retry.maxAttempts must be an integer >= 1, got Infinity",
            ),
            (
                retry(RetryOptions {
                    base_delay_ms: Some(-5.0),
                    ..Default::default()
                }),
                "retry.baseDelayMs must be a number of milliseconds >= 0, got -5",
            ),
            (
                retry(RetryOptions {
                    max_delay_ms: Some(f64::NEG_INFINITY),
                    ..Default::default()
                }),
                "retry.maxDelayMs must be a number of milliseconds >= 0, got -Infinity",
            ),
            (
                retry(RetryOptions {
                    jitter: Some("fool".into()),
                    ..Default::default()
                }),
                r#"retry.jitter must be one of "full", "equal", "decorrelated", "none", got "fool""#,
            ),
            (
                retry(RetryOptions {
                    methods: Some(vec!["GET".into(), "BAD METHOD".into()]),
                    ..Default::default()
                }),
                r#"retry.methods[1] must be an HTTP method name, got "BAD METHOD""#,
            ),
            (
                retry(RetryOptions {
                    status_codes: Some(vec![503.0, 700.0]),
                    ..Default::default()
                }),
                "retry.statusCodes[1] must be an integer from 100 to 599, got 700",
            ),
            (
                retry(RetryOptions {
                    status_codes: Some(vec![429.5]),
                    ..Default::default()
                }),
                "retry.statusCodes[0] must be an integer from 100 to 599, got 429.5",
            ),
            (
                retry(RetryOptions {
                    deadline_ms: Some(0.0),
                    ..Default::default()
                }),
                "retry.deadlineMs must be a number of milliseconds > 0, got 0",
            ),
            (
                retry(RetryOptions {
                    max_retry_after_ms: Some(-1.0),
                    ..Default::default()
                }),
                "retry.maxRetryAfterMs must be a number of milliseconds >= 0, got -1",
            ),
            (
                retry(RetryOptions {
                    retry_after_jitter_ms: Some(f64::NAN),
                    ..Default::default()
                }),
                "retry.retryAfterJitterMs must be a number of milliseconds >= 0, got NaN",
            ),
            (
                Options {
                    timeout_ms: Setting::On(0.0),
                    ..Options::default()
                },
                "timeoutMs must be a number of milliseconds > 0, got 0",
            ),
            (
                Options {
                    breaker: Setting::On(BreakerOptions {
                        failure_threshold: Some(0.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "breaker.failureThreshold must be an integer >= 1, got 0",
            ),
            (
                Options {
                    breaker: Setting::On(BreakerOptions {
                        reset_timeout_ms: Some(-1.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "breaker.resetTimeoutMs must be a number of milliseconds >= 0, got -1",
            ),
            (
                Options {
                    breaker: Setting::On(BreakerOptions {
                        half_open_max_probes: Some(2.5),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "breaker.halfOpenMaxProbes must be an integer >= 1, got 2.5",
            ),
            (
                Options {
                    breaker: Setting::On(BreakerOptions {
                        mode: Some("rate".into()),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                r#"breaker.mode must be one of "consecutive", "failure-rate", got "rate""#,
            ),
            (
                Options {
                    breaker: Setting::On(BreakerOptions {
                        failure_rate_threshold: Some(0.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "breaker.failureRateThreshold must be a number > 0 and <= 1, got 0",
            ),
            (
                Options {
                    budget: Setting::On(BudgetOptions {
                        ratio: Some(1.5),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "budget.ratio must be a number from 0 to 1, got 1.5",
            ),
            (
                Options {
                    budget: Setting::On(BudgetOptions {
                        ratio: Some(-0.1),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "budget.ratio must be a number from 0 to 1, got -0.1",
            ),
            (
                Options {
                    budget: Setting::On(BudgetOptions {
                        window_ms: Some(0.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "budget.windowMs must be a number of milliseconds > 0, got 0",
            ),
            (
                Options {
                    budget: Setting::On(BudgetOptions {
                        min_retries_per_second: Some(-2.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "budget.minRetriesPerSecond must be a number >= 0, got -2",
            ),
            (
                Options {
                    hedge: Setting::On(HedgeOptions {
                        delay_ms: Some(-1.0),
                        max_hedges: None,
                    }),
                    ..Options::default()
                },
                "hedge.delayMs must be a number of milliseconds >= 0, got -1",
            ),
            (
                Options {
                    hedge: Setting::On(HedgeOptions {
                        delay_ms: Some(10.0),
                        max_hedges: Some(0.0),
                    }),
                    ..Options::default()
                },
                "hedge.maxHedges must be an integer >= 1, got 0",
            ),
            (
                Options {
                    rate_limit: Setting::On(RateLimitOptions {
                        requests_per_second: Some(0.0),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "rateLimit.requestsPerSecond must be a number > 0, got 0",
            ),
            (
                Options {
                    rate_limit: Setting::On(RateLimitOptions {
                        requests_per_second: Some(5.0),
                        burst: Some(0.5),
                        ..Default::default()
                    }),
                    ..Options::default()
                },
                "rateLimit.burst must be an integer >= 1, got 0.5",
            ),
        ];
        for (o, want) in cases {
            assert_eq!(err(&o), (OptionErrorKind::Range, want.to_string()));
        }
    }

    #[test]
    fn missing_required_numbers_are_type_errors() {
        let o = Options {
            hedge: Setting::On(HedgeOptions::default()),
            ..Options::default()
        };
        assert_eq!(
            err(&o),
            (
                OptionErrorKind::Type,
                "hedge.delayMs must be a number of milliseconds >= 0, got undefined".into()
            )
        );
        let o = Options {
            rate_limit: Setting::On(RateLimitOptions::default()),
            ..Options::default()
        };
        assert_eq!(
            err(&o),
            (
                OptionErrorKind::Type,
                "rateLimit.requestsPerSecond must be a number > 0, got undefined".into()
            )
        );
    }

    #[test]
    fn bulkhead_options() {
        let bulkhead = |c: Option<f64>, q: Option<f64>| Options {
            bulkhead: Setting::On(BulkheadOptions {
                max_concurrent: c,
                max_queue: q,
            }),
            ..Options::default()
        };
        let p = Policy::from_options(&bulkhead(Some(4.0), None)).unwrap();
        assert_eq!(
            p.bulkhead,
            Some(BulkheadConfig {
                max_concurrent: NonZeroU32::new(4).unwrap(),
                max_queue: 0
            })
        );
        assert_eq!(
            err(&bulkhead(None, None)),
            (
                OptionErrorKind::Type,
                "bulkhead.maxConcurrent must be an integer >= 1, got undefined".into()
            )
        );
        assert_eq!(
            err(&bulkhead(Some(0.0), None)),
            (
                OptionErrorKind::Range,
                "bulkhead.maxConcurrent must be an integer >= 1, got 0".into()
            )
        );
        assert_eq!(
            err(&bulkhead(Some(1.0), Some(-1.0))),
            (
                OptionErrorKind::Range,
                "bulkhead.maxQueue must be an integer >= 0, got -1".into()
            )
        );
    }

    #[test]
    fn fractional_milliseconds_round_up_and_huge_counts_saturate() {
        let p = Policy::from_options(&retry(RetryOptions {
            base_delay_ms: Some(0.2),
            max_attempts: Some(1e12),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(p.retry.backoff.base_ms, 1);
        assert_eq!(p.retry.max_attempts.get(), u32::MAX);
    }

    #[test]
    fn rate_limit_burst_defaults_to_the_rate() {
        let rl = |rps: f64| {
            Policy::from_options(&Options {
                rate_limit: Setting::On(RateLimitOptions {
                    requests_per_second: Some(rps),
                    ..Default::default()
                }),
                ..Options::default()
            })
            .unwrap()
            .rate_limit
            .unwrap()
        };
        assert_eq!(rl(20.0).burst, 20);
        assert_eq!(rl(2.5).burst, 3);
        assert_eq!(rl(0.1).burst, 1);
        assert_eq!(rl(20.0).max_wait_ms, 0);
    }

    #[test]
    fn failure_rate_mode_is_selected_by_name() {
        let p = Policy::from_options(&Options {
            breaker: Setting::On(BreakerOptions {
                mode: Some("failure-rate".into()),
                failure_rate_threshold: Some(0.25),
                minimum_throughput: Some(20.0),
                window_ms: Some(60_000.0),
                ..Default::default()
            }),
            ..Options::default()
        })
        .unwrap();
        assert_eq!(
            p.breaker.unwrap().mode,
            BreakerMode::FailureRate {
                threshold: 0.25,
                minimum_throughput: 20,
                window_ms: 60_000
            }
        );
    }

    #[test]
    fn custom_status_codes_and_methods_are_kept() {
        let p = Policy::from_options(&retry(RetryOptions {
            status_codes: Some(vec![418.0, 503.0]),
            methods: Some(vec!["get".into(), "POST".into()]),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(
            p.retry.status_codes,
            StatusCodes::Custom([418, 503].into_iter().collect())
        );
        assert_eq!(p.retry.methods, ["get", "POST"]);
    }

    /// Every range-checked schema row is checked by the resolver in the schema's words: an
    /// out-of-range value names the row's path and its `must_be`, and a required row left
    /// out says so. A row whose check the resolver forgot, or words that drifted, fail here.
    #[test]
    fn every_checked_row_reports_its_schema_words() {
        use crate::engine::options::decode;
        use crate::engine::schema::ROWS;
        let obj = |entries: Vec<(&str, Value)>| {
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        };
        let resolve = |v: &Value| decode(v).and_then(|d| Policy::from_options(&d.options));
        for row in ROWS {
            let Some(must_be) = row.must_be else { continue };
            let (group, key) = row.path.split_once('.').unwrap_or(("", row.path));
            // The required siblings, valid, so only this row is wrong.
            let siblings = |v: Option<Value>| {
                let mut entries: Vec<(&str, Value)> = ROWS
                    .iter()
                    .filter(|r| r.required && r.path != row.path)
                    .filter_map(|r| r.path.strip_prefix(group)?.strip_prefix('.'))
                    .map(|k| (k, Value::Number(1.0)))
                    .collect();
                entries.extend(v.map(|v| (key, v)));
                if group.is_empty() {
                    obj(entries)
                } else {
                    obj(vec![(group, obj(entries))])
                }
            };
            let (bad, path) = match must_be {
                m if m.starts_with("one of") => (Value::String("?".into()), row.path.to_owned()),
                "an HTTP method name" => (
                    Value::Array(vec![Value::String("a b".into())]),
                    format!("{}[0]", row.path),
                ),
                "an integer from 100 to 599" => (
                    Value::Array(vec![Value::Number(99.0)]),
                    format!("{}[0]", row.path),
                ),
                m if m.contains("<= 1") || m.contains("0 to 1") => {
                    (Value::Number(2.0), row.path.to_owned())
                }
                _ => (Value::Number(-1.0), row.path.to_owned()),
            };
            let shown = match &bad {
                Value::Array(items) => items[0].to_string(),
                other => other.to_string(),
            };
            let e = resolve(&siblings(Some(bad))).unwrap_err();
            assert_eq!(
                e.message(),
                format!("{path} must be {must_be}, got {shown}")
            );
            if row.required {
                let e = resolve(&siblings(None)).unwrap_err();
                assert_eq!(
                    e.message(),
                    format!("{} must be {must_be}, got undefined", row.path)
                );
            }
        }
    }
}
