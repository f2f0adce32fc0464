//! The Wasm driver in Node, through wasm-bindgen-test-runner.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

#[path = "wasm/driver.rs"]
mod driver;
