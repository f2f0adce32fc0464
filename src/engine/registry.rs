//! Where per-key state lives, and how much of it: a bounded registry keyed by breaker key.
//!
//! Each key (by default an origin) has a breaker, a retry budget and a rate limiter. A client
//! that talks to many hosts (a crawler, a proxy, a Worker fanning out) must not grow memory
//! without limit, so the registry holds at most `capacity` keys. When a new key would pass
//! the cap, it evicts about an eighth of the entries in one pass, least recently used first
//! and closed breakers before open or half-open ones: forgetting a closed breaker loses at
//! most a partial failure count, while forgetting an open one would send traffic to a
//! dependency known to be down. Evicting in batches keeps the cost per new key constant on
//! average. Keys are kept sorted (a binary search finds one), which keeps every order
//! deterministic and needs no hashing seed, so the registry draws no entropy. The same
//! bounded map (`Bounded`) holds the routes' gates.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
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
}

/// A map from key to `V` holding at most `capacity` keys. A new key that would pass the cap
/// first evicts about an eighth of the entries: the ones not busy first, then the least
/// recently used, then (never in practice: uses are counted one by one) the lowest key.
#[derive(Clone, Debug)]
pub(crate) struct Bounded<V> {
    /// Each key, its value and its last use; sorted by key. Values are boxed: a new key moves
    /// the entries after it, and these stay small whatever `V` is.
    entries: Vec<(String, Box<V>, u64)>,
    capacity: usize,
    tick: u64,
    /// Where the last key used was: a call looks up the same few keys at every step, and
    /// one comparison of equal keys is cheaper than a search (only a hint: checked).
    hint: usize,
}

/// Which of `ranks` (busy, last use; one per key, in key order) to evict so that `excess`
/// fewer remain: the `excess` lowest `(busy, last use, position)`, all distinct.
fn victims(ranks: &[(bool, u64)], excess: usize) -> Vec<bool> {
    let mut order: Vec<(bool, u64, usize)> = ranks
        .iter()
        .enumerate()
        .map(|(i, &(busy, used))| (busy, used, i))
        .collect();
    heapsort(&mut order);
    let mut out = alloc::vec![false; ranks.len()];
    for &(_, _, i) in order.iter().take(excess) {
        out[i] = true;
    }
    out
}

/// Sorts `v` ascending. A heapsort: a few hundred bytes of Wasm where the standard library's
/// sorts are several kilobytes, and eviction is rare. Its items are distinct, so any correct
/// sort puts them in the same order.
fn heapsort<T: Ord + Copy>(v: &mut [T]) {
    fn sift<T: Ord + Copy>(v: &mut [T], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

impl<V: Default> Bounded<V> {
    /// Empty, holding at most `capacity` keys (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            capacity: capacity.max(1),
            tick: 0,
            hint: 0,
        }
    }

    /// Keys held now.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Where `key` is, or where it would go.
    fn position(&self, key: &str) -> Result<usize, usize> {
        if self
            .entries
            .get(self.hint)
            .is_some_and(|(k, _, _)| k == key)
        {
            return Ok(self.hint);
        }
        self.entries
            .binary_search_by(|(k, _, _)| k.as_str().cmp(key))
    }

    /// A key's value, if it is held. Does not count as a use.
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        let i = self.position(key).ok()?;
        Some(&self.entries[i].1)
    }

    /// A key's value to change, if it is held. Does not count as a use.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        let i = self.position(key).ok()?;
        self.hint = i;
        Some(&mut self.entries[i].1)
    }

    /// A key's value, created if needed (evicting others to stay within capacity, `busy`
    /// ones last); counts as a use.
    pub(crate) fn entry(&mut self, key: &str, busy: impl Fn(&V) -> bool) -> &mut V {
        self.tick += 1;
        let i = match self.position(key) {
            Ok(i) => i,
            Err(mut i) => {
                if self.entries.len() >= self.capacity {
                    self.evict(busy);
                    i = self.position(key).unwrap_or_else(|i| i);
                }
                self.entries.insert(i, (key.to_owned(), Box::default(), 0));
                i
            }
        };
        self.hint = i;
        let (_, value, used) = &mut self.entries[i];
        *used = self.tick;
        value
    }

    /// Forgets every key.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Every key and its value, in key order. Does not count as a use.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().map(|(k, v, _)| (k.as_str(), &**v))
    }

    fn evict(&mut self, busy: impl Fn(&V) -> bool) {
        let target = self.capacity - (self.capacity / 8).max(1);
        let excess = self.entries.len().saturating_sub(target);
        let ranks: Vec<(bool, u64)> = self.entries.iter().map(|(_, v, u)| (busy(v), *u)).collect();
        let out = victims(&ranks, excess);
        let mut i = 0;
        self.entries.retain(|_| {
            i += 1;
            !out[i - 1]
        });
    }
}

/// A bounded map from key to [`KeyState`].
#[derive(Clone, Debug)]
pub struct Registry {
    entries: Bounded<KeyState>,
}

impl Registry {
    /// An empty registry holding at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Bounded::new(capacity),
        }
    }

    /// The most keys held at once.
    pub fn capacity(&self) -> usize {
        self.entries.capacity
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// A key's state, if it is held. Does not count as a use.
    pub fn get(&self, key: &str) -> Option<&KeyState> {
        self.entries.get(key)
    }

    /// A key's state, created if needed (evicting others to stay within capacity); counts
    /// as a use.
    pub fn entry(&mut self, key: &str) -> &mut KeyState {
        self.entries
            .entry(key, |s| !(s.breaker.is_closed() && s.bulkhead.is_idle()))
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Every key and its state, in key order. Does not count as a use.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &KeyState)> {
        self.entries.iter()
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
    fn heapsort_sorts_like_the_standard_library() {
        let mut rng = crate::engine::SplitMix64::new(7);
        for n in 0..200 {
            let mut v: Vec<(bool, u64, usize)> = (0..n)
                .map(|i| {
                    let x = crate::engine::Rng::next_u64(&mut rng);
                    (x & 1 == 0, (x >> 1) % 16, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            heapsort(&mut v);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn evicts_idle_then_least_recently_used_then_lowest_key() {
        let ranks = [(true, 1), (false, 9), (false, 3), (true, 0), (false, 3)];
        assert_eq!(victims(&ranks, 0), [false; 5]);
        assert_eq!(victims(&ranks, 2), [false, false, true, false, true]);
        assert_eq!(victims(&ranks, 4), [false, true, true, true, true]);
        assert_eq!(victims(&ranks, 9), [true; 5]);
    }

    /// The registry against its specification, written the plain way: a `BTreeMap`, and
    /// eviction by sorting every key on (busy, last use, key).
    #[test]
    fn evicts_as_the_sorting_specification_does() {
        use std::collections::BTreeMap;
        let c = BreakerConfig::default();
        let mut rng = crate::engine::SplitMix64::new(3);
        for capacity in [1, 2, 7, 8, 16, 33] {
            let mut model: BTreeMap<String, (bool, u64)> = BTreeMap::new();
            let mut r = Registry::new(capacity);
            for tick in 1..=5_000u64 {
                let x = crate::engine::Rng::next_u64(&mut rng);
                let key = format!("k{}", x % 60);
                let open = (x >> 10) % 5 == 0;
                if !model.contains_key(&key) && model.len() >= capacity {
                    let target = capacity - (capacity / 8).max(1);
                    let mut order: Vec<(bool, u64, String)> = model
                        .iter()
                        .map(|(k, &(busy, used))| (busy, used, k.clone()))
                        .collect();
                    order.sort_unstable();
                    for (_, _, k) in order.into_iter().take(model.len() - target) {
                        model.remove(&k);
                    }
                }
                let (busy, used) = model.entry(key.clone()).or_default();
                *used = tick;
                *busy |= open;
                let s = r.entry(&key);
                if open {
                    while s.breaker.is_closed() {
                        s.breaker.record(&c, BreakerVerdict::Failure, None, 0);
                    }
                }
                let held: Vec<&String> = r.entries.entries.iter().map(|e| &e.0).collect();
                assert_eq!(
                    held,
                    model.keys().collect::<Vec<_>>(),
                    "capacity {capacity}"
                );
            }
        }
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
