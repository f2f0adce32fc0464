//! The words of the call protocol: what the driver tells a [`Call`] about a request and its
//! responses, and what the call answers. Kept apart from the state machine so a reader of
//! `call.rs` sees the machine, and a writer of a driver sees, in one short file, every value
//! that crosses the boundary.
//!
//! The order of the calls a driver makes is stated once, in [`super::call`]'s module doc.

use super::ratelimit::RateLimitFields;
#[cfg(doc)]
use super::{call::Call, instance::Instance};

/// What the engine needs to know of a request, worked out once by the driver before the
/// call starts. Named fields rather than positional booleans, because two adjacent `bool`s
/// (`has_idempotency_key`, `replayable_body`) are swapped silently.
///
/// # Default
/// `RequestMeta::new(method)`: no idempotency key, a replayable body, the path `""` (the
/// key's whole route).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestMeta<'a> {
    /// The method as `fetch` sends it (upper-cased for the standard ones).
    pub method: &'a str,
    /// Whether the request carries an idempotency key (which makes a POST or PATCH
    /// retryable).
    pub idempotency_key: bool,
    /// Whether the body can be sent twice (false for a stream body, unless the driver keeps
    /// it to replay and calls [`Call::commit`] once it can no longer). It also decides
    /// whether a request never sent may be sent again.
    pub replayable_body: bool,
    /// The URL's path, without the query: holds and the learned rate live per key and path,
    /// because a limit on `/search` must not stall `/items` of the same origin. `""`: the
    /// key itself.
    pub path: &'a str,
}

impl<'a> RequestMeta<'a> {
    /// A request of `method` without idempotency key, with a replayable body, on path `""`.
    pub const fn new(method: &'a str) -> Self {
        Self {
            method,
            idempotency_key: false,
            replayable_body: true,
            path: "",
        }
    }

    /// A plain GET: `RequestMeta::new("GET")`.
    pub const fn get() -> Self {
        Self::new("GET")
    }

    /// Whether the request carries an idempotency key.
    #[must_use]
    pub const fn with_idempotency_key(mut self, present: bool) -> Self {
        self.idempotency_key = present;
        self
    }

    /// Whether the body can be sent twice.
    #[must_use]
    pub const fn with_replayable_body(mut self, replayable: bool) -> Self {
        self.replayable_body = replayable;
        self
    }

    /// The URL's path (see [`super::gate::route`]).
    #[must_use]
    pub const fn with_path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }
}

/// A response as the engine needs to see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The raw `Retry-After` field value, if any.
    pub retry_after: Option<&'a str>,
    /// The raw `Date` field value, if any (HTTP-date `Retry-After` is measured against it).
    pub date: Option<&'a str>,
    /// The raw `Retry-Pushback-Ms` value, if any (honoured with `pushback: true`).
    pub pushback: Option<&'a str>,
    /// The raw rate-limit fields (read with `paceFromHeaders`, on by default).
    pub rate_limit: RateLimitFields<'a>,
}

impl Response<'static> {
    /// A response with only a status.
    pub const fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            date: None,
            pushback: None,
            rate_limit: RateLimitFields::new(),
        }
    }
}

/// The caller's judgement of one outcome, asked for before it is reported (a `shouldRetry`
/// hook): it replaces the classifier's answer to "is this worth retrying?", never the limits.
///
/// An input rather than a callback, because the engine calls nothing: the driver asks its
/// user (perhaps asynchronously) and then reports the outcome with the answer
/// ([`Call::on_response_judged`], [`Call::on_transport_error_judged`]).
/// [`Verdict::Default`] is exactly the unjudged report.
///
/// # Default
/// [`Verdict::Default`]: the classifier decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// The classifier decides (the contract's table, or `retry.statusCodes`).
    #[default]
    Default,
    /// Retry this outcome, even a status the classifier would not retry (a 401), up to
    /// `retry.maxAttempts` like a status listed in `retry.statusCodes` (the two-retry cap of
    /// 500/502/504 belongs to the default table). Every limit still holds: the attempts, the
    /// deadline, the budget, an open breaker, pushback, and a request that may not be sent
    /// twice is not.
    Retry,
    /// Do not retry: a response is final (as a 404 is: `Respond` with no stop reason, so no
    /// fallback); a transport failure rejects with [`Stop::NotRetryable`]. It ends the call
    /// at once, even with hedged copies still in flight (the driver aborts them).
    Stop,
}

/// Why the retry loop stopped without a successful or final response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stop {
    /// `retry.maxAttempts` reached (or a capped status's two retries used).
    Attempts,
    /// The retry budget refused another retry.
    Budget,
    /// The next wait would end past `retry.deadlineMs`, or the deadline passed in flight.
    Deadline,
    /// The request may not be retried (method without key, stream body).
    NotRetryable,
    /// The breaker of the key opened during the call.
    CircuitOpen,
    /// The server's `Retry-After` exceeds `retry.maxRetryAfterMs`.
    RetryAfterTooLong,
    /// The rate limiter had no token for a retry within `rateLimit.maxWaitMs`.
    Throttled,
    /// A tier below answered `Retry-Pushback-Ms` with "do not retry".
    Pushback,
}

impl Stop {
    /// The reason's name in events and transcripts (kebab-case).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Attempts => "attempts",
            Self::Budget => "budget",
            Self::Deadline => "deadline",
            Self::NotRetryable => "not-retryable",
            Self::CircuitOpen => "circuit-open",
            Self::RetryAfterTooLong => "retry-after-too-long",
            Self::Throttled => "throttled",
            Self::Pushback => "pushback",
        }
    }
}

/// Why a call rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The last attempt failed in transport and the loop stopped for this reason; the
    /// driver rejects with `RetryError` whose `cause` is that transport error.
    GaveUp(Stop),
    /// The breaker refused the first attempt: `CircuitOpenError`.
    CircuitOpen {
        /// Milliseconds until the breaker admits a probe (0 while probes are out).
        retry_after_ms: u64,
    },
    /// The rate limiter refused the first attempt: `ThrottledError`.
    Throttled {
        /// Milliseconds until a token would be free.
        wait_ms: u64,
    },
    /// The caller aborted: reject with the caller's abort reason.
    Aborted,
    /// The request cannot be sent as given: reject with fetch's own error.
    Invalid,
    /// The driver broke the protocol (reported an outcome with nothing in flight, say). A
    /// bug in the driver, surfaced instead of guessed around.
    Misuse,
}

/// What a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// Exponential backoff with jitter before a retry.
    Backoff,
    /// The server's `Retry-After` (`server_ms`, before jitter) before a retry.
    RetryAfter {
        /// The server's value in milliseconds.
        server_ms: u64,
    },
    /// Waiting for a rate-limit token, a hold of the route (cool-down, exhausted quota) or
    /// its slot under the learned send rate, before sending.
    Throttle,
}

/// What the driver must do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Send attempt `attempt` (1-based), waiting at most `timeout_ms` for response headers
    /// (`None`: no limit).
    Send {
        /// The 1-based attempt number.
        attempt: u32,
        /// The per-attempt timeout, already shortened to the deadline.
        timeout_ms: Option<u64>,
    },
    /// Send another copy of attempt `attempt` (a hedge), alongside the copies in flight;
    /// its outcome is reported like any other. The first final response wins: the driver
    /// MUST then abort the other copies and cancel their bodies.
    Hedge {
        /// The attempt this is a copy of.
        attempt: u32,
        /// 2 for the first hedge, 3 for the second...
        copy: u32,
        /// The copy's own timeout, already shortened to the deadline.
        timeout_ms: Option<u64>,
    },
    /// No bulkhead slot is free: wait in line until [`Instance::poll_wake`] yields `ticket`,
    /// then call [`Call::on_slot`]; if `timeout_ms` (the time left before the deadline)
    /// passes first, call [`Call::on_wake`] instead.
    Queued {
        /// The call's place in line.
        ticket: u64,
        /// How long it may wait, if a deadline is set.
        timeout_ms: Option<u64>,
    },
    /// Nothing to do yet: a copy failed but others of the same attempt are still in flight.
    /// Keep waiting for their outcomes (and for the hedge timer).
    Pending,
    /// Wait `ms`, then call [`Call::on_wake`].
    Wait {
        /// Milliseconds to wait.
        ms: u64,
        /// What the wait is for.
        reason: WaitReason,
    },
    /// Hand the last response to the caller. `stop` is `None` when the response is final by
    /// itself (success, or a status retrying cannot fix), and the reason otherwise (a
    /// retryable status after the policy stopped: where a fallback applies).
    Respond {
        /// Why retrying stopped, if it did.
        stop: Option<Stop>,
    },
    /// Reject the call.
    Reject(Failure),
}
