//! HTTP-date to Unix milliseconds: the one place the crate touches `std::time`, and only as a
//! calendar type.
//!
//! `httpdate` parses the three HTTP-date forms of RFC 9110 §5.6.7 (IMF-fixdate, RFC 850 and
//! asctime) into a `SystemTime`; this converts that value to milliseconds since the Unix
//! epoch by subtraction. Nothing here reads a clock, so the engine built on it stays
//! deterministic, and it works on `wasm32-unknown-unknown`, where reading the clock panics.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch of an HTTP-date, or `None` when `value` is not one.
/// Dates before 1970 are clamped to 0: they can only ever mean "in the past".
pub(crate) fn parse_unix_ms(value: &str) -> Option<u64> {
    let time: SystemTime = httpdate::parse_http_date(value).ok()?;
    Some(
        time.duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_unix_ms;

    #[test]
    fn the_three_forms_name_the_same_instant() {
        let t = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_unix_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_unix_ms("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(parse_unix_ms("Sun Nov  6 08:49:37 1994"), Some(t));
    }

    #[test]
    fn garbage_is_not_a_date() {
        for v in [
            "",
            "soon",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "120",
            "Sun, 06 Nov 1994",
        ] {
            assert_eq!(parse_unix_ms(v), None, "{v:?}");
        }
    }
}
