//! How long the server asked us to wait: the `Retry-After` field (RFC 9110 §10.2.3).
//!
//! The field is either delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00
//! GMT`, or the obsolete RFC 850 and asctime forms). A date is measured against the
//! response's own `Date` header when it has a valid one, which makes the wait immune to skew
//! between the client's clock and the server's; otherwise against the wall-clock `now` the
//! caller passes in. A date in the past means 0, and `0` means "retry now".
//!
//! Servers send all sorts of things here, so the parser is lenient where leniency is safe
//! and strict where it is not:
//! - surrounding whitespace is ignored, and a fractional number of seconds (`1.5`) is
//!   accepted and rounded *up* to whole milliseconds, so a wait is never shorter than asked;
//! - a negative number, an empty value, or anything else unparseable is *no value at all*
//!   (`None`), so the caller falls back to its own backoff instead of trusting garbage;
//! - a wait longer than [`MAX_HOLD_MS`] (24 hours) is malformed and ignored like garbage:
//!   no header may hold a key for longer (an epoch sent as delta-seconds would be decades).
//!   Within it, capping the wait (`maxRetryAfterMs`, the deadline) is the caller's decision,
//!   made on this value.
//!
//! This module only parses; it never waits and never reads a clock.

use super::http_date::trim_ows;
use super::ratelimit::{thousandths, MAX_HOLD_MS};

/// Parses a `Retry-After` value into milliseconds to wait.
///
/// `date` is the response's `Date` header, if any; `now_ms` is the local wall clock in
/// milliseconds since the Unix epoch, used only when `value` is an HTTP-date and `date` is
/// absent or invalid. Returns `None` for values that must be ignored.
pub fn parse(value: &str, date: Option<&str>, now_ms: u64) -> Option<u64> {
    parse_uncapped(value, date, now_ms).filter(|&ms| ms <= MAX_HOLD_MS)
}

fn parse_uncapped(value: &str, date: Option<&str>, now_ms: u64) -> Option<u64> {
    let value = trim_ows(value);
    let first = *value.as_bytes().first()?;
    if first.is_ascii_digit() {
        // Delta-seconds, else a date without its day name ("3 Jun 2019 12:00:00 GMT").
        // `1*DIGIT [ "." 1*DIGIT ]` seconds, to milliseconds rounded up, saturating.
        if let Some(ms) = thousandths(value) {
            return Some(ms);
        }
    }
    let target = super::http_date::parse_unix_ms(value)?;
    let reference = date
        .and_then(|d| super::http_date::parse_unix_ms(trim_ows(d)))
        .unwrap_or(now_ms);
    Some(target.saturating_sub(reference))
}

#[cfg(test)]
mod tests {
    use super::parse;

    const NOW: u64 = 1_790_000_000_000; // some wall-clock instant in 2026

    #[test]
    fn delta_seconds() {
        assert_eq!(parse("120", None, NOW), Some(120_000));
        assert_eq!(parse("0", None, NOW), Some(0));
        assert_eq!(parse(" 7\t", None, NOW), Some(7_000));
        assert_eq!(parse("007", None, NOW), Some(7_000));
    }

    #[test]
    fn fractional_seconds_round_up() {
        assert_eq!(parse("1.5", None, NOW), Some(1_500));
        assert_eq!(parse("0.25", None, NOW), Some(250));
        assert_eq!(parse("0.0001", None, NOW), Some(1));
        assert_eq!(parse("2.000", None, NOW), Some(2_000));
        assert_eq!(parse("2.0000", None, NOW), Some(2_000));
    }

    #[test]
    fn garbage_negative_and_empty_are_ignored() {
        for v in [
            "", "   ", "-1", "-0", "+5", "abc", "1e3", "1.", ".5", "1.2.3", "12abc", "Infinity",
            "NaN", "1 2",
        ] {
            assert_eq!(parse(v, None, NOW), None, "{v:?}");
        }
    }

    #[test]
    fn waits_past_a_day_are_malformed() {
        for v in [
            "86401",
            "86400.001",
            "1790000000",
            "18446744073709551615",
            "99999999999999999999999999999999",
            "18446744073709551.615",
            "Wed, 23 Sep 2026 14:13:20 GMT",
        ] {
            assert_eq!(parse(v, None, NOW), None, "{v:?}");
        }
        assert_eq!(parse("86400", None, NOW), Some(86_400_000));
        assert_eq!(
            parse("Tue, 22 Sep 2026 14:13:20 GMT", None, NOW),
            Some(86_400_000)
        );
    }

    #[test]
    fn http_date_against_local_clock() {
        let now = 784_111_777_000 - 30_000; // 30 s before the date
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:49:37 GMT", None, now),
            Some(30_000)
        );
        assert_eq!(
            parse("Sunday, 06-Nov-94 08:49:37 GMT", None, now),
            Some(30_000)
        );
        assert_eq!(parse("Sun Nov  6 08:49:37 1994", None, now), Some(30_000));
    }

    #[test]
    fn lenient_http_dates() {
        let now = 1_559_563_200_000 - 5_000; // 5 s before Mon, 3 Jun 2019 12:00:00 GMT
        assert_eq!(
            parse("Mon, 3 Jun 2019 12:00:00 UTC", None, now),
            Some(5_000)
        );
        assert_eq!(parse("3 Jun 2019 14:00:00 +0200", None, now), Some(5_000));
        assert_eq!(parse("Mon, 3 Jun 2019 12:00:00 PST", None, now), None);
    }

    #[test]
    fn http_date_in_the_past_is_zero() {
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT", None, NOW), Some(0));
    }

    #[test]
    fn http_date_against_the_response_date_ignores_client_skew() {
        // The client clock is a year off; the server's Date header says 10 s before.
        let ra = "Sun, 06 Nov 1994 08:49:47 GMT";
        let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse(ra, date, NOW), Some(10_000));
        assert_eq!(parse(ra, date, 0), Some(10_000));
        // An invalid Date header falls back to the local clock.
        assert_eq!(
            parse(ra, Some("yesterday"), 784_111_787_000 - 4_000),
            Some(4_000)
        );
    }
}
