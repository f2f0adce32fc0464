//! HTTP-date to Unix milliseconds, robust the way RFC 9110 §5.6.7 asks recipients to be, and
//! no further: a value is read as a date only when every field is present, in range and
//! unambiguous, so a garbage value is never read as a (long) wait.
//!
//! Accepted: the three forms senders must use (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`,
//! RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`), and the
//! RFC 5322 / RFC 1123 variants that servers and proxies send and other clients read
//! (urllib3 reads `Mon, 3 Jun 2019 12:00:00 UTC`):
//! - names of days and months in any case, abbreviated or in full; the day name may be
//!   missing, and is not checked against the date (the date itself decides);
//! - a day of one digit, an hour of one digit, a time without seconds (`12:00`);
//! - a zone of `GMT`, `UTC`, `UT` or `Z`, or a numeric offset (`+0200`, `-0000`), applied;
//! - a two-digit year (RFC 850's): 70-99 is 19xx, 00-69 is 20xx;
//! - runs of spaces or tabs, with or without a comma after the day name.
//!
//! Refused (the caller then ignores the value): any other zone name (`PST`, `CET`: ambiguous),
//! a missing zone outside the asctime form, a field out of range (day 32, hour 24, minute
//! 60, the 31st of a 30-day month, the 29th of February of a common year), a year of other
//! than 2 or 4 digits, ISO 8601, trailing text. Leap second 60 reads as 59.
//!
//! Nothing here reads a clock, so the engine built on it stays deterministic; dates before
//! 1970 are clamped to 0 (they can only ever mean "in the past").

/// Milliseconds since the Unix epoch of an HTTP-date, or `None` when `value` is not one.
pub(crate) fn parse_unix_ms(value: &str) -> Option<u64> {
    let value = trim_ows(value);
    // Bounded work on any input: a date is short.
    if value.len() > 64 || !value.is_ascii() {
        return None;
    }
    let mut tokens = [""; 7];
    let mut count = 0;
    let mut rest = value;
    // The day name, with or without a comma, if there is one.
    let first_end = rest.find(|c: char| is_space(c) || c == ',')?;
    let (first, after) = rest.split_at_checked(first_end)?;
    if weekday(first) {
        // `value` ends trimmed, so trimming both ends of `after` trims its start.
        rest = trim_ows(after);
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    for token in rest.split(is_space).filter(|t| !t.is_empty()) {
        if count == tokens.len() {
            return None;
        }
        tokens[count] = token;
        count += 1;
    }
    let fields = match &tokens[..count] {
        // asctime: "Nov 6 08:49:37 1994" (no zone: GMT).
        [month, day, time, year] if month_number(month).is_some() => Fields {
            day: day_number(day)?,
            month: month_number(month)?,
            year: year_number(year)?,
            time: time_of_day(time)?,
            offset_s: 0,
        },
        // RFC 850: "06-Nov-94 08:49:37 GMT".
        [date, time, zone] => {
            let mut parts = date.split('-');
            let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            Fields {
                day: day_number(day)?,
                month: month_number(month)?,
                year: year_number(year)?,
                time: time_of_day(time)?,
                offset_s: zone_offset(zone)?,
            }
        }
        // IMF-fixdate and its RFC 5322 relatives: "6 Nov 1994 08:49:37 GMT".
        [day, month, year, time, zone] => Fields {
            day: day_number(day)?,
            month: month_number(month)?,
            year: year_number(year)?,
            time: time_of_day(time)?,
            offset_s: zone_offset(zone)?,
        },
        _ => return None,
    };
    fields.unix_ms()
}

/// A date's fields, each already in its own range.
struct Fields {
    day: u32,
    month: u32,
    year: i64,
    /// Seconds since midnight.
    time: i64,
    /// The zone's offset from UTC in seconds (east positive).
    offset_s: i64,
}

impl Fields {
    fn unix_ms(&self) -> Option<u64> {
        if self.day > days_in_month(self.year, self.month) {
            return None;
        }
        let seconds =
            days_from_civil(self.year, self.month, self.day) * 86_400 + self.time - self.offset_s;
        Some(u64::try_from(seconds).map_or(0, |s| s * 1000))
    }
}

/// Optional whitespace (RFC 9110 §5.6.3): a space or a tab.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `value` without the optional whitespace around it. One function for every header field
/// read, so the Wasm carries one copy of the trimming.
pub(crate) fn trim_ows(value: &str) -> &str {
    trim_ascii(value, b" \t")
}

/// `value` without the ASCII characters `chars` at either end (what `str::trim_matches` does,
/// over bytes: an ASCII byte is always a whole character).
pub(crate) fn trim_ascii<'a>(value: &'a str, chars: &[u8]) -> &'a str {
    let keep = |b: &u8| !chars.contains(b);
    let bytes = value.as_bytes();
    let start = bytes.iter().position(keep).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(keep).map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or("")
}

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `name` is `full` in full or its first three letters, in any case.
fn names(name: &str, full: &str) -> bool {
    (name.len() == 3 || name.len() == full.len())
        && full
            .get(..name.len())
            .is_some_and(|f| f.eq_ignore_ascii_case(name))
}

fn weekday(name: &str) -> bool {
    DAYS.iter().any(|d| names(name, d))
}

fn month_number(name: &str) -> Option<u32> {
    (1..)
        .zip(MONTHS)
        .find(|(_, m)| names(name, m))
        .map(|(n, _)| n)
}

/// 1 to `max_digits` (at most 9) ASCII digits.
fn digits(text: &str, max_digits: usize) -> Option<u32> {
    if text.len() > max_digits {
        return None;
    }
    decimal(text).map(|n| n as u32)
}

/// 1 to 19 ASCII digits (so the value fits), and nothing else. The one number reader of the
/// header fields: `str::parse` would carry a copy of the standard library's parser for each
/// integer type.
pub(crate) fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0')))
}

fn day_number(text: &str) -> Option<u32> {
    digits(text, 2).filter(|d| (1..=31).contains(d))
}

/// Four digits as they are; two digits as RFC 850 years (70-99: 19xx, 00-69: 20xx).
fn year_number(text: &str) -> Option<i64> {
    match text.len() {
        4 => digits(text, 4).map(i64::from),
        2 => digits(text, 2).map(|y| i64::from(if y >= 70 { 1900 + y } else { 2000 + y })),
        _ => None,
    }
}

/// `H:MM[:SS]` (hour of one or two digits) to seconds since midnight.
fn time_of_day(text: &str) -> Option<i64> {
    let mut parts = text.split(':');
    let hour = digits(parts.next()?, 2).filter(|h| *h <= 23)?;
    let minute = parts
        .next()
        .filter(|m| m.len() == 2)
        .and_then(|m| digits(m, 2));
    let minute = minute.filter(|m| *m <= 59)?;
    let second = match parts.next() {
        None => 0,
        Some(s) if s.len() == 2 => digits(s, 2).filter(|s| *s <= 60)?.min(59),
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(i64::from(hour * 3600 + minute * 60 + second))
}

/// `GMT`, `UTC`, `UT`, `Z` (any case) or `+HHMM` / `-HHMM`, as seconds east of UTC.
fn zone_offset(text: &str) -> Option<i64> {
    if ["GMT", "UTC", "UT", "Z"]
        .iter()
        .any(|z| z.eq_ignore_ascii_case(text))
    {
        return Some(0);
    }
    let (sign, number) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    if number.len() != 4 {
        return None;
    }
    let (hours, minutes) = number.split_at_checked(2)?;
    let hours = digits(hours, 2).filter(|h| *h <= 23)?;
    let minutes = digits(minutes, 2).filter(|m| *m <= 59)?;
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_unix_ms;

    const T: u64 = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT

    #[test]
    fn the_three_forms_name_the_same_instant() {
        assert_eq!(parse_unix_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(T));
        assert_eq!(parse_unix_ms("Sunday, 06-Nov-94 08:49:37 GMT"), Some(T));
        assert_eq!(parse_unix_ms("Sun Nov  6 08:49:37 1994"), Some(T));
    }

    #[test]
    fn lenient_forms_other_clients_read() {
        for v in [
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "sun, 06 nov 1994 08:49:37 gmt",
            "SUNDAY, 06 NOVEMBER 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 UT",
            "Sun, 06 Nov 1994 08:49:37 Z",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Nov 1994 08:49:37 -0000",
            "Sun, 06 Nov 1994 10:49:37 +0200",
            "Sun, 06 Nov 1994 03:49:37 -0500",
            "06 Nov 1994 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMT",
            "Sun ,  06  Nov\t1994 08:49:37 GMT",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "06-Nov-1994 08:49:37 GMT",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(parse_unix_ms(v), Some(T), "{v:?}");
        }
        // urllib3's example; no seconds.
        assert_eq!(
            parse_unix_ms("Mon, 3 Jun 2019 12:00:00 UTC"),
            Some(1_559_563_200_000)
        );
        assert_eq!(
            parse_unix_ms("Mon, 3 Jun 2019 12:00 GMT"),
            Some(1_559_563_200_000)
        );
        // Two-digit years: 70-99 last century, 00-69 this one.
        assert_eq!(parse_unix_ms("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_unix_ms("Saturday, 01-Jan-00 00:00:00 GMT"),
            Some(946_684_800_000)
        );
        // A leap second reads as the second before it; the 29th of February of a leap year.
        assert_eq!(
            parse_unix_ms("Sat, 31 Dec 2016 23:59:60 GMT"),
            Some(1_483_228_799_000)
        );
        assert_eq!(
            parse_unix_ms("Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400_000)
        );
    }

    #[test]
    fn garbage_is_not_a_date() {
        for v in [
            "",
            "soon",
            "120",
            "Sun, 06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Tue, 29 Feb 2100 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, 06 Nov 1994 08:49 :37 GMT",
            "Sun, 06 Nov 1994 08:4:37 GMT",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Nov 1994 08:49:37 +02",
            "Sun, 06 Nov 1994 08:49:37 +2400",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "Sun, 06 Nov 19945 08:49:37 GMT",
            "Sun, 06 Nov 994 08:49:37 GMT",
            "Sun, 006 Nov 1994 08:49:37 GMT",
            "Sun, 06 Novem 1994 08:49:37 GMT",
            "Sun, 06 No 1994 08:49:37 GMT",
            "Sund, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37.5 GMT",
            "Sun, -6 Nov 1994 08:49:37 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "06-Nov-94-1 08:49:37 GMT",
            "1994-11-06T08:49:37Z",
            "Mon, 99 Foo 2026 99:99:99 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{0}",
            "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
            "Sün, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_unix_ms(v), None, "{v:?}");
        }
    }

    #[test]
    fn before_1970_is_zero_and_far_dates_are_exact() {
        assert_eq!(parse_unix_ms("Fri, 31 Dec 1965 23:59:59 GMT"), Some(0));
        assert_eq!(
            parse_unix_ms("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799_000)
        );
    }

    #[test]
    fn trim_ascii_trims_like_trim_matches() {
        let pieces = [" ", "\t", "\"", "a", "é", "中", "\u{a0}", "7"];
        let mut n = 0u32;
        for _ in 0..20_000 {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let len = (n >> 16) % 9;
            let mut s = String::new();
            let mut x = n;
            for _ in 0..len {
                s.push_str(pieces[(x % 8) as usize]);
                x = x.rotate_right(3).wrapping_add(7);
            }
            let t = super::trim_ascii(&s, b" \t\"");
            assert_eq!(t, s.trim_matches([' ', '\t', '"']), "{s:?}");
            assert_eq!(super::trim_ows(&s), s.trim_matches([' ', '\t']), "{s:?}");
        }
    }
}
