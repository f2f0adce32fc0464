//! Whether one more retry is affordable: the retry budget.
//!
//! Why a budget and not just `maxAttempts`: a per-call limit bounds one call, not the load
//! the whole client puts on a struggling dependency. When everything fails, every call
//! retrying five times multiplies traffic by five exactly when the dependency can least take
//! it, and tiers that each retry multiply again (K tiers, one retry each: 2^(K-1) times the
//! load at the bottom). A budget caps retries as a share of real traffic, so a healthy
//! service retries freely and a failing one degrades to roughly its normal load.
//!
//! Two bases, one shape: every retry (or hedge) *withdraws*, and a withdrawal succeeds while
//! the retries in the window, this one included, stay within
//! `ratio * basis_in_window + minRetriesPerSecond * windowSeconds`. The floor lets a
//! low-traffic client still retry. A denied withdrawal is an answer (`false`), not an error:
//! the caller turns it into a decision with a reason.
//!
//! - [`Basis::Successes`] (the default, `retriesPerSuccess`): the basis is the answers that
//!   succeeded, as in Google SRE's client-side adaptive throttling (a client sends at most
//!   K times what the server accepts; K = 2 is one retry per success). It scales with
//!   health: at a 20 % failure rate a call needs about 0.25 retries and gets them, and when
//!   everything fails nothing is deposited, so only the floor is left.
//! - [`Basis::Calls`] (the article's form, `ratio`): every call deposits (Finagle, Envoy,
//!   gRPC's retry throttling). It bounds retries to a share of calls whatever their outcome,
//!   so it cannot both allow 0.25 retries per call at 20 % failures and hold a dead origin
//!   to 0.2.
//!
//! Windows are counted by [`Window`], in ten steps of `windowMs / 10`.

use super::window::Window;

/// What a budget counts retries against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Successful answers in the window (`budget.retriesPerSuccess`; the default).
    Successes,
    /// Calls in the window (`budget.ratio`; the article's form).
    Calls,
}

/// Budget settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BudgetConfig {
    /// What retries are counted against.
    pub basis: Basis,
    /// Retries allowed per unit of the basis in the window: `budget.ratio` (per call, in
    /// `[0, 1]`) or `budget.retriesPerSuccess` (per success, >= 0).
    pub ratio: f64,
    /// `budget.windowMs`: how far back calls and retries are counted.
    pub window_ms: u64,
    /// `budget.minRetriesPerSecond`: the floor, so low traffic can still retry.
    pub min_retries_per_second: f64,
}

impl Default for BudgetConfig {
    /// `{ retriesPerSuccess: 1, windowMs: 10000, minRetriesPerSecond: 10 }`.
    fn default() -> Self {
        Self {
            basis: Basis::Successes,
            ratio: 1.0,
            window_ms: 10_000,
            min_retries_per_second: 10.0,
        }
    }
}

impl BudgetConfig {
    /// The article's form: `ratio` retries per call (the other fields as given).
    pub fn per_call(ratio: f64) -> Self {
        Self {
            basis: Basis::Calls,
            ratio,
            ..Self::default()
        }
    }

    /// Retries the window can hold given `basis` calls or successes in it.
    pub fn allowance(&self, basis: u64) -> f64 {
        self.ratio * basis as f64 + self.min_retries_per_second * (self.window_ms as f64 / 1000.0)
    }
}

/// Calls or successes, as the basis says.
const BASIS: usize = 0;
const RETRIES: usize = 1;

/// One key's budget: the basis and retries over the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    pub(super) basis: Basis,
    pub(super) window: Window,
}

impl Budget {
    /// An empty budget for `config`.
    pub fn new(config: &BudgetConfig) -> Self {
        Self {
            basis: config.basis,
            window: Window::new(config.window_ms),
        }
    }

    /// A window counted under another length or basis cannot be reinterpreted: start afresh.
    fn conform(&mut self, config: &BudgetConfig) {
        if self.window.window_ms() != config.window_ms.max(1) || self.basis != config.basis {
            *self = Self::new(config);
        }
    }

    /// Records a call (a first attempt): the basis of [`Basis::Calls`].
    pub fn deposit(&mut self, config: &BudgetConfig, now: u64) {
        self.conform(config);
        if config.basis == Basis::Calls {
            self.window.add(BASIS, now);
        }
    }

    /// Records a successful answer: the basis of [`Basis::Successes`].
    pub fn credit(&mut self, config: &BudgetConfig, now: u64) {
        self.conform(config);
        if config.basis == Basis::Successes {
            self.window.add(BASIS, now);
        }
    }

    /// Takes one retry from the budget if it is affordable; `false` leaves the budget as it was.
    pub fn withdraw(&mut self, config: &BudgetConfig, now: u64) -> bool {
        self.conform(config);
        let [basis, retries] = self.window.totals(now);
        if (retries.saturating_add(1)) as f64 <= config.allowance(basis) {
            self.window.add(RETRIES, now);
            true
        } else {
            false
        }
    }

    /// The basis (calls or successes) and retries currently in the window.
    pub fn totals(&mut self, now: u64) -> (u64, u64) {
        let [basis, retries] = self.window.totals(now);
        (basis, retries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(ratio: f64, floor: f64) -> BudgetConfig {
        BudgetConfig {
            basis: Basis::Calls,
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

    #[test]
    fn the_default_counts_retries_against_successes() {
        let c = BudgetConfig {
            min_retries_per_second: 0.0,
            ..BudgetConfig::default()
        };
        let mut b = Budget::new(&c);
        for _ in 0..100 {
            b.deposit(&c, 0); // calls are not the basis
        }
        assert!(!b.withdraw(&c, 0), "nothing succeeded: no retry");
        for _ in 0..3 {
            b.credit(&c, 0);
        }
        let granted = (0..10).filter(|_| b.withdraw(&c, 0)).count();
        assert_eq!(granted, 3, "one retry per success");
    }

    #[test]
    fn successes_basis_meets_both_outcomes() {
        // Every 5th request fails: a call needs 0.25 retries and gets them all.
        let c = BudgetConfig::default();
        let mut b = Budget::new(&c);
        let (mut requests, mut denied) = (0u32, 0u32);
        for call in 0..1000u64 {
            let now = call; // 1000 calls a second
            b.deposit(&c, now);
            for _attempt in 0..4 {
                requests += 1;
                if requests % 5 != 0 {
                    b.credit(&c, now);
                    break;
                }
                if !b.withdraw(&c, now) {
                    denied += 1;
                    break;
                }
            }
        }
        assert_eq!(denied, 0);
        assert!(f64::from(requests) / 1000.0 <= 1.26);
        // Everything fails: only the floor (10 per second over 10 s) is left.
        let mut b = Budget::new(&c);
        let mut requests = 0u32;
        for call in 0..1000u64 {
            b.deposit(&c, call);
            requests += 1;
            for _retry in 0..3 {
                if !b.withdraw(&c, call) {
                    break;
                }
                requests += 1;
            }
        }
        assert_eq!(requests, 1100);
    }
}
