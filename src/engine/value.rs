//! The value tree: options as a loosely typed host holds them, before any is checked.
//!
//! JavaScript callers (and hosts that speak JSON) hand over a tree of values of any type;
//! the Wasm driver and the component build it, [`decode`](super::options::decode) reads it.
//! This module knows no option name: it only holds values, renders them the way error
//! messages show them, and says what a string may be on the wire (a token, a header value).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A loosely typed option value, as a JavaScript host holds it.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `undefined`: not given.
    #[default]
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (JavaScript numbers are all `f64`).
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// A plain object, keys in insertion order.
    Object(Vec<(String, Value)>),
    /// A function: the engine never calls it, it only checks that one was given.
    Function,
    /// Anything else (a symbol, a bigint...), as the host prints it: always a wrong type.
    Other(String),
}

impl Value {
    /// An object's value for `key` (the last one, as JavaScript keeps), `Undefined` otherwise.
    pub fn get(&self, key: &str) -> &Value {
        match self {
            Value::Object(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map_or(&Value::Undefined, |(_, v)| v),
            _ => &Value::Undefined,
        }
    }
}

/// A number the way JavaScript's `String(n)` prints the values users type.
fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n == 0.0 {
        "0".to_owned()
    } else if n.abs() >= 1e21 || n.abs() < 1e-6 {
        let s = format!("{n:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    } else {
        format!("{n}")
    }
}

impl Value {
    /// Renders the value as an error message shows it, with numbers and strings rendered
    /// by the given functions and containers summarised. A JavaScript host passes its own
    /// `String(n)` and `JSON.stringify`, so its messages read exactly as JavaScript prints
    /// values (and its build carries no float printing).
    pub fn render(
        &self,
        number: &dyn Fn(f64) -> String,
        string: &dyn Fn(&str) -> String,
    ) -> String {
        match self {
            Value::Undefined => "undefined".to_owned(),
            Value::Null => "null".to_owned(),
            Value::Bool(true) => "true".to_owned(),
            Value::Bool(false) => "false".to_owned(),
            Value::Number(n) => number(*n),
            Value::String(s) => string(s),
            Value::Array(items) => {
                let mut out = String::from("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if i == 5 {
                        out.push_str("...");
                        break;
                    }
                    out.push_str(&item.render(number, string));
                }
                out.push(']');
                out
            }
            Value::Object(_) => "an object".to_owned(),
            Value::Function => "a function".to_owned(),
            Value::Other(text) => text.clone(),
        }
    }
}

impl core::fmt::Display for Value {
    /// Numbers as JavaScript prints them, strings quoted, containers summarised.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let number = |n: f64| js_number(n);
        let string = |s: &str| format!("{s:?}");
        f.write_str(&self.render(&number, &string))
    }
}

/// An HTTP token (RFC 9110 §5.6.2): what a method or a header name must be.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A non-empty header value of visible ASCII (spaces allowed inside), so it can be sent as is.
pub(crate) fn is_header_value(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}
