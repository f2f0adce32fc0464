//! Counting events over a rolling time window in constant memory.
//!
//! The retry budget (calls and retries) and the failure-rate breaker (successes and
//! failures) both ask "how many of each happened in the last `windowMs`?". Keeping every
//! timestamp would grow with traffic, so a [`Window`] keeps [`BUCKETS`] buckets of
//! `ceil(windowMs / BUCKETS)` milliseconds each: at time `now`, the window is the bucket
//! holding `now` and the `BUCKETS - 1` before it. An event therefore stays counted for
//! between `windowMs - windowMs/BUCKETS` and `windowMs` (rounded up to whole buckets).
//!
//! Time never runs backwards here: a `now` older than one already seen counts as the newest.

/// How many buckets a window is split into.
pub const BUCKETS: usize = 10;

/// Two counters over a rolling window (e.g. calls and retries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    window_ms: u64,
    bucket_ms: u64,
    latest: u64,
    epochs: [u64; BUCKETS],
    counts: [[u64; 2]; BUCKETS],
}

impl Window {
    /// An empty window `window_ms` long (at least 1 ms).
    pub fn new(window_ms: u64) -> Self {
        let window_ms = window_ms.max(1);
        Self {
            window_ms,
            bucket_ms: window_ms.div_ceil(BUCKETS as u64),
            latest: 0,
            // Epoch u64::MAX marks an unused bucket: no real epoch reaches it.
            epochs: [u64::MAX; BUCKETS],
            counts: [[0; 2]; BUCKETS],
        }
    }

    /// The window length this was made for.
    pub fn window_ms(&self) -> u64 {
        self.window_ms
    }

    fn epoch(&mut self, now: u64) -> u64 {
        let e = now / self.bucket_ms;
        self.latest = self.latest.max(e);
        self.latest
    }

    /// Counts one event of kind `which` (0 or 1) at `now`.
    pub fn add(&mut self, which: usize, now: u64) {
        let e = self.epoch(now);
        let slot = (e % BUCKETS as u64) as usize;
        if self.epochs[slot] != e {
            self.epochs[slot] = e;
            self.counts[slot] = [0; 2];
        }
        self.counts[slot][which] = self.counts[slot][which].saturating_add(1);
    }

    /// Both counters summed over the window ending at `now`.
    pub fn totals(&mut self, now: u64) -> [u64; 2] {
        let e = self.epoch(now);
        let oldest = e.saturating_sub(BUCKETS as u64 - 1);
        let mut sum = [0u64; 2];
        for (epoch, counts) in self.epochs.iter().zip(&self.counts) {
            if *epoch != u64::MAX && *epoch >= oldest && *epoch <= e {
                sum[0] = sum[0].saturating_add(counts[0]);
                sum[1] = sum[1].saturating_add(counts[1]);
            }
        }
        sum
    }

    /// The buckets still inside the window at `now`, oldest first: each one's start (ms,
    /// absolute) and its two counts. Changes nothing (what a snapshot records).
    pub fn buckets(&self, now: u64) -> alloc::vec::Vec<(u64, [u64; 2])> {
        let e = self.latest.max(now / self.bucket_ms);
        let mut out = alloc::vec::Vec::new();
        for epoch in e.saturating_sub(BUCKETS as u64 - 1)..=e {
            let slot = (epoch % BUCKETS as u64) as usize;
            if self.epochs[slot] == epoch && self.counts[slot] != [0, 0] {
                out.push((epoch.saturating_mul(self.bucket_ms), self.counts[slot]));
            }
        }
        out
    }

    /// A window `window_ms` long holding `buckets` (start in ms, counts) as seen at `now`:
    /// buckets already outside the window are dropped, and one starting after `now` (another
    /// machine's clock ahead of this one) counts as `now`'s.
    pub fn from_buckets(
        window_ms: u64,
        buckets: impl IntoIterator<Item = (u64, [u64; 2])>,
        now: u64,
    ) -> Self {
        let mut w = Self::new(window_ms);
        let e = now / w.bucket_ms;
        let oldest = e.saturating_sub(BUCKETS as u64 - 1);
        w.latest = e;
        for (start, counts) in buckets {
            let epoch = (start / w.bucket_ms).min(e);
            if epoch < oldest {
                continue;
            }
            let slot = (epoch % BUCKETS as u64) as usize;
            if w.epochs[slot] != epoch {
                w.epochs[slot] = epoch;
                w.counts[slot] = [0; 2];
            }
            for (c, n) in w.counts[slot].iter_mut().zip(counts) {
                *c = c.saturating_add(n);
            }
        }
        w
    }

    /// Forgets every event.
    pub fn clear(&mut self) {
        *self = Self::new(self.window_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_within_the_window_and_forgets_after() {
        let mut w = Window::new(10_000);
        w.add(0, 0);
        w.add(0, 500);
        w.add(1, 9_999);
        assert_eq!(w.totals(9_999), [2, 1]);
        // Bucket [0, 1000) leaves the window once the window reaches epoch 10.
        assert_eq!(w.totals(10_000), [0, 1]);
        assert_eq!(w.totals(18_999), [0, 1]);
        assert_eq!(w.totals(19_000), [0, 0]);
    }

    #[test]
    fn reused_slots_start_from_zero() {
        let mut w = Window::new(1_000);
        w.add(0, 50);
        w.add(0, 1_050); // same slot, ten buckets later
        assert_eq!(w.totals(1_050), [1, 0]);
    }

    #[test]
    fn time_never_runs_backwards() {
        let mut w = Window::new(1_000);
        w.add(0, 5_000);
        w.add(0, 100); // late report: counted as now
        assert_eq!(w.totals(5_000), [2, 0]);
        assert_eq!(w.totals(0), [2, 0]);
    }

    #[test]
    fn tiny_and_huge_windows() {
        let mut w = Window::new(0);
        assert_eq!(w.window_ms(), 1);
        w.add(1, 3);
        assert_eq!(w.totals(3), [0, 1]);
        let mut big = Window::new(u64::MAX);
        big.add(0, u64::MAX - 1);
        assert_eq!(big.totals(u64::MAX), [1, 0]);
        big.clear();
        assert_eq!(big.totals(u64::MAX), [0, 0]);
    }
}
