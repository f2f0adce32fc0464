//! Where per-key state lives, and how much of it: a bounded registry keyed by breaker key.
//!
//! Each key (by default an origin) has a breaker, a retry budget and a rate limiter. A client
//! that talks to many hosts (a crawler, a proxy, a Worker fanning out) must not grow memory
//! without limit, so the registry holds at most `capacity` keys. When a new key would pass
//! the cap, it evicts about an eighth of the entries in one pass, least recently used first
//! and closed breakers before open or half-open ones: forgetting a closed breaker loses at
//! most a partial failure count, while forgetting an open one would send traffic to a
//! dependency known to be down. Evicting in batches keeps the cost per new key constant on
//! average. A `BTreeMap` keeps iteration (and so eviction) order deterministic and needs no
//! hashing seed, so the registry draws no entropy.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::breaker::Breaker;
use super::budget::Budget;
use super::bulkhead::Bulkhead;
use super::limiter::Limiter;

/// The default number of keys an instance remembers.
pub const DEFAULT_CAPACITY: usize = 1024;

/// All the state one key carries across calls.
#[derive(Clone, Debug, Default)]
pub struct KeyState {
    /// The key's circuit breaker.
    pub breaker: Breaker,
    /// The key's retry budget, made on first use with the caller's settings.
    pub budget: Option<Budget>,
    /// The key's token bucket.
    pub limiter: Limiter,
    /// The key's concurrency bound.
    pub bulkhead: Bulkhead,
    last_used: u64,
}

/// A bounded map from key to [`KeyState`].
#[derive(Clone, Debug)]
pub struct Registry {
    entries: BTreeMap<String, KeyState>,
    capacity: usize,
    tick: u64,
}

impl Registry {
    /// An empty registry holding at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: BTreeMap::new(),
            capacity: capacity.max(1),
            tick: 0,
        }
    }

    /// The most keys held at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A key's state, if it is held. Does not count as a use.
    pub fn get(&self, key: &str) -> Option<&KeyState> {
        self.entries.get(key)
    }

    /// A key's state, created if needed (evicting others to stay within capacity); counts
    /// as a use.
    pub fn entry(&mut self, key: &str) -> &mut KeyState {
        self.tick += 1;
        let tick = self.tick;
        if !self.entries.contains_key(key) {
            if self.entries.len() >= self.capacity {
                self.evict();
            }
            self.entries.insert(key.to_owned(), KeyState::default());
        }
        let state = self.entries.get_mut(key).expect("present: inserted above");
        state.last_used = tick;
        state
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn evict(&mut self) {
        let target = self.capacity - (self.capacity / 8).max(1);
        let excess = self.entries.len().saturating_sub(target);
        let mut order: Vec<(bool, u64, &String)> = self
            .entries
            .iter()
            .map(|(k, s)| {
                (
                    !(s.breaker.is_closed() && s.bulkhead.is_idle()),
                    s.last_used,
                    k,
                )
            })
            .collect();
        order.sort_unstable();
        let victims: Vec<String> = order
            .into_iter()
            .take(excess)
            .map(|(_, _, k)| k.clone())
            .collect();
        for k in victims {
            self.entries.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::breaker::BreakerConfig;
    use crate::engine::classify::BreakerVerdict;

    #[test]
    fn stays_within_capacity() {
        let mut r = Registry::new(16);
        for i in 0..1_000 {
            r.entry(&format!("https://host{i}.example"));
            assert!(r.len() <= 16);
        }
        assert!(r.get("https://host999.example").is_some());
    }

    #[test]
    fn evicts_least_recently_used_first() {
        let mut r = Registry::new(8);
        for i in 0..8 {
            r.entry(&format!("k{i}"));
        }
        r.entry("k0"); // k0 is now the most recent; k1 the least
        r.entry("new");
        assert!(r.get("k0").is_some());
        assert!(r.get("k1").is_none());
        assert!(r.get("new").is_some());
    }

    #[test]
    fn keeps_open_breakers_over_closed_ones() {
        let mut r = Registry::new(4);
        let c = BreakerConfig::default();
        let open = r.entry("open");
        for _ in 0..5 {
            open.breaker.record(&c, BreakerVerdict::Failure, None, 0);
        }
        for i in 0..20 {
            r.entry(&format!("closed{i}"));
        }
        assert!(r.get("open").is_some(), "the open breaker survives");
        assert!(r.len() <= 4);
    }

    #[test]
    fn capacity_is_at_least_one() {
        let mut r = Registry::new(0);
        r.entry("a");
        r.entry("b");
        assert_eq!(r.len(), 1);
        assert!(r.get("b").is_some());
        r.clear();
        assert!(r.is_empty());
    }
}
