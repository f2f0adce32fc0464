//! What an outcome means: may this request be retried, is this status worth retrying, and
//! does this outcome count for or against the circuit breaker.
//!
//! The rules are the classifier table of the API contract (the seed article's table):
//!
//! | status | retry? |
//! |---|---|
//! | 429, 503, 408 | yes, up to `maxAttempts` |
//! | 500, 502, 504 | yes, at most 2 retries |
//! | every other status | no |
//!
//! `retry.statusCodes` replaces the whole table: every listed status is retried up to
//! `maxAttempts` and no other is (a user who lists 500 asks for it to be retried like 503).
//!
//! Transport failures (`network`, `timeout`) are retryable exactly when the request is;
//! `never-sent` (the runtime shows the request never left: connection refused, DNS failure)
//! whenever its body can be sent again, whatever the method, since the server never saw it;
//! `aborted` (the caller's own signal) never is. This module decides only; it never waits.

/// How many retries a capped status (500, 502, 504 in the default table) may cause in one call.
pub const CAPPED_STATUS_RETRIES: u32 = 2;

/// Methods HTTP defines as idempotent (RFC 9110 §9.2.2), retried by default.
pub const DEFAULT_METHODS: [&str; 6] = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];

/// Why an attempt produced no response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection failed (fetch rejected with a `TypeError`: refused, reset, DNS...).
    Network,
    /// The connection failed and the runtime shows the request was never sent (connection
    /// refused, DNS failure): the server never saw it, so any method may send it again if
    /// its body can be (see [`resendable`]). Counts for the breaker as a network failure.
    NeverSent,
    /// The per-attempt timeout fired before the response headers arrived.
    Timeout,
    /// The caller aborted through its own signal: never retried.
    Aborted,
    /// The request cannot be sent as given (an invalid URL, a GET with a body): fetch's own
    /// `TypeError`, never retried, says nothing about the dependency.
    Invalid,
}

impl TransportFailure {
    /// The kind a name reports (`"timeout"`, `"aborted"`, `"invalid"`); anything else is a
    /// network failure, the safe reading of an unknown rejection.
    pub fn from_name(name: &str) -> Self {
        match name {
            "timeout" => Self::Timeout,
            "aborted" => Self::Aborted,
            "invalid" => Self::Invalid,
            "never-sent" => Self::NeverSent,
            _ => Self::Network,
        }
    }

    /// The name used in events and transcripts: `"network"`, `"never-sent"`, `"timeout"`,
    /// `"aborted"` or `"invalid"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::NeverSent => "never-sent",
            Self::Timeout => "timeout",
            Self::Aborted => "aborted",
            Self::Invalid => "invalid",
        }
    }
}

/// The retryable statuses: the contract's default table, or the caller's own list.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum StatusCodes {
    /// 408, 429, 503 up to `maxAttempts`; 500, 502, 504 at most twice.
    #[default]
    Default,
    /// Exactly these statuses, each up to `maxAttempts` (a bitmap of 100..=599).
    Custom(StatusSet),
}

/// A set of HTTP statuses in 100..=599, stored as a bitmap so lookups cost one shift.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusSet([u64; 8]);

impl StatusSet {
    /// Adds `status`; statuses outside 100..=599 are not representable and are ignored
    /// (option validation rejects them before they get here).
    pub fn insert(&mut self, status: u16) {
        if let Some(i) = Self::index(status) {
            self.0[i / 64] |= 1 << (i % 64);
        }
    }

    /// Whether `status` is in the set.
    pub fn contains(&self, status: u16) -> bool {
        Self::index(status).is_some_and(|i| self.0[i / 64] & (1 << (i % 64)) != 0)
    }

    fn index(status: u16) -> Option<usize> {
        (100..=599)
            .contains(&status)
            .then(|| usize::from(status - 100))
    }
}

impl FromIterator<u16> for StatusSet {
    fn from_iter<I: IntoIterator<Item = u16>>(iter: I) -> Self {
        let mut set = Self::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

impl core::fmt::Debug for StatusSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set()
            .entries((100..=599).filter(|s| self.contains(*s)))
            .finish()
    }
}

/// What a status means for the retry loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusVerdict {
    /// Hand this response to the caller: success, or an error retrying cannot fix.
    Final,
    /// Worth another attempt; `capped` statuses may cause at most
    /// [`CAPPED_STATUS_RETRIES`] retries in one call.
    Retryable {
        /// Whether this status is one of the capped ones (500, 502, 504 by default).
        capped: bool,
    },
}

/// Classifies a response status under the given retryable list.
pub fn status(codes: &StatusCodes, status: u16) -> StatusVerdict {
    match codes {
        StatusCodes::Default => match status {
            408 | 429 | 503 => StatusVerdict::Retryable { capped: false },
            500 | 502 | 504 => StatusVerdict::Retryable { capped: true },
            _ => StatusVerdict::Final,
        },
        StatusCodes::Custom(set) if set.contains(status) => {
            StatusVerdict::Retryable { capped: false }
        }
        StatusCodes::Custom(_) => StatusVerdict::Final,
    }
}

/// Whether a request may be sent more than once at all.
///
/// A method in `methods` may be retried; POST and PATCH also with an idempotency key (the
/// server then deduplicates). A body that cannot be replayed (a `ReadableStream`) makes any
/// request single-shot, whatever its method. Method names compare case-insensitively, as
/// fetch normalises them.
pub fn request_retryable<S: AsRef<str>>(
    methods: &[S],
    method: &str,
    has_idempotency_key: bool,
    replayable_body: bool,
) -> bool {
    if !replayable_body {
        return false;
    }
    let listed = methods
        .iter()
        .any(|m| m.as_ref().eq_ignore_ascii_case(method));
    listed
        || (has_idempotency_key
            && (method.eq_ignore_ascii_case("POST") || method.eq_ignore_ascii_case("PATCH")))
}

/// Whether a request whose attempt was never sent may be sent again: only its body matters
/// (the method and the idempotency key do not, since the server never saw the request),
/// and a body that cannot be replayed (a stream already handed to fetch) is not sent again.
pub const fn resendable(kind: TransportFailure, replayable_body: bool) -> bool {
    matches!(kind, TransportFailure::NeverSent) && replayable_body
}

/// How one attempt's outcome counts for the circuit breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerVerdict {
    /// The dependency answered properly.
    Success,
    /// The dependency is failing: 5xx, transport failure, timeout.
    Failure,
    /// Says nothing about the dependency's health (4xx, 429 in any form, caller aborts). A
    /// half-open probe answered so is freed without deciding.
    Ignored,
}

/// Breaker accounting for a response: 5xx fail; 4xx never count, and a 429 in any form
/// (with or without `Retry-After`, however long) is neither failure nor success: it says
/// "too fast", not "broken", and the holds and the adaptive send rate answer it;
/// everything else succeeds.
pub fn breaker_status(status: u16) -> BreakerVerdict {
    match status {
        400..=499 => BreakerVerdict::Ignored,
        500..=599 => BreakerVerdict::Failure,
        _ => BreakerVerdict::Success,
    }
}

/// Breaker accounting for a transport failure: the caller's abort and an invalid request
/// say nothing about the dependency; a refused connection (never sent or not: the origin is
/// unreachable) or a timeout does.
pub fn breaker_transport(kind: TransportFailure) -> BreakerVerdict {
    match kind {
        TransportFailure::Network | TransportFailure::NeverSent | TransportFailure::Timeout => {
            BreakerVerdict::Failure
        }
        TransportFailure::Aborted | TransportFailure::Invalid => BreakerVerdict::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_rows() {
        let d = StatusCodes::Default;
        for s in [408, 429, 503] {
            assert_eq!(
                status(&d, s),
                StatusVerdict::Retryable { capped: false },
                "{s}"
            );
        }
        for s in [500, 502, 504] {
            assert_eq!(
                status(&d, s),
                StatusVerdict::Retryable { capped: true },
                "{s}"
            );
        }
        for s in [
            200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422, 501, 505, 599,
        ] {
            assert_eq!(status(&d, s), StatusVerdict::Final, "{s}");
        }
    }

    #[test]
    fn custom_list_replaces_the_table() {
        let c = StatusCodes::Custom([418, 500].into_iter().collect());
        assert_eq!(status(&c, 418), StatusVerdict::Retryable { capped: false });
        assert_eq!(status(&c, 500), StatusVerdict::Retryable { capped: false });
        assert_eq!(status(&c, 503), StatusVerdict::Final);
        assert_eq!(status(&c, 429), StatusVerdict::Final);
    }

    #[test]
    fn status_set_edges() {
        let set: StatusSet = [100, 599, 600, 99].into_iter().collect();
        assert!(set.contains(100) && set.contains(599));
        assert!(!set.contains(600) && !set.contains(99) && !set.contains(200));
        assert_eq!(format!("{set:?}"), "{100, 599}");
    }

    #[test]
    fn idempotent_methods_retry_post_and_patch_only_with_key() {
        let m = DEFAULT_METHODS;
        for method in ["GET", "get", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] {
            assert!(request_retryable(&m, method, false, true), "{method}");
        }
        for method in ["POST", "PATCH", "post"] {
            assert!(!request_retryable(&m, method, false, true), "{method}");
            assert!(request_retryable(&m, method, true, true), "{method}");
        }
        // A key changes retryability only for POST and PATCH.
        assert!(!request_retryable(&m, "CONNECT", true, true));
    }

    #[test]
    fn stream_bodies_are_never_replayed() {
        assert!(!request_retryable(&DEFAULT_METHODS, "PUT", false, false));
        assert!(!request_retryable(&DEFAULT_METHODS, "POST", true, false));
    }

    #[test]
    fn never_sent_requests_are_resendable_when_their_body_is() {
        use TransportFailure::*;
        assert!(resendable(NeverSent, true));
        assert!(!resendable(NeverSent, false));
        for kind in [Network, Timeout, Aborted, Invalid] {
            assert!(!resendable(kind, true), "{kind:?}");
        }
    }

    #[test]
    fn transport_names_round_trip() {
        use TransportFailure::*;
        for kind in [Network, NeverSent, Timeout, Aborted, Invalid] {
            assert_eq!(TransportFailure::from_name(kind.as_str()), kind);
        }
        assert_eq!(TransportFailure::from_name("refused"), Network);
    }

    #[test]
    fn caller_listed_methods_are_retryable() {
        assert!(request_retryable(&["GET", "POST"], "POST", false, true));
        assert!(!request_retryable(&["GET"], "DELETE", false, true));
    }

    #[test]
    fn breaker_accounting_rows() {
        use BreakerVerdict::*;
        assert_eq!(breaker_status(200), Success);
        assert_eq!(breaker_status(304), Success);
        for s in [500, 502, 503, 504, 599] {
            assert_eq!(breaker_status(s), Failure, "{s}");
        }
        for s in [400, 401, 403, 404, 408, 422] {
            assert_eq!(breaker_status(s), Ignored, "{s}");
        }
        assert_eq!(breaker_status(429), Ignored, "a 429 in any form");
        assert_eq!(breaker_transport(TransportFailure::Network), Failure);
        assert_eq!(breaker_transport(TransportFailure::NeverSent), Failure);
        assert_eq!(breaker_transport(TransportFailure::Timeout), Failure);
        assert_eq!(breaker_transport(TransportFailure::Aborted), Ignored);
        assert_eq!(breaker_transport(TransportFailure::Invalid), Ignored);
    }
}
