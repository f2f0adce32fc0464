//! The Wasm driver behind the npm package (feature `js`, target `wasm32`): the only code
//! that touches JavaScript. It turns the engine's decisions into real `fetch` calls, real
//! timers and real aborts; it decides nothing itself.
//!
//! - [`client`]: the `Client` class and the async loop of one call;
//! - [`request`]: what a call sends (method, key, replayable body), worked out once;
//! - [`convert`]: JavaScript option values to the engine's `Value`;
//! - [`engine_api`]: the sans-IO engine itself for JavaScript (`EngineClient`, `EngineCall`);
//! - `io.js`: the I/O primitives (one attempt, an abortable sleep, discarding a body).

pub mod client;
mod convert;
pub mod engine_api;
mod request;

pub use client::Client;
pub use engine_api::{EngineCall, EngineClient};
