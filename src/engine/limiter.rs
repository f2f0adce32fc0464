//! Whether an attempt may go now under a client-side rate limit: proactive throttling.
//!
//! The best 429 is the one never provoked. A [`Limiter`] is a token bucket of `burst` tokens
//! refilled at `requestsPerSecond`, kept as the Generic Cell Rate Algorithm (one number, the
//! theoretical arrival time, as governor does): no background refill, no timer, and the
//! answer to "may I go?" is either *now* or *the earliest time you may*. A caller prepared to
//! wait books its slot at once, so waiting callers are served in order and never overshoot
//! the rate. This module decides; the driver does the waiting.

use super::math;

/// Rate-limit settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterConfig {
    /// `rateLimit.requestsPerSecond` (> 0).
    pub requests_per_second: f64,
    /// `rateLimit.burst` (>= 1): attempts that may go back to back after a quiet period.
    pub burst: u32,
    /// `rateLimit.maxWaitMs`: the longest a call waits for a token before it is throttled.
    pub max_wait_ms: u64,
}

impl LimiterConfig {
    fn interval_ms(&self) -> f64 {
        1000.0 / self.requests_per_second
    }
}

/// The limiter's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// A token is booked; send after waiting this many milliseconds (0 = now).
    Ready {
        /// Milliseconds to wait before sending.
        wait_ms: u64,
    },
    /// No token within the allowed wait; one would be free in `wait_ms`. Nothing was booked.
    Denied {
        /// Milliseconds until a token would be free.
        wait_ms: u64,
    },
}

/// One key's token bucket.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Limiter {
    /// Theoretical arrival time of the next request, in ms on the caller's clock.
    pub(super) tat: f64,
}

impl Limiter {
    /// A full bucket.
    pub const fn new() -> Self {
        Self { tat: 0.0 }
    }

    /// Milliseconds until a token is free at `now` (0 = go now). Books nothing.
    pub fn wait_ms(&self, config: &LimiterConfig, now: u64) -> u64 {
        let now = now as f64;
        let t = config.interval_ms();
        let wait = self.tat.max(now) + t - f64::from(config.burst) * t - now;
        if wait <= 0.0 {
            0
        } else {
            // Saturating float-to-int conversion; rounded up so we never go early.
            math::ceil(wait) as u64
        }
    }

    /// Books a token if one is free within `max_wait_ms` of `now`.
    pub fn reserve(&mut self, config: &LimiterConfig, now: u64, max_wait_ms: u64) -> Reservation {
        let wait_ms = self.wait_ms(config, now);
        if wait_ms > max_wait_ms {
            return Reservation::Denied { wait_ms };
        }
        self.tat = self.tat.max(now as f64) + config.interval_ms();
        Reservation::Ready { wait_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rps: f64, burst: u32) -> LimiterConfig {
        LimiterConfig {
            requests_per_second: rps,
            burst,
            max_wait_ms: 0,
        }
    }

    #[test]
    fn a_burst_goes_at_once_then_the_rate_applies() {
        let c = config(10.0, 3);
        let mut l = Limiter::new();
        for _ in 0..3 {
            assert_eq!(l.reserve(&c, 1_000, 0), Reservation::Ready { wait_ms: 0 });
        }
        assert_eq!(
            l.reserve(&c, 1_000, 0),
            Reservation::Denied { wait_ms: 100 }
        );
        assert_eq!(l.reserve(&c, 1_100, 0), Reservation::Ready { wait_ms: 0 });
    }

    #[test]
    fn waiting_callers_book_successive_slots() {
        let c = config(2.0, 1);
        let mut l = Limiter::new();
        assert_eq!(l.reserve(&c, 0, 10_000), Reservation::Ready { wait_ms: 0 });
        assert_eq!(
            l.reserve(&c, 0, 10_000),
            Reservation::Ready { wait_ms: 500 }
        );
        assert_eq!(
            l.reserve(&c, 0, 10_000),
            Reservation::Ready { wait_ms: 1_000 }
        );
        assert_eq!(
            l.reserve(&c, 0, 999),
            Reservation::Denied { wait_ms: 1_500 }
        );
        assert_eq!(l.wait_ms(&c, 0), 1_500, "a denial books nothing");
    }

    #[test]
    fn idle_time_refills_up_to_burst_only() {
        let c = config(1.0, 2);
        let mut l = Limiter::new();
        l.reserve(&c, 0, 0);
        l.reserve(&c, 0, 0);
        // A long quiet period gives back at most `burst` tokens.
        assert!(matches!(
            l.reserve(&c, 100_000, 0),
            Reservation::Ready { wait_ms: 0 }
        ));
        assert!(matches!(
            l.reserve(&c, 100_000, 0),
            Reservation::Ready { wait_ms: 0 }
        ));
        assert!(matches!(
            l.reserve(&c, 100_000, 0),
            Reservation::Denied { .. }
        ));
    }

    #[test]
    fn fractional_rates_round_waits_up() {
        let c = config(3.0, 1);
        let mut l = Limiter::new();
        l.reserve(&c, 0, 0);
        assert_eq!(l.wait_ms(&c, 0), 334);
        let slow = config(0.5, 1);
        let mut l = Limiter::new();
        l.reserve(&slow, 0, 0);
        assert_eq!(l.wait_ms(&slow, 0), 2_000);
    }

    #[test]
    fn extreme_rates_do_not_overflow() {
        let tiny = config(1e-300, 1);
        let mut l = Limiter::new();
        l.reserve(&tiny, 0, 0);
        assert_eq!(l.wait_ms(&tiny, 0), u64::MAX);
        let huge = config(1e300, u32::MAX);
        let mut l = Limiter::new();
        for _ in 0..1_000 {
            assert_eq!(
                l.reserve(&huge, u64::MAX, 0),
                Reservation::Ready { wait_ms: 0 }
            );
        }
    }
}
