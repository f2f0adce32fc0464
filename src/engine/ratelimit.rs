//! What a server's rate-limit headers say about our quota: the holds of `paceFromHeaders`.
//!
//! Servers announce quota in many dialects; all are read, none is trusted blindly:
//!
//! | dialect | remaining | reset |
//! |---|---|---|
//! | IETF `RateLimit`, recent drafts | `"p";r=0;t=30` (`r`) | `t` |
//! | IETF `RateLimit`, earlier draft | `limit=20, remaining=0, reset=2` | `reset` |
//! | IETF separate fields | `RateLimit-Remaining` | `RateLimit-Reset` |
//! | common / GitHub / Discord | `X-RateLimit-Remaining` | `X-RateLimit-Reset-After` (Discord, delta), else `X-RateLimit-Reset` |
//! | X (Twitter) | `X-Rate-Limit-Remaining` | `X-Rate-Limit-Reset` |
//! | OpenAI | `X-RateLimit-Remaining-Requests`, `-Tokens` | `X-RateLimit-Reset-Requests`, `-Tokens`: durations (`1s`, `6m0s`, `20ms`) |
//! | Anthropic | `Anthropic-RateLimit-{Requests,Tokens,Input-Tokens,Output-Tokens}-Remaining` | the matching `-Reset`: RFC 3339 times |
//!
//! A reset given as a number is delta seconds, epoch seconds or epoch milliseconds, told apart
//! by magnitude (>= 10^12: epoch ms; >= 10^9: epoch s; else a delta), integer or fractional.
//! When a standard (IETF) field is present, the legacy `X-RateLimit-*` / `X-Rate-Limit-*`
//! fields are taken to describe the same window and ignored: servers such as
//! express-rate-limit send both, the legacy reset rounded up to a whole epoch second, and the
//! standard one is the more precise. Vendor quotas (OpenAI, Anthropic: requests and tokens)
//! are separate quotas and all count.
//!
//! A reset further away than [`MAX_HOLD_MS`] (24 hours) is malformed and ignored, as is any
//! value that does not parse: no header can hold a key for longer, whatever it says.
//!
//! The answer is a hold: how long to wait until the quota has room again. A quota with
//! nothing remaining holds until its reset (the longest of them, if several are exhausted);
//! on a 429, a reset without a remaining count is the wait as well.

use alloc::string::String;
use alloc::vec::Vec;

use super::http_date::{days_from_civil, days_in_month, decimal, trim_ascii};

/// The longest hold a header may ask for: 24 hours. A longer reset, `Retry-After` or pushback
/// is malformed and ignored. Real quotas that reset hourly or daily (GitHub, many paid APIs)
/// stay within it; decades (an epoch misread as a delta) do not.
pub const MAX_HOLD_MS: u64 = 24 * 60 * 60 * 1000;

/// The header names the engine reads, lower-case; [`RateLimitFields`] holds their values in
/// this order.
pub const HEADERS: [&str; 21] = [
    "ratelimit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-reset-after",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-remaining",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-remaining",
    "anthropic-ratelimit-output-tokens-reset",
    "ratelimit-policy",
];

const IETF: usize = 0;
const IETF_REMAINING: usize = 1;
const IETF_RESET: usize = 2;
const X_REMAINING: usize = 3;
const X_RESET: usize = 4;
const X_RESET_AFTER: usize = 5;
const XR_REMAINING: usize = 6;
const XR_RESET: usize = 7;
/// OpenAI's pairs (remaining, reset) start here.
const OPENAI: [usize; 2] = [8, 10];
/// Anthropic's pairs (remaining, reset) start here.
const ANTHROPIC: [usize; 4] = [12, 14, 16, 18];

/// The raw rate-limit fields of a response, by [`HEADERS`] index (each `None` when absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitFields<'a> {
    values: [Option<&'a str>; HEADERS.len()],
}

impl<'a> RateLimitFields<'a> {
    /// No field present.
    pub const fn new() -> Self {
        Self {
            values: [None; HEADERS.len()],
        }
    }

    /// The fields from their values in the order of [`HEADERS`].
    pub fn from_values(values: &'a [Option<String>; HEADERS.len()]) -> Self {
        Self {
            values: core::array::from_fn(|i| values[i].as_deref()),
        }
    }

    /// The fields among `(name, value)` pairs; names match case-insensitively, other names
    /// are ignored, and a later value of a name replaces an earlier one.
    pub fn from_pairs<I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        pairs
            .into_iter()
            .fold(Self::default(), |f, (name, value)| f.with(name, value))
    }

    /// These fields with `name` set to `value` (ignored when `name` is not read).
    pub fn with(mut self, name: &str, value: &'a str) -> Self {
        if let Some(i) = HEADERS.iter().position(|h| h.eq_ignore_ascii_case(name)) {
            self.values[i] = Some(value);
        }
        self
    }

    /// The fields present, as `(name, value)` pairs in the order of [`HEADERS`].
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        HEADERS
            .iter()
            .zip(self.values.iter())
            .filter_map(|(n, v)| v.map(|v| (*n, v)))
    }

    /// Whether no field is present.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        self.values[i]
    }
}

/// One quota a response announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests (or tokens) remaining in the current window, if the server said.
    pub remaining: Option<u64>,
    /// Milliseconds until the window resets, if the server said (at most [`MAX_HOLD_MS`]).
    pub reset_ms: Option<u64>,
}

fn trim(v: &str) -> &str {
    trim_ascii(v, b" \t\"")
}

fn int(v: &str) -> Option<u64> {
    decimal(trim(v))
}

/// `1*DIGIT ["." 1*DIGIT]` as thousandths, the fraction rounded up, saturating (no exponent,
/// sign or spaces). Also `Retry-After`'s delta-seconds.
pub(crate) fn thousandths(v: &str) -> Option<u64> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || (v.contains('.') && frac.is_empty()) {
        return None;
    }
    let mut n: u64 = 0;
    for b in whole.bytes() {
        n = n.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    let mut milli = 0;
    let mut scale = 100;
    for b in frac.bytes().take(3) {
        milli += u64::from(b - b'0') * scale;
        scale /= 10;
    }
    // Rounded up: a wait is never shorter than the server asked.
    if frac.bytes().skip(3).any(|b| b != b'0') {
        milli += 1;
    }
    Some(n.saturating_mul(1000).saturating_add(milli))
}

/// A reset as a number: delta seconds, epoch seconds or epoch milliseconds by magnitude,
/// integer or fractional; milliseconds from `now_ms`, or `None` past [`MAX_HOLD_MS`].
fn numeric_reset_ms(v: &str, now_ms: u64) -> Option<u64> {
    let milli = thousandths(trim(v))?; // the value x 1000
    let ms = if milli >= 1_000_000_000_000_000 {
        (milli / 1000).saturating_sub(now_ms) // epoch milliseconds
    } else if milli >= 1_000_000_000_000 {
        milli.saturating_sub(now_ms) // epoch seconds (x 1000 = ms)
    } else {
        milli // delta seconds (x 1000 = ms)
    };
    capped(ms)
}

/// A delta in seconds only (Discord's `X-RateLimit-Reset-After`).
fn delta_reset_ms(v: &str) -> Option<u64> {
    capped(thousandths(trim(v))?)
}

fn capped(ms: u64) -> Option<u64> {
    (ms <= MAX_HOLD_MS).then_some(ms)
}

/// A Go-style duration as OpenAI sends it (`1s`, `6m0s`, `20ms`, `1h2m3.5s`), in ms rounded
/// up.
fn duration_ms(v: &str) -> Option<u64> {
    let mut rest = trim(v);
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at_checked(end)?;
        let milli = thousandths(number)?; // the number x 1000
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at_checked(unit_end)?;
        // Each unit as a multiple of a microsecond, so `milli` (x1000) divides exactly.
        let micros_per_unit: u64 = match unit {
            "h" => 3_600_000_000,
            "m" => 60_000_000,
            "s" => 1_000_000,
            "ms" => 1_000,
            "us" | "µs" => 1,
            "ns" => 0,
            _ => return None,
        };
        // number x unit in µs = milli x micros_per_unit / 1000; then µs to ms, rounded up.
        let micros = milli.saturating_mul(micros_per_unit) / 1000;
        total = total.saturating_add(micros.div_ceil(1000));
        rest = tail;
    }
    capped(total)
}

/// An RFC 3339 time (`2026-12-01T15:40:02Z`, fractional seconds and offsets allowed) as
/// milliseconds from `now_ms`.
fn rfc3339_reset_ms(v: &str, now_ms: u64) -> Option<u64> {
    capped(rfc3339_unix_ms(trim(v))?.saturating_sub(now_ms))
}

fn rfc3339_unix_ms(v: &str) -> Option<u64> {
    let b = v.as_bytes();
    // Two or four digits.
    let num = |r: core::ops::Range<usize>| -> Option<i64> { decimal(v.get(r)?).map(|n| n as i64) };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = num(0..4)?;
    let month = u32::try_from(num(5..7)?).ok()?;
    let day = u32::try_from(num(8..10)?).ok()?;
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let month_ok = (1..=12).contains(&month);
    if !month_ok || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut i = 19;
    let mut milli = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = v.get(start..i)?;
        let mut scale = 100;
        for c in frac.bytes().take(3) {
            milli += i64::from(c - b'0') * scale;
            scale /= 10;
        }
        if frac.bytes().skip(3).any(|c| c != b'0') {
            milli += 1;
        }
    }
    let offset_min = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 60 + m;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    u64::try_from(secs * 1000 + milli).ok()
}

/// The quotas of a `RateLimit` field, in either IETF form.
fn ietf(field: &str, now_ms: u64, out: &mut Vec<Quota>) {
    // The earlier combined form: `limit=100, remaining=0, reset=30`.
    if !field.contains(';') {
        let mut q = Quota {
            remaining: None,
            reset_ms: None,
        };
        for part in field.split(',') {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.trim();
                if k.eq_ignore_ascii_case("remaining") {
                    q.remaining = int(v);
                } else if k.eq_ignore_ascii_case("reset") {
                    q.reset_ms = numeric_reset_ms(v, now_ms);
                }
            }
        }
        push(out, q);
        return;
    }
    // Recent drafts: a list of policies with parameters `r` and `t`.
    for item in field.split(',') {
        let mut q = Quota {
            remaining: None,
            reset_ms: None,
        };
        for param in item.split(';').skip(1) {
            if let Some((k, v)) = param.split_once('=') {
                match k.trim() {
                    "r" => q.remaining = int(v),
                    "t" => q.reset_ms = numeric_reset_ms(v, now_ms),
                    _ => {}
                }
            }
        }
        push(out, q);
    }
}

fn push(out: &mut Vec<Quota>, q: Quota) {
    if q.remaining.is_some() || q.reset_ms.is_some() {
        out.push(q);
    }
}

/// Every quota the fields announce (standard fields preferred over the legacy ones that
/// describe the same window).
pub fn quotas(fields: &RateLimitFields<'_>, now_ms: u64) -> Vec<Quota> {
    let mut out = Vec::new();
    if let Some(f) = fields.get(IETF) {
        ietf(f, now_ms, &mut out);
    }
    push(
        &mut out,
        Quota {
            remaining: fields.get(IETF_REMAINING).and_then(int),
            reset_ms: fields
                .get(IETF_RESET)
                .and_then(|v| numeric_reset_ms(v, now_ms)),
        },
    );
    if out.is_empty() {
        let x_reset = match fields.get(X_RESET_AFTER).and_then(delta_reset_ms) {
            Some(ms) => Some(ms),
            None => fields
                .get(X_RESET)
                .and_then(|v| numeric_reset_ms(v, now_ms)),
        };
        push(
            &mut out,
            Quota {
                remaining: fields.get(X_REMAINING).and_then(int),
                reset_ms: x_reset,
            },
        );
        push(
            &mut out,
            Quota {
                remaining: fields.get(XR_REMAINING).and_then(int),
                reset_ms: fields
                    .get(XR_RESET)
                    .and_then(|v| numeric_reset_ms(v, now_ms)),
            },
        );
    }
    for i in OPENAI {
        push(
            &mut out,
            Quota {
                remaining: fields.get(i).and_then(int),
                reset_ms: fields.get(i + 1).and_then(duration_ms),
            },
        );
    }
    for i in ANTHROPIC {
        push(
            &mut out,
            Quota {
                remaining: fields.get(i).and_then(int),
                reset_ms: fields.get(i + 1).and_then(|v| rfc3339_reset_ms(v, now_ms)),
            },
        );
    }
    out
}

/// What a response's rate-limit fields ask of its route.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// How long they hold the route: the longest reset among exhausted quotas (nothing
    /// remaining) and, on a refusal (a 429), among quotas whose remaining count is not given
    /// (a bare reset).
    pub hold_ms: Option<u64>,
    /// The quota with the fewest requests left, and its reset: `(remaining, reset_ms)`, among
    /// quotas that give both.
    pub fewest_left: Option<(u64, u64)>,
}

/// Reads the fields once for everything the engine asks of them (`refused`: the response is
/// a 429).
pub fn read(fields: &RateLimitFields<'_>, now_ms: u64, refused: bool) -> Reading {
    if fields.is_empty() {
        return Reading::default();
    }
    let all = quotas(fields, now_ms);
    Reading {
        hold_ms: all
            .iter()
            .filter(|q| q.remaining == Some(0) || (refused && q.remaining.is_none()))
            .filter_map(|q| q.reset_ms)
            .max(),
        fewest_left: all
            .iter()
            .filter_map(|q| Some((q.remaining?, q.reset_ms?)))
            .min_by_key(|&(remaining, reset)| (remaining, core::cmp::Reverse(reset))),
    }
}

/// How long the fields hold the route ([`Reading::hold_ms`]).
pub fn hold_ms(fields: &RateLimitFields<'_>, now_ms: u64, refused: bool) -> Option<u64> {
    read(fields, now_ms, refused).hold_ms
}

/// The quota with the fewest requests left, and its reset ([`Reading::fewest_left`]).
pub fn fewest_left(fields: &RateLimitFields<'_>, now_ms: u64) -> Option<(u64, u64)> {
    read(fields, now_ms, false).fewest_left
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_790_000_000_000;

    fn f(pairs: &[(&'static str, &'static str)]) -> RateLimitFields<'static> {
        RateLimitFields::from_pairs(pairs.iter().copied())
    }

    fn hold(pairs: &[(&'static str, &'static str)], refused: bool) -> Option<u64> {
        hold_ms(&f(pairs), NOW, refused)
    }

    #[test]
    fn ietf_recent_form_takes_the_longest_exhausted_policy() {
        let p = [("RateLimit", r#""burst";r=5;t=1, "day";r=0;t=3600"#)];
        assert_eq!(hold(&p, false), Some(3_600_000));
        let p = [("ratelimit", r#""burst";r=0;t=1, "day";r=9;t=3600"#)];
        assert_eq!(hold(&p, false), Some(1_000));
    }

    #[test]
    fn ietf_combined_and_separate_forms() {
        assert_eq!(
            hold(&[("ratelimit", "limit=100, remaining=0, reset=30")], false),
            Some(30_000)
        );
        let p = [("ratelimit-remaining", "7"), ("ratelimit-reset", "12")];
        assert_eq!(
            quotas(&f(&p), NOW),
            vec![Quota {
                remaining: Some(7),
                reset_ms: Some(12_000)
            }]
        );
        assert_eq!(hold(&p, false), None, "quota left: no hold");
    }

    #[test]
    fn resets_are_delta_epoch_seconds_or_epoch_ms_by_magnitude() {
        for name in ["x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"] {
            let rem = match name {
                "x-ratelimit-reset" => "x-ratelimit-remaining",
                "ratelimit-reset" => "ratelimit-remaining",
                _ => "x-rate-limit-remaining",
            };
            let h = |v: &'static str| hold(&[(rem, "0"), (name, v)], false);
            assert_eq!(h("30"), Some(30_000), "{name}");
            assert_eq!(h("1.5"), Some(1_500), "{name}");
            assert_eq!(h("1790000045"), Some(45_000), "{name}");
            assert_eq!(h("1790000002.25"), Some(2_250), "{name}");
            assert_eq!(h("1790000002500"), Some(2_500), "{name}");
            assert_eq!(h("1000000000"), Some(0), "{name}: a past epoch is 0");
        }
        let p = |t: &'static str| hold(&[("ratelimit", t)], false);
        assert_eq!(p(r#""q";r=0;t=1790000003"#), Some(3_000));
        assert_eq!(p("limit=5, remaining=0, reset=1790000004"), Some(4_000));
    }

    #[test]
    fn no_reset_holds_past_a_day() {
        let cases: [&[(&'static str, &'static str)]; 6] = [
            &[("ratelimit-remaining", "0"), ("ratelimit-reset", "86401")],
            // An epoch read as a delta would be 57 years; as an epoch it is in range, but
            // one 2 days ahead is still too far.
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1790172800"),
            ],
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "99999999999999999999"),
            ],
            &[("ratelimit", r#""p";r=0;t=999999"#)],
            &[
                ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", "25h"),
            ],
            &[
                ("anthropic-ratelimit-requests-remaining", "0"),
                ("anthropic-ratelimit-requests-reset", "2026-09-30T00:00:00Z"),
            ],
        ];
        for p in cases {
            assert_eq!(hold(p, true), None, "{p:?}");
        }
        assert_eq!(
            hold(
                &[("ratelimit-remaining", "0"), ("ratelimit-reset", "86400")],
                false
            ),
            Some(MAX_HOLD_MS),
            "exactly a day stands"
        );
    }

    #[test]
    fn a_bare_reset_is_the_wait_of_a_429_only() {
        let p = [("ratelimit-reset", "2")];
        assert_eq!(hold(&p, true), Some(2_000));
        assert_eq!(hold(&p, false), None);
        let p = [("x-ratelimit-reset", "3")];
        assert_eq!(hold(&p, true), Some(3_000));
        let p = [("ratelimit", r#""20-in-2sec";t=2"#)];
        assert_eq!(hold(&p, true), Some(2_000));
    }

    #[test]
    fn the_standard_field_wins_over_legacy_for_the_same_window() {
        // express-rate-limit with draft-8 and legacy headers: the legacy reset is an epoch
        // second rounded up, up to a second later than `t`.
        let p = [
            ("ratelimit", r#""20-in-2sec"; r=0; t=2"#),
            (
                "ratelimit-policy",
                r#""20-in-2sec"; q=20; w=2; pk=:ZTNiMGM0NDI5OGZj:"#,
            ),
            ("x-ratelimit-limit", "20"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1790000003"),
        ];
        assert_eq!(hold(&p, false), Some(2_000));
        // Without a standard field, the legacy one counts.
        assert_eq!(hold(&p[2..], false), Some(3_000));
    }

    #[test]
    fn dialects_of_public_apis() {
        // GitHub: epoch seconds.
        let gh = [
            ("x-ratelimit-limit", "60"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1790000600"),
            ("x-ratelimit-resource", "core"),
        ];
        assert_eq!(hold(&gh, false), Some(600_000));
        // X: epoch seconds under another name.
        let x = [
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1790000015"),
        ];
        assert_eq!(hold(&x, false), Some(15_000));
        // Discord: the fractional delta wins over the fractional epoch.
        let discord = [
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1790000001.470"),
            ("x-ratelimit-reset-after", "1.25"),
            ("x-ratelimit-bucket", "abcd1234"),
        ];
        assert_eq!(hold(&discord, false), Some(1_250));
        // OpenAI: durations, requests and tokens as separate quotas.
        let openai = [
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-remaining-tokens", "149984"),
            ("x-ratelimit-reset-tokens", "6ms"),
        ];
        assert_eq!(hold(&openai, false), Some(360_000));
        let openai = [
            ("x-ratelimit-remaining-requests", "59"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "0"),
            ("x-ratelimit-reset-tokens", "1m30.5s"),
        ];
        assert_eq!(hold(&openai, false), Some(90_500));
        // Anthropic: RFC 3339 times, any of four quotas.
        let anthropic = [
            ("anthropic-ratelimit-requests-remaining", "10"),
            ("anthropic-ratelimit-requests-reset", "2026-09-21T14:13:30Z"),
            ("anthropic-ratelimit-tokens-remaining", "0"),
            (
                "anthropic-ratelimit-tokens-reset",
                "2026-09-21T14:14:00.5+00:00",
            ),
            ("anthropic-ratelimit-output-tokens-remaining", "0"),
            (
                "anthropic-ratelimit-output-tokens-reset",
                "2026-09-21T15:13:50+01:00",
            ),
        ];
        // NOW is 2026-09-21T14:13:20Z.
        assert_eq!(rfc3339_unix_ms("2026-09-21T14:13:20Z"), Some(NOW));
        assert_eq!(hold(&anthropic, false), Some(40_500));
    }

    #[test]
    fn durations_and_times_parse_exactly() {
        assert_eq!(duration_ms("1s"), Some(1_000));
        assert_eq!(duration_ms("20ms"), Some(20));
        assert_eq!(duration_ms("6m0s"), Some(360_000));
        assert_eq!(duration_ms("1h2m3.5s"), Some(3_723_500));
        assert_eq!(duration_ms("1.0001s"), Some(1_001), "rounded up");
        assert_eq!(duration_ms("500us"), Some(1));
        for bad in ["", "s", "1", "1x", "-1s", "1.s", "1e3s"] {
            assert_eq!(duration_ms(bad), None, "{bad:?}");
        }
        assert_eq!(rfc3339_unix_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_unix_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000)
        );
        assert_eq!(
            rfc3339_unix_ms("2000-03-01T01:00:00+01:00"),
            Some(951_868_800_000)
        );
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-01-01 00:00:00",
            "2026-01-01T00:00:00",
            "2026-01-01T24:00:00Z",
            "soon",
            "2026-01-01T00:00:00.Z",
        ] {
            assert_eq!(rfc3339_unix_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn malformed_fields_are_ignored() {
        let cases: [&[(&'static str, &'static str)]; 6] = [
            &[("ratelimit", "garbage")],
            &[("ratelimit", r#""x";r=-1;t=5"#)],
            &[("ratelimit-remaining", "many"), ("ratelimit-reset", "5")],
            &[("x-ratelimit-remaining", "1e3")],
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "soon"),
            ],
            &[],
        ];
        for p in cases {
            assert_eq!(hold(p, false), None, "{p:?}");
        }
        assert_eq!(
            hold(
                &[("ratelimit-remaining", "many"), ("ratelimit-reset", "5")],
                true
            ),
            Some(5_000),
            "a garbage count leaves a bare reset, which a 429 honours"
        );
    }

    #[test]
    fn the_fewest_left_with_its_reset() {
        let p = [
            ("x-ratelimit-remaining-requests", "5"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-remaining-tokens", "3"),
            ("x-ratelimit-reset-tokens", "20ms"),
        ];
        assert_eq!(fewest_left(&f(&p), NOW), Some((3, 20)));
        assert_eq!(fewest_left(&f(&[("ratelimit-remaining", "3")]), NOW), None);
    }

    #[test]
    fn pairs_round_trip_and_unknown_names_are_ignored() {
        let fields = f(&[
            ("X-RateLimit-Remaining", "1"),
            ("Content-Type", "text/plain"),
        ]);
        assert_eq!(
            fields.pairs().collect::<Vec<_>>(),
            vec![("x-ratelimit-remaining", "1")]
        );
        let values: [Option<String>; HEADERS.len()] =
            core::array::from_fn(|i| (i == X_REMAINING).then(|| "1".to_owned()));
        assert_eq!(RateLimitFields::from_values(&values), fields);
    }
}
