// Inputs that exist only in Node, as real programs produce them: bodies that fetch consumes
// (async iterables, Node streams), fetches other than the runtime's (the undici package,
// node-fetch), one caller signal shared by many calls, and a process that must stay healthy
// whatever the caller's values throw. The web-API inputs of the same kind are conformance
// scenarios (tests/conformance/scenarios.mjs), run in every runtime.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { fetch as undiciFetch } from "undici";
import nodeFetch from "node-fetch";
import { createResilientFetch, ResilientFetchError } from "resilient-fetch";
import { startServer } from "./scripted.mjs";

let server;
let seq = 0;
const script = (steps) => {
  const id = `r${++seq}`;
  return { id, url: `${server.origin}/s/${id}/${steps}`, log: () => server.log(id) };
};
const fast = { retry: { baseDelayMs: 10, jitter: "none", retryAfterJitterMs: 0 }, breaker: false, budget: false };

before(async () => {
  server = await startServer();
});
after(() => server.close());

/** Runs `file` in a child Node with `args`; resolves with its exit code and output. */
function child(args, { timeoutMs = 50_000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, { cwd: process.cwd() });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    proc.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    });
  });
}

test("an async iterable body is sent once, never replayed empty", async () => {
  async function* chunks() {
    yield new TextEncoder().encode("part one, ");
    yield new TextEncoder().encode("part two");
  }
  const s = script("503,200");
  const res = await createResilientFetch(fast)(s.url, { method: "PUT", body: chunks(), duplex: "half" });
  const log = s.log();
  assert.ok(log.every((e) => e.bodyLength === 18), `bodies sent: ${log.map((e) => e.bodyLength)}`);
  assert.equal(log.length, 1, "a body fetch consumes is single-shot");
  assert.equal(res.status, 503);
});

test("a Node Readable body is sent once, counted once; a used one is a local failure", async () => {
  const key = "readable";
  const f = createResilientFetch({ ...fast, breaker: { failureThreshold: 2, key } });
  const s = script("503,200");
  const res = await f(s.url, { method: "PUT", body: Readable.from(["streamed ", "data"]), duplex: "half" });
  assert.equal(res.status, 503);
  const log = s.log();
  assert.deepEqual(log.map((e) => e.bodyLength), [13], "requests and their body sizes");
  assert.equal(f.stats().attempts, log.length, "stats.attempts counts requests sent");
  assert.equal(f.breakerState(key), "closed", "one 503 of a healthy server");

  // A stream already read: fetch refuses it locally. Nothing went out, nothing is counted.
  const used = Readable.from(["gone"]);
  for await (const _ of used);
  const t = script("200");
  const err = await f(t.url, { method: "PUT", body: used, duplex: "half" }).catch((e) => e);
  assert.ok(err instanceof TypeError && !(err instanceof ResilientFetchError), `got ${err}`);
  assert.equal(t.log().length, 0);
  assert.equal(f.stats().attempts, 1, "no attempt counted");
  assert.equal(f.breakerState(key), "closed");
  assert.equal((await f(t.url)).status, 200, "the key still works");

  // A stream without `duplex: "half"`, which Node's fetch requires: refused locally too.
  const u = script("200");
  const bare = await f(u.url, { method: "PUT", body: Readable.from(["x"]) }).catch((e) => e);
  assert.ok(bare instanceof TypeError && !(bare instanceof ResilientFetchError), `got ${bare}`);
  assert.equal(u.log().length, 0);
  assert.equal(f.stats().attempts, 2, "no attempt counted");
  assert.equal(f.breakerState(key), "closed");
});

test("responses of the undici package's fetch and of node-fetch are responses", async () => {
  const real = globalThis.fetch;
  for (const [name, impl] of [
    ["undici", undiciFetch],
    ["node-fetch", nodeFetch],
  ]) {
    const key = `other-${name}`;
    const events = [];
    const f = createResilientFetch({ ...fast, breaker: { failureThreshold: 3, key }, onRetry: (e) => events.push(e) });
    const s = script("503,429;ra=1,200");
    let res;
    globalThis.fetch = impl;
    try {
      res = await f(s.url, { method: "PUT", body: "payload", headers: { "x-a": "1" } });
    } finally {
      globalThis.fetch = real;
    }
    assert.ok(!(res instanceof Response), `${name}: its own Response class`);
    assert.equal(res.status, 200, name);
    assert.equal(await res.text(), "200 #3", name);
    assert.deepEqual(events.map((e) => [e.status, e.retryAfterMs]), [[503, undefined], [429, 1000]], name);
    assert.deepEqual(s.log().map((e) => e.bodyLength), [7, 7, 7], `${name}: bodies`);
    assert.equal(f.breakerState(key), "closed", name);
    assert.equal(f.stats().attempts, 3, name);
  }
});

test("a value that is not a response rejects with a TypeError at once, counted nowhere", async () => {
  const real = globalThis.fetch;
  const key = "not-a-response";
  const f = createResilientFetch({ ...fast, breaker: { failureThreshold: 1, key } });
  for (const value of [undefined, { ok: true }, { status: "200" }]) {
    globalThis.fetch = async () => value;
    let err;
    try {
      err = await f(`${server.origin}/s/never/200`).catch((e) => e);
    } finally {
      globalThis.fetch = real;
    }
    assert.ok(err instanceof TypeError && err.cause === value, `${JSON.stringify(value)}: got ${err}`);
  }
  assert.equal(f.breakerState(key), "closed");
  assert.equal(f.stats().attempts, 0);
});

test("100,000 calls sharing one never-aborted signal: heap growth after GC under 1 MB, no listener left", async () => {
  const { code, out } = await child(["--expose-gc", "heap-signal.mjs", server.origin, "100000", "mock"]);
  assert.equal(code, 0, out);
  const result = JSON.parse(out.trim().split("\n").pop());
  console.log(`# ${JSON.stringify(result)}`);
  assert.equal(result.attempts, 105_000);
  assert.equal(result.listeners, 0, "abort listeners left on the caller's signal");
  assert.ok(result.growthBytes < 1_000_000, `heap grew by ${result.growthBytes} bytes over 100,000 calls`);
});

test("the real fetch with one shared signal leaves no listener and no warning", async () => {
  const { code, out } = await child(["--expose-gc", "heap-signal.mjs", server.origin, "3000"]);
  assert.equal(code, 0, out);
  assert.doesNotMatch(out, /MaxListenersExceeded/);
  const result = JSON.parse(out.trim().split("\n").pop());
  assert.equal(result.listeners, 0, "abort listeners left on the caller's signal");
});

test("whatever the caller's values throw, every call settles and the process stays healthy", async () => {
  const program = `
    import { createResilientFetch } from "resilient-fetch";
    let uncaught = 0;
    process.on("uncaughtException", () => uncaught++);
    process.on("unhandledRejection", () => uncaught++);
    const boom = new Error("boom");
    const f = createResilientFetch({ attemptHeader: "x-attempt", bulkhead: { maxConcurrent: 1 }, retry: { baseDelayMs: 1 } });
    const url = "${server.origin}/s/healthy/200";
    const calls = [
      () => f(url, { headers: { "bad header": "x" } }),
      () => f({ toString() { throw boom; } }),
      () => f(url, { get headers() { throw boom; } }),
      () => f(url, { retry: { get maxAttempts() { throw boom; } } }),
      () => f(url, new Proxy({}, { get() { throw boom; } })),
      () => f(url, { method: { toString() { throw boom; } } }),
      () => f(url, { signal: {} }),
      () => f(url, "not an init"),
    ];
    const outcomes = [];
    for (const call of calls) {
      let p;
      try { p = call(); } catch (e) { outcomes.push("threw"); continue; }
      const timer = new Promise((r) => setTimeout(() => r("hung"), 3000));
      outcomes.push(await Promise.race([p.then(() => "resolved", (e) => e?.name ?? String(e)), timer]));
    }
    const last = await f(url);
    await new Promise((r) => setTimeout(r, 50));
    console.log(JSON.stringify({ outcomes, last: last.status, uncaught }));
  `;
  const { code, out } = await child(["--input-type=module", "-e", program]);
  assert.equal(code, 0, out);
  const result = JSON.parse(out.trim().split("\n").pop());
  assert.deepEqual(result, {
    outcomes: ["TypeError", "Error", "Error", "TypeError", "TypeError", "Error", "TypeError", "TypeError"],
    last: 200,
    uncaught: 0,
  });
});
