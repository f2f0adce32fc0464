//! How long to wait before the next attempt when the server gave no `Retry-After`, and how
//! much jitter to put on top of one it did give.
//!
//! The ceiling for retry `n` (0-based) is `min(maxDelayMs, baseDelayMs * 2^n)`, computed
//! with saturating arithmetic so no `n` overflows. Jitter spreads clients that failed together
//! so they do not retry together (the thundering herd); the strategies are Marc Brooker's:
//!
//! | jitter | wait |
//! |---|---|
//! | `full` (default) | `U(0, ceiling)` |
//! | `equal` | `ceiling/2 + U(0, ceiling/2)` |
//! | `decorrelated` | `min(maxDelayMs, U(baseDelayMs, prev * 3))`, `prev` starting at `baseDelayMs` |
//! | `none` | `ceiling` |
//!
//! `U(a, b)` is a uniform integer number of milliseconds in `[a, b]`. Every wait lies in
//! `[0, maxDelayMs]`. This module computes; it never sleeps.

use super::rng::{uniform_inclusive, Rng};

/// A jitter strategy; see the module table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Jitter {
    /// `U(0, ceiling)`: the widest spread, the least total work (the default).
    #[default]
    Full,
    /// `ceiling/2 + U(0, ceiling/2)`: never very short.
    Equal,
    /// `min(max, U(base, prev * 3))`: each wait grows from the last one, not from `n`.
    Decorrelated,
    /// Exactly the ceiling: synchronised clients stay synchronised. For tests and special cases.
    None,
}

impl Jitter {
    /// The option value naming this strategy.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Equal => "equal",
            Self::Decorrelated => "decorrelated",
            Self::None => "none",
        }
    }

    /// The strategy an option value names, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "full" => Self::Full,
            "equal" => Self::Equal,
            "decorrelated" => Self::Decorrelated,
            "none" => Self::None,
            _ => return None,
        })
    }
}

/// Backoff settings, already validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// `retry.baseDelayMs`.
    pub base_ms: u64,
    /// `retry.maxDelayMs`.
    pub max_ms: u64,
    /// `retry.jitter`.
    pub jitter: Jitter,
}

impl Backoff {
    /// The ceiling for retry `n`: `min(max, base * 2^n)`, saturating.
    pub fn ceiling(&self, n: u32) -> u64 {
        let factor = 1u64.checked_shl(n).unwrap_or(0);
        let raw = if factor == 0 {
            // 2^n does not fit: any non-zero base saturates.
            if self.base_ms == 0 {
                0
            } else {
                u64::MAX
            }
        } else {
            self.base_ms.saturating_mul(factor)
        };
        raw.min(self.max_ms)
    }

    /// The wait before retry `n`. `prev` carries decorrelated jitter's state across the
    /// retries of one call; start it with [`Backoff::initial_prev`].
    pub fn delay<R: Rng + ?Sized>(&self, n: u32, prev: &mut u64, rng: &mut R) -> u64 {
        match self.jitter {
            Jitter::None => self.ceiling(n),
            Jitter::Full => uniform_inclusive(rng, 0, self.ceiling(n)),
            Jitter::Equal => {
                let c = self.ceiling(n);
                let half = c / 2;
                half + uniform_inclusive(rng, 0, c - half)
            }
            Jitter::Decorrelated => {
                let d =
                    uniform_inclusive(rng, self.base_ms, prev.saturating_mul(3)).min(self.max_ms);
                *prev = d;
                d
            }
        }
    }

    /// Decorrelated jitter's starting `prev`: `baseDelayMs`, so the first wait lies in
    /// `[base, 3 * base]` (capped).
    pub const fn initial_prev(&self) -> u64 {
        self.base_ms
    }
}

/// A wait honouring a server's `Retry-After` of `server_ms`: the server's value plus
/// `U(0, jitter_ms)`, never less than the server's value (saturating).
pub fn retry_after_wait<R: Rng + ?Sized>(server_ms: u64, jitter_ms: u64, rng: &mut R) -> u64 {
    server_ms.saturating_add(uniform_inclusive(rng, 0, jitter_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::SplitMix64;

    fn backoff(jitter: Jitter) -> Backoff {
        Backoff {
            base_ms: 1_000,
            max_ms: 30_000,
            jitter,
        }
    }

    #[test]
    fn ceilings_double_then_cap() {
        let b = backoff(Jitter::None);
        let got: Vec<u64> = (0..8).map(|n| b.ceiling(n)).collect();
        assert_eq!(
            got,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
    }

    #[test]
    fn ceilings_saturate_for_any_n() {
        let b = Backoff {
            base_ms: u64::MAX / 2,
            max_ms: u64::MAX,
            jitter: Jitter::None,
        };
        assert_eq!(b.ceiling(1), u64::MAX - 1);
        assert_eq!(b.ceiling(2), u64::MAX);
        assert_eq!(b.ceiling(63), u64::MAX);
        assert_eq!(b.ceiling(64), u64::MAX);
        assert_eq!(b.ceiling(u32::MAX), u64::MAX);
        let zero = Backoff { base_ms: 0, ..b };
        assert_eq!(zero.ceiling(u32::MAX), 0);
    }

    #[test]
    fn none_is_the_ceiling() {
        let b = backoff(Jitter::None);
        let mut rng = SplitMix64::new(1);
        let mut prev = b.initial_prev();
        let got: Vec<u64> = (0..6).map(|n| b.delay(n, &mut prev, &mut rng)).collect();
        assert_eq!(got, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    }

    #[test]
    fn full_lies_in_zero_to_ceiling_and_spreads() {
        let b = backoff(Jitter::Full);
        let mut rng = SplitMix64::new(2);
        let mut prev = b.initial_prev();
        for n in 0..10 {
            let draws: Vec<u64> = (0..200).map(|_| b.delay(n, &mut prev, &mut rng)).collect();
            let c = b.ceiling(n);
            assert!(draws.iter().all(|&d| d <= c));
            assert!(
                draws.iter().any(|&d| d < c / 4) && draws.iter().any(|&d| d > c * 3 / 4),
                "n={n}"
            );
        }
    }

    #[test]
    fn equal_lies_in_half_to_ceiling() {
        let b = backoff(Jitter::Equal);
        let mut rng = SplitMix64::new(3);
        let mut prev = b.initial_prev();
        for n in 0..10 {
            let c = b.ceiling(n);
            for _ in 0..200 {
                let d = b.delay(n, &mut prev, &mut rng);
                assert!(d >= c / 2 && d <= c, "n={n} d={d}");
            }
        }
        // An odd ceiling still reaches it exactly.
        let odd = Backoff {
            base_ms: 3,
            max_ms: 3,
            jitter: Jitter::Equal,
        };
        let mut seen_max = false;
        for _ in 0..100 {
            let d = odd.delay(0, &mut prev, &mut rng);
            assert!((1..=3).contains(&d));
            seen_max |= d == 3;
        }
        assert!(seen_max);
    }

    #[test]
    fn decorrelated_starts_in_base_to_three_base_and_grows_from_prev() {
        let b = backoff(Jitter::Decorrelated);
        let mut rng = SplitMix64::new(4);
        for _ in 0..200 {
            let mut prev = b.initial_prev();
            let first = b.delay(0, &mut prev, &mut rng);
            assert!((1_000..=3_000).contains(&first));
            assert_eq!(prev, first);
            let second = b.delay(1, &mut prev, &mut rng);
            assert!(second >= 1_000 && second <= (first * 3).min(30_000));
        }
        let mut prev = 29_000;
        for _ in 0..200 {
            assert!(b.delay(9, &mut prev, &mut rng) <= 30_000);
        }
    }

    #[test]
    fn decorrelated_is_capped_even_below_base() {
        let b = Backoff {
            base_ms: 5_000,
            max_ms: 2_000,
            jitter: Jitter::Decorrelated,
        };
        let mut rng = SplitMix64::new(5);
        let mut prev = b.initial_prev();
        for n in 0..20 {
            assert_eq!(b.delay(n, &mut prev, &mut rng), 2_000);
        }
    }

    #[test]
    fn seeded_sequences_are_exact() {
        // The same seed draws the same waits in every runtime: pin one sequence.
        let b = backoff(Jitter::Full);
        let mut rng = SplitMix64::new(2026);
        let mut prev = b.initial_prev();
        let a: Vec<u64> = (0..5).map(|n| b.delay(n, &mut prev, &mut rng)).collect();
        let mut rng = SplitMix64::new(2026);
        let again: Vec<u64> = (0..5).map(|n| b.delay(n, &mut prev, &mut rng)).collect();
        assert_eq!(a, again);
    }

    #[test]
    fn retry_after_jitter_never_goes_below_the_server() {
        let mut rng = SplitMix64::new(6);
        for _ in 0..500 {
            let w = retry_after_wait(2_000, 1_000, &mut rng);
            assert!((2_000..=3_000).contains(&w));
        }
        assert_eq!(retry_after_wait(5, 0, &mut rng), 5);
        assert_eq!(retry_after_wait(u64::MAX, 1_000, &mut rng), u64::MAX);
    }

    #[test]
    fn jitter_names_round_trip() {
        for j in [
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::None,
        ] {
            assert_eq!(Jitter::from_name(j.as_str()), Some(j));
        }
        assert_eq!(Jitter::from_name("Full"), None);
    }
}
