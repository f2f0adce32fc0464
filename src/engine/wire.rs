//! The wire vocabulary: the one set of names every face uses for what a call answers, and
//! the one text form of an action that the test vectors and every transcript share.
//!
//! The names are the WebAssembly component's (`wit/engine.wit`), in kebab-case: actions
//! `send`, `hedge`, `pending`, `queued`, `wait`, `respond`, `reject`; wait reasons `backoff`,
//! `retry-after`, `throttle`; failures `gave-up`, `circuit-open`, `throttled`, `aborted`,
//! `invalid`, `misuse`; stop reasons as [`Stop::as_str`]. The engine's Rust names are the
//! same words in CamelCase; the JavaScript engine API uses them as its `type` and `failure`
//! strings; the vectors and transcripts use [`Action`]'s `Display`.
//!
//! One face renames on purpose, and only in [`Stop::public_reason`]: the npm package's
//! `RetryError.reason` keeps six reasons (see there).

use alloc::string::String;
use core::fmt;

use super::instance::Stats;
use super::vocabulary::{Action, Failure, Stop, WaitReason};

impl Action {
    /// The action's name on the wire.
    pub const fn kind(&self) -> &'static str {
        match self {
            Action::Send { .. } => "send",
            Action::Hedge { .. } => "hedge",
            Action::Queued { .. } => "queued",
            Action::Pending => "pending",
            Action::Wait { .. } => "wait",
            Action::Respond { .. } => "respond",
            Action::Reject(_) => "reject",
        }
    }
}

impl WaitReason {
    /// The reason's name on the wire.
    pub const fn kind(&self) -> &'static str {
        match self {
            WaitReason::Backoff => "backoff",
            WaitReason::RetryAfter { .. } => "retry-after",
            WaitReason::Throttle => "throttle",
        }
    }
}

impl Failure {
    /// The failure's name on the wire.
    pub const fn kind(&self) -> &'static str {
        match self {
            Failure::GaveUp(_) => "gave-up",
            Failure::CircuitOpen { .. } => "circuit-open",
            Failure::Throttled { .. } => "throttled",
            Failure::Aborted => "aborted",
            Failure::Invalid => "invalid",
            Failure::Misuse => "misuse",
        }
    }
}

impl Stop {
    /// The reason the npm package reports (`RetryError.reason`, a fallback's `ctx.reason`):
    /// six of the eight, because its users branch on what they can act on. A `Retry-After`
    /// longer than the caller allows is a time bound (`deadline`); a tier below saying "do
    /// not retry" is `not-retryable`. Every other face reports [`Stop::as_str`].
    pub const fn public_reason(self) -> &'static str {
        match self {
            Stop::RetryAfterTooLong => "deadline",
            Stop::Pushback => "not-retryable",
            other => other.as_str(),
        }
    }
}

impl Stats {
    /// The counters under their wire names, in the order every face lists them (the
    /// component's `stats` record, the vectors' `stats` line, `stats()` in JavaScript under
    /// [`camel_case`] names).
    pub const fn fields(&self) -> [(&'static str, u64); 8] {
        [
            ("requests", self.requests),
            ("attempts", self.attempts),
            ("retries", self.retries),
            ("budget-denied", self.budget_denied),
            ("short-circuited", self.short_circuited),
            ("breaker-opened", self.breaker_opened),
            ("hedges", self.hedges),
            ("throttled", self.throttled),
        ]
    }
}

/// A wire name as JavaScript spells a property: `budget-denied` -> `budgetDenied`. The one
/// renaming the JavaScript faces do, for property names only (values keep the wire's words).
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text form of an action, one line: the words of the test vectors and transcripts.
/// `send 2 timeout=30000`, `hedge 1 copy=2 timeout=500`, `queued 3 timeout=100`, `pending`,
/// `wait 250 backoff`, `wait 1000 retry-after=1000`, `wait 40 throttle`, `respond`,
/// `respond attempts`, `reject gave-up deadline`, `reject circuit-open 990`,
/// `reject throttled 850`, `reject aborted`.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timeout = |f: &mut fmt::Formatter<'_>, t: &Option<u64>| match t {
            Some(t) => write!(f, " timeout={t}"),
            None => Ok(()),
        };
        f.write_str(self.kind())?;
        match self {
            Action::Send {
                attempt,
                timeout_ms,
            } => {
                write!(f, " {attempt}")?;
                timeout(f, timeout_ms)
            }
            Action::Hedge {
                attempt,
                copy,
                timeout_ms,
            } => {
                write!(f, " {attempt} copy={copy}")?;
                timeout(f, timeout_ms)
            }
            Action::Queued { ticket, timeout_ms } => {
                write!(f, " {ticket}")?;
                timeout(f, timeout_ms)
            }
            Action::Pending => Ok(()),
            Action::Wait { ms, reason } => match reason {
                WaitReason::RetryAfter { server_ms } => write!(f, " {ms} retry-after={server_ms}"),
                other => write!(f, " {ms} {}", other.kind()),
            },
            Action::Respond { stop: None } => Ok(()),
            Action::Respond { stop: Some(s) } => write!(f, " {}", s.as_str()),
            Action::Reject(failure) => {
                write!(f, " {}", failure.kind())?;
                match failure {
                    Failure::GaveUp(s) => write!(f, " {}", s.as_str()),
                    Failure::CircuitOpen { retry_after_ms } => write!(f, " {retry_after_ms}"),
                    Failure::Throttled { wait_ms } => write!(f, " {wait_ms}"),
                    _ => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_names_in_javascript() {
        let names: Vec<String> = Stats::default()
            .fields()
            .iter()
            .map(|(n, _)| camel_case(n))
            .collect();
        assert_eq!(
            names,
            [
                "requests",
                "attempts",
                "retries",
                "budgetDenied",
                "shortCircuited",
                "breakerOpened",
                "hedges",
                "throttled"
            ]
        );
    }

    #[test]
    fn lines_read_as_the_vectors_write_them() {
        let cases = [
            (
                Action::Send {
                    attempt: 2,
                    timeout_ms: Some(30_000),
                },
                "send 2 timeout=30000",
            ),
            (
                Action::Hedge {
                    attempt: 1,
                    copy: 2,
                    timeout_ms: None,
                },
                "hedge 1 copy=2",
            ),
            (
                Action::Queued {
                    ticket: 3,
                    timeout_ms: Some(100),
                },
                "queued 3 timeout=100",
            ),
            (Action::Pending, "pending"),
            (
                Action::Wait {
                    ms: 1_000,
                    reason: WaitReason::RetryAfter { server_ms: 1_000 },
                },
                "wait 1000 retry-after=1000",
            ),
            (
                Action::Wait {
                    ms: 40,
                    reason: WaitReason::Throttle,
                },
                "wait 40 throttle",
            ),
            (Action::Respond { stop: None }, "respond"),
            (
                Action::Respond {
                    stop: Some(Stop::RetryAfterTooLong),
                },
                "respond retry-after-too-long",
            ),
            (
                Action::Reject(Failure::GaveUp(Stop::Deadline)),
                "reject gave-up deadline",
            ),
            (
                Action::Reject(Failure::CircuitOpen {
                    retry_after_ms: 990,
                }),
                "reject circuit-open 990",
            ),
            (Action::Reject(Failure::Aborted), "reject aborted"),
        ];
        for (action, line) in cases {
            assert_eq!(action.to_string(), line);
        }
    }
}
