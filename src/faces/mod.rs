//! The faces of the engine: the code that carries its decisions to another language and
//! decides nothing itself. Each is its own build (one crate cannot carry wasm-bindgen and
//! wit-bindgen exports in the same artifact), so each sits behind its own feature.
//!
//! - `web`: the async driver for Rust web apps (feature `web`, target `wasm32`): real
//!   `fetch` calls, timers and aborts around the engine, through web-sys;
//! - `abi`: the engine's numeric interface for the npm package's TypeScript driver (feature
//!   `abi`): plain exports of numbers, no imports;
//! - `component`: the engine exported through `wit/engine.wit` (feature `component`), driven
//!   by a component host that does its own I/O.

#[cfg(all(feature = "web", target_arch = "wasm32"))]
pub mod web;

// `#[no_mangle]` exports are what the `unsafe_code` lint flags; the module has no unsafe block.
#[cfg(feature = "abi")]
#[allow(unsafe_code)]
pub mod abi;
// Generated from the option schema: the numeric option encoding read into the raw options.
#[cfg(feature = "abi")]
mod abi_options;
// A snapshot as numbers and text (the JSON is built in TypeScript).
#[cfg(feature = "abi")]
mod abi_snapshot;

#[cfg(feature = "component")]
#[allow(unsafe_code)]
mod component;
// Generated from the option schema: the WIT policy record copied into the raw options.
#[cfg(feature = "component")]
mod component_options;
