//! The server's `Retry-After`: its forms, its cap, its jitter, when it is ignored.

use super::*;

#[test]
fn retry_after_delta_seconds_replaces_backoff() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(429, "3"), Status(200)]),
        [
            "send 1 timeout=30000",
            "wait 3000 retry-after=3000",
            "send 2 timeout=30000",
            "respond"
        ]
    );
}

#[test]
fn retry_after_zero_means_now() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(503, "0"), Status(200)])[1],
        "wait 0 retry-after=0"
    );
}

#[test]
fn retry_after_fraction_is_accepted() {
    let p = exact_policy(&[]);
    assert_eq!(
        get(&p, &[ra(503, "1.5"), Status(200)])[1],
        "wait 1500 retry-after=1500"
    );
}

#[test]
fn retry_after_http_date_forms_against_the_date_header() {
    let p = exact_policy(&[]);
    // The client clock (t = 0) is decades off: the Date header decides.
    for value in [
        "Sun, 06 Nov 1994 08:49:47 GMT",
        "Sunday, 06-Nov-94 08:49:47 GMT",
        "Sun Nov  6 08:49:47 1994",
    ] {
        let script = [
            StatusWith {
                status: 429,
                retry_after: value,
                date: Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            },
            Status(200),
        ];
        assert_eq!(
            get(&p, &script)[1],
            "wait 10000 retry-after=10000",
            "{value}"
        );
    }
}

#[test]
fn retry_after_http_date_against_the_local_clock_and_in_the_past() {
    let p = exact_policy(&[]);
    let date_ms = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
    let mut inst = Instance::new(1);
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[ra(503, "Sun, 06 Nov 1994 08:49:37 GMT"), Status(200)],
        date_ms - 4_000,
        0,
    );
    assert_eq!(run.lines[1], "wait 4000 retry-after=4000");
    let run = play_call(
        &mut inst,
        &p,
        GET,
        &[ra(503, "Sun, 06 Nov 1994 08:49:37 GMT"), Status(200)],
        date_ms + 60_000,
        0,
    );
    assert_eq!(run.lines[1], "wait 0 retry-after=0", "a past date is 0");
}

#[test]
fn garbage_negative_and_empty_retry_after_fall_back_to_backoff() {
    let p = exact_policy(&[]);
    for value in [
        "soon",
        "-5",
        "",
        "  ",
        "NaN",
        "1e3",
        "Sun, 32 Nov 1994 08:49:37 GMT",
    ] {
        assert_eq!(
            get(&p, &[ra(503, value), Status(200)])[1],
            "wait 1000 backoff",
            "{value:?}"
        );
    }
}

#[test]
fn retry_after_above_the_cap_stops_at_once() {
    let p = exact_policy(&[("maxRetryAfterMs", n(5_000.0))]);
    assert_eq!(
        get(&p, &[ra(429, "6")]),
        ["send 1 timeout=30000", "respond retry-after-too-long"]
    );
    assert_eq!(
        get(&p, &[ra(429, "5"), Status(200)])[1],
        "wait 5000 retry-after=5000"
    );
    // Past a day a value is malformed: ignored, backoff applies, and it holds nothing.
    let lenient = exact_policy(&[("maxRetryAfterMs", n(86_400_000.0))]);
    for huge in ["99999999999999999999999", "86401", "1790000000"] {
        assert_eq!(
            get(&lenient, &[ra(503, huge), Status(200)])[1],
            "wait 1000 backoff",
            "{huge}"
        );
    }
    assert_eq!(
        get(&lenient, &[ra(503, "86400"), Status(200)])[1],
        "wait 86400000 retry-after=86400000",
        "a day stands"
    );
}

#[test]
fn retry_after_is_ignored_when_not_respected() {
    let p = exact_policy(&[("respectRetryAfter", Value::Bool(false))]);
    assert_eq!(
        get(&p, &[ra(503, "20"), Status(200)])[1],
        "wait 1000 backoff"
    );
}

#[test]
fn retry_after_jitter_lies_on_top_of_the_server_value() {
    let p = policy(obj(&[
        ("retry", obj(&[("retryAfterJitterMs", n(500.0))])),
        ("budget", Value::Bool(false)),
    ]));
    for seed in 0..200 {
        let mut inst = Instance::new(seed);
        let run = play_call(&mut inst, &p, GET, &[ra(429, "2"), Status(200)], 0, 0);
        let Action::Wait { ms, .. } = run.actions[1] else {
            panic!("{:?}", run.lines)
        };
        assert!((2_000..=2_500).contains(&ms), "{ms}");
    }
}
