//! Whether one more retry is affordable: the retry budget.
//!
//! Why a budget and not just `maxAttempts`: a per-call limit bounds one call, not the load
//! the whole client puts on a struggling dependency. When everything fails, every call
//! retrying five times multiplies traffic by five exactly when the dependency can least take
//! it, and tiers that each retry multiply again (K tiers, one retry each: 2^(K-1) times the
//! load at the bottom). A budget caps retries as a share of real traffic, so a healthy
//! service retries freely and a failing one degrades to roughly its normal load.
//!
//! The shape is the article's rolling-window ratio plus Finagle's floor: every call
//! *deposits*, every retry (or hedge) *withdraws*, and a withdrawal succeeds while the
//! retries in the window, this one included, stay within
//! `ratio * calls_in_window + minRetriesPerSecond * windowSeconds`. The floor lets a
//! low-traffic client still retry. A denied withdrawal is an answer (`false`), not an error:
//! the caller turns it into a decision with a reason.
//!
//! Windows are counted by [`Window`], in ten steps of `windowMs / 10`.

use super::window::Window;

/// Budget settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BudgetConfig {
    /// `budget.ratio`, in `[0, 1]`: retries allowed per call in the window.
    pub ratio: f64,
    /// `budget.windowMs`: how far back calls and retries are counted.
    pub window_ms: u64,
    /// `budget.minRetriesPerSecond`: the floor, so low traffic can still retry.
    pub min_retries_per_second: f64,
}

impl Default for BudgetConfig {
    /// `{ ratio: 0.1, windowMs: 10000, minRetriesPerSecond: 10 }`.
    fn default() -> Self {
        Self {
            ratio: 0.1,
            window_ms: 10_000,
            min_retries_per_second: 10.0,
        }
    }
}

impl BudgetConfig {
    /// Retries the window can hold given `calls` in it.
    pub fn allowance(&self, calls: u64) -> f64 {
        self.ratio * calls as f64 + self.min_retries_per_second * (self.window_ms as f64 / 1000.0)
    }
}

const CALLS: usize = 0;
const RETRIES: usize = 1;

/// One key's budget: calls and retries over the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    window: Window,
}

impl Budget {
    /// An empty budget for `config`.
    pub fn new(config: &BudgetConfig) -> Self {
        Self {
            window: Window::new(config.window_ms),
        }
    }

    /// A window counted under another length cannot be reinterpreted: start afresh.
    fn conform(&mut self, config: &BudgetConfig) {
        if self.window.window_ms() != config.window_ms.max(1) {
            *self = Self::new(config);
        }
    }

    /// Records a call (a first attempt).
    pub fn deposit(&mut self, config: &BudgetConfig, now: u64) {
        self.conform(config);
        self.window.add(CALLS, now);
    }

    /// Takes one retry from the budget if it is affordable; `false` leaves the budget as it was.
    pub fn withdraw(&mut self, config: &BudgetConfig, now: u64) -> bool {
        self.conform(config);
        let [calls, retries] = self.window.totals(now);
        if (retries.saturating_add(1)) as f64 <= config.allowance(calls) {
            self.window.add(RETRIES, now);
            true
        } else {
            false
        }
    }

    /// Calls and retries currently in the window.
    pub fn totals(&mut self, now: u64) -> (u64, u64) {
        let [calls, retries] = self.window.totals(now);
        (calls, retries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ratio: f64, floor: f64) -> BudgetConfig {
        BudgetConfig {
            ratio,
            window_ms: 10_000,
            min_retries_per_second: floor,
        }
    }

    #[test]
    fn ratio_allows_a_share_of_calls() {
        let c = config(0.1, 0.0);
        let mut b = Budget::new(&c);
        for _ in 0..20 {
            b.deposit(&c, 1_000);
        }
        assert!(b.withdraw(&c, 1_000));
        assert!(b.withdraw(&c, 1_000));
        assert!(!b.withdraw(&c, 1_000), "0.1 x 20 calls = 2 retries");
        assert_eq!(b.totals(1_000), (20, 2));
    }

    #[test]
    fn no_calls_and_no_floor_means_no_retries() {
        let c = config(0.5, 0.0);
        let mut b = Budget::new(&c);
        assert!(!b.withdraw(&c, 0));
    }

    #[test]
    fn floor_allows_retries_at_low_traffic() {
        // 1 retry per second over 10 s = 10 retries with a single call.
        let c = config(0.1, 1.0);
        let mut b = Budget::new(&c);
        b.deposit(&c, 0);
        let granted = (0..50).filter(|_| b.withdraw(&c, 0)).count();
        assert_eq!(granted, 10);
    }

    #[test]
    fn the_budget_recovers_once_the_window_moves_on() {
        let c = config(0.0, 0.1); // 1 retry per 10 s window
        let mut b = Budget::new(&c);
        assert!(b.withdraw(&c, 0));
        assert!(!b.withdraw(&c, 5_000));
        assert!(b.withdraw(&c, 10_000));
    }

    #[test]
    fn fractional_allowance_rounds_down() {
        let c = config(0.1, 0.0);
        let mut b = Budget::new(&c);
        for _ in 0..9 {
            b.deposit(&c, 0);
        }
        assert!(!b.withdraw(&c, 0), "0.9 of a retry is none");
        b.deposit(&c, 0);
        assert!(b.withdraw(&c, 0));
    }

    #[test]
    fn a_new_window_length_starts_afresh() {
        let c = config(1.0, 0.0);
        let mut b = Budget::new(&c);
        b.deposit(&c, 0);
        let longer = BudgetConfig {
            window_ms: 20_000,
            ..c
        };
        assert!(!b.withdraw(&longer, 0));
    }
}
