//! The sans-IO engine: every retry decision, and nothing else.
//!
//! It never performs I/O, never reads a clock and never gathers entropy. Time comes in as
//! `now`, milliseconds since the Unix epoch, on every call; randomness comes from the
//! [`Rng`] the instance was seeded with. Given the same options, seed, outcomes
//! and times it makes the same decisions, bit for bit, natively and in Wasm.
//!
//! One module per decision:
//! - [`classify`]: is this request retryable, this status worth retrying, this outcome a
//!   breaker failure?
//! - [`retry_after`]: how long did the server ask us to wait? (`http_date` reads its dates.)
//! - [`backoff`]: how long do we wait otherwise (exponential ceiling, jitter)?
//! - [`budget`]: can the client afford one more retry?
//! - [`breaker`]: is the dependency healthy enough to send to at all?
//! - [`limiter`]: may we send now under our own rate limit?
//! - [`bulkhead`]: may this call start now under the concurrency bound?
//! - [`pushback`]: did a tier below tell us not to retry?
//! - [`ratelimit`]: what do the server's rate-limit headers say about our quota?
//! - [`gate`]: when may a route send next (holds, the adaptive send rate)?
//! - [`window`]: counting over a rolling window, for the budget and the failure-rate breaker.
//! - [`registry`]: per-key state, bounded.
//! - [`value`] (the loosely typed tree a host hands over), [`options`] (that tree decoded
//!   into the [`raw`] option model, types checked) and [`policy`] (the raw model resolved,
//!   ranges checked and defaults filled): what the caller asked for, checked once. Each
//!   imports only the ones before it. [`schema`] (generated from `schema/options.mjs`)
//!   names every option once.
//! - [`instance`]: state that outlives calls, and [`snapshot`] that state as plain data;
//!   [`call`]: one call's state machine, and
//!   [`vocabulary`] the words it speaks with its driver (requests, responses, actions),
//!   [`wire`] their one set of names and one text form across every face.

pub mod backoff;
pub mod breaker;
pub mod budget;
pub mod bulkhead;
pub mod call;
pub mod change;
pub mod classify;
pub(crate) mod fields;
pub mod gate;
pub(crate) mod http_date;
pub mod instance;
pub mod limiter;
pub(crate) mod math;
pub mod options;
pub mod policy;
pub mod pushback;
pub(crate) mod range;
pub mod ratelimit;
pub mod raw;
pub(crate) mod read;
pub mod registry;
pub mod retry_after;
pub mod rng;
pub mod schema;
pub mod share;
pub mod snapshot;
pub mod value;
pub mod vocabulary;
pub mod window;
pub mod wire;

pub use backoff::{Backoff, Jitter};
pub use breaker::{BreakerConfig, BreakerMode, BreakerState};
pub use budget::BudgetConfig;
pub use call::Call;
pub use change::Change;
pub use classify::TransportFailure;
pub use instance::{BreakerEvent, Instance, Stats};
pub use limiter::LimiterConfig;
pub use policy::Policy;
pub use raw::{OptionError, OptionErrorKind, Options};
pub use rng::{Rng, SplitMix64};
pub use snapshot::{Snapshot, SnapshotError};
pub use value::Value;
pub use vocabulary::{Action, Failure, RequestMeta, Response, Stop, Verdict, WaitReason};
