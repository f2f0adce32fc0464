//! What an instance knows, as plain data: a [`Snapshot`] to save, ship and restore.
//!
//! A snapshot holds the state that changes what the next call does: each key's breaker
//! (closed with its run of failures and failure-rate window, open until a time, half-open),
//! its retry budget's window and its rate limiter's schedule, and each route's hold and
//! learned send rate. It leaves out what cannot outlive this process or would mislead another
//! one: the counters (`stats()`: they describe this instance's life), calls in flight and
//! their bulkhead slots and half-open probes, slots reserved in a route's schedule, the
//! one-second measure of accepted responses the next rate cut is based on, and which route
//! signalled last (whole-key promotion re-learns within a minute).
//!
//! **Clocks.** Every time in a snapshot is absolute, milliseconds since the Unix epoch, so a
//! snapshot means the same thing to another process: [`Instance::restore`] at a later `now`
//! never extends anything. An open breaker whose `until` has passed is restored half-open
//! (what a call arriving at `now` would find), a hold that has ended and a rate limiter's
//! schedule that has refilled are dropped, and window buckets that have left their window
//! are not counted. A bucket dated after `now` (a clock ahead of this one) counts as `now`'s.
//!
//! **Bounds.** [`Instance::snapshot`] writes at most the instance's capacity of keys and of
//! routes; [`Instance::restore`] refuses more, and refuses a snapshot of another format
//! [`VERSION`] or with values no engine could have written (a non-finite rate, a zero
//! window, a key named twice), naming the field: nothing is applied then.
//!
//! **JSON** (feature `serde`, on by default): the types derive `Serialize` and `Deserialize`
//! with camelCase field names, so `serde_json::to_string(&instance.snapshot(now))` gives:
//!
//! ```json
//! {
//!   "version": 1,
//!   "takenAt": 1790000000000,
//!   "keys": [
//!     { "key": "https://api.example",
//!       "breaker": { "state": "open", "until": 1790000030000 },
//!       "budget": { "basis": "successes",
//!                   "window": { "windowMs": 10000, "buckets": [{ "start": 1789999999000, "counts": [12, 3] }] } },
//!       "limiterTat": null },
//!     { "key": "https://b.example",
//!       "breaker": { "state": "closed", "consecutiveFailures": 2, "window": null },
//!       "budget": null, "limiterTat": 1790000000250.5 }
//!   ],
//!   "routes": [
//!     { "route": "https://api.example /search", "holdUntil": 1790000002000, "rate": null },
//!     { "route": "https://api.example /items", "holdUntil": null,
//!       "rate": { "wMax": 8, "cutAt": 1789999999500, "horizon": 1789999999600 } }
//!   ]
//! }
//! ```
//!
//! A breaker's `state` is `"closed"` (with `consecutiveFailures` and, in failure-rate mode,
//! its `window` of `[successes, failures]`), `"open"` (with `until`) or `"half-open"`. A
//! budget's `basis` is `"successes"` or `"calls"` and its window counts `[basis, retries]`.
//! A window's buckets are `windowMs / 10` long, `start` their first millisecond. A route is
//! the breaker key, a space, and the URL's path (`"*"`: the whole key). `rate` is the learned
//! send rate's curve (`wMax` requests per second at the cut, `cutAt` the cut's time,
//! `horizon` the end of the round it answered). The npm package's `snapshot()` returns this
//! same object, built in TypeScript (its Wasm carries no JSON code).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::breaker::{Breaker, Inner};
use super::budget::{Basis, Budget};
use super::gate::{Curve, FORGET_FACTOR};
use super::instance::Instance;
use super::window::Window;

/// The snapshot format this engine writes and reads.
pub const VERSION: u32 = 1;

/// An instance's state at one moment (see the module documentation for the JSON form).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Snapshot {
    /// The format: [`VERSION`].
    pub version: u32,
    /// When it was taken (ms since the Unix epoch).
    pub taken_at: u64,
    /// Per breaker key, in key order.
    pub keys: Vec<KeySnapshot>,
    /// Per route holding a hold or a learned rate, in route order.
    pub routes: Vec<RouteSnapshot>,
}

/// One breaker key's state.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct KeySnapshot {
    /// The breaker key (by default an origin).
    pub key: String,
    /// The circuit breaker.
    pub breaker: BreakerSnapshot,
    /// The retry budget, once a call used it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub budget: Option<BudgetSnapshot>,
    /// The rate limiter's theoretical arrival time (ms, fractional), while it is ahead of
    /// `takenAt` (after that the bucket is full again).
    #[cfg_attr(feature = "serde", serde(default))]
    pub limiter_tat: Option<f64>,
}

/// A breaker's state.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "state", rename_all = "kebab-case", deny_unknown_fields)
)]
pub enum BreakerSnapshot {
    /// Closed: the run of failures so far, and the failure-rate window when that mode counted.
    #[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
    Closed {
        /// Failures in a row.
        consecutive_failures: u32,
        /// `[successes, failures]` over `breaker.windowMs`.
        #[cfg_attr(feature = "serde", serde(default))]
        window: Option<WindowSnapshot>,
    },
    /// Open until `until` (ms since the Unix epoch).
    Open {
        /// When the next call finds it half-open.
        until: u64,
    },
    /// Half-open: the next call is a probe.
    HalfOpen,
}

/// A retry budget's window.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct BudgetSnapshot {
    /// What retries are counted against.
    pub basis: BasisName,
    /// `[basis, retries]` over `budget.windowMs`.
    pub window: WindowSnapshot,
}

/// [`Basis`] by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum BasisName {
    /// Successful answers (`retriesPerSuccess`).
    Successes,
    /// Calls (`ratio`).
    Calls,
}

/// A rolling window's buckets.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct WindowSnapshot {
    /// The window's length (ms, >= 1).
    pub window_ms: u64,
    /// The buckets still inside the window, oldest first.
    pub buckets: Vec<BucketSnapshot>,
}

/// One bucket of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct BucketSnapshot {
    /// Its first millisecond (since the Unix epoch).
    pub start: u64,
    /// Its two counts.
    pub counts: [u64; 2],
}

/// One route's hold and learned rate.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RouteSnapshot {
    /// The breaker key, a space, the path (`*`: the whole key).
    pub route: String,
    /// Held until then (ms since the Unix epoch), if still held.
    #[cfg_attr(feature = "serde", serde(default))]
    pub hold_until: Option<u64>,
    /// The learned send rate's curve, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub rate: Option<RateSnapshot>,
}

/// A learned send rate: the CUBIC curve since its last cut.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RateSnapshot {
    /// The accepted rate the cut was based on (requests per second, finite, > 0).
    pub w_max: f64,
    /// When the cut happened (ms).
    pub cut_at: u64,
    /// Requests sent before this time belong to the round the cut answered (ms).
    pub horizon: u64,
}

/// Why a snapshot was refused. Nothing was applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SnapshotError {
    /// Another format version.
    Version {
        /// The version given.
        got: u64,
    },
    /// More keys or routes than the instance holds.
    TooMany {
        /// `"keys"` or `"routes"`.
        field: &'static str,
        /// Entries given.
        got: usize,
        /// The instance's capacity.
        capacity: usize,
    },
    /// A key or route named twice.
    Repeated {
        /// `"keys"` or `"routes"`.
        field: &'static str,
        /// The later entry.
        index: usize,
    },
    /// A number out of its range.
    Invalid {
        /// `"keys"` or `"routes"`.
        field: &'static str,
        /// The entry.
        index: usize,
        /// The number's path inside it, such as `"rate.wMax"`.
        name: &'static str,
        /// What it must be.
        must_be: &'static str,
        /// What it was.
        got: f64,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Version { got } => write!(f, "version must be {VERSION}, got {got}"),
            Self::TooMany {
                field,
                got,
                capacity,
            } => write!(
                f,
                "{field} must hold at most {capacity} entries (the instance's capacity), got {got}"
            ),
            Self::Repeated { field, index } => {
                write!(f, "{field}[{index}] repeats an earlier entry's name")
            }
            Self::Invalid {
                field,
                index,
                name,
                must_be,
                got,
            } => write!(f, "{field}[{index}].{name} must be {must_be}, got {got}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SnapshotError {}

fn window_snapshot(w: &Window, now: u64) -> WindowSnapshot {
    WindowSnapshot {
        window_ms: w.window_ms(),
        buckets: w
            .buckets(now)
            .into_iter()
            .map(|(start, counts)| BucketSnapshot { start, counts })
            .collect(),
    }
}

fn window_from(s: &WindowSnapshot, now: u64) -> Window {
    Window::from_buckets(
        s.window_ms,
        s.buckets.iter().map(|b| (b.start, b.counts)),
        now,
    )
}

fn breaker_snapshot(b: &Breaker, now: u64) -> BreakerSnapshot {
    match b.inner {
        Inner::Closed => BreakerSnapshot::Closed {
            consecutive_failures: b.consecutive_failures,
            window: b.window.as_ref().map(|w| window_snapshot(w, now)),
        },
        Inner::Open { until } if now < until => BreakerSnapshot::Open { until },
        Inner::Open { .. } | Inner::HalfOpen { .. } => BreakerSnapshot::HalfOpen,
    }
}

impl Instance {
    /// The state that matters to the next call, as seen at `now` (see [`Snapshot`]): at most
    /// the instance's capacity of keys and of routes, in key order. Changes nothing.
    pub fn snapshot(&self, now: u64) -> Snapshot {
        let keys = self
            .registry
            .iter()
            .map(|(key, s)| KeySnapshot {
                key: key.into(),
                breaker: breaker_snapshot(&s.breaker, now),
                budget: s.budget.as_ref().map(|b| BudgetSnapshot {
                    basis: match b.basis {
                        Basis::Successes => BasisName::Successes,
                        Basis::Calls => BasisName::Calls,
                    },
                    window: window_snapshot(&b.window, now),
                }),
                limiter_tat: Some(s.limiter.tat).filter(|&tat| tat > now as f64),
            })
            .collect();
        let routes = self
            .gates
            .iter()
            .filter_map(|(route, g)| {
                let hold_until = Some(g.hold_until).filter(|&h| h > now);
                let rate = g.curve.map(|c| RateSnapshot {
                    w_max: c.w_max,
                    cut_at: c.cut_at,
                    horizon: c.horizon,
                });
                (hold_until.is_some() || rate.is_some()).then(|| RouteSnapshot {
                    route: route.into(),
                    hold_until,
                    rate,
                })
            })
            .collect();
        Snapshot {
            version: VERSION,
            taken_at: now,
            keys,
            routes,
        }
    }

    /// Applies `snapshot` at `now`: each key and route it names takes the snapshot's state
    /// (others are left as they are), with nothing extended past its absolute time (see the
    /// module documentation). A snapshot of another version, with more entries than the
    /// instance holds, or with values out of range is refused whole.
    pub fn restore(&mut self, snapshot: &Snapshot, now: u64) -> Result<(), SnapshotError> {
        check(snapshot, self.registry.capacity())?;
        for k in &snapshot.keys {
            let state = self.registry.entry(&k.key);
            let b = &mut state.breaker;
            match &k.breaker {
                BreakerSnapshot::Closed {
                    consecutive_failures,
                    window,
                } => {
                    b.inner = Inner::Closed;
                    b.consecutive_failures = *consecutive_failures;
                    b.window = window.as_ref().map(|w| window_from(w, now));
                }
                BreakerSnapshot::Open { until } if now < *until => {
                    b.inner = Inner::Open { until: *until };
                    b.consecutive_failures = 0;
                    b.window = None;
                }
                BreakerSnapshot::Open { .. } | BreakerSnapshot::HalfOpen => {
                    b.inner = Inner::HalfOpen { probes: 0 };
                    b.consecutive_failures = 0;
                    b.window = None;
                }
            }
            state.budget = k.budget.as_ref().map(|s| Budget {
                basis: match s.basis {
                    BasisName::Successes => Basis::Successes,
                    BasisName::Calls => Basis::Calls,
                },
                window: window_from(&s.window, now),
            });
            state.limiter.tat = k.limiter_tat.filter(|&t| t > now as f64).unwrap_or(0.0);
        }
        for r in &snapshot.routes {
            let curve = r.rate.map(|c| Curve {
                w_max: c.w_max,
                cut_at: c.cut_at,
                horizon: c.horizon,
            });
            // A curve grown far past its basis is one the gate would forget at its next use.
            let curve = curve.filter(|c| c.rate(now) < c.w_max * FORGET_FACTOR);
            let hold_until = r.hold_until.filter(|&h| h > now).unwrap_or(0);
            if hold_until == 0 && curve.is_none() {
                continue;
            }
            let gate = self.gate(&r.route, now);
            gate.hold_until = hold_until;
            gate.curve = curve;
        }
        Ok(())
    }
}

/// Everything [`Instance::restore`] refuses, checked before anything is applied.
pub(super) fn check(s: &Snapshot, capacity: usize) -> Result<(), SnapshotError> {
    if s.version != VERSION {
        return Err(SnapshotError::Version {
            got: s.version.into(),
        });
    }
    for (field, got) in [("keys", s.keys.len()), ("routes", s.routes.len())] {
        if got > capacity {
            return Err(SnapshotError::TooMany {
                field,
                got,
                capacity,
            });
        }
    }
    let invalid = |field, index, name, must_be, got| {
        Err(SnapshotError::Invalid {
            field,
            index,
            name,
            must_be,
            got,
        })
    };
    let mut names: Vec<&str> = Vec::new();
    for (i, k) in s.keys.iter().enumerate() {
        names.push(&k.key);
        let windows = [
            (
                "breaker.window.windowMs",
                match &k.breaker {
                    BreakerSnapshot::Closed { window, .. } => window.as_ref(),
                    _ => None,
                },
            ),
            (
                "budget.window.windowMs",
                k.budget.as_ref().map(|b| &b.window),
            ),
        ];
        for (name, w) in windows {
            if let Some(w) = w.filter(|w| w.window_ms == 0) {
                return invalid("keys", i, name, "an integer >= 1", w.window_ms as f64);
            }
        }
        if let Some(t) = k.limiter_tat.filter(|t| !(t.is_finite() && *t >= 0.0)) {
            return invalid("keys", i, "limiterTat", "a finite number >= 0", t);
        }
    }
    repeated("keys", &names)?;
    names.clear();
    for (i, r) in s.routes.iter().enumerate() {
        names.push(&r.route);
        if let Some(c) = r.rate.filter(|c| !(c.w_max.is_finite() && c.w_max > 0.0)) {
            return invalid("routes", i, "rate.wMax", "a finite number > 0", c.w_max);
        }
    }
    repeated("routes", &names)
}

/// The first name that repeats an earlier one (by position). Quadratic, but at most the
/// capacity's entries, once per restore, and no sorting code in the Wasm.
fn repeated(field: &'static str, names: &[&str]) -> Result<(), SnapshotError> {
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            return Err(SnapshotError::Repeated { field, index });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::breaker::{BreakerConfig, BreakerState};
    use crate::engine::budget::BudgetConfig;
    use crate::engine::classify::BreakerVerdict;
    use crate::engine::instance::Scope;
    use crate::engine::limiter::LimiterConfig;

    const T: u64 = 1_790_000_000_000;

    fn scope(key: &str, path: &str) -> Scope {
        Scope {
            route: crate::engine::gate::route(key, path),
            whole: crate::engine::gate::route(key, "*"),
        }
    }

    /// An instance with an open breaker, a closed one with failures, a budget, a limiter, a
    /// hold and a learned rate.
    fn busy() -> Instance {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        for _ in 0..5 {
            inst.record("https://a.example", &c, BreakerVerdict::Failure, None, T);
        }
        inst.record("https://b.example", &c, BreakerVerdict::Failure, None, T);
        inst.record("https://b.example", &c, BreakerVerdict::Failure, None, T);
        let budget = BudgetConfig::default();
        for _ in 0..4 {
            inst.credit("https://b.example", &budget, T - 2_000);
        }
        assert!(inst.withdraw("https://b.example", &budget, T));
        let limiter = LimiterConfig {
            requests_per_second: 2.0,
            burst: 1,
            max_wait_ms: 10_000,
        };
        inst.reserve("https://b.example", &limiter, T, 10_000);
        inst.reserve("https://b.example", &limiter, T, 10_000);
        let s = scope("https://a.example", "/search");
        inst.signal(&s, T, |g| g.hold(T + 2_000));
        let items = scope("https://a.example", "/items");
        let g = inst.gate(&items.route, T);
        for _ in 0..10 {
            g.on_accepted(T - 100, T - 50);
        }
        g.on_refused(T - 10, T);
        inst
    }

    #[test]
    fn round_trips_into_a_new_instance() {
        let inst = busy();
        let snap = inst.snapshot(T + 100);
        assert_eq!(snap.version, VERSION);
        assert_eq!(snap.keys.len(), 2);
        assert_eq!(
            snap.keys[0].breaker,
            BreakerSnapshot::Open { until: T + 30_000 }
        );
        assert_eq!(
            snap.keys[1].breaker,
            BreakerSnapshot::Closed {
                consecutive_failures: 2,
                window: None
            }
        );
        assert_eq!(snap.keys[1].limiter_tat, Some((T + 1_000) as f64));
        assert_eq!(snap.routes.len(), 2);

        let mut other = Instance::new(2);
        other.restore(&snap, T + 100).unwrap();
        assert_eq!(other.snapshot(T + 100), snap, "the same state");
        assert_eq!(
            other.breaker_state("https://a.example", T + 29_999),
            BreakerState::Open
        );
        assert_eq!(other.hold_ms("https://a.example /search", T + 100), 1_900);
        assert_eq!(
            other.learned_rate("https://a.example /items", T + 500),
            inst.learned_rate("https://a.example /items", T + 500)
        );
        // The budget's window came along: 4 successes and 1 retry counted.
        let budget = BudgetConfig::default();
        let b = other.registry.entry("https://b.example").budget.as_mut();
        assert_eq!(b.unwrap().totals(T + 100), (4, 1));
        let _ = budget;
        // The breaker's run of failures: three more open it.
        let c = BreakerConfig::default();
        for _ in 0..3 {
            other.record(
                "https://b.example",
                &c,
                BreakerVerdict::Failure,
                None,
                T + 200,
            );
        }
        assert_eq!(
            other.breaker_state("https://b.example", T + 200),
            BreakerState::Open
        );
    }

    #[test]
    fn nothing_is_extended_on_a_later_restore() {
        let snap = busy().snapshot(T);
        let mut later = Instance::new(3);
        later.restore(&snap, T + 31_000).unwrap();
        assert_eq!(
            later.breaker_state("https://a.example", T + 31_000),
            BreakerState::HalfOpen,
            "open until T + 30 s: half-open when restored after"
        );
        assert_eq!(later.hold_ms("https://a.example /search", T + 31_000), 0);
        let s = later.snapshot(T + 31_000);
        assert!(s.routes.iter().all(|r| r.hold_until.is_none()));
        assert_eq!(s.keys[1].limiter_tat, None, "the bucket refilled");
        // The budget's buckets (T - 2 s and T) left the 10 s window by T + 31 s.
        assert_eq!(s.keys[1].budget.as_ref().unwrap().window.buckets, []);

        let mut soon = Instance::new(3);
        soon.restore(&snap, T + 10_000).unwrap();
        assert_eq!(
            soon.breaker_state("https://a.example", T + 29_999),
            BreakerState::Open
        );
        assert_eq!(
            soon.breaker_state("https://a.example", T + 30_000),
            BreakerState::HalfOpen,
            "the same end, not 30 s after the restore"
        );
    }

    #[test]
    fn refuses_another_version_and_bad_values_applying_nothing() {
        let mut snap = busy().snapshot(T);
        let mut inst = Instance::new(4);
        snap.version = 2;
        let e = inst.restore(&snap, T).unwrap_err();
        assert_eq!(e.to_string(), "version must be 1, got 2");
        snap.version = 1;
        snap.routes[0].rate.as_mut().unwrap().w_max = f64::NAN;
        let e = inst.restore(&snap, T).unwrap_err();
        assert_eq!(
            e.to_string(),
            "routes[0].rate.wMax must be a finite number > 0, got NaN"
        );
        snap.routes[0].rate.as_mut().unwrap().w_max = 8.0;
        snap.keys.push(snap.keys[0].clone());
        let e = inst.restore(&snap, T).unwrap_err();
        assert_eq!(e.to_string(), "keys[2] repeats an earlier entry's name");
        assert_eq!(inst.keys(), 0, "nothing applied");
        snap.keys.pop();
        let mut small = Instance::with_capacity(4, 1);
        let e = small.restore(&snap, T).unwrap_err();
        assert_eq!(
            e.to_string(),
            "keys must hold at most 1 entries (the instance's capacity), got 2"
        );
    }

    #[test]
    fn a_failure_rate_window_and_a_calls_budget_survive() {
        use core::num::NonZeroU32;
        let c = BreakerConfig {
            mode: crate::engine::BreakerMode::FailureRate {
                threshold: 0.5,
                minimum_throughput: 4,
                window_ms: 30_000,
            },
            reset_timeout_ms: 1_000,
            half_open_max_probes: NonZeroU32::MIN,
        };
        let mut inst = Instance::new(1);
        inst.record("k", &c, BreakerVerdict::Success, None, T);
        inst.record("k", &c, BreakerVerdict::Success, None, T + 5_000);
        inst.record("k", &c, BreakerVerdict::Failure, None, T + 9_000);
        inst.deposit("k", &BudgetConfig::per_call(0.1), T);
        let snap = inst.snapshot(T + 9_000);
        let mut other = Instance::new(2);
        other.restore(&snap, T + 9_000).unwrap();
        assert_eq!(other.snapshot(T + 9_000), snap);
        // One more failure: 2 of 4 in the window, at the threshold.
        other.record("k", &c, BreakerVerdict::Failure, None, T + 9_500);
        assert_eq!(other.breaker_state("k", T + 9_500), BreakerState::Open);
    }

    #[test]
    fn an_empty_instance_snapshots_empty() {
        let s = Instance::new(1).snapshot(T);
        assert_eq!((s.keys.len(), s.routes.len(), s.taken_at), (0, 0, T));
        let mut inst = Instance::new(1);
        inst.restore(&s, T).unwrap();
        assert_eq!(inst.keys(), 0);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_round_trip_and_shape() {
        let snap = busy().snapshot(T);
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["takenAt"], T);
        assert_eq!(json["keys"][0]["breaker"]["state"], "open");
        assert_eq!(json["keys"][0]["breaker"]["until"], T + 30_000);
        assert_eq!(json["keys"][1]["breaker"]["state"], "closed");
        assert_eq!(json["keys"][1]["breaker"]["consecutiveFailures"], 2);
        assert_eq!(json["keys"][1]["budget"]["basis"], "successes");
        assert_eq!(json["keys"][1]["budget"]["window"]["windowMs"], 10_000);
        assert!(json["routes"][0]["rate"]["wMax"].is_number());
        assert_eq!(json["routes"][1]["holdUntil"], T + 2_000);
        let back: Snapshot = serde_json::from_value(json).unwrap();
        assert_eq!(back, snap);
        let half: BreakerSnapshot = serde_json::from_str(r#"{"state":"half-open"}"#).unwrap();
        assert_eq!(half, BreakerSnapshot::HalfOpen);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn malformed_json_is_refused_naming_the_field() {
        let bad = [
            (
                r#"{"version":1,"takenAt":0,"keys":[{"key":"k","breaker":{"state":"ajar"}}],"routes":[]}"#,
                "ajar",
            ),
            (
                r#"{"version":1,"takenAt":0,"keys":[],"routes":[],"extra":1}"#,
                "extra",
            ),
            (r#"{"version":1,"takenAt":-5,"keys":[],"routes":[]}"#, "-5"),
            (r#"{"version":1,"keys":[],"routes":[]}"#, "takenAt"),
            (r#"[1]"#, "struct Snapshot"),
        ];
        for (text, names) in bad {
            let e = serde_json::from_str::<Snapshot>(text)
                .unwrap_err()
                .to_string();
            assert!(e.contains(names), "{text}: {e}");
        }
        let other: Snapshot =
            serde_json::from_str(r#"{"version":2,"takenAt":0,"keys":[],"routes":[]}"#).unwrap();
        let e = Instance::new(1).restore(&other, 0).unwrap_err();
        assert_eq!(e, SnapshotError::Version { got: 2 });
    }
}
