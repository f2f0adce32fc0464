//! # resilient-fetch
//!
//! **A sans-IO engine.** This crate makes every decision a resilient HTTP client needs —
//! whether to retry, how long to wait, whether the server's `Retry-After` applies, whether a
//! POST may be sent twice, whether the retry budget allows it, whether the circuit breaker
//! lets anything through — and performs none of the I/O. It does no networking, reads no
//! clock and gathers no entropy: time comes in as milliseconds on every call, randomness from
//! a generator the caller seeds. The same inputs give the same decisions on every platform,
//! which is what lets the npm package (this crate compiled to Wasm), a WebAssembly component
//! host and a native Rust service behave identically.
//!
//! The driver's loop, natively:
//!
//! ```
//! use std::sync::Arc;
//! use resilient_fetch::engine::{Action, Call, Instance, Policy, RequestMeta, Response};
//!
//! let policy = Arc::new(Policy::default());
//! let mut instance = Instance::new(42); // the seed of every jitter draw
//! let mut call = Call::new(policy, "https://api.example", RequestMeta::get());
//!
//! let mut now = 1_790_000_000_000; // ms since the Unix epoch, from your clock
//! let mut statuses = [503, 503, 200].into_iter();
//! let mut action = call.start(&mut instance, now);
//! loop {
//!     action = match action {
//!         Action::Send { .. } => {
//!             let status = statuses.next().unwrap(); // send the request here
//!             call.on_response(&mut instance, &Response::status(status), now)
//!         }
//!         Action::Wait { ms, .. } => {
//!             now += ms; // sleep here
//!             call.on_wake(&mut instance, now)
//!         }
//!         Action::Respond { .. } => break, // hand the last response to the caller
//!         Action::Reject(failure) => panic!("{failure:?}"),
//!         _ => unreachable!("Action is non_exhaustive"),
//!     };
//! }
//! assert_eq!(call.attempts(), 3);
//! ```
//!
//! See [`engine`] for the modules, one per decision. The faces that carry the engine to other
//! languages and runtimes live side by side under `src/faces/`: `web`,
//! the async driver for Rust web apps (feature `web`, on `wasm32`: `web_sys::Request` in,
//! `web_sys::Response` out), and the WebAssembly component (feature `component`).

// Without the default feature `std` the crate is `no_std` (with `alloc`): the build of the
// numeric interface's Wasm, which then carries no formatting machinery.
#![cfg_attr(not(feature = "std"), no_std)]
// No unsafe code of our own; only the component bindings wit-bindgen generates use it.
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod engine;
mod faces;

#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub use faces::web;

#[cfg(feature = "abi")]
pub use faces::abi;
