//! The Wasm driver in headless Chromium, through wasm-bindgen-test-runner.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "wasm/driver.rs"]
mod driver;
