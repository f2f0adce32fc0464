//! Replays the committed shared test vectors (`tests/vectors/vectors.json`) through the
//! native engine: every transcript must match, step for step. The same file is replayed in
//! Wasm (Node, Deno, workerd, Chromium) and through the component; a difference anywhere
//! fails the test command and names the first diverging step.
#![cfg(not(target_arch = "wasm32"))]

#[path = "vectors/player.rs"]
mod player;

#[test]
fn every_vector_replays_identically_natively() {
    let text = std::fs::read_to_string("tests/vectors/vectors.json").expect("the vectors file");
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).expect("valid JSON");
    assert!(
        vectors.len() >= 100,
        "at least 100 vectors, found {}",
        vectors.len()
    );
    let mut failures = Vec::new();
    for v in &vectors {
        let got = player::play(v);
        let want: Vec<String> =
            serde_json::from_value(v["expected"].clone()).expect("expected lines");
        if got != want {
            let i = got
                .iter()
                .zip(&want)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            failures.push(format!(
                "{}: first difference at step {i}: got {:?}, expected {:?}",
                v["name"],
                got.get(i),
                want.get(i)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vectors diverge:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_hand_computed_core_is_in_the_vectors() {
    let core: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string("tests/vectors/core.json").unwrap()).unwrap();
    let vectors: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string("tests/vectors/vectors.json").unwrap())
            .unwrap();
    for c in &core {
        let v = vectors
            .iter()
            .find(|v| v["name"] == c["name"])
            .expect("core vector present");
        assert_eq!(v["expected"], c["expected"], "{}", c["name"]);
        assert_eq!(
            player::play(c),
            serde_json::from_value::<Vec<String>>(c["expected"].clone()).unwrap()
        );
    }
}
