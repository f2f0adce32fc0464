//! The range checks, one per kind of schema check (`count`, `millis`, `fraction`, `number`,
//! `oneOf`, `each`, `required`): the generated `check_options` ([`super::fields`]) calls them
//! with each row's path and its words (`must_be`), so a message is the schema's to the
//! character. They convert as they check (milliseconds rounded up, counts saturating at
//! `u32::MAX`); they never pick a default.

use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::math;
use super::raw::OptionError;
use super::value::{is_token, Value};

/// The error of a number out of range, naming the option and the value.
fn out_of_range(path: &str, must_be: &str, v: f64) -> Box<OptionError> {
    Box::new(OptionError::range(path, must_be, Value::Number(v)))
}

/// An integer count `>= min`, saturating at `u32::MAX`.
pub(crate) fn count(path: &str, v: f64, min: u32, must_be: &str) -> Result<u32, Box<OptionError>> {
    if v.is_finite() && math::fract(v) == 0.0 && v >= f64::from(min) {
        Ok(if v >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            v as u32
        })
    } else {
        Err(out_of_range(path, must_be, v))
    }
}

/// Milliseconds: finite, `>= 0` (or `> 0` when `positive`), rounded up, saturating.
pub(crate) fn millis(
    path: &str,
    v: f64,
    positive: bool,
    must_be: &str,
) -> Result<u64, Box<OptionError>> {
    if v.is_finite() && if positive { v > 0.0 } else { v >= 0.0 } {
        // `as` saturates for floats beyond u64.
        Ok(math::ceil(v) as u64)
    } else {
        Err(out_of_range(path, must_be, v))
    }
}

/// A finite number in `[lo, 1]`, where `lo` (0) itself is allowed only when `lo_inclusive`.
pub(crate) fn fraction(
    path: &str,
    v: f64,
    lo_inclusive: bool,
    must_be: &str,
) -> Result<f64, Box<OptionError>> {
    if v.is_finite() && v <= 1.0 && if lo_inclusive { v >= 0.0 } else { v > 0.0 } {
        Ok(v)
    } else {
        Err(out_of_range(path, must_be, v))
    }
}

/// A finite number `>= 0` (or `> 0`).
pub(crate) fn non_negative(
    path: &str,
    v: f64,
    positive: bool,
    must_be: &str,
) -> Result<f64, Box<OptionError>> {
    if v.is_finite() && if positive { v > 0.0 } else { v >= 0.0 } {
        Ok(v)
    } else {
        Err(out_of_range(path, must_be, v))
    }
}

/// One of `names`, as the schema's `'static` name.
pub(crate) fn one_of(
    path: &str,
    v: &str,
    names: &'static [&'static str],
    must_be: &str,
) -> Result<&'static str, Box<OptionError>> {
    names.iter().find(|n| **n == v).copied().ok_or_else(|| {
        Box::new(OptionError::range(
            path,
            must_be,
            Value::String(v.to_owned()),
        ))
    })
}

/// `path[i]`: the path of a list's item. Written without `format!`, so the numeric
/// interface's Wasm carries no formatting machinery.
fn indexed(path: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(path.len() + digits.len() - at + 2);
    out.push_str(path);
    out.push('[');
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out.push(']');
    out
}

/// HTTP method names (tokens), each checked; the first bad one is named by its index.
pub(crate) fn method_names(
    path: &str,
    list: &[String],
    must_be: &str,
) -> Result<Vec<String>, Box<OptionError>> {
    for (i, m) in list.iter().enumerate() {
        if !is_token(m) {
            return Err(Box::new(OptionError::range(
                indexed(path, i),
                must_be,
                Value::String(m.clone()),
            )));
        }
    }
    Ok(list.to_vec())
}

/// Status codes, each an integer from 100 to 599; the first bad one is named by its index.
pub(crate) fn status_list(
    path: &str,
    list: &[f64],
    must_be: &str,
) -> Result<Vec<u16>, Box<OptionError>> {
    let mut out = Vec::with_capacity(list.len());
    for (i, &s) in list.iter().enumerate() {
        if !(math::fract(s) == 0.0 && (100.0..=599.0).contains(&s)) {
            return Err(out_of_range(&indexed(path, i), must_be, s));
        }
        out.push(s as u16);
    }
    Ok(out)
}

/// A required number: absent is a type error (`undefined` is not a number).
pub(crate) fn required(path: &str, v: Option<f64>, must_be: &str) -> Result<f64, Box<OptionError>> {
    v.ok_or_else(|| Box::new(OptionError::type_(path, must_be, Value::Undefined)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn indexed_paths_read_like_format() {
        for i in [0, 7, 10, 99, 1234, usize::MAX] {
            assert_eq!(super::indexed("a.b", i), format!("a.b[{i}]"));
        }
    }
}
