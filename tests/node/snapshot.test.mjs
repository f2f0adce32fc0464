// Snapshots: `api.snapshot()` and `initialState`, and EngineClient's `snapshot`/`restore`,
// against the package as installed. The JSON the TypeScript builds must be the object serde
// makes of the engine's `Snapshot` natively (examples/snapshot.rs, over the same script);
// a restored breaker or hold keeps its absolute end; a malformed snapshot or one of another
// version is refused, naming the field, before anything is sent.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createResilientFetch, CircuitOpenError, EngineClient } from "resilient-fetch";
import { startServer } from "./scripted.mjs";

const repo = process.env.RF_REPO;
assert.ok(repo, "RF_REPO: the repository (scripts/test-node.sh sets it)");
const scriptPath = join(repo, "tests/fixtures/snapshot-script.json");

let server;
before(async () => (server = await startServer()));
after(() => server.close());

const ONE = { retry: { maxAttempts: 1 } };

/** The script replayed through the package's engine API. */
function replay(script) {
  const client = new EngineClient(BigInt(script.seed));
  for (const step of script.steps) {
    const call = client.start(ONE, { key: step.key, method: "GET", path: step.path }, step.at);
    assert.equal(call.first.type, "send");
    call.onResponse({ status: step.status, retryAfter: step.retryAfter }, step.at);
    call.free();
  }
  return client;
}

test("the package's snapshot is the object serde writes natively for the same history", () => {
  const script = JSON.parse(readFileSync(scriptPath, "utf8"));
  const run = spawnSync("cargo", ["run", "--quiet", "--release", "--example", "snapshot", "--", scriptPath], {
    cwd: repo,
    encoding: "utf8",
  });
  assert.equal(run.status, 0, `examples/snapshot.rs failed:\n${run.error ?? run.stderr}`);
  const native = JSON.parse(run.stdout);
  const client = replay(script);
  const ours = client.snapshot(script.snapshotAt);
  assert.deepEqual(ours, native);
  // Everything the script leaves is there: an open breaker, a budget, a hold, a learned rate.
  assert.equal(ours.keys[0].breaker.state, "open");
  assert.ok(ours.routes.some((r) => r.holdUntil !== null));
  assert.ok(ours.routes.some((r) => r.rate !== null));
  // Key order and field order as serde's, so even the text matches but for number spelling.
  assert.equal(JSON.stringify(ours), JSON.stringify(JSON.parse(run.stdout)));
  client.free();
});

test("restored holds and learned rates act as they did, and a later restore extends nothing", () => {
  const script = JSON.parse(readFileSync(scriptPath, "utf8"));
  const a = replay(script);
  const t = script.snapshotAt;
  const snap = JSON.parse(JSON.stringify(a.snapshot(t)));
  const b = new EngineClient(1n);
  b.restore(snap, t);
  assert.deepEqual(b.snapshot(t), a.snapshot(t));
  assert.equal(b.breakerState("https://a.example", t), "open");
  // The hold on /search (Retry-After: 2 at ...100) ends at ...2100: a call at t waits for it.
  const held = b.start(ONE, { key: "https://b.example", method: "GET", path: "/search" }, t);
  assert.equal(held.first.type, "wait");
  assert.equal(held.first.ms, 2_100 - 900);
  held.free();
  // The learned rate paces /items: two calls at once leave one slot apart.
  const first = b.start(ONE, { key: "https://b.example", method: "GET", path: "/items" }, t);
  const second = b.start(ONE, { key: "https://b.example", method: "GET", path: "/items" }, t);
  assert.ok(second.first.type === "wait" && second.first.ms > 0, JSON.stringify([first.first, second.first]));
  first.free();
  second.free();

  const later = new EngineClient(2n);
  later.restore(snap, t + 40_000);
  assert.equal(later.breakerState("https://a.example", t + 40_000), "half-open", "the reset time passed");
  const s = later.snapshot(t + 40_000);
  assert.ok(s.routes.every((r) => r.holdUntil === null), "the hold ended");
  assert.equal(s.keys[0].breaker.state, "half-open");
  for (const c of [a, b, later]) c.free();
});

test("a breaker opened by one instance is open in another restored from its snapshot, for the same remaining time", async () => {
  const api = createResilientFetch({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 2, resetTimeoutMs: 5_000 } });
  const url = `${server.origin}/s/snap-open/503,503,200,200`;
  await api(url);
  await api(url);
  assert.equal(api.breakerState(server.origin), "open");
  const snap = api.snapshot();
  assert.equal(snap.version, 1);
  const text = JSON.stringify(snap);
  assert.deepEqual(JSON.parse(text), snap, "plain JSON");
  const entry = snap.keys.find((k) => k.key === server.origin);
  assert.equal(entry.breaker.state, "open");

  const restored = createResilientFetch({ retry: { maxAttempts: 1 }, initialState: JSON.parse(text) });
  assert.equal(restored.breakerState(server.origin), "open");
  const e = await restored(url).catch((x) => x);
  assert.ok(e instanceof CircuitOpenError, String(e));
  const remaining = entry.breaker.until - Date.now();
  assert.ok(Math.abs(e.retryAfterMs - remaining) < 200, `${e.retryAfterMs} vs ${remaining}`);
  assert.equal(server.log("snap-open").length, 2, "the restored instance sent nothing");
  assert.equal(restored.stats().requests, 1, "counters start afresh");
  assert.deepEqual(restored.snapshot().keys, snap.keys.map((k) => k), "the same state");

  // A snapshot whose reset time has passed restores a breaker that lets a probe through.
  const past = JSON.parse(text);
  past.keys.find((k) => k.key === server.origin).breaker.until = Date.now() - 1;
  const after = createResilientFetch({ retry: { maxAttempts: 1 }, initialState: past });
  assert.notEqual(after.breakerState(server.origin), "open");
  assert.equal((await after(url)).status, 200);
  assert.equal(after.breakerState(server.origin), "closed");
});

test("an instance never used snapshots its initial state; reset() forgets it", () => {
  const empty = createResilientFetch().snapshot();
  assert.deepEqual({ ...empty, takenAt: 0 }, { version: 1, takenAt: 0, keys: [], routes: [] });
  const until = Date.now() + 60_000;
  const initialState = { version: 1, takenAt: Date.now(), keys: [{ key: "k", breaker: { state: "open", until } }], routes: [] };
  const api = createResilientFetch({ initialState });
  assert.equal(api.breakerState("k"), "open");
  assert.deepEqual(api.snapshot().keys, [{ key: "k", breaker: { state: "open", until }, budget: null, limiterTat: null }]);
  const other = createResilientFetch({ initialState });
  other.reset();
  assert.equal(other.breakerState("k"), "closed");
});

test("a malformed snapshot or another version is refused, naming the field, before any request", async () => {
  const good = () => ({
    version: 1,
    takenAt: 1,
    keys: [{ key: "k", breaker: { state: "closed", consecutiveFailures: 1, window: null }, budget: null, limiterTat: null }],
    routes: [{ route: "k /", holdUntil: 5, rate: { wMax: 2, cutAt: 1, horizon: 1 } }],
  });
  const cases = [
    [(s) => (s.version = 2), RangeError, "initialState.version must be 1, got 2"],
    [(s) => (s.version = "1"), TypeError, 'initialState.version must be a number, got "1"'],
    [(s) => (s.keys = {}), TypeError, "initialState.keys must be an array, got an object"],
    [(s) => (s.keys[0].breaker.until = 5), TypeError, "initialState.keys[0].breaker.until is not a snapshot field (known: state, consecutiveFailures, window)"],
    [(s) => (s.keys[0].breaker = { state: "ajar" }), TypeError, 'initialState.keys[0].breaker.state must be "closed", "open" or "half-open", got "ajar"'],
    [(s) => (s.keys[0].breaker = { state: "open", until: -1 }), RangeError, "initialState.keys[0].breaker.until must be an integer from 0 to 9007199254740991, got -1"],
    [(s) => (s.keys[0].breaker.consecutiveFailures = 1.5), RangeError, "initialState.keys[0].breaker.consecutiveFailures must be an integer from 0 to 4294967295, got 1.5"],
    [(s) => (s.keys[0].budget = { basis: "calls", window: { windowMs: 0, buckets: [] } }), RangeError, "initialState.keys[0].budget.window.windowMs must be an integer from 1 to 9007199254740991, got 0"],
    [(s) => (s.keys[0].budget = { basis: "tries", window: { windowMs: 1, buckets: [] } }), TypeError, 'initialState.keys[0].budget.basis must be "successes" or "calls", got "tries"'],
    [(s) => (s.keys[0].limiterTat = Infinity), RangeError, "initialState.keys[0].limiterTat must be a finite number >= 0, got Infinity"],
    [(s) => s.keys.push(s.keys[0]), TypeError, 'initialState.keys[1].key repeats an earlier entry: "k"'],
    [(s) => (s.routes[0].rate.wMax = 0), RangeError, "initialState.routes[0].rate.wMax must be a finite number > 0, got 0"],
    [(s) => (s.routes[0].holdUntil = "soon"), TypeError, 'initialState.routes[0].holdUntil must be an integer from 0 to 9007199254740991, got "soon"'],
    [(s) => (s.extra = 1), TypeError, "initialState.extra is not a snapshot field (known: version, takenAt, keys, routes)"],
    [(s) => (s.keys = Array.from({ length: 1025 }, (_, i) => ({ key: `k${i}`, breaker: { state: "half-open" } }))), RangeError, "initialState.keys.length must be at most 1024, got 1025"],
  ];
  for (const [change, Kind, message] of cases) {
    const s = good();
    change(s);
    assert.throws(() => createResilientFetch({ initialState: s }), (e) => e instanceof Kind && e.message === message, message);
  }
  assert.doesNotThrow(() => createResilientFetch({ initialState: good() }));
  const e = new EngineClient(1n);
  assert.throws(() => e.restore({ ...good(), version: 3 }, 0), { name: "RangeError", message: "snapshot.version must be 1, got 3" });
  e.free();
  // Per call, the option is checked as far as every option is (and otherwise ignored).
  const api = createResilientFetch();
  await assert.rejects(api(`${server.origin}/s/snap-bad/200`, { initialState: { version: 2 } }), {
    name: "RangeError",
    message: "initialState.version must be 1, got 2",
  });
  assert.equal(server.log("snap-bad").length, 0, "nothing was sent");
});
