//! Retrying: attempts, backoff ceilings, which statuses retry, seeded jitter, stats.

use super::*;

#[test]
fn two_503s_then_200() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[Status(503), Status(503), Status(200)]),
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "wait 2000 backoff",
            "send 3 timeout=30000",
            "respond",
        ]
    );
}

#[test]
fn attempts_run_out_on_a_persistent_503() {
    let p = exact_policy(&[("maxAttempts", n(3.0))]);
    assert_eq!(
        get(&p, &[Status(503), Status(503), Status(503)]),
        [
            "send 1 timeout=30000",
            "wait 1000 backoff",
            "send 2 timeout=30000",
            "wait 2000 backoff",
            "send 3 timeout=30000",
            "respond attempts",
        ]
    );
}

#[test]
fn backoff_ceilings_double_and_cap() {
    let p = exact_policy(&[
        ("maxAttempts", n(8.0)),
        ("baseDelayMs", n(100.0)),
        ("maxDelayMs", n(1_000.0)),
    ]);
    let lines = get(&p, &[Status(503); 8]);
    let waits: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("wait"))
        .map(|l| l.as_str())
        .collect();
    assert_eq!(
        waits,
        [
            "wait 100 backoff",
            "wait 200 backoff",
            "wait 400 backoff",
            "wait 800 backoff",
            "wait 1000 backoff",
            "wait 1000 backoff",
            "wait 1000 backoff",
        ]
    );
    assert_eq!(lines.last().unwrap(), "respond attempts");
}

#[test]
fn capped_statuses_retry_at_most_twice() {
    let p = exact_policy(&[("maxAttempts", n(10.0))]);
    for status in [500, 502, 504] {
        let lines = get(&p, &[Status(status); 3]);
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("send")).count(),
            3,
            "{status}"
        );
        assert_eq!(lines.last().unwrap(), "respond attempts");
    }
    // The cap counts retries caused by capped statuses, wherever they fall.
    let lines = get(
        &p,
        &[
            Status(500),
            Status(503),
            Status(502),
            Status(503),
            Status(504),
        ],
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("send")).count(), 5);
    assert_eq!(lines.last().unwrap(), "respond attempts");
}

#[test]
fn uncapped_statuses_retry_up_to_max_attempts() {
    let p = exact_policy(&[("maxAttempts", n(6.0)), ("baseDelayMs", n(1.0))]);
    for status in [408, 429, 503] {
        let lines = get(&p, &[Status(status); 6]);
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("send")).count(),
            6,
            "{status}"
        );
    }
}

#[test]
fn every_other_status_is_returned_at_once() {
    let p = exact_policy(&[]);
    for status in [
        100, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 410, 422, 451, 501, 505,
        511,
    ] {
        assert_eq!(
            get(&p, &[Status(status)]),
            ["send 1 timeout=30000", "respond"],
            "{status}"
        );
    }
}

#[test]
fn custom_status_codes_replace_the_table() {
    let p = exact_policy(&[
        ("statusCodes", Value::Array(vec![n(418.0), n(500.0)])),
        ("maxAttempts", n(4.0)),
    ]);
    assert_eq!(get(&p, &[Status(503)]), ["send 1 timeout=30000", "respond"]);
    let lines = get(&p, &[Status(500); 4]);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("send")).count(),
        4,
        "listed statuses use maxAttempts"
    );
    assert_eq!(get(&p, &[Status(418), Status(200)]).len(), 4);
}

#[test]
fn retry_false_sends_once() {
    let p = policy(obj(&[("retry", Value::Bool(false))]));
    assert_eq!(
        get(&p, &[Status(503)]),
        ["send 1 timeout=30000", "respond attempts"]
    );
}

#[test]
fn decorrelated_first_wait_lies_in_base_to_three_base() {
    let p = policy(obj(&[
        ("retry", obj(&[("jitter", s("decorrelated"))])),
        ("budget", Value::Bool(false)),
    ]));
    for seed in 0..300 {
        let mut inst = Instance::new(seed);
        let run = play_call(&mut inst, &p, GET, &[Status(503), Status(200)], 0, 0);
        let Action::Wait { ms, .. } = run.actions[1] else {
            panic!()
        };
        assert!((1_000..=3_000).contains(&ms), "{ms}");
    }
}

#[test]
fn seeded_full_jitter_transcript_is_reproducible() {
    let p = policy(obj(&[("budget", Value::Bool(false))]));
    let script = [Status(503), Status(503), Status(503), Status(200)];
    let a = play_call(&mut Instance::new(99), &p, GET, &script, 0, 5).lines;
    let b = play_call(&mut Instance::new(99), &p, GET, &script, 0, 5).lines;
    let c = play_call(&mut Instance::new(100), &p, GET, &script, 0, 5).lines;
    assert_eq!(a, b);
    assert_ne!(a, c, "another seed draws other waits");
}

#[test]
fn stats_count_requests_attempts_and_retries() {
    let p = exact_policy(&[]);
    let mut inst = Instance::new(1);
    play_call(
        &mut inst,
        &p,
        GET,
        &[Status(503), Status(503), Status(200)],
        0,
        0,
    );
    play_call(&mut inst, &p, GET, &[Status(200)], 0, 0);
    let s = inst.stats();
    assert_eq!((s.requests, s.attempts, s.retries), (2, 4, 2));
}
