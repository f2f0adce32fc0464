//! What one instance tells the rest of its fleet (see [`share`](super::share)): the vocabulary,
//! apart from the instance that queues it, so the instance needs nothing of sharing but this.

use alloc::string::String;

/// One change of an instance's state that the rest of a fleet needs to hear.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// An attempt of `key` failed.
    Failure {
        /// The breaker key.
        key: String,
        /// Whether the attempt was a half-open probe.
        probe: bool,
        /// The consecutive failures that open the breaker (0 in failure-rate mode: the
        /// fleet then opens only when an instance's own window trips).
        threshold: u32,
        /// `breaker.resetTimeoutMs`: how long an opening lasts.
        reset_timeout_ms: u64,
        /// When this failure opened the breaker here: until when.
        opened_until: Option<u64>,
    },
    /// An attempt of `key` succeeded after failures, or as a half-open probe.
    Success {
        /// The breaker key.
        key: String,
        /// Whether the attempt was a half-open probe (its success closes the breaker).
        probe: bool,
    },
    /// A half-open probe of `key` ended saying nothing: its permit is free again.
    Released {
        /// The breaker key.
        key: String,
    },
    /// A route (or a whole key: `"<key> *"`) is held until `until` (ms since the epoch).
    Hold {
        /// The route.
        route: String,
        /// The hold's end.
        until: u64,
    },
    /// A route's learned send rate was cut: the curve after the cut.
    Rate {
        /// The route.
        route: String,
        /// The accepted rate the cut was based on (requests per second).
        w_max: f64,
        /// When the cut happened (ms since the epoch).
        cut_at: u64,
        /// Requests sent before this belong to the round the cut answered (ms).
        horizon: u64,
    },
}
