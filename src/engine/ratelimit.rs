//! What a server's rate-limit headers say about our quota: pacing (`paceFromHeaders`).
//!
//! Servers announce quota in several dialects; all are read, none is trusted blindly:
//! - IETF `RateLimit` (draft-ietf-httpapi-ratelimit-headers, recent): a list of policies,
//!   each with `r` (remaining) and `t` (seconds to reset): `"default";r=0;t=30`;
//! - the earlier combined form: `RateLimit: limit=100, remaining=0, reset=30`;
//! - separate `RateLimit-Remaining` / `RateLimit-Reset` (delta seconds);
//! - the common `X-RateLimit-Remaining` / `X-RateLimit-Reset`, where the reset is delta
//!   seconds, epoch seconds or epoch milliseconds; the magnitude tells which (>= 10^12 epoch
//!   ms, >= 10^9 epoch s, else a delta).
//!
//! The answer is the tightest quota found: the fewest remaining, and its reset. Malformed
//! values are ignored, never fatal. With `paceFromHeaders: true` the engine holds the key
//! until the reset when nothing remains, and uses the reset as the wait of a 429 that has no
//! `Retry-After` (`Retry-After` always wins).

/// The raw rate-limit fields of a response (each `None` when absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitFields<'a> {
    /// `RateLimit`.
    pub ratelimit: Option<&'a str>,
    /// `RateLimit-Remaining`.
    pub remaining: Option<&'a str>,
    /// `RateLimit-Reset`.
    pub reset: Option<&'a str>,
    /// `X-RateLimit-Remaining`.
    pub x_remaining: Option<&'a str>,
    /// `X-RateLimit-Reset`.
    pub x_reset: Option<&'a str>,
}

impl<'a> RateLimitFields<'a> {
    /// The fields from their values in the order of [`HEADERS`].
    pub fn from_values(values: &'a [Option<String>; 5]) -> Self {
        let [ratelimit, remaining, reset, x_remaining, x_reset] = values;
        Self {
            ratelimit: ratelimit.as_deref(),
            remaining: remaining.as_deref(),
            reset: reset.as_deref(),
            x_remaining: x_remaining.as_deref(),
            x_reset: x_reset.as_deref(),
        }
    }
}

/// The header names the driver reads, in the order of [`RateLimitFields`].
pub const HEADERS: [&str; 5] = [
    "ratelimit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];

/// A quota: requests remaining, and milliseconds until it resets (when known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests remaining in the current window.
    pub remaining: u64,
    /// Milliseconds until the window resets, if the server said.
    pub reset_ms: Option<u64>,
}

fn int(v: &str) -> Option<u64> {
    let v = v.trim_matches([' ', '\t', '"']);
    if v.is_empty() || v.len() > 19 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

/// An `X-RateLimit-Reset`: delta seconds, epoch seconds or epoch milliseconds.
fn x_reset_ms(v: &str, now_ms: u64) -> Option<u64> {
    let n = int(v)?;
    Some(if n >= 1_000_000_000_000 {
        n.saturating_sub(now_ms)
    } else if n >= 1_000_000_000 {
        n.saturating_mul(1000).saturating_sub(now_ms)
    } else {
        n.saturating_mul(1000)
    })
}

/// The quotas of a `RateLimit` field, in either IETF form.
fn ietf(field: &str) -> Vec<Quota> {
    let mut out = Vec::new();
    // The earlier combined form: `limit=100, remaining=0, reset=30`.
    if !field.contains(';') {
        let mut remaining = None;
        let mut reset = None;
        for part in field.split(',') {
            if let Some((k, v)) = part.split_once('=') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "remaining" => remaining = int(v),
                    "reset" => reset = int(v).map(|s| s.saturating_mul(1000)),
                    _ => {}
                }
            }
        }
        if let Some(remaining) = remaining {
            out.push(Quota {
                remaining,
                reset_ms: reset,
            });
        }
        return out;
    }
    // Recent drafts: a list of policies with parameters `r` and `t`.
    for item in field.split(',') {
        let mut remaining = None;
        let mut reset = None;
        for param in item.split(';').skip(1) {
            if let Some((k, v)) = param.split_once('=') {
                match k.trim() {
                    "r" => remaining = int(v),
                    "t" => reset = int(v).map(|s| s.saturating_mul(1000)),
                    _ => {}
                }
            }
        }
        if let Some(remaining) = remaining {
            out.push(Quota {
                remaining,
                reset_ms: reset,
            });
        }
    }
    out
}

/// The tightest quota the fields announce, if any parses.
pub fn quota(fields: &RateLimitFields<'_>, now_ms: u64) -> Option<Quota> {
    let mut all = fields.ratelimit.map(ietf).unwrap_or_default();
    if let Some(remaining) = fields.remaining.and_then(int) {
        let reset_ms = fields.reset.and_then(int).map(|s| s.saturating_mul(1000));
        all.push(Quota {
            remaining,
            reset_ms,
        });
    }
    if let Some(remaining) = fields.x_remaining.and_then(int) {
        let reset_ms = fields.x_reset.and_then(|v| x_reset_ms(v, now_ms));
        all.push(Quota {
            remaining,
            reset_ms,
        });
    }
    all.into_iter()
        .min_by_key(|q| (q.remaining, std::cmp::Reverse(q.reset_ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000_000;

    fn q(fields: RateLimitFields<'_>) -> Option<Quota> {
        quota(&fields, NOW)
    }

    #[test]
    fn ietf_recent_form_takes_the_tightest_policy() {
        let f = RateLimitFields {
            ratelimit: Some(r#""burst";r=5;t=1, "day";r=0;t=3600"#),
            ..Default::default()
        };
        assert_eq!(
            q(f),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(3_600_000)
            })
        );
    }

    #[test]
    fn ietf_combined_and_separate_forms() {
        let f = RateLimitFields {
            ratelimit: Some("limit=100, remaining=0, reset=30"),
            ..Default::default()
        };
        assert_eq!(
            q(f),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(30_000)
            })
        );
        let f = RateLimitFields {
            remaining: Some("7"),
            reset: Some("12"),
            ..Default::default()
        };
        assert_eq!(
            q(f),
            Some(Quota {
                remaining: 7,
                reset_ms: Some(12_000)
            })
        );
    }

    #[test]
    fn x_ratelimit_reset_is_delta_epoch_seconds_or_epoch_ms() {
        let x = |reset| RateLimitFields {
            x_remaining: Some("0"),
            x_reset: Some(reset),
            ..Default::default()
        };
        assert_eq!(
            q(x("30")),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(30_000)
            })
        );
        assert_eq!(
            q(x("1790000045")),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(45_000)
            })
        );
        assert_eq!(
            q(x("1790000002500")),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(2_500)
            })
        );
        assert_eq!(
            q(x("1000000000")),
            Some(Quota {
                remaining: 0,
                reset_ms: Some(0)
            }),
            "a past epoch is 0"
        );
    }

    #[test]
    fn malformed_fields_are_ignored() {
        for f in [
            RateLimitFields {
                ratelimit: Some("garbage"),
                ..Default::default()
            },
            RateLimitFields {
                ratelimit: Some(r#""x";r=-1;t=5"#),
                ..Default::default()
            },
            RateLimitFields {
                remaining: Some("many"),
                reset: Some("5"),
                ..Default::default()
            },
            RateLimitFields {
                x_remaining: Some("1e3"),
                ..Default::default()
            },
            RateLimitFields::default(),
        ] {
            assert_eq!(q(f), None, "{f:?}");
        }
        let f = RateLimitFields {
            x_remaining: Some("0"),
            x_reset: Some("soon"),
            ..Default::default()
        };
        assert_eq!(
            q(f),
            Some(Quota {
                remaining: 0,
                reset_ms: None
            })
        );
        let huge = RateLimitFields {
            remaining: Some("0"),
            reset: Some("99999999999999999999"),
            ..Default::default()
        };
        assert_eq!(
            q(huge),
            Some(Quota {
                remaining: 0,
                reset_ms: None
            }),
            "too long to be a number"
        );
    }
}
