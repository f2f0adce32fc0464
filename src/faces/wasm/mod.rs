//! The Wasm driver behind the npm package (feature `js`, target `wasm32`): the only code
//! that touches JavaScript. It turns the engine's decisions into real `fetch` calls, real
//! timers and real aborts; it decides nothing itself.
//!
//! - [`client`]: the `Client` class and the async loop of one call;
//! - [`request`]: what a call sends (method, key, replayable body), worked out once;
//! - [`convert`]: JavaScript option values to the engine's `Value`;
//! - [`engine_api`]: the sans-IO engine itself for JavaScript (`EngineClient`, `EngineCall`);
//! - `io.js`: everything that touches the caller's values and the runtime: preparing a call
//!   (reading options and init fields once, the method as fetch reads it, the body's kind),
//!   one attempt, responses recognised by shape, joining the caller's signal, an abortable
//!   sleep, discarding a body. Nothing there throws.

pub mod client;
mod convert;
pub mod engine_api;
mod request;

pub use client::Client;
pub use engine_api::{EngineCall, EngineClient};
