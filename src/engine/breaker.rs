//! Whether to send at all: the circuit breaker of one key (by default, one origin).
//!
//! Retrying assumes failures are transient. When a dependency is down, every attempt is a
//! wasted connection and more load on something trying to recover, so the breaker watches
//! the outcomes of attempts and, past a threshold, fails calls fast without sending them.
//!
//! States (cockatiel's and Nygard's):
//! - **closed**: attempts flow; outcomes are counted.
//! - **open**: nothing is sent; callers get `CircuitOpenError { retryAfterMs }` at once. After
//!   `resetTimeoutMs` the next call finds the breaker half-open.
//! - **half-open**: up to `halfOpenMaxProbes` attempts may be in flight as probes. A probe
//!   that succeeds closes the breaker; one that fails opens it again for another
//!   `resetTimeoutMs`; one that says nothing (a 4xx, a caller abort) frees its slot. Other
//!   calls are rejected while the probes are out.
//!
//! Two ways to trip, chosen by [`BreakerMode`]:
//! - `consecutive` (default): `failureThreshold` failures in a row; any success resets the run.
//! - `failure-rate`: within the last `windowMs`, at least `minimumThroughput` counted outcomes
//!   of which a share of at least `failureRateThreshold` failed.
//!
//! What counts as a failure is decided by [`classify`](super::classify); this module only
//! keeps the state. Time comes in as `now`; transitions that depend on time (open ->
//! half-open) happen when the next call asks, so an idle breaker holds no timer.

use core::num::NonZeroU32;

use super::classify::BreakerVerdict;
use super::window::Window;

/// How the breaker decides to open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BreakerMode {
    /// Open after this many failures in a row (`breaker.failureThreshold`, default 5).
    Consecutive {
        /// Failures in a row that open the breaker.
        failure_threshold: NonZeroU32,
    },
    /// Open when the failure share over a rolling window reaches a threshold.
    FailureRate {
        /// `breaker.failureRateThreshold`, in `(0, 1]` (default 0.5).
        threshold: f64,
        /// `breaker.minimumThroughput`: outcomes needed in the window before judging (default 10).
        minimum_throughput: u32,
        /// `breaker.windowMs`: how far back outcomes are counted (default 30000).
        window_ms: u64,
    },
}

/// Breaker settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// How the breaker trips.
    pub mode: BreakerMode,
    /// `breaker.resetTimeoutMs`: time spent open before probing (default 30000).
    pub reset_timeout_ms: u64,
    /// `breaker.halfOpenMaxProbes`: concurrent probes while half-open (default 1).
    pub half_open_max_probes: NonZeroU32,
}

impl Default for BreakerConfig {
    /// `{ failureThreshold: 5, resetTimeoutMs: 30000, halfOpenMaxProbes: 1 }`.
    fn default() -> Self {
        let five = NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN);
        Self::consecutive(five, 30_000, NonZeroU32::MIN)
    }
}

impl BreakerConfig {
    /// A consecutive-failure breaker, typed so that a threshold or a probe count of zero
    /// cannot be written (governor's `Quota::per_second(nonzero!(50u32))`): the counts that
    /// the JavaScript and WIT faces range-check at run time are checked here by the types.
    pub const fn consecutive(
        failure_threshold: NonZeroU32,
        reset_timeout_ms: u64,
        half_open_max_probes: NonZeroU32,
    ) -> Self {
        Self {
            mode: BreakerMode::Consecutive { failure_threshold },
            reset_timeout_ms,
            half_open_max_probes,
        }
    }
}

/// A breaker's state as users see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Attempts flow.
    Closed,
    /// Attempts are refused.
    Open,
    /// A limited number of probe attempts may go through.
    HalfOpen,
}

impl BreakerState {
    /// `"closed"`, `"open"` or `"half-open"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half-open",
        }
    }
}

/// A change of state, reported to `onBreakerStateChange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state left.
    pub from: BreakerState,
    /// The state entered.
    pub to: BreakerState,
}

/// A half-open probe's ticket: the half-open round it was admitted in. An outcome reported
/// with a ticket from an earlier round (the breaker reopened meanwhile) is stale and changes
/// nothing, so a slow old probe can neither free a slot of the new round nor close it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Probe(u32);

/// The breaker's answer to "may I send an attempt now?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Send. A `probe` must report its outcome (or an abort) so its slot is freed.
    Allowed {
        /// The ticket, when this attempt is a half-open probe.
        probe: Option<Probe>,
    },
    /// Do not send; the breaker expects to let a probe through in `retry_after_ms`
    /// (0 while half-open probes are out: the wait depends on them).
    Rejected {
        /// Milliseconds until the breaker next admits a probe.
        retry_after_ms: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Inner {
    Closed,
    Open { until: u64 },
    HalfOpen { probes: u32 },
}

const SUCCESSES: usize = 0;
const FAILURES: usize = 1;

/// One key's circuit breaker. The configuration is passed on every call rather than stored,
/// so the breaker costs a few words per key and follows the caller's current options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breaker {
    pub(super) inner: Inner,
    /// Half-open rounds entered so far: the current round's probe tickets carry it.
    round: u32,
    pub(super) consecutive_failures: u32,
    pub(super) window: Option<Window>,
}

impl Default for Breaker {
    fn default() -> Self {
        Self::new()
    }
}

impl Breaker {
    /// A closed breaker with no history.
    pub const fn new() -> Self {
        Self {
            inner: Inner::Closed,
            round: 0,
            consecutive_failures: 0,
            window: None,
        }
    }

    /// The state as a caller arriving at `now` would find it (an open breaker whose reset
    /// time has passed reads as half-open). Does not change anything.
    pub fn state(&self, now: u64) -> BreakerState {
        match self.inner {
            Inner::Closed => BreakerState::Closed,
            Inner::Open { until } if now < until => BreakerState::Open,
            Inner::Open { .. } | Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Whether the breaker is closed right now (eviction prefers these: forgetting a closed
    /// breaker loses at most a partial failure count).
    pub fn is_closed(&self) -> bool {
        self.inner == Inner::Closed
    }

    /// Asks to send one attempt at `now`; an open breaker past its reset time moves to
    /// half-open first (the returned transition).
    pub fn admit(&mut self, config: &BreakerConfig, now: u64) -> (Admission, Option<Transition>) {
        let mut transition = None;
        if let Inner::Open { until } = self.inner {
            if now < until {
                return (
                    Admission::Rejected {
                        retry_after_ms: until - now,
                    },
                    None,
                );
            }
            self.inner = Inner::HalfOpen { probes: 0 };
            self.round = self.round.wrapping_add(1);
            transition = Some(Transition {
                from: BreakerState::Open,
                to: BreakerState::HalfOpen,
            });
        }
        let admission = match &mut self.inner {
            Inner::HalfOpen { probes } if *probes < config.half_open_max_probes.get() => {
                *probes += 1;
                Admission::Allowed {
                    probe: Some(Probe(self.round)),
                }
            }
            Inner::HalfOpen { .. } => Admission::Rejected { retry_after_ms: 0 },
            // Closed (an open breaker became half-open above).
            _ => Admission::Allowed { probe: None },
        };
        (admission, transition)
    }

    /// Whether `probe` belongs to the half-open round in progress.
    pub(super) fn is_live(&self, probe: Option<Probe>) -> bool {
        matches!(self.inner, Inner::HalfOpen { .. }) && probe == Some(Probe(self.round))
    }

    /// Gives back a probe slot whose attempt was never sent (e.g. throttled after admission)
    /// or told nothing. Stale tickets are ignored.
    pub fn cancel_probe(&mut self, probe: Probe) {
        if self.is_live(Some(probe)) {
            if let Inner::HalfOpen { probes } = &mut self.inner {
                *probes = probes.saturating_sub(1);
            }
        }
    }

    /// Records the outcome of an attempt admitted at an earlier [`admit`](Self::admit);
    /// `probe` is the ticket that admission gave, if any.
    pub fn record(
        &mut self,
        config: &BreakerConfig,
        verdict: BreakerVerdict,
        probe: Option<Probe>,
        now: u64,
    ) -> Option<Transition> {
        let live = self.is_live(probe);
        match (self.inner, verdict) {
            (_, BreakerVerdict::Ignored) => {
                if let Some(p) = probe {
                    self.cancel_probe(p);
                }
                None
            }
            (Inner::Closed, BreakerVerdict::Success) => {
                self.consecutive_failures = 0;
                self.count(config, SUCCESSES, now);
                None
            }
            (Inner::Closed, BreakerVerdict::Failure) => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                let totals = self.count(config, FAILURES, now);
                self.trips(config, totals)
                    .then(|| self.open(config, BreakerState::Closed, now))
            }
            (Inner::HalfOpen { .. }, BreakerVerdict::Success) if live => {
                self.inner = Inner::Closed;
                self.consecutive_failures = 0;
                self.window = None;
                Some(Transition {
                    from: BreakerState::HalfOpen,
                    to: BreakerState::Closed,
                })
            }
            (Inner::HalfOpen { .. }, BreakerVerdict::Failure) if live => {
                Some(self.open(config, BreakerState::HalfOpen, now))
            }
            // Outcomes of attempts sent before the breaker opened, of non-probes and of
            // stale probes say nothing the breaker has not already acted on.
            _ => None,
        }
    }

    /// Takes a state decided elsewhere (a fleet's shared breaker, see `share`): entering
    /// half-open starts a new round, so probes admitted before are stale; leaving closed
    /// drops the failure-rate window.
    pub(super) fn adopt(&mut self, inner: Inner, consecutive_failures: u32) {
        let half_open = |i: &Inner| matches!(i, Inner::HalfOpen { .. });
        if half_open(&inner) && !half_open(&self.inner) {
            self.round = self.round.wrapping_add(1);
        }
        if inner != Inner::Closed {
            self.window = None;
        }
        self.inner = inner;
        self.consecutive_failures = consecutive_failures;
    }

    fn open(&mut self, config: &BreakerConfig, from: BreakerState, now: u64) -> Transition {
        self.inner = Inner::Open {
            until: now.saturating_add(config.reset_timeout_ms),
        };
        self.consecutive_failures = 0;
        self.window = None;
        Transition {
            from,
            to: BreakerState::Open,
        }
    }

    /// Counts an outcome in the failure-rate window (when that mode is on) and returns the
    /// window's `[successes, failures]`.
    fn count(&mut self, config: &BreakerConfig, which: usize, now: u64) -> [u64; 2] {
        let BreakerMode::FailureRate { window_ms, .. } = config.mode else {
            return [0; 2];
        };
        let window = match &mut self.window {
            Some(w) if w.window_ms() == window_ms.max(1) => w,
            slot => slot.insert(Window::new(window_ms)),
        };
        window.add(which, now);
        window.totals(now)
    }

    fn trips(&self, config: &BreakerConfig, [successes, failures]: [u64; 2]) -> bool {
        match config.mode {
            BreakerMode::Consecutive { failure_threshold } => {
                self.consecutive_failures >= failure_threshold.get()
            }
            BreakerMode::FailureRate {
                threshold,
                minimum_throughput,
                ..
            } => {
                let total = successes.saturating_add(failures);
                total >= u64::from(minimum_throughput)
                    && failures as f64 >= threshold * total as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BreakerVerdict::{Failure, Ignored, Success};

    fn consecutive(threshold: u32) -> BreakerConfig {
        BreakerConfig {
            mode: BreakerMode::Consecutive {
                failure_threshold: NonZeroU32::new(threshold).unwrap(),
            },
            reset_timeout_ms: 1_000,
            half_open_max_probes: NonZeroU32::MIN,
        }
    }

    fn allowed(b: &mut Breaker, c: &BreakerConfig, now: u64) -> bool {
        matches!(b.admit(c, now).0, Admission::Allowed { .. })
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let c = consecutive(3);
        let mut b = Breaker::new();
        assert_eq!(b.record(&c, Failure, None, 0), None);
        assert_eq!(b.record(&c, Failure, None, 0), None);
        let t = b.record(&c, Failure, None, 10);
        assert_eq!(
            t,
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open
            })
        );
        assert_eq!(b.state(10), BreakerState::Open);
        assert_eq!(
            b.admit(&c, 510).0,
            Admission::Rejected {
                retry_after_ms: 500
            }
        );
    }

    #[test]
    fn a_success_resets_the_run_and_4xx_do_not_count() {
        let c = consecutive(2);
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        b.record(&c, Success, None, 0);
        b.record(&c, Failure, None, 0);
        b.record(&c, Ignored, None, 0);
        assert_eq!(b.state(0), BreakerState::Closed);
        assert!(b.record(&c, Failure, None, 0).is_some());
    }

    #[test]
    fn half_open_after_reset_then_a_probe_closes_it() {
        let c = consecutive(1);
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        assert_eq!(b.state(999), BreakerState::Open);
        assert_eq!(b.state(1_000), BreakerState::HalfOpen);
        let (adm, t) = b.admit(&c, 1_000);
        let ticket = ticket(adm);
        let half_open = Transition {
            from: BreakerState::Open,
            to: BreakerState::HalfOpen,
        };
        assert_eq!(t, Some(half_open));
        // The single probe slot is taken: others are rejected.
        assert_eq!(
            b.admit(&c, 1_001).0,
            Admission::Rejected { retry_after_ms: 0 }
        );
        let t = b.record(&c, Success, Some(ticket), 1_050);
        assert_eq!(
            t,
            Some(Transition {
                from: BreakerState::HalfOpen,
                to: BreakerState::Closed
            })
        );
        assert_eq!(b.admit(&c, 1_051).0, Admission::Allowed { probe: None });
    }

    fn ticket(a: Admission) -> Probe {
        match a {
            Admission::Allowed { probe: Some(p) } => p,
            other => panic!("not a probe: {other:?}"),
        }
    }

    #[test]
    fn a_failed_probe_reopens_for_another_reset_timeout() {
        let c = consecutive(1);
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        let p = ticket(b.admit(&c, 1_000).0);
        let t = b.record(&c, Failure, Some(p), 1_200);
        assert_eq!(
            t,
            Some(Transition {
                from: BreakerState::HalfOpen,
                to: BreakerState::Open
            })
        );
        assert_eq!(
            b.admit(&c, 2_100).0,
            Admission::Rejected {
                retry_after_ms: 100
            }
        );
        assert!(allowed(&mut b, &c, 2_200));
    }

    #[test]
    fn an_ignored_probe_frees_its_slot() {
        let c = consecutive(1);
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        let p = ticket(b.admit(&c, 1_000).0);
        assert_eq!(b.record(&c, Ignored, Some(p), 1_001), None);
        assert_eq!(b.state(1_001), BreakerState::HalfOpen);
        assert!(allowed(&mut b, &c, 1_002));
    }

    #[test]
    fn half_open_admits_up_to_max_probes() {
        let c = BreakerConfig {
            half_open_max_probes: NonZeroU32::new(3).unwrap(),
            ..consecutive(1)
        };
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        let tickets: Vec<Probe> = (0..3).map(|_| ticket(b.admit(&c, 1_000).0)).collect();
        assert!(!allowed(&mut b, &c, 1_000));
        b.cancel_probe(tickets[0]);
        assert!(allowed(&mut b, &c, 1_000));
    }

    #[test]
    fn stale_probes_from_an_earlier_round_change_nothing() {
        let c = BreakerConfig {
            half_open_max_probes: NonZeroU32::new(2).unwrap(),
            ..consecutive(1)
        };
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        let a = ticket(b.admit(&c, 1_000).0);
        let slow = ticket(b.admit(&c, 1_000).0);
        b.record(&c, Failure, Some(a), 1_100); // reopens until 2_100
        let c1 = ticket(b.admit(&c, 2_100).0);
        let _c2 = ticket(b.admit(&c, 2_100).0);
        // The slow probe of the first round answers now: it frees no slot of this round...
        assert_eq!(b.record(&c, Ignored, Some(slow), 2_200), None);
        assert!(!allowed(&mut b, &c, 2_200), "still two probes out");
        // ...and its success does not close the breaker.
        assert_eq!(b.record(&c, Success, Some(slow), 2_200), None);
        assert_eq!(b.state(2_200), BreakerState::HalfOpen);
        assert!(b.record(&c, Success, Some(c1), 2_300).is_some());
    }

    #[test]
    fn late_outcomes_of_non_probes_change_nothing() {
        let c = consecutive(1);
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        assert_eq!(b.record(&c, Success, None, 10), None);
        assert_eq!(b.state(10), BreakerState::Open);
        b.admit(&c, 1_000);
        assert_eq!(b.record(&c, Failure, None, 1_001), None);
        assert_eq!(b.state(1_001), BreakerState::HalfOpen);
    }

    #[test]
    fn failure_rate_needs_minimum_throughput_then_the_share() {
        let c = BreakerConfig {
            mode: BreakerMode::FailureRate {
                threshold: 0.5,
                minimum_throughput: 4,
                window_ms: 10_000,
            },
            ..consecutive(1)
        };
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        b.record(&c, Failure, None, 0);
        assert_eq!(b.state(0), BreakerState::Closed, "below minimum throughput");
        b.record(&c, Success, None, 0);
        assert_eq!(
            b.record(&c, Success, None, 0),
            None,
            "2 of 4 is 50% but the last was a success"
        );
        assert!(b.record(&c, Failure, None, 0).is_some(), "3 of 5 failed");
    }

    #[test]
    fn failure_rate_forgets_old_outcomes() {
        let c = BreakerConfig {
            mode: BreakerMode::FailureRate {
                threshold: 0.5,
                minimum_throughput: 3,
                window_ms: 1_000,
            },
            ..consecutive(1)
        };
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 0);
        b.record(&c, Failure, None, 0);
        assert_eq!(
            b.record(&c, Failure, None, 5_000),
            None,
            "the old two left the window"
        );
        assert_eq!(b.state(5_000), BreakerState::Closed);
    }

    #[test]
    fn reset_timeout_saturates() {
        let c = BreakerConfig {
            reset_timeout_ms: u64::MAX,
            ..consecutive(1)
        };
        let mut b = Breaker::new();
        b.record(&c, Failure, None, 10);
        assert_eq!(b.state(u64::MAX - 1), BreakerState::Open);
    }

    #[test]
    fn state_names() {
        let names: Vec<&str> = [
            BreakerState::Closed,
            BreakerState::Open,
            BreakerState::HalfOpen,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect();
        assert_eq!(names, ["closed", "open", "half-open"]);
    }
}
