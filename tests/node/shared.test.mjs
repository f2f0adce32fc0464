// State shared beyond one instance (`shared`), in one process: the coordinator a store runs
// (`applyChanges`), the Durable Object class's request handling, and four instances sharing
// an in-memory store against the scripted server. The real stores across isolates and
// processes are tested by tests/shared/ (workerd through miniflare; redis-server).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createResilientFetch } from "resilient-fetch";
import { applyChanges, emptyRecord, memoryStore, RATE_TTL_MS, redisStore } from "resilient-fetch/redis";
import { SharedStateObject, durableObjectStore } from "resilient-fetch/durable-object";
import { startServer } from "./scripted.mjs";

let server;
before(async () => (server = await startServer()));
after(() => server.close());

const T = 1_790_000_000_000;
const fail = (extra = {}) => ({ type: "failure", probe: false, threshold: 3, resetTimeoutMs: 1000, ...extra });
const ask = { type: "probe", maxProbes: 1, resetTimeoutMs: 1000 };
const breakerOf = (view) => view.state.keys[0].breaker;

/** Applies `steps` ([changes, now]) in turn; returns every answer. */
function run(steps, record) {
  const views = [];
  for (const [changes, now] of steps) {
    const out = applyChanges(record, "k", changes, now);
    record = out.record;
    views.push(out);
  }
  return views;
}

test("the fleet's failures in a row open the shared breaker at the threshold; a success ends the run", () => {
  const v = run([
    [[fail()], T],
    [[fail()], T + 1],
    [[{ type: "success", probe: false }], T + 2],
    [[fail()], T + 3],
    [[fail()], T + 4],
    [[fail()], T + 5],
  ]);
  assert.deepEqual(breakerOf(v[1].view), { state: "closed", consecutiveFailures: 2, window: null });
  assert.deepEqual(breakerOf(v[2].view), { state: "closed", consecutiveFailures: 0, window: null });
  assert.deepEqual(breakerOf(v[5].view), { state: "open", until: T + 5 + 1000 });
  // Attempts in flight when it opened change nothing (and are not written).
  const late = applyChanges(v[5].record, "k", [fail()], T + 6);
  assert.equal(late.changed, false);
  assert.equal(late.view.seq, v[5].view.seq);
});

test("an instance whose own breaker opened opens the fleet's, until the time it says", () => {
  const [{ view }] = run([[[fail({ threshold: 0, openedUntil: T + 777 })], T]]);
  assert.deepEqual(breakerOf(view), { state: "open", until: T + 777 });
});

test("half-open: one permit per round; the others are told to ask again soon; the probe decides", () => {
  let { record } = applyChanges(undefined, "k", [fail({ threshold: 1 })], T);
  const at = T + 1000;
  const first = applyChanges(record, "k", [ask], at);
  assert.equal(first.view.granted, true);
  assert.deepEqual(breakerOf(first.view), { state: "half-open" });
  record = first.record;
  const second = applyChanges(record, "k", [ask], at + 10);
  assert.equal(second.view.granted, false);
  assert.deepEqual(breakerOf(second.view), { state: "open", until: at + 1000 }, "until the permit lapses");
  assert.equal(second.changed, false, "a refusal writes nothing");
  // The probe failed: open for another reset period, and nobody may probe.
  const failed = applyChanges(record, "k", [fail({ probe: true })], at + 50);
  assert.deepEqual(breakerOf(failed.view), { state: "open", until: at + 50 + 1000 });
  assert.equal(applyChanges(failed.record, "k", [ask], at + 60).view.granted, false);
  // Or it succeeded: closed for everyone.
  const closed = applyChanges(record, "k", [{ type: "success", probe: true }], at + 50);
  assert.deepEqual(breakerOf(closed.view), { state: "closed", consecutiveFailures: 0, window: null });
  // A success that was no probe decides nothing while half-open.
  const stray = applyChanges(record, "k", [{ type: "success", probe: false }], at + 50);
  assert.deepEqual(breakerOf(stray.view), { state: "half-open" });
});

test("a probe that said nothing frees its permit; a permit never answered lapses after resetTimeoutMs", () => {
  let { record } = applyChanges(undefined, "k", [fail({ threshold: 1 })], T);
  const at = T + 1000;
  record = applyChanges(record, "k", [ask], at).record;
  record = applyChanges(record, "k", [{ type: "released" }], at + 5).record;
  const again = applyChanges(record, "k", [ask], at + 6);
  assert.equal(again.view.granted, true);
  assert.equal(applyChanges(again.record, "k", [ask], at + 6 + 999).view.granted, false);
  assert.equal(applyChanges(again.record, "k", [ask], at + 6 + 1000).view.granted, true);
});

test("halfOpenMaxProbes permits per round; a closed breaker needs none", () => {
  assert.equal(applyChanges(undefined, "k", [ask], T).view.granted, true);
  let { record } = applyChanges(undefined, "k", [fail({ threshold: 1 })], T);
  const two = { ...ask, maxProbes: 2 };
  const grants = [];
  for (let i = 0; i < 3; i++) {
    const out = applyChanges(record, "k", [two], T + 1000 + i);
    record = out.record;
    grants.push(out.view.granted);
  }
  assert.deepEqual(grants, [true, true, false]);
});

test("holds only grow and end; the lowest learned rate wins until it is forgotten", () => {
  const hold = (until) => ({ type: "hold", route: "k /a", until });
  const rate = (wMax, cutAt) => ({ type: "rate", route: "k /a", wMax, cutAt, horizon: cutAt });
  let out = applyChanges(undefined, "k", [hold(T + 3000), hold(T + 1000), rate(8, T), rate(4, T), rate(6, T)], T);
  assert.deepEqual(out.view.state.routes, [{ route: "k /a", holdUntil: T + 3000, rate: { wMax: 4, cutAt: T, horizon: T } }]);
  out = applyChanges(out.record, "k", [], T + 3000);
  assert.deepEqual(out.view.state.routes, [{ route: "k /a", holdUntil: null, rate: { wMax: 4, cutAt: T, horizon: T } }]);
  out = applyChanges(out.record, "k", [rate(9, T + RATE_TTL_MS)], T + RATE_TTL_MS);
  assert.equal(out.view.state.routes[0].rate.wMax, 9, "a forgotten rate is replaced by a higher one");
  assert.deepEqual(applyChanges(out.record, "k", [], T + 2 * RATE_TTL_MS).view.state.routes, []);
});

test("routes are bounded per key, the oldest dropped", () => {
  const holds = Array.from({ length: 70 }, (_, i) => ({ type: "hold", route: `k /${i}`, until: T + 1000 }));
  const { view } = applyChanges(undefined, "k", holds, T);
  assert.equal(view.state.routes.length, 64);
  assert.equal(view.state.routes[0].route, "k /6");
});

test("malformed changes are skipped, the record given is not changed, and reads write nothing", () => {
  const record = emptyRecord();
  const copy = structuredClone(record);
  const junk = [null, 1, "x", { type: "failure" }, { type: "hold", route: 1, until: 5 }, { type: "hold", route: "k /a", until: -1 },
    { type: "rate", route: "k /a", wMax: 0, cutAt: 1, horizon: 1 }, { type: "probe", maxProbes: 0, resetTimeoutMs: 1 }, { type: "nope" }];
  const out = applyChanges(record, "k", junk, T);
  assert.deepEqual(record, copy);
  assert.equal(out.changed, false);
  assert.equal(out.view.seq, 0);
  assert.deepEqual(breakerOf(out.view), { state: "closed", consecutiveFailures: 0, window: null });
  assert.equal(out.view.state.version, 1);
});

test("the Durable Object answers { key, changes } with the view, and refuses anything else with 400", async () => {
  const object = new SharedStateObject();
  const post = (body) => object.fetch(new Request("https://do/exchange", { method: "POST", body }));
  for (const body of ["not json", "{}", JSON.stringify({ key: 1, changes: [] }), JSON.stringify({ key: "k", changes: {} })]) {
    assert.equal((await post(body)).status, 400, body);
  }
  await post(JSON.stringify({ key: "k", changes: [fail({ threshold: 2 })] }));
  const res = await post(JSON.stringify({ key: "k", changes: [fail({ threshold: 2 })] }));
  assert.equal(res.status, 200);
  const view = await res.json();
  assert.equal(breakerOf(view).state, "open");
  assert.equal(view.seq, 2);
});

test("the stores' factories check what they are given", () => {
  assert.throws(() => redisStore({}), { name: "TypeError", message: /client must be a node-redis client/ });
  assert.throws(() => redisStore({ get() {}, eval() {} }, { ttlMs: 0 }), { name: "RangeError", message: /ttlMs must be an integer > 0, got 0/ });
  assert.throws(() => durableObjectStore(undefined), { name: "TypeError", message: /namespace must be a Durable Object namespace binding/ });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("four instances share one breaker: the threshold plus those in flight, then one probe per reset period", async () => {
  const store = memoryStore();
  const reset = 600;
  const apis = Array.from({ length: 4 }, () =>
    createResilientFetch({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 5, resetTimeoutMs: reset }, shared: { store } }),
  );
  const id = `sh-${Date.now()}`;
  const url = `${server.origin}/s/${id}/503`;
  const start = Date.now();
  const outcomes = [];
  await Promise.all(
    apis.map(async (api) => {
      for (let i = 0; i < 2000 && Date.now() - start < 3 * reset + 300; i++) {
        try {
          outcomes.push((await api(url)).status);
        } catch (e) {
          outcomes.push(e.name);
          await sleep(10);
        }
      }
    }),
  );
  const elapsed = Date.now() - start;
  const sent = outcomes.filter((o) => o === 503).length;
  const received = server.log(id).length;
  assert.equal(received, sent);
  // 5 to open, at most 3 more in flight, then one probe per elapsed period (+1 at the edge).
  assert.ok(sent >= 5, `${sent} sent`);
  assert.ok(sent <= 5 + 3 + Math.floor(elapsed / reset) + 1, `${sent} sent in ${elapsed} ms`);
  assert.ok(outcomes.filter((o) => o === "CircuitOpenError").length > 20);
  for (const api of apis) assert.equal(api.breakerState(server.origin), "open");
});

test("a Retry-After learned by one instance holds the others, which never send meanwhile", async () => {
  const store = memoryStore();
  const opts = { retry: { maxAttempts: 1, maxRetryAfterMs: 0 }, shared: { store, refreshMs: 0 } };
  const [a, b, c] = [createResilientFetch(opts), createResilientFetch(opts), createResilientFetch(opts)];
  const id = `hold-${Date.now()}`;
  const url = `${server.origin}/s/${id}/429;ra=3`;
  // b and c have a fresh view already.
  await b(`${server.origin}/s/${id}-warm/200`);
  await c(`${server.origin}/s/${id}-warm/200`);
  assert.equal((await a(url)).status, 429);
  for (const api of [b, c]) {
    await assert.rejects(api(url), (e) => e.name === "ThrottledError" && e.waitMs > 2000);
  }
  const received = server.log(id).length;
  assert.equal(received, 1);
  assert.ok(b.snapshot().routes.some((r) => r.route.endsWith(`/s/${id}/429;ra=3`) && r.holdUntil > Date.now()));
});

test("a learned rate cut in one instance reaches the others", async () => {
  const store = memoryStore();
  const opts = { retry: { maxAttempts: 1 }, breaker: false, shared: { store, refreshMs: 0 } };
  const [a, b] = [createResilientFetch(opts), createResilientFetch(opts)];
  const id = `rate-${Date.now()}`;
  const url = `${server.origin}/s/${id}/200,200,200,429,200`;
  for (let i = 0; i < 4; i++) await a(url);
  assert.ok(a.snapshot().routes.some((r) => r.rate !== null), "a learned a rate");
  await b(`${server.origin}/s/${id}-other/200`);
  await b(url).catch(() => {});
  assert.ok(b.snapshot().routes.some((r) => r.rate !== null && r.route.includes(id)), JSON.stringify(b.snapshot().routes));
});

test("a store that fails or hangs never fails a call: reported once per outage, then left alone", async () => {
  const seen = [];
  let mode = "reject";
  const store = {
    exchanges: 0,
    exchange() {
      store.exchanges += 1;
      if (mode === "reject") return Promise.reject(new Error("store down"));
      if (mode === "throw") throw new Error("store threw");
      if (mode === "hang") return new Promise(() => {});
      if (mode === "foreign") {
        const view = applyChanges(undefined, "https://elsewhere.example", [fail({ threshold: 1 })], Date.now()).view;
        return Promise.resolve(view);
      }
      return Promise.resolve({ seq: "x" });
    },
  };
  const api = createResilientFetch({
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: 3, resetTimeoutMs: 60_000 },
    shared: { store, refreshMs: 300, timeoutMs: 100, onUnavailable: (e) => seen.push(e.message) },
  });
  const ok = `${server.origin}/s/down-${Date.now()}/200`;
  for (let i = 0; i < 20; i++) assert.equal((await api(ok)).status, 200);
  assert.deepEqual(seen, ["store down"]);
  assert.ok(store.exchanges <= 2, `${store.exchanges} exchanges while down`);
  // Still down after the pause: not reported again.
  await sleep(1050);
  mode = "throw";
  assert.equal((await api(ok)).status, 200);
  assert.deepEqual(seen, ["store down"]);
  // A store that hangs costs a call at most timeoutMs.
  await sleep(1050);
  mode = "hang";
  const t0 = Date.now();
  assert.equal((await api(ok)).status, 200);
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
  // A malformed answer is a failure of the store too.
  await sleep(1050);
  mode = "garbage";
  assert.equal((await api(ok)).status, 200);
  assert.equal(seen.length, 1);
  // So is a view of another key, which would change state the store was not asked about.
  await sleep(1050);
  mode = "foreign";
  assert.equal((await api(ok)).status, 200);
  assert.equal(seen.length, 1);
  assert.equal(api.breakerState("https://elsewhere.example"), "closed");
  // Local state still decides: the breaker opens here after 3 failures.
  const bad = `${server.origin}/s/down-bad-${Date.now()}/503`;
  for (let i = 0; i < 3; i++) assert.equal((await api(bad)).status, 503);
  await assert.rejects(api(bad), { name: "CircuitOpenError" });
});

test("without onUnavailable, an outage is one console.warn", async () => {
  const warned = [];
  const original = console.warn;
  console.warn = (...args) => warned.push(args.map(String).join(" "));
  try {
    const api = createResilientFetch({ retry: { maxAttempts: 1 }, shared: { store: { exchange: () => Promise.reject(new Error("nope")) } } });
    for (let i = 0; i < 5; i++) assert.equal((await api(`${server.origin}/s/warn-${Date.now()}/200`)).status, 200);
  } finally {
    console.warn = original;
  }
  assert.equal(warned.length, 1);
  assert.match(warned[0], /shared store is unavailable/);
});

test("shared is checked like every option, and a store that is a class instance is used as given", async () => {
  assert.throws(() => createResilientFetch({ shared: {} }), {
    name: "TypeError",
    message: "shared.store must be an object with an exchange function, got undefined",
  });
  assert.throws(() => createResilientFetch({ shared: { store: { exchange() {} }, refreshMs: -1 } }), {
    name: "RangeError",
    message: "shared.refreshMs must be a number of milliseconds >= 0, got -1",
  });
  class Store {
    calls = 0;
    async exchange(key, changes) {
      this.calls += 1;
      return applyChanges(undefined, key, changes, Date.now()).view;
    }
  }
  const store = new Store();
  const api = createResilientFetch({ shared: { store } });
  assert.equal((await api(`${server.origin}/s/class-${Date.now()}/200`)).status, 200);
  assert.equal(store.calls, 1, "one read on the key's first use");
});
