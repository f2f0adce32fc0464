//! JavaScript values to the engine's loosely typed [`Value`], so option checking (and its
//! messages) lives in one place: the engine.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::value::Value;

/// Option objects nest two levels (`retry.methods[i]`); anything deeper is summarised.
const MAX_DEPTH: u32 = 4;

/// Converts `v`, reading plain objects key by key and arrays item by item.
pub(crate) fn to_value(v: &JsValue) -> Value {
    convert(v, 0)
}

fn convert(v: &JsValue, depth: u32) -> Value {
    if v.is_undefined() {
        Value::Undefined
    } else if v.is_null() {
        Value::Null
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Value::Number(n)
    } else if let Some(s) = v.as_string() {
        Value::String(s)
    } else if v.is_function() {
        Value::Function
    } else if depth >= MAX_DEPTH {
        Value::Object(Vec::new())
    } else if Array::is_array(v) {
        let items: &Array = v.unchecked_ref();
        Value::Array(items.iter().map(|item| convert(&item, depth + 1)).collect())
    } else if v.is_object() {
        let object: &Object = v.unchecked_ref();
        let keys = Object::keys(object);
        let mut entries = Vec::with_capacity(keys.length() as usize);
        for key in keys.iter() {
            let value = Reflect::get(object, &key).unwrap_or(JsValue::UNDEFINED);
            entries.push((
                key.as_string().unwrap_or_default(),
                convert(&value, depth + 1),
            ));
        }
        Value::Object(entries)
    } else if let Some(big) = v.dyn_ref::<js_sys::BigInt>() {
        let digits = big.to_string(10).map(String::from).unwrap_or_default();
        Value::Other(format!("{digits}n"))
    } else {
        // A symbol: Symbol.prototype.toString gives "Symbol(description)".
        Value::Other(String::from(
            v.unchecked_ref::<js_sys::Symbol>().to_string(),
        ))
    }
}
