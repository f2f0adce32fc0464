//! How each kind of option value is read from a value tree: the decoder's primitives, one
//! per kind of schema row (`number`, `string`, `boolean`, `function`, `timeout`, `methods`,
//! `statusCodes`, `group`), with the type errors' words.
//!
//! The generated field arms ([`super::fields`]) call these; the hand-written decoder
//! ([`super::options`]) calls them for the driver-only forms. They check types only: a value
//! out of range is the resolver's to report ([`super::range`]).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::raw::{OptionError, Setting};
use super::value::Value;

fn path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// An option object, `false` (off), `true` or `undefined` (defaults).
fn object<'a>(p: &str, v: &'a Value) -> Result<Setting<&'a [(String, Value)]>, OptionError> {
    match v {
        Value::Undefined | Value::Bool(true) => Ok(Setting::Default),
        Value::Bool(false) => Ok(Setting::Off),
        Value::Object(entries) => Ok(Setting::On(entries)),
        other => Err(OptionError::type_(p, "an object or false", other.clone())),
    }
}

pub(crate) fn number(p: &str, v: &Value) -> Result<Option<f64>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Number(n) => Ok(Some(*n)),
        other => Err(OptionError::type_(p, "a number", other.clone())),
    }
}

pub(crate) fn string(p: &str, v: &Value) -> Result<Option<String>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(OptionError::type_(p, "a string", other.clone())),
    }
}

pub(crate) fn boolean(p: &str, v: &Value) -> Result<Option<bool>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(OptionError::type_(p, "a boolean", other.clone())),
    }
}

pub(crate) fn function(p: &str, v: &Value) -> Result<(), OptionError> {
    match v {
        Value::Undefined | Value::Function => Ok(()),
        other => Err(OptionError::type_(p, "a function", other.clone())),
    }
}

/// A number of milliseconds or `false` (off).
pub(crate) fn timeout(p: &str, v: &Value) -> Result<Setting<f64>, OptionError> {
    match v {
        Value::Undefined => Ok(Setting::Default),
        Value::Bool(false) => Ok(Setting::Off),
        Value::Number(n) => Ok(Setting::On(*n)),
        other => Err(OptionError::type_(
            p,
            "a number of milliseconds or false",
            other.clone(),
        )),
    }
}

fn array<'a>(p: &str, v: &'a Value, what: &str) -> Result<Option<&'a [Value]>, OptionError> {
    match v {
        Value::Undefined => Ok(None),
        Value::Array(items) => Ok(Some(items)),
        other => Err(OptionError::type_(
            p,
            format!("an array of {what}"),
            other.clone(),
        )),
    }
}

/// An array of strings (method names; their range is the resolver's).
pub(crate) fn methods(p: &str, v: &Value) -> Result<Option<Vec<String>>, OptionError> {
    let Some(items) = array(p, v, "method names")? else {
        return Ok(None);
    };
    let mut methods = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        methods.extend(string(&format!("{p}[{i}]"), item)?);
    }
    Ok(Some(methods))
}

/// An array of numbers (status codes; their range is the resolver's).
pub(crate) fn status_codes(p: &str, v: &Value) -> Result<Option<Vec<f64>>, OptionError> {
    let Some(items) = array(p, v, "status codes")? else {
        return Ok(None);
    };
    let mut codes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        codes.extend(number(&format!("{p}[{i}]"), item)?);
    }
    Ok(Some(codes))
}

/// Walks one option object, handing each known key to `set`, rejecting unknown ones (and
/// known ones `set` does not read: a schema row without its decoder).
fn fields(
    parent: &str,
    entries: &[(String, Value)],
    known: &'static [&'static str],
    mut set: impl FnMut(&str, &str, &Value) -> Result<bool, OptionError>,
) -> Result<(), OptionError> {
    for (key, value) in entries {
        let p = path(parent, key);
        if !known.contains(&key.as_str()) {
            return Err(OptionError::unknown(p, known));
        }
        if !matches!(value, Value::Undefined) && !set(key, &p, value)? {
            return Err(OptionError::unknown(p, known));
        }
    }
    Ok(())
}

/// An option group: its object read key by key by `read` into `T`. `needs`: the group is
/// off unless configured, and `true` alone is a type error, since it names none of the
/// values (`needs`) the feature requires.
pub(crate) fn group<T: Default>(
    name: &str,
    v: &Value,
    known: &'static [&'static str],
    needs: Option<&str>,
    mut read: impl FnMut(&mut T, &str, &str, &Value) -> Result<bool, OptionError>,
) -> Result<Setting<T>, OptionError> {
    let entries = match (object(name, v)?, needs) {
        (Setting::On(entries), _) => entries,
        (Setting::Default, Some(needs)) if matches!(v, Value::Bool(true)) => {
            return Err(OptionError::type_(
                name,
                format!("an object with {needs}, or false"),
                v.clone(),
            ))
        }
        (Setting::Off, _) | (Setting::Default, Some(_)) => return Ok(Setting::Off),
        (Setting::Default, None) => return Ok(Setting::Default),
    };
    let mut out = T::default();
    fields(name, entries, known, |key, p, v| read(&mut out, key, p, v))?;
    Ok(Setting::On(out))
}
