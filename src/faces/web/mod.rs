//! A resilient `fetch` for Rust web apps (Leptos, Yew, Dioxus...): feature `web`, target
//! `wasm32-unknown-unknown`. `web_sys::Request` in, `web_sys::Response` out; retries,
//! backoff with jitter, `Retry-After`, idempotency keys, timeouts, a retry budget and a
//! circuit breaker decided by the engine, the waiting done with `setTimeout` promises under
//! `wasm-bindgen-futures`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use resilient_fetch::web::{Client, Options};
//!
//! let options: Options = serde_json::from_str(r#"{ "retry": { "maxAttempts": 3 }, "timeoutMs": 5000 }"#)?;
//! let client = Client::new(options.on_retry(|e| assert!(e.attempt >= 1)))?;
//! let request = web_sys::Request::new_with_str("/api/items").map_err(|_| "bad URL")?;
//! match client.fetch(&request).await {
//!     Ok(response) => { /* any status, as fetch gives it */ }
//!     Err(e) => { /* no response to give: gave up, circuit open, throttled, aborted */ }
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Client`]: the state every call shares (breakers, budgets, holds, counters);
//!   [`Client::fetch`] runs one call;
//! - [`Options`]: typed, deserialized with serde under the npm package's option names;
//! - [`Error`]: why a call has no response to give;
//! - `io`: the runtime's `fetch`, timers and abort signals, through web-sys.
//!
//! What the npm package does that this driver does not (yet): hedging (a `hedge` other than
//! `false` is refused with a range error), `fallback`, `shouldRetry` and `beforeRetry` (match
//! on the result instead), per-call options merged over the defaults (`fetch_with` takes
//! whole options).

mod client;
mod error;
mod io;
mod options;

pub use client::{Client, RetryEvent, RetryReason};
pub use error::Error;
pub use options::{BreakerHook, Options, RetryHook};
