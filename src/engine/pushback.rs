//! Whether a tier below told us not to retry: the pushback signal.
//!
//! Retries at every tier of a call chain multiply: K tiers retrying once each send up to
//! 2^(K-1) times the load to the bottom. The fix is for a tier that has already retried (or
//! that is shedding load) to say so, and for the tier above to listen. gRPC does this with
//! `grpc-retry-pushback-ms`; over HTTP the header is [`HEADER`], with the same meaning:
//!
//! - a non-negative integer: retry no sooner than this many milliseconds (it replaces a
//!   shorter backoff or `Retry-After`, and counts against `maxRetryAfterMs`);
//! - anything else (a negative number, `none`, garbage): do not retry this call at all.
//!
//! Honouring it is opt-in (`pushback: true`). The package's `markNoRetry(response)` helper
//! adds `Retry-Pushback-Ms: -1` to a response a tier gives up on, so the tier above does not
//! retry it again.

use super::http_date::trim_ows;

/// The response header carrying the signal.
pub const HEADER: &str = "retry-pushback-ms";

/// What a pushback value asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushback {
    /// Retry no sooner than this many milliseconds.
    After(u64),
    /// Do not retry.
    Stop,
}

/// Reads a `Retry-Pushback-Ms` value (surrounding whitespace ignored; digits saturate).
pub fn parse(value: &str) -> Pushback {
    let v = trim_ows(value);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Pushback::Stop;
    }
    let ms = v.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Pushback::After(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_delay_everything_else_stops() {
        assert_eq!(parse("250"), Pushback::After(250));
        assert_eq!(parse(" 0 "), Pushback::After(0));
        assert_eq!(parse("99999999999999999999999"), Pushback::After(u64::MAX));
        for v in ["-1", "", "none", "1.5", "1e3", "+5", "abc"] {
            assert_eq!(parse(v), Pushback::Stop, "{v:?}");
        }
    }
}
