//! Randomness as an input: the small seeded generator every jitter draw comes from.
//!
//! The engine never gathers entropy itself. The driver seeds an [`Rng`] (from `crypto` in
//! Wasm, from a fixed number in tests), so every decision is reproducible from
//! `(options, seed, outcomes, times)`. All draws are integer arithmetic, so a native build
//! and a Wasm build given the same seed draw the same numbers, bit for bit.

/// A source of uniformly distributed 64-bit words.
///
/// Implement it to drive the engine from your own generator; [`SplitMix64`] is the one the
/// engine ships with.
pub trait Rng {
    /// The next uniformly distributed 64-bit word.
    fn next_u64(&mut self) -> u64;
}

/// SplitMix64 (Steele, Lea and Flood, 2014): one `u64` of state, a full period of 2^64, and
/// statistically sound output for jitter. Chosen because it is tiny, fast and defined purely by
/// integer arithmetic, so the same seed draws the same sequence in every runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`. Every seed, zero included, is valid.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }
}

impl Rng for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A uniform integer in `[lo, hi]` (both ends included; the bounds may come in either order).
///
/// Uses Lemire's multiply-and-reject method, so the result is exactly uniform (no modulo
/// bias) and the number of words drawn depends only on the generator's output.
pub fn uniform_inclusive<R: Rng + ?Sized>(rng: &mut R, lo: u64, hi: u64) -> u64 {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let span = hi - lo;
    if span == u64::MAX {
        return rng.next_u64();
    }
    let range = span + 1;
    // Reject the low products that would bias the result: threshold = 2^64 mod range.
    let threshold = range.wrapping_neg() % range;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(range);
        if (m as u64) >= threshold {
            return lo + (m >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_sequence() {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn uniform_stays_in_bounds_and_reaches_both_ends() {
        let mut rng = SplitMix64::new(7);
        let (mut saw_lo, mut saw_hi) = (false, false);
        for _ in 0..10_000 {
            let x = uniform_inclusive(&mut rng, 3, 9);
            assert!((3..=9).contains(&x));
            saw_lo |= x == 3;
            saw_hi |= x == 9;
        }
        assert!(saw_lo && saw_hi);
    }

    #[test]
    fn uniform_handles_degenerate_and_full_ranges() {
        let mut rng = SplitMix64::new(1);
        assert_eq!(uniform_inclusive(&mut rng, 5, 5), 5);
        assert!((2..=8).contains(&uniform_inclusive(&mut rng, 8, 2)));
        let _ = uniform_inclusive(&mut rng, 0, u64::MAX);
    }

    #[test]
    fn uniform_is_not_biased_towards_low_values() {
        let mut rng = SplitMix64::new(42);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[uniform_inclusive(&mut rng, 0, 2) as usize] += 1;
        }
        for c in counts {
            assert!((9_400..=10_600).contains(&c), "{counts:?}");
        }
    }
}
