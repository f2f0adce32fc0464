//! A scripted driver for the engine: plays outcomes against a call and writes down every
//! action as a line of text, so tests can assert whole transcripts.

#![allow(dead_code)]

use std::sync::Arc;

use resilient_fetch::engine::options::decode;
use resilient_fetch::engine::value::Value;
use resilient_fetch::engine::RequestMeta;
use resilient_fetch::engine::{
    Action, Call, Instance, Policy, Response, TransportFailure, Verdict,
};

/// One scripted outcome of an attempt, with the time it takes to arrive.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Status(u16),
    StatusWith {
        status: u16,
        retry_after: &'static str,
        date: Option<&'static str>,
    },
    Transport(TransportFailure),
    /// A status reported with the caller's verdict (a `shouldRetry` hook's answer).
    JudgedStatus(u16, Verdict),
    /// A transport failure reported with the caller's verdict.
    JudgedTransport(TransportFailure, Verdict),
}

pub use Outcome::{JudgedStatus, JudgedTransport, Status, StatusWith, Transport};

pub fn ra(status: u16, retry_after: &'static str) -> Outcome {
    StatusWith {
        status,
        retry_after,
        date: None,
    }
}

/// Builds a policy from JSON-ish option values, as the JS layer would.
pub fn policy(options: Value) -> Arc<Policy> {
    let decoded = decode(&options).expect("options decode");
    Arc::new(Policy::from_options(&decoded.options).expect("options valid"))
}

pub fn obj(entries: &[(&str, Value)]) -> Value {
    Value::Object(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

pub fn n(x: f64) -> Value {
    Value::Number(x)
}

pub fn s(x: &str) -> Value {
    Value::String(x.to_owned())
}

/// The action's line in a transcript: the wire's text form, as in the vectors.
pub fn describe(action: &Action) -> String {
    action.to_string()
}

/// Plays one call. Each outcome arrives `latency` ms after its send. Returns the transcript
/// and the clock at the end.
pub struct Run {
    pub lines: Vec<String>,
    pub now: u64,
    pub actions: Vec<Action>,
}

/// The request side of a call: method, whether an idempotency key is set, whether the body
/// can be replayed.
#[derive(Clone, Copy, Debug)]
pub struct Req(pub &'static str, pub bool, pub bool);

pub const GET: Req = Req("GET", false, true);
pub const POST: Req = Req("POST", false, true);
pub const PATCH: Req = Req("PATCH", false, true);
pub const POST_KEYED: Req = Req("POST", true, true);
pub const PUT_STREAM_KEYED: Req = Req("PUT", true, false);

pub fn play_call(
    instance: &mut Instance,
    policy: &Arc<Policy>,
    Req(method, key_given, replayable): Req,
    script: &[Outcome],
    start: u64,
    latency: u64,
) -> Run {
    let request = RequestMeta::new(method)
        .with_idempotency_key(key_given)
        .with_replayable_body(replayable);
    let mut call = Call::new(Arc::clone(policy), "https://api.example", request);
    let mut now = start;
    let mut script = script.iter();
    let mut action = call.start(instance, now);
    let mut run = Run {
        lines: vec![],
        now,
        actions: vec![],
    };
    for _ in 0..1_000 {
        run.lines.push(describe(&action));
        run.actions.push(action);
        action = match action {
            Action::Send { timeout_ms, .. } => {
                let outcome = script
                    .next()
                    .expect("script ran out: more attempts than planned");
                match outcome {
                    Status(status) => {
                        now += latency;
                        call.on_response(instance, &Response::status(*status), now)
                    }
                    StatusWith {
                        status,
                        retry_after,
                        date,
                    } => {
                        now += latency;
                        let r = Response {
                            status: *status,
                            retry_after: Some(retry_after),
                            date: *date,
                            pushback: None,
                            rate_limit: Default::default(),
                        };
                        call.on_response(instance, &r, now)
                    }
                    Transport(kind) => {
                        // A timeout takes the whole timeout to arrive.
                        now += match (kind, timeout_ms) {
                            (TransportFailure::Timeout, Some(t)) => t,
                            _ => latency,
                        };
                        call.on_transport_error(instance, *kind, now)
                    }
                    JudgedStatus(status, verdict) => {
                        now += latency;
                        call.on_response_judged(instance, &Response::status(*status), now, *verdict)
                    }
                    JudgedTransport(kind, verdict) => {
                        now += match (kind, timeout_ms) {
                            (TransportFailure::Timeout, Some(t)) => t,
                            _ => latency,
                        };
                        call.on_transport_error_judged(instance, *kind, now, *verdict)
                    }
                }
            }
            Action::Wait { ms, .. } => {
                now += ms;
                call.on_wake(instance, now)
            }
            _ => {
                run.now = now;
                return run;
            }
        };
    }
    panic!("the call did not terminate: {:?}", run.lines);
}

/// Shorthand: a GET with a replayable body against a fresh instance seeded 1, from t = 0.
pub fn get(policy: &Arc<Policy>, script: &[Outcome]) -> Vec<String> {
    let mut instance = Instance::new(1);
    play_call(&mut instance, policy, GET, script, 0, 0).lines
}
