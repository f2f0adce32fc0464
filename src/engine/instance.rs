//! What outlives a call: breakers, budgets and limiters per key, the counters, the generator.
//!
//! An [`Instance`] is what `createResilientFetch()` creates (and what the default
//! `resilientFetch` is, for the life of the page, process or isolate). Calls borrow it at
//! each step of their state machine; the instance never runs by itself and holds no timer,
//! so an idle instance costs nothing and keeps no process alive. Breaker state changes are
//! queued as [`BreakerEvent`]s for the driver to drain with [`Instance::poll_event`], the way
//! quinn-proto hands out events: the engine never calls user code.

use alloc::borrow::ToOwned;
use alloc::collections::VecDeque;
use alloc::string::String;

use super::breaker::{Admission, BreakerConfig, BreakerState, Probe, Transition};
use super::budget::{Budget, BudgetConfig};
use super::bulkhead::{BulkheadConfig, Entry};
use super::change::Change;
use super::classify::BreakerVerdict;
use super::gate::{Gate, Slot};

/// A call's slot in its route's schedule and in its key's (see [`Instance::reserve_slot`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Slots {
    route: Slot,
    whole: Slot,
}

impl Slots {
    /// When the call may send.
    pub(crate) fn at(&self) -> u64 {
        self.route.at.max(self.whole.at)
    }
}

/// Where a call's holds and learned rate live: its route's gate, and its key's whole-key
/// gate, which a signal reaches once two routes of the key have sent one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) route: String,
    pub(crate) whole: String,
}
use super::limiter::{LimiterConfig, Reservation};
use super::registry::{Bounded, Registry, DEFAULT_CAPACITY};
use super::rng::SplitMix64;

/// Monotonic counters since the instance was created (`stats()` in JS). `reset()` does not
/// clear them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls started.
    pub requests: u64,
    /// Attempts actually sent, hedges included.
    pub attempts: u64,
    /// Attempts sent after a failed one.
    pub retries: u64,
    /// Retries the budget refused.
    pub budget_denied: u64,
    /// Attempts refused by an open (or busy half-open) breaker.
    pub short_circuited: u64,
    /// Times a breaker opened.
    pub breaker_opened: u64,
    /// Extra copies sent by hedging.
    pub hedges: u64,
    /// Attempts refused by the rate limiter, and calls refused by a full bulkhead.
    pub throttled: u64,
}

/// A breaker changed state (for `onBreakerStateChange`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakerEvent {
    /// The breaker's key.
    pub key: String,
    /// The state left.
    pub from: BreakerState,
    /// The state entered.
    pub to: BreakerState,
}

/// Undrained events kept at most; older ones are dropped first, so a host that never drains
/// cannot grow memory.
const MAX_EVENTS: usize = 1024;

/// State shared by every call of one client.
#[derive(Clone, Debug)]
pub struct Instance {
    rng: SplitMix64,
    pub(super) registry: Registry,
    stats: Stats,
    events: VecDeque<BreakerEvent>,
    next_ticket: u64,
    wakes: VecDeque<u64>,
    /// The routes' gates, bounded like the registry: idle gates (no hold, no learned rate,
    /// nothing in flight) and then the least recently used are evicted first.
    pub(super) gates: Bounded<Gate>,
    /// Changes for a fleet to hear, while sharing is on (see the `share` module).
    pub(super) changes: Option<VecDeque<Change>>,
}

impl Instance {
    /// An instance whose jitter draws from `seed`, remembering up to
    /// [`DEFAULT_CAPACITY`] keys.
    pub fn new(seed: u64) -> Self {
        Self::with_capacity(seed, DEFAULT_CAPACITY)
    }

    /// An instance remembering at most `capacity` keys.
    pub fn with_capacity(seed: u64, capacity: usize) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            registry: Registry::new(capacity),
            stats: Stats::default(),
            events: VecDeque::new(),
            next_ticket: 0,
            wakes: VecDeque::new(),
            gates: Bounded::new(capacity),
            changes: None,
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The state of `key`'s breaker as a call arriving at `now` would find it; `Closed` for
    /// a key never seen.
    pub fn breaker_state(&self, key: &str, now: u64) -> BreakerState {
        self.registry
            .get(key)
            .map_or(BreakerState::Closed, |s| s.breaker.state(now))
    }

    /// Keys currently remembered.
    pub fn keys(&self) -> usize {
        self.registry.len()
    }

    /// Forgets all breaker, budget, limiter and hold state and learned rates (not the
    /// counters).
    pub fn reset(&mut self) {
        self.registry.clear();
        self.gates.clear();
    }

    /// Milliseconds `route` is held at `now` (0: not held; see [`gate::route`](super::gate::route)).
    pub fn hold_ms(&self, route: &str, now: u64) -> u64 {
        self.gates.get(route).map_or(0, |g| g.hold_ms(now))
    }

    /// The send rate learned for `route` at `now`, in requests per second (`None`: none).
    pub fn learned_rate(&self, route: &str, now: u64) -> Option<f64> {
        self.gates.get(route).and_then(|g| g.rate(now))
    }

    pub(crate) fn gate(&mut self, route: &str, now: u64) -> &mut Gate {
        self.gates.entry(route, |g| !g.is_idle(now))
    }

    /// `n` requests of `route` settled. Only a gate that counted them is touched: settling
    /// never creates one, nor counts as a use.
    pub(crate) fn settled(&mut self, route: &str, n: u32) {
        if let Some(g) = self.gates.get_mut(route) {
            g.settled(n);
        }
    }

    /// Milliseconds a call of `scope` is held at `now`: by its route or its whole key.
    pub(crate) fn scope_hold_ms(&self, scope: &Scope, now: u64) -> u64 {
        self.hold_ms(&scope.route, now)
            .max(self.hold_ms(&scope.whole, now))
    }

    /// A hold of the route: applied to the route's gate, and to the whole key's once another
    /// route of the key was held within `PROMOTE_MS`.
    pub(crate) fn signal(&mut self, scope: &Scope, now: u64, apply: impl Fn(&mut Gate)) {
        apply(self.gate(&scope.route, now));
        let whole = self.gate(&scope.whole, now);
        if whole.note_signal(&scope.route, now) {
            apply(whole);
        }
    }

    /// The first slot at or after `earliest` that both levels allow.
    pub(crate) fn reserve_slot(
        &mut self,
        scope: &Scope,
        earliest: u64,
        now: u64,
        adaptive: bool,
    ) -> Slots {
        let whole = self
            .gate(&scope.whole, now)
            .reserve(earliest, now, adaptive);
        let route = self
            .gate(&scope.route, now)
            .reserve(whole.at, now, adaptive);
        Slots { route, whole }
    }

    pub(crate) fn release_slot(&mut self, scope: &Scope, slots: Slots) {
        if let Some(g) = self.gates.get_mut(&scope.route) {
            g.release(slots.route);
        }
        if let Some(g) = self.gates.get_mut(&scope.whole) {
            g.release(slots.whole);
        }
    }

    pub(crate) fn credit(&mut self, key: &str, config: &BudgetConfig, now: u64) {
        self.budget(key, config).credit(config, now);
    }

    /// The next breaker state change, oldest first.
    pub fn poll_event(&mut self) -> Option<BreakerEvent> {
        self.events.pop_front()
    }

    /// The ticket of a queued call that now holds a bulkhead slot, oldest first: the driver
    /// wakes that call, which then continues with [`Call::on_slot`](super::Call::on_slot).
    pub fn poll_wake(&mut self) -> Option<u64> {
        self.wakes.pop_front()
    }

    pub(crate) fn bulkhead_enter(&mut self, key: &str, config: &BulkheadConfig) -> Entry {
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        let entry = self.registry.entry(key).bulkhead.enter(config, ticket);
        if entry == Entry::Full {
            self.stats.throttled += 1;
        }
        entry
    }

    pub(crate) fn bulkhead_leave(&mut self, key: &str) {
        if let Some(next) = self.registry.entry(key).bulkhead.leave() {
            self.wakes.push_back(next);
        }
    }

    /// A queued call gave up; if a slot had already been handed to it, it passes on.
    pub(crate) fn bulkhead_abandon(&mut self, key: &str, ticket: u64) {
        if !self.registry.entry(key).bulkhead.abandon(ticket) {
            self.bulkhead_leave(key);
        }
    }

    pub(crate) fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    pub(crate) fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    pub(super) fn push_transition(&mut self, key: &str, t: Transition) {
        if t.to == BreakerState::Open {
            self.stats.breaker_opened += 1;
        }
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(BreakerEvent {
            key: key.to_owned(),
            from: t.from,
            to: t.to,
        });
    }

    pub(crate) fn admit(&mut self, key: &str, config: &BreakerConfig, now: u64) -> Admission {
        let (admission, transition) = self.registry.entry(key).breaker.admit(config, now);
        if let Some(t) = transition {
            self.push_transition(key, t);
        }
        if matches!(admission, Admission::Rejected { .. }) {
            self.stats.short_circuited += 1;
        }
        admission
    }

    pub(crate) fn record(
        &mut self,
        key: &str,
        config: &BreakerConfig,
        verdict: BreakerVerdict,
        probe: Option<Probe>,
        now: u64,
    ) {
        let breaker = &mut self.registry.entry(key).breaker;
        // What the fleet hears depends on the state before: read only while sharing.
        let before = self.changes.is_some().then(|| {
            (
                breaker.inner,
                breaker.consecutive_failures,
                breaker.is_live(probe),
            )
        });
        let transition = breaker.record(config, verdict, probe, now);
        if let Some(t) = transition {
            self.push_transition(key, t);
        }
        if let Some(before) = before {
            self.note_outcome(key, config, verdict, before, transition);
        }
    }

    pub(crate) fn cancel_probe(&mut self, key: &str, probe: Probe) {
        let breaker = &mut self.registry.entry(key).breaker;
        let live = breaker.is_live(Some(probe));
        breaker.cancel_probe(probe);
        self.note_released(key, live);
    }

    fn budget(&mut self, key: &str, config: &BudgetConfig) -> &mut Budget {
        self.registry
            .entry(key)
            .budget
            .get_or_insert_with(|| Budget::new(config))
    }

    pub(crate) fn deposit(&mut self, key: &str, config: &BudgetConfig, now: u64) {
        self.budget(key, config).deposit(config, now);
    }

    pub(crate) fn withdraw(&mut self, key: &str, config: &BudgetConfig, now: u64) -> bool {
        let granted = self.budget(key, config).withdraw(config, now);
        if !granted {
            self.stats.budget_denied += 1;
        }
        granted
    }

    pub(crate) fn reserve(
        &mut self,
        key: &str,
        config: &LimiterConfig,
        now: u64,
        max_wait_ms: u64,
    ) -> Reservation {
        let r = self
            .registry
            .entry(key)
            .limiter
            .reserve(config, now, max_wait_ms);
        if matches!(r, Reservation::Denied { .. }) {
            self.stats.throttled += 1;
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_read_closed_and_reset_keeps_counters() {
        let mut inst = Instance::new(1);
        assert_eq!(
            inst.breaker_state("https://nowhere.example", 0),
            BreakerState::Closed
        );
        let c = BreakerConfig::default();
        for _ in 0..5 {
            inst.record("k", &c, BreakerVerdict::Failure, None, 0);
        }
        assert_eq!(inst.breaker_state("k", 0), BreakerState::Open);
        assert_eq!(inst.stats().breaker_opened, 1);
        assert_eq!(
            inst.poll_event(),
            Some(BreakerEvent {
                key: "k".into(),
                from: BreakerState::Closed,
                to: BreakerState::Open
            })
        );
        assert_eq!(inst.poll_event(), None);
        inst.reset();
        assert_eq!(inst.breaker_state("k", 0), BreakerState::Closed);
        assert_eq!(inst.stats().breaker_opened, 1);
    }

    #[test]
    fn events_are_bounded() {
        let mut inst = Instance::new(1);
        let c = BreakerConfig {
            reset_timeout_ms: 0,
            ..BreakerConfig::default()
        };
        for i in 0..3_000u64 {
            let key = format!("k{}", i % 7);
            let probe = match inst.admit(&key, &c, i) {
                Admission::Allowed { probe } => probe,
                Admission::Rejected { .. } => continue,
            };
            inst.record(&key, &c, BreakerVerdict::Failure, probe, i);
        }
        assert!(inst.events.len() <= MAX_EVENTS);
    }
}
