//! State shared beyond one instance: what the others need to hear, and taking in what they say.
//!
//! N Worker isolates or N Node processes calling one API each learn its failures and its
//! limits alone: a failing origin sees N times the probes, and a `Retry-After` is discovered N
//! times. A fleet can share one breaker, one hold and one learned rate per key through a store
//! it already runs (a Durable Object, Redis). The engine stays sans-IO here too: decisions stay
//! local, and an instance with sharing on ([`Instance::share`]) queues a [`Change`] each time
//! its state changes in a way the fleet must hear of; the driver drains them
//! ([`Instance::poll_change`]), sends them to the store, and merges the store's answer back
//! with [`Instance::merge`].
//!
//! Which outcomes are changes: an attempt that failed (a breaker failure) while the breaker was
//! closed or as a half-open probe; a success that ended a run of failures or that answered a
//! probe; a probe that said nothing (a 4xx, an abort: the fleet's probe permit is freed); a
//! hold that grew (a `Retry-After` or an exhausted quota); a cut of the learned send rate. A
//! success with no failures behind it changes nothing, so a healthy fleet talks to its store
//! only when the driver refreshes its view.
//!
//! **Merging** a store's view (a [`Snapshot`] naming a key and its routes) differs from
//! [`Instance::restore`]: the view is the fleet's, so a key's breaker takes the view's state
//! (an open shared breaker opens this one; a closed one closes it, and raises its run of
//! failures to the fleet's, never lowers it below its own), while holds only ever grow and a
//! learned rate is replaced only by a lower one. Budgets and rate limiters stay this instance's own (they bound what it sends).
//! Breaker transitions that a merge causes are queued as events like any other, so
//! `onBreakerStateChange` sees them.

use alloc::collections::VecDeque;
use alloc::string::String;

use super::breaker::{BreakerConfig, BreakerMode, BreakerState, Inner, Transition};
pub use super::change::Change;
use super::classify::BreakerVerdict;
use super::gate::{Curve, FORGET_FACTOR};
use super::instance::{Instance, Scope};
use super::snapshot::{check, BreakerSnapshot, Snapshot, SnapshotError};

/// Undrained changes kept at most (oldest dropped first): a driver that stopped draining
/// cannot grow memory.
const MAX_CHANGES: usize = 1024;

/// The consecutive-failure threshold a change carries (0: not that mode).
fn threshold(config: &BreakerConfig) -> u32 {
    match config.mode {
        BreakerMode::Consecutive { failure_threshold } => failure_threshold.get(),
        BreakerMode::FailureRate { .. } => 0,
    }
}

impl Instance {
    /// Starts (`true`) or stops queueing [`Change`]s. Off by default: an instance that shares
    /// nothing pays nothing.
    pub fn share(&mut self, on: bool) {
        self.changes = on.then(VecDeque::new);
    }

    /// The next change to tell the fleet, oldest first.
    pub fn poll_change(&mut self) -> Option<Change> {
        self.changes.as_mut()?.pop_front()
    }

    fn note(&mut self, change: impl FnOnce() -> Change) {
        if let Some(queue) = &mut self.changes {
            if queue.len() == MAX_CHANGES {
                queue.pop_front();
            }
            queue.push_back(change());
        }
    }

    /// Queues what an attempt's outcome changed, given the breaker's state before it was
    /// recorded (`before`: its state, its run of failures, whether `probe` was a ticket of
    /// the round in progress; an older round's is stale, and the fleet ignores it too) and
    /// the transition recording caused.
    pub(super) fn note_outcome(
        &mut self,
        key: &str,
        config: &BreakerConfig,
        verdict: BreakerVerdict,
        before: (Inner, u32, bool),
        transition: Option<Transition>,
    ) {
        let (inner, run, probe) = before;
        let closed = matches!(inner, Inner::Closed);
        let opened_until = match (transition, self.registry.get(key).map(|s| s.breaker.inner)) {
            (Some(t), Some(Inner::Open { until })) if t.to == BreakerState::Open => Some(until),
            _ => None,
        };
        let key = String::from(key);
        match verdict {
            BreakerVerdict::Failure if closed || probe => self.note(|| Change::Failure {
                key,
                probe,
                threshold: threshold(config),
                reset_timeout_ms: config.reset_timeout_ms,
                opened_until,
            }),
            BreakerVerdict::Success if probe || (closed && run > 0) => {
                self.note(|| Change::Success { key, probe })
            }
            BreakerVerdict::Ignored if probe => self.note(|| Change::Released { key }),
            _ => {}
        }
    }

    /// Queues a probe given back unsent (`live`: its ticket was of the round in progress).
    pub(super) fn note_released(&mut self, key: &str, live: bool) {
        if live {
            self.note(|| Change::Released { key: key.into() });
        }
    }

    /// Holds `scope` until `until` (see [`Instance::signal`]), queueing each hold that grew.
    pub(crate) fn hold(&mut self, scope: &Scope, until: u64, now: u64) {
        let before = [&scope.route, &scope.whole].map(|r| self.hold_until(r));
        self.signal(scope, now, |g| g.hold(until));
        for (route, was) in [&scope.route, &scope.whole].into_iter().zip(before) {
            let is = self.hold_until(route);
            if is > was {
                self.note(|| Change::Hold {
                    route: route.clone(),
                    until: is,
                });
            }
        }
    }

    fn hold_until(&self, route: &str) -> u64 {
        self.gates.get(route).map_or(0, |g| g.hold_until)
    }

    /// A 429 that named no time, to a request of `route` sent at `sent_at`: the route's rate
    /// is cut (once per round), and a cut is queued.
    pub(crate) fn refused(&mut self, route: &str, sent_at: u64, now: u64) {
        let gate = self.gate(route, now);
        let before = gate.curve;
        gate.on_refused(sent_at, now);
        if let Some(c) = gate.curve.filter(|c| Some(*c) != before) {
            self.note(|| Change::Rate {
                route: route.into(),
                w_max: c.w_max,
                cut_at: c.cut_at,
                horizon: c.horizon,
            });
        }
    }

    /// Takes in a fleet's view at `now` (see the module documentation): each key's breaker
    /// takes the view's state, holds grow, a learned rate is replaced by a lower one. Checked
    /// whole first, as [`Instance::restore`] checks: a refused view changes nothing.
    pub fn merge(&mut self, view: &Snapshot, now: u64) -> Result<(), SnapshotError> {
        check(view, self.registry.capacity())?;
        for k in &view.keys {
            let breaker = &mut self.registry.entry(&k.key).breaker;
            let from = breaker.state(now);
            match k.breaker {
                // A closed breaker keeps its own run if it is longer: sharing makes a breaker
                // open sooner, never later, so a store that lost its memory (an evicted
                // Durable Object, a flushed Redis) cannot keep a failing fleet closed.
                BreakerSnapshot::Closed {
                    consecutive_failures,
                    ..
                } => {
                    let run = if breaker.is_closed() {
                        breaker.consecutive_failures.max(consecutive_failures)
                    } else {
                        consecutive_failures
                    };
                    breaker.adopt(Inner::Closed, run);
                }
                BreakerSnapshot::Open { until } if now < until => {
                    breaker.adopt(Inner::Open { until }, 0);
                }
                // Half-open in the fleet: a closed breaker here lets its next call ask for
                // the fleet's probe permit; an open one keeps its own time (the store told it
                // when to ask again).
                BreakerSnapshot::Open { .. } | BreakerSnapshot::HalfOpen => {
                    if breaker.is_closed() {
                        breaker.adopt(Inner::HalfOpen { probes: 0 }, 0);
                    }
                }
            }
            let to = breaker.state(now);
            if from != to {
                self.push_transition(&k.key, Transition { from, to });
            }
        }
        for r in &view.routes {
            let hold = r.hold_until.filter(|&h| h > now);
            let rate = r
                .rate
                .map(|c| Curve {
                    w_max: c.w_max,
                    cut_at: c.cut_at,
                    horizon: c.horizon,
                })
                .filter(|c| c.rate(now) < c.w_max * FORGET_FACTOR);
            if hold.is_none() && rate.is_none() {
                continue;
            }
            let gate = self.gate(&r.route, now);
            if let Some(h) = hold {
                gate.hold(h);
            }
            if let Some(c) = rate {
                if !gate.curve.is_some_and(|mine| mine.w_max <= c.w_max) {
                    gate.curve = Some(c);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::breaker::Admission;
    use crate::engine::snapshot::{KeySnapshot, RateSnapshot, RouteSnapshot, VERSION};
    use alloc::vec;
    use alloc::vec::Vec;

    const T: u64 = 1_790_000_000_000;

    fn sharing() -> Instance {
        let mut inst = Instance::new(1);
        inst.share(true);
        inst
    }

    fn drain(inst: &mut Instance) -> Vec<Change> {
        core::iter::from_fn(|| inst.poll_change()).collect()
    }

    fn view(key: &str, breaker: BreakerSnapshot, routes: Vec<RouteSnapshot>) -> Snapshot {
        Snapshot {
            version: VERSION,
            taken_at: T,
            keys: vec![KeySnapshot {
                key: key.into(),
                breaker,
                budget: None,
                limiter_tat: None,
            }],
            routes,
        }
    }

    #[test]
    fn nothing_is_queued_unless_sharing_is_on() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        inst.record("k", &c, BreakerVerdict::Failure, None, T);
        assert_eq!(inst.poll_change(), None);
    }

    #[test]
    fn failures_and_the_success_ending_them_are_changes_plain_successes_are_not() {
        let mut inst = sharing();
        let c = BreakerConfig::default();
        inst.record("k", &c, BreakerVerdict::Success, None, T);
        assert_eq!(drain(&mut inst), vec![], "a success with no run behind it");
        inst.record("k", &c, BreakerVerdict::Failure, None, T);
        inst.record("k", &c, BreakerVerdict::Ignored, None, T);
        inst.record("k", &c, BreakerVerdict::Success, None, T);
        let failure = Change::Failure {
            key: "k".into(),
            probe: false,
            threshold: 5,
            reset_timeout_ms: 30_000,
            opened_until: None,
        };
        let success = Change::Success {
            key: "k".into(),
            probe: false,
        };
        assert_eq!(drain(&mut inst), vec![failure, success]);
    }

    #[test]
    fn the_failure_that_opens_says_until_when_and_later_ones_are_not_sent() {
        let mut inst = sharing();
        let c = BreakerConfig::default();
        for _ in 0..5 {
            inst.record("k", &c, BreakerVerdict::Failure, None, T);
        }
        let changes = drain(&mut inst);
        assert_eq!(changes.len(), 5);
        assert!(matches!(
            changes[4],
            Change::Failure { opened_until: Some(u), .. } if u == T + 30_000
        ));
        // An attempt in flight when it opened: the fleet has nothing to learn from it.
        inst.record("k", &c, BreakerVerdict::Failure, None, T + 1);
        assert_eq!(drain(&mut inst), vec![]);
    }

    #[test]
    fn probes_report_their_outcome_and_a_silent_or_unsent_probe_frees_the_permit() {
        let mut inst = sharing();
        let c = BreakerConfig::default();
        for _ in 0..5 {
            inst.record("k", &c, BreakerVerdict::Failure, None, T);
        }
        drain(&mut inst);
        let at = T + 30_000;
        let Admission::Allowed { probe: Some(p) } = inst.admit("k", &c, at) else {
            panic!("a probe")
        };
        inst.record("k", &c, BreakerVerdict::Ignored, Some(p), at);
        let Admission::Allowed { probe: Some(p) } = inst.admit("k", &c, at) else {
            panic!("a probe")
        };
        inst.cancel_probe("k", p);
        let Admission::Allowed { probe: Some(p) } = inst.admit("k", &c, at) else {
            panic!("a probe")
        };
        inst.record("k", &c, BreakerVerdict::Success, Some(p), at);
        let released = Change::Released { key: "k".into() };
        let closed = Change::Success {
            key: "k".into(),
            probe: true,
        };
        assert_eq!(drain(&mut inst), vec![released.clone(), released, closed]);
    }

    #[test]
    fn holds_and_rate_cuts_are_changes_when_they_grow() {
        let mut inst = sharing();
        let scope = Scope {
            route: "k /a".into(),
            whole: "k *".into(),
        };
        inst.hold(&scope, T + 2_000, T);
        inst.hold(&scope, T + 1_000, T);
        assert_eq!(
            drain(&mut inst),
            vec![Change::Hold {
                route: "k /a".into(),
                until: T + 2_000
            }]
        );
        inst.refused("k /a", T, T + 10);
        assert!(matches!(&drain(&mut inst)[..], [Change::Rate { route, .. }] if route == "k /a"));
        inst.refused("k /a", T, T + 20);
        assert_eq!(drain(&mut inst), vec![], "one cut per round");
    }

    #[test]
    fn an_open_view_opens_a_closed_view_closes_and_sets_the_fleets_run() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        let open = view("k", BreakerSnapshot::Open { until: T + 5_000 }, vec![]);
        inst.merge(&open, T).unwrap();
        assert_eq!(inst.breaker_state("k", T), BreakerState::Open);
        assert!(matches!(
            inst.admit("k", &c, T + 1),
            Admission::Rejected {
                retry_after_ms: 4_999
            }
        ));
        let event = inst.poll_event().unwrap();
        assert_eq!(
            (event.from, event.to),
            (BreakerState::Closed, BreakerState::Open)
        );
        let closed = view(
            "k",
            BreakerSnapshot::Closed {
                consecutive_failures: 4,
                window: None,
            },
            vec![],
        );
        inst.merge(&closed, T + 2).unwrap();
        assert_eq!(inst.breaker_state("k", T + 2), BreakerState::Closed);
        // The fleet's four failures plus one here open it.
        inst.record("k", &c, BreakerVerdict::Failure, None, T + 3);
        assert_eq!(inst.breaker_state("k", T + 3), BreakerState::Open);
    }

    #[test]
    fn a_closed_view_never_shortens_a_closed_breakers_own_run() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        for _ in 0..4 {
            inst.record("k", &c, BreakerVerdict::Failure, None, T);
        }
        // A store that forgot (or another instance's success) says 1: the run here stays 4.
        let forgot = BreakerSnapshot::Closed {
            consecutive_failures: 1,
            window: None,
        };
        inst.merge(&view("k", forgot, vec![]), T).unwrap();
        inst.record("k", &c, BreakerVerdict::Failure, None, T);
        assert_eq!(inst.breaker_state("k", T), BreakerState::Open);
    }

    #[test]
    fn a_half_open_view_leaves_an_open_breaker_and_makes_a_closed_one_ask() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        let open = view("k", BreakerSnapshot::Open { until: T + 1_000 }, vec![]);
        inst.merge(&open, T).unwrap();
        let half = view("k", BreakerSnapshot::HalfOpen, vec![]);
        inst.merge(&half, T + 10).unwrap();
        assert_eq!(inst.breaker_state("k", T + 10), BreakerState::Open);
        let mut other = Instance::new(2);
        other.merge(&half, T).unwrap();
        assert_eq!(other.breaker_state("k", T), BreakerState::HalfOpen);
        assert!(matches!(
            other.admit("k", &c, T),
            Admission::Allowed { probe: Some(_) }
        ));
    }

    #[test]
    fn a_probe_out_when_the_fleet_reopens_is_stale() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig::default();
        inst.merge(&view("k", BreakerSnapshot::HalfOpen, vec![]), T)
            .unwrap();
        let Admission::Allowed { probe: Some(p) } = inst.admit("k", &c, T) else {
            panic!("a probe")
        };
        inst.merge(
            &view("k", BreakerSnapshot::Open { until: T + 9_000 }, vec![]),
            T + 1,
        )
        .unwrap();
        inst.record("k", &c, BreakerVerdict::Success, Some(p), T + 2);
        assert_eq!(inst.breaker_state("k", T + 2), BreakerState::Open);
    }

    #[test]
    fn holds_only_grow_and_a_rate_is_replaced_only_by_a_lower_one() {
        let mut inst = Instance::new(1);
        let route = |hold_until, w_max: Option<f64>| RouteSnapshot {
            route: "k /a".into(),
            hold_until,
            rate: w_max.map(|w_max| RateSnapshot {
                w_max,
                cut_at: T,
                horizon: T,
            }),
        };
        let closed = BreakerSnapshot::Closed {
            consecutive_failures: 0,
            window: None,
        };
        inst.merge(
            &view("k", closed.clone(), vec![route(Some(T + 3_000), Some(4.0))]),
            T,
        )
        .unwrap();
        inst.merge(
            &view("k", closed.clone(), vec![route(Some(T + 1_000), Some(8.0))]),
            T,
        )
        .unwrap();
        assert_eq!(inst.hold_ms("k /a", T), 3_000);
        assert_eq!(inst.gates.get("k /a").unwrap().curve.unwrap().w_max, 4.0);
        inst.merge(&view("k", closed, vec![route(None, Some(2.0))]), T)
            .unwrap();
        assert_eq!(inst.gates.get("k /a").unwrap().curve.unwrap().w_max, 2.0);
    }

    #[test]
    fn a_malformed_view_changes_nothing() {
        let mut inst = Instance::new(1);
        let mut bad = view("k", BreakerSnapshot::Open { until: T + 5_000 }, vec![]);
        bad.version = 2;
        assert!(inst.merge(&bad, T).is_err());
        assert_eq!(inst.breaker_state("k", T), BreakerState::Closed);
    }
}
