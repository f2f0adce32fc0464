//! The engine's option checks, natively, as a filter: one case per line in, one verdict per
//! line out. tests/node/validate.test.mjs runs the package's TypeScript validator beside it,
//! so the two must give the same error, class and message to the character.
//!
//! `cargo run --quiet --release --example validate < cases.jsonl`
//!
//! A case is a JavaScript value as a tagged JSON tree (objects as key-value pairs, so their
//! key order survives; numbers as JavaScript's `String(n)`, so NaN, ±Infinity and -0 do too):
//!
//! | JavaScript       | JSON                                  |
//! |------------------|---------------------------------------|
//! | `undefined`      | `["undefined"]`                       |
//! | `null`           | `["null"]`                            |
//! | `true`           | `["boolean", true]`                   |
//! | `-0`             | `["number", "-0"]`                    |
//! | `"x"`            | `["string", "x"]`                     |
//! | `[1]`            | `["array", [["number", "1"]]]`        |
//! | `{ a: null }`    | `["object", [["a", ["null"]]]]`       |
//! | `() => 1`        | `["function"]`                        |
//! | `10n`            | `["bigint", "10"]`                    |
//! | `Symbol("s")`    | `["symbol", "s"]`                     |
//!
//! The verdict is a JSON string: `"ok"`, or the error JavaScript would throw,
//! `"TypeError: ..."` / `"RangeError: ..."`, values in its message printed as JavaScript
//! prints them (`String(n)`, `JSON.stringify(s)`).

use std::io::{self, BufRead, BufWriter, Write};

use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::raw::{OptionError, OptionErrorKind};
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::Policy;
use serde_json::Value as Json;

/// Option objects nest two levels (`retry.methods[i]`); anything deeper is summarised, as
/// the package's JavaScript-to-engine conversion did.
const MAX_DEPTH: u32 = 4;

/// The engine's value for the JavaScript value `tree` stands for, `depth` levels down.
fn to_value(tree: &Json, depth: u32) -> Result<Value, String> {
    let bad = || format!("not a tagged value: {tree}");
    let items = tree.as_array().ok_or_else(bad)?;
    let tag = items.first().and_then(Json::as_str).ok_or_else(bad)?;
    let payload = items.get(1);
    let text = || payload.and_then(Json::as_str).ok_or_else(bad);
    let list = || payload.and_then(Json::as_array).ok_or_else(bad);
    // The order of the conversion's tests: primitives and functions first, then the depth
    // limit (which summarises arrays, objects, bigints and symbols alike), then the rest.
    Ok(match tag {
        "undefined" => Value::Undefined,
        "null" => Value::Null,
        "boolean" => Value::Bool(payload.and_then(Json::as_bool).ok_or_else(bad)?),
        "number" => Value::Number(js_number(text()?).ok_or_else(bad)?),
        "string" => Value::String(text()?.to_owned()),
        "function" => Value::Function,
        _ if depth >= MAX_DEPTH => Value::Object(Vec::new()),
        "array" => Value::Array(
            list()?
                .iter()
                .map(|item| to_value(item, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        "object" => Value::Object(
            list()?
                .iter()
                .map(|entry| match entry.as_array().map(Vec::as_slice) {
                    Some([Json::String(key), value]) => {
                        Ok((key.clone(), to_value(value, depth + 1)?))
                    }
                    _ => Err(bad()),
                })
                .collect::<Result<_, _>>()?,
        ),
        "bigint" => Value::Other(format!("{}n", text()?)),
        "symbol" => Value::Other(format!("Symbol({})", text()?)),
        _ => return Err(bad()),
    })
}

/// A number from JavaScript's `String(n)`.
fn js_number(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok().filter(|n: &f64| n.is_finite()),
    }
}

/// The error as JavaScript shows it: its class, then the message with numbers as `String(n)`
/// (which `Value`'s rendering follows) and strings as `JSON.stringify`.
fn js_error(e: &OptionError) -> String {
    let number = |n: f64| Value::Number(n).to_string();
    let string = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let message = e.message_with(|v| v.render(&number, &string));
    let class = match e.kind {
        OptionErrorKind::Type => "TypeError",
        OptionErrorKind::Range => "RangeError",
    };
    format!("{class}: {message}")
}

/// What creating a client with these options gives: decode (types), then resolve (ranges).
fn verdict(options: &Value) -> String {
    match decode(options).and_then(|d| Policy::from_options(&d.options)) {
        Ok(_) => "ok".to_owned(),
        Err(e) => js_error(&e),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = BufWriter::new(io::stdout().lock());
    for (i, line) in io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let tree: Json = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let options = to_value(&tree, 0).map_err(|e| format!("line {}: {e}", i + 1))?;
        serde_json::to_writer(&mut out, &verdict(&options))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
