//! A [`Snapshot`] as numbers and text, for the numeric interface (`rf_snapshot`,
//! `rf_restore` in abi.rs): the npm package builds and checks the JSON object in TypeScript
//! (js/snapshot.ts), so the Wasm carries no JSON code.
//!
//! The numbers, in order (`NaN`: absent):
//!
//! ```text
//! version, takenAt, keys, routes,
//! per key:   keyBytes, breaker (0 closed, 1 open, 2 half-open),
//!            closed: consecutiveFailures, window;  open: until;  half-open: nothing,
//!            budget basis (NaN none, 0 successes, 1 calls) then its window,
//!            limiterTat
//! per route: routeBytes, holdUntil, wMax (NaN: no rate), cutAt, horizon
//! window:    NaN for none, else windowMs, buckets, then start, count, count per bucket
//! ```
//!
//! The text is every key then every route, UTF-8, back to back (their byte lengths are in
//! the numbers, so a key may hold any character).

use alloc::string::String;
use alloc::vec::Vec;

use crate::engine::snapshot::{
    BasisName, BreakerSnapshot, BucketSnapshot, BudgetSnapshot, KeySnapshot, RateSnapshot,
    RouteSnapshot, Snapshot, WindowSnapshot,
};

fn opt(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

fn write_window(w: Option<&WindowSnapshot>, out: &mut Vec<f64>) {
    let Some(w) = w else {
        out.push(f64::NAN);
        return;
    };
    out.push(w.window_ms as f64);
    out.push(w.buckets.len() as f64);
    for b in &w.buckets {
        out.extend([b.start as f64, b.counts[0] as f64, b.counts[1] as f64]);
    }
}

/// `snapshot`'s numbers and text.
pub(super) fn write(snapshot: &Snapshot, out: &mut Vec<f64>, text: &mut Vec<u8>) {
    out.clear();
    text.clear();
    out.extend([
        f64::from(snapshot.version),
        snapshot.taken_at as f64,
        snapshot.keys.len() as f64,
        snapshot.routes.len() as f64,
    ]);
    for k in &snapshot.keys {
        out.push(k.key.len() as f64);
        text.extend_from_slice(k.key.as_bytes());
        match &k.breaker {
            BreakerSnapshot::Closed {
                consecutive_failures,
                window,
            } => {
                out.extend([0.0, f64::from(*consecutive_failures)]);
                write_window(window.as_ref(), out);
            }
            BreakerSnapshot::Open { until } => out.extend([1.0, *until as f64]),
            BreakerSnapshot::HalfOpen => out.push(2.0),
        }
        match &k.budget {
            None => out.push(f64::NAN),
            Some(b) => {
                out.push(match b.basis {
                    BasisName::Successes => 0.0,
                    BasisName::Calls => 1.0,
                });
                write_window(Some(&b.window), out);
            }
        }
        out.push(opt(k.limiter_tat));
    }
    for r in &snapshot.routes {
        out.push(r.route.len() as f64);
        text.extend_from_slice(r.route.as_bytes());
        out.push(opt(r.hold_until.map(|t| t as f64)));
        match r.rate {
            None => out.extend([f64::NAN; 3]),
            Some(c) => out.extend([c.w_max, c.cut_at as f64, c.horizon as f64]),
        }
    }
}

/// Reads numbers and text back; `None` for anything malformed (the driver checked the JSON
/// first, so that is a bug, never a trap).
struct Reader<'a> {
    numbers: &'a [f64],
    next: usize,
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn num(&mut self) -> Option<f64> {
        let v = *self.numbers.get(self.next)?;
        self.next += 1;
        Some(v)
    }

    /// A whole number in `[0, 2^53]`.
    fn int(&mut self) -> Option<u64> {
        let v = self.num()?;
        ((0.0..=9_007_199_254_740_992.0).contains(&v) && v == (v as u64) as f64).then_some(v as u64)
    }

    fn maybe_int(&mut self) -> Option<Option<u64>> {
        match self.num()? {
            v if v.is_nan() => Some(None),
            _ => {
                self.next -= 1;
                self.int().map(Some)
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        let len = self.int()? as usize;
        let bytes = self.text.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        core::str::from_utf8(bytes).ok().map(String::from)
    }

    fn window(&mut self) -> Option<Option<WindowSnapshot>> {
        let Some(window_ms) = self.maybe_int()? else {
            return Some(None);
        };
        let n = self.int()? as usize;
        if n > self.numbers.len() {
            return None;
        }
        let mut buckets = Vec::with_capacity(n);
        for _ in 0..n {
            buckets.push(BucketSnapshot {
                start: self.int()?,
                counts: [self.int()?, self.int()?],
            });
        }
        Some(Some(WindowSnapshot { window_ms, buckets }))
    }
}

/// The snapshot that [`write`]'s form describes.
pub(super) fn read(numbers: &[f64], text: &[u8]) -> Option<Snapshot> {
    let mut r = Reader {
        numbers,
        next: 0,
        text,
        at: 0,
    };
    let version = u32::try_from(r.int()?).ok()?;
    let taken_at = r.int()?;
    let (nk, nr) = (r.int()? as usize, r.int()? as usize);
    if nk > numbers.len() || nr > numbers.len() {
        return None;
    }
    let mut keys = Vec::with_capacity(nk);
    for _ in 0..nk {
        let key = r.string()?;
        let breaker = match r.int()? {
            0 => BreakerSnapshot::Closed {
                consecutive_failures: u32::try_from(r.int()?).ok()?,
                window: r.window()?,
            },
            1 => BreakerSnapshot::Open { until: r.int()? },
            2 => BreakerSnapshot::HalfOpen,
            _ => return None,
        };
        let budget = match r.maybe_int()? {
            None => None,
            Some(basis) => Some(BudgetSnapshot {
                basis: match basis {
                    0 => BasisName::Successes,
                    1 => BasisName::Calls,
                    _ => return None,
                },
                window: r.window()??,
            }),
        };
        let limiter_tat = Some(r.num()?).filter(|v| !v.is_nan());
        keys.push(KeySnapshot {
            key,
            breaker,
            budget,
            limiter_tat,
        });
    }
    let mut routes = Vec::with_capacity(nr);
    for _ in 0..nr {
        let route = r.string()?;
        let hold_until = r.maybe_int()?;
        let w_max = r.num()?;
        let (cut_at, horizon) = (r.maybe_int()?, r.maybe_int()?);
        let rate = match (w_max.is_nan(), cut_at, horizon) {
            (true, _, _) => None,
            (false, Some(cut_at), Some(horizon)) => Some(RateSnapshot {
                w_max,
                cut_at,
                horizon,
            }),
            _ => return None,
        };
        routes.push(RouteSnapshot {
            route,
            hold_until,
            rate,
        });
    }
    (r.next == numbers.len() && r.at == text.len()).then_some(Snapshot {
        version,
        taken_at,
        keys,
        routes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_round_trip() {
        let snapshot = Snapshot {
            version: 1,
            taken_at: 1_790_000_000_000,
            keys: alloc::vec![
                KeySnapshot {
                    key: "https://é.example".into(),
                    breaker: BreakerSnapshot::Closed {
                        consecutive_failures: 3,
                        window: Some(WindowSnapshot {
                            window_ms: 30_000,
                            buckets: alloc::vec![BucketSnapshot {
                                start: 1_789_999_998_000,
                                counts: [4, 2]
                            }],
                        }),
                    },
                    budget: Some(BudgetSnapshot {
                        basis: BasisName::Calls,
                        window: WindowSnapshot {
                            window_ms: 10_000,
                            buckets: alloc::vec![],
                        },
                    }),
                    limiter_tat: Some(1_790_000_000_250.5),
                },
                KeySnapshot {
                    key: "k\nwith a newline".into(),
                    breaker: BreakerSnapshot::Open {
                        until: 1_790_000_030_000,
                    },
                    budget: None,
                    limiter_tat: None,
                },
                KeySnapshot {
                    key: String::new(),
                    breaker: BreakerSnapshot::HalfOpen,
                    budget: None,
                    limiter_tat: None,
                },
            ],
            routes: alloc::vec![
                RouteSnapshot {
                    route: "https://é.example /a".into(),
                    hold_until: Some(1_790_000_002_000),
                    rate: None,
                },
                RouteSnapshot {
                    route: "https://é.example *".into(),
                    hold_until: None,
                    rate: Some(RateSnapshot {
                        w_max: 8.5,
                        cut_at: 1_789_999_999_000,
                        horizon: 1_789_999_999_100,
                    }),
                },
            ],
        };
        let (mut numbers, mut text) = (Vec::new(), Vec::new());
        write(&snapshot, &mut numbers, &mut text);
        assert_eq!(read(&numbers, &text), Some(snapshot));
        // Anything cut short or left over is refused, never a trap.
        for n in 0..numbers.len() {
            assert_eq!(read(&numbers[..n], &text), None);
        }
        assert_eq!(read(&numbers, &text[..text.len() - 1]), None);
        let mut odd = numbers.clone();
        odd[0] = -1.0;
        assert_eq!(read(&odd, &text), None);
        odd[0] = 1.5;
        assert_eq!(read(&odd, &text), None);
    }
}
