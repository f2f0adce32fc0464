// The API contract, end to end in Node: the package as a user installs it (the packed
// tarball), real fetch, a real loopback server that scripts every failure.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  resilientFetch,
  createResilientFetch,
  RetryError,
  CircuitOpenError,
  ThrottledError,
  ResilientFetchError,
  EngineClient,
} from "resilient-fetch";
import { startServer } from "./scripted.mjs";

let server;
let seq = 0;
/** A fresh script URL: each test gets its own id, so its log is its own. */
const script = (steps) => {
  const id = `t${++seq}`;
  return { id, url: `${server.origin}/s/${id}/${steps}`, log: () => server.log(id) };
};
/** Fast, exact retries: no jitter on backoff or Retry-After, no breaker, no budget. */
const fast = { retry: { baseDelayMs: 10, jitter: "none", retryAfterJitterMs: 0 }, breaker: false, budget: false, adaptiveRate: false };

before(async () => {
  server = await startServer();
});
after(() => server.close());

test("503, 503, 200 resolves with the 200 after three attempts", async () => {
  const f = createResilientFetch(fast);
  const s = script("503,503,200");
  const res = await f(s.url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "200 #3");
  assert.equal(s.log().length, 3);
  assert.deepEqual(
    { requests: f.stats().requests, attempts: f.stats().attempts, retries: f.stats().retries },
    { requests: 1, attempts: 3, retries: 2 },
  );
});

test("a non-retryable status resolves untouched after one attempt", async () => {
  const s = script("404");
  const res = await createResilientFetch(fast)(s.url);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "text/plain");
  assert.equal(await res.text(), "404 #1");
  assert.equal(s.log().length, 1);
});

test("every status outside the table is returned at once", async () => {
  const f = createResilientFetch(fast);
  for (const status of [400, 401, 403, 409, 422, 501]) {
    const s = script(String(status));
    assert.equal((await f(s.url)).status, status);
    assert.equal(s.log().length, 1, String(status));
  }
});

test("500, 502 and 504 are retried at most twice", async () => {
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxAttempts: 10 } });
  for (const status of [500, 502, 504]) {
    const s = script(String(status));
    const res = await f(s.url);
    assert.equal(res.status, status);
    assert.equal(s.log().length, 3, String(status));
  }
});

test("408, 429 and 503 are retried up to maxAttempts, then the last response resolves", async () => {
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxAttempts: 4 } });
  for (const status of [408, 429, 503]) {
    const s = script(String(status));
    const res = await f(s.url);
    assert.equal(res.status, status);
    assert.equal(await res.text(), `${status} #4`);
    assert.equal(s.log().length, 4);
  }
});

test("Retry-After in seconds sets the wait", async () => {
  const s = script("429;ra=1,200");
  const events = [];
  const res = await createResilientFetch({ ...fast, onRetry: (e) => events.push(e) })(s.url);
  assert.equal(res.status, 200);
  const [a, b] = s.log();
  assert.ok(b.t - a.t >= 990, `waited ${b.t - a.t} ms`);
  assert.equal(events.length, 1);
  assert.equal(events[0].retryAfterMs, 1000);
  assert.equal(events[0].delayMs, 1000);
  assert.equal(events[0].status, 429);
  assert.equal(events[0].reason, "status");
  assert.equal(events[0].attempt, 1);
  assert.equal(events[0].method, "GET");
  assert.equal(events[0].url, s.url);
});

test("Retry-After as an HTTP-date sets the wait", async () => {
  const s = script("503;ra=date+2,200");
  const events = [];
  const res = await createResilientFetch({ ...fast, onRetry: (e) => events.push(e) })(s.url);
  assert.equal(res.status, 200);
  const [a, b] = s.log();
  // The date has whole-second precision: 2 s ahead is 1 to 2 s away.
  assert.ok(b.t - a.t >= 900, `waited ${b.t - a.t} ms`);
  assert.ok(events[0].retryAfterMs >= 900 && events[0].retryAfterMs <= 2000, String(events[0].retryAfterMs));
});

test("an HTTP-date Retry-After is measured against the server's Date header", async () => {
  // The server's clock is an hour behind; its Retry-After says "1 s after my now".
  const past = new Date(Date.now() - 3600_000 + 1000).toUTCString();
  const s = script(`503;date=-3600;ra=${encodeURIComponent(past)},200`);
  const events = [];
  await createResilientFetch({ ...fast, onRetry: (e) => events.push(e) })(s.url);
  assert.ok(events[0].retryAfterMs >= 0 && events[0].retryAfterMs <= 2000, String(events[0].retryAfterMs));
});

test("garbage, negative and empty Retry-After fall back to backoff", async () => {
  for (const ra of ["soon", "-3", "", "1e3"]) {
    const s = script(`503;ra=${encodeURIComponent(ra)},200`);
    const events = [];
    const res = await createResilientFetch({ ...fast, onRetry: (e) => events.push(e) })(s.url);
    assert.equal(res.status, 200);
    assert.equal(events[0].retryAfterMs, undefined, ra);
    assert.equal(events[0].delayMs, 10, ra);
  }
});

test("a Retry-After beyond maxRetryAfterMs resolves at once; one past a day is malformed", async () => {
  for (const steps of ["429;ra=60,200", "503;ra=60,200"]) {
    const s = script(steps);
    const started = Date.now();
    const res = await createResilientFetch({ ...fast, retry: { ...fast.retry, maxRetryAfterMs: 5000 } })(s.url);
    assert.equal(res.status, steps.startsWith("429") ? 429 : 503);
    assert.equal(s.log().length, 1);
    assert.ok(Date.now() - started < 1000);
  }
  // 99999999999 s is past the 24-hour maximum: ignored, so backoff applies and nothing is held.
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxRetryAfterMs: 5000 } });
  const s = script("503;ra=huge,200");
  assert.equal((await f(s.url)).status, 200);
  assert.equal(s.log().length, 2);
  const t = script("429;ra=huge,200");
  assert.equal((await f(t.url)).status, 200);
  assert.equal(t.log().length, 2);
});

test("a stalled attempt times out and is retried", async () => {
  const s = script("stall,200");
  const events = [];
  const res = await createResilientFetch({ ...fast, timeoutMs: 200, onRetry: (e) => events.push(e) })(s.url);
  assert.equal(res.status, 200);
  assert.equal(events[0].reason, "timeout");
  assert.ok(events[0].error instanceof Error);
});

test("timeouts on every attempt reject with RetryError(attempts), cause the last error", async () => {
  const s = script("stall");
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxAttempts: 2 }, timeoutMs: 100 });
  await assert.rejects(f(s.url), (e) => {
    assert.ok(e instanceof RetryError);
    assert.ok(e instanceof ResilientFetchError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "RetryError");
    assert.equal(e.reason, "attempts");
    assert.equal(e.attempts, 2);
    assert.ok(e.cause instanceof Error);
    return true;
  });
  assert.equal(s.log().length, 2);
});

test("connection resets are network failures, retried", async () => {
  const s = script("reset,reset,200");
  const events = [];
  const res = await createResilientFetch({ ...fast, onRetry: (e) => events.push(e) })(s.url);
  assert.equal(res.status, 200);
  assert.deepEqual(events.map((e) => e.reason), ["network", "network"]);
  assert.ok(events[0].error instanceof TypeError);
});

test("the final response streams a large body intact", async () => {
  const s = script("503,200;size=2000000");
  const res = await createResilientFetch(fast)(s.url);
  const body = await res.arrayBuffer();
  assert.equal(body.byteLength, 2_000_000);
});

test("a POST without a key is sent once", async () => {
  const s = script("503,200");
  const res = await createResilientFetch(fast)(s.url, { method: "POST", body: "pay 10" });
  assert.equal(res.status, 503);
  assert.equal(s.log().length, 1);
  const r = script("reset,200");
  await assert.rejects(createResilientFetch(fast)(r.url, { method: "POST", body: "x" }), (e) => {
    assert.ok(e instanceof RetryError);
    assert.equal(e.reason, "not-retryable");
    assert.equal(e.attempts, 1);
    return true;
  });
  assert.equal(r.log().length, 1);
});

test("idempotencyKey: true sends one UUIDv4 on every attempt and retries a POST", async () => {
  const s = script("503,reset,201");
  const res = await createResilientFetch(fast)(s.url, { method: "POST", body: "pay 10", idempotencyKey: true });
  assert.equal(res.status, 201);
  const log = s.log();
  assert.equal(log.length, 3);
  assert.match(log[0].key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(log.every((e) => e.key === log[0].key));
  assert.ok(log.every((e) => e.bodySha256 === log[0].bodySha256 && e.bodyLength === 6));
  const other = script("200");
  await createResilientFetch(fast)(other.url, { method: "POST", idempotencyKey: true });
  assert.notEqual(other.log()[0].key, log[0].key, "a new key per call");
});

test("a caller-set Idempotency-Key is kept and makes PATCH retryable", async () => {
  const s = script("503,200");
  const res = await createResilientFetch(fast)(s.url, {
    method: "PATCH",
    headers: { "Idempotency-Key": "order-42" },
    body: "{}",
    idempotencyKey: true,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(s.log().map((e) => e.key), ["order-42", "order-42"]);
});

test("a string idempotencyKey is sent as is, on any method", async () => {
  const s = script("503,200");
  await createResilientFetch(fast)(s.url, { idempotencyKey: "abc-1" });
  assert.deepEqual(s.log().map((e) => e.key), ["abc-1", "abc-1"]);
});

test("every replayable body kind is resent byte for byte", async () => {
  const f = createResilientFetch(fast);
  const form = new FormData();
  form.append("a", "1");
  form.append("file", new Blob(["hello"]), "h.txt");
  const bodies = {
    string: "héllo",
    arrayBuffer: new TextEncoder().encode("bytes").buffer,
    uint8: new Uint8Array([1, 2, 3]),
    blob: new Blob(["blob body"]),
    params: new URLSearchParams({ q: "x y" }),
    form,
  };
  for (const [kind, body] of Object.entries(bodies)) {
    const s = script("503,503,200");
    const res = await f(s.url, { method: "PUT", body });
    assert.equal(res.status, 200, kind);
    const log = s.log();
    assert.equal(log.length, 3, kind);
    assert.ok(log[0].bodyLength > 0, kind);
    assert.ok(log.every((e) => e.bodySha256 === log[0].bodySha256), `${kind}: body changed between attempts`);
    assert.ok(log.every((e) => e.contentType === log[0].contentType), `${kind}: content-type changed`);
  }
});

test("a ReadableStream body is sent once", async () => {
  const s = script("503,200");
  const body = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode("streamed"));
      c.close();
    },
  });
  const res = await createResilientFetch(fast)(s.url, { method: "PUT", body, duplex: "half" });
  assert.equal(res.status, 503);
  assert.equal(s.log().length, 1);
  assert.equal(s.log()[0].bodyLength, 8);
});

test("a Request input is cloned per attempt, body included", async () => {
  const s = script("503,200");
  const request = new Request(s.url, { method: "PUT", body: "from a Request", headers: { "x-a": "1" } });
  const res = await createResilientFetch(fast)(request);
  assert.equal(res.status, 200);
  const log = s.log();
  assert.equal(log.length, 2);
  assert.equal(log[1].bodyLength, 14);
  assert.equal(log[0].bodySha256, log[1].bodySha256);
});

test("a URL object works as input", async () => {
  const s = script("200");
  assert.equal((await createResilientFetch(fast)(new URL(s.url))).status, 200);
});

test("a caller abort during a wait rejects at once with the reason and sends nothing more", async () => {
  const s = script("503;ra=5,200");
  const ctl = new AbortController();
  const started = Date.now();
  setTimeout(() => ctl.abort(new Error("user left")), 100);
  await assert.rejects(createResilientFetch(fast)(s.url, { signal: ctl.signal }), /user left/);
  assert.ok(Date.now() - started < 1000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.log().length, 1);
});

test("a caller abort in flight rejects with the reason, unchanged", async () => {
  const s = script("stall");
  const ctl = new AbortController();
  const reason = new Error("stop");
  setTimeout(() => ctl.abort(reason), 100);
  await assert.rejects(createResilientFetch(fast)(s.url, { signal: ctl.signal }), (e) => e === reason);
  assert.equal(s.log().length, 1);
});

test("an already aborted signal sends nothing", async () => {
  const s = script("200");
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(createResilientFetch(fast)(s.url, { signal: ctl.signal }), (e) => e.name === "AbortError");
  assert.equal(s.log().length, 0);
});

test("the deadline aborts an attempt in flight: RetryError(deadline)", async () => {
  const s = script("stall");
  const started = Date.now();
  await assert.rejects(
    createResilientFetch({ ...fast, retry: { ...fast.retry, deadlineMs: 300 } })(s.url),
    (e) => e instanceof RetryError && e.reason === "deadline",
  );
  assert.ok(Date.now() - started < 1500);
});

test("no wait is started past the deadline: the last response resolves", async () => {
  const s = script("503;ra=2,200");
  const started = Date.now();
  const res = await createResilientFetch({ ...fast, retry: { ...fast.retry, deadlineMs: 1000 } })(s.url);
  assert.equal(res.status, 503);
  assert.equal(s.log().length, 1);
  assert.ok(Date.now() - started < 900);
});

test("the breaker opens, short-circuits, half-opens and closes", async () => {
  const changes = [];
  const f = createResilientFetch({
    ...fast,
    retry: false,
    breaker: { failureThreshold: 2, resetTimeoutMs: 300 },
    onBreakerStateChange: (c) => changes.push(`${c.from}->${c.to}`),
  });
  const s = script("503,503,200");
  assert.equal((await f(s.url)).status, 503);
  assert.equal((await f(s.url)).status, 503);
  assert.equal(f.breakerState(server.origin), "open");
  await assert.rejects(f(s.url), (e) => {
    assert.ok(e instanceof CircuitOpenError);
    assert.equal(e.name, "CircuitOpenError");
    assert.equal(e.key, server.origin);
    assert.ok(e.retryAfterMs > 0 && e.retryAfterMs <= 300);
    return true;
  });
  assert.equal(s.log().length, 2, "nothing sent while open");
  await new Promise((r) => setTimeout(r, 320));
  assert.equal(f.breakerState(server.origin), "half-open");
  assert.equal((await f(s.url)).status, 200);
  assert.equal(f.breakerState(server.origin), "closed");
  assert.deepEqual(changes, ["closed->open", "open->half-open", "half-open->closed"]);
  const st = f.stats();
  assert.equal(st.breakerOpened, 1);
  assert.equal(st.shortCircuited, 1);
});

test("a breaker opening mid-call stops that call with its last response", async () => {
  const f = createResilientFetch({ ...fast, breaker: { failureThreshold: 2 } });
  const s = script("503");
  const res = await f(s.url);
  assert.equal(res.status, 503);
  assert.equal(s.log().length, 2);
});

test("a custom breaker key (string or function)", async () => {
  const f = createResilientFetch({ ...fast, retry: false, breaker: { failureThreshold: 1, key: "shared" } });
  await f(script("500").url);
  assert.equal(f.breakerState("shared"), "open");
  assert.equal(f.breakerState(server.origin), "closed");
  const g = createResilientFetch({
    ...fast,
    retry: false,
    breaker: { failureThreshold: 1, key: (url) => url.pathname.split("/")[2] },
  });
  const s = script("500");
  await g(s.url);
  assert.equal(g.breakerState(s.id), "open");
  const h = createResilientFetch({ ...fast, retry: false, breaker: { key: () => { throw new Error("bad key fn"); } } });
  assert.equal((await h(script("200").url)).status, 200, "a throwing key function falls back to the origin");
});

test("the budget stops retries it cannot afford", async () => {
  const f = createResilientFetch({ ...fast, budget: { ratio: 0, minRetriesPerSecond: 0 } });
  const s = script("503,200");
  const res = await f(s.url);
  assert.equal(res.status, 503);
  assert.equal(s.log().length, 1);
  assert.equal(f.stats().budgetDenied, 1);
});

test("stats are monotonic, reset() forgets breakers but not counters", async () => {
  const f = createResilientFetch({ ...fast, retry: false, breaker: { failureThreshold: 1 } });
  assert.equal(f.breakerState("https://never.example"), "closed");
  await f(script("500").url);
  assert.equal(f.breakerState(server.origin), "open");
  f.reset();
  assert.equal(f.breakerState(server.origin), "closed");
  assert.deepEqual(Object.keys(f.stats()).sort(), [
    "attempts",
    "breakerOpened",
    "budgetDenied",
    "hedges",
    "requests",
    "retries",
    "shortCircuited",
    "throttled",
  ]);
  assert.equal(f.stats().requests, 1);
  assert.equal((await f(script("200").url)).status, 200);
});

test("the default instance keeps its state across calls", async () => {
  const s = script("200");
  assert.equal((await resilientFetch(s.url)).status, 200);
  const before = resilientFetch.stats().requests;
  await resilientFetch(s.url);
  assert.equal(resilientFetch.stats().requests, before + 1);
});

test("invalid options: TypeError or RangeError naming option and value, nothing sent", async () => {
  const f = createResilientFetch(fast);
  const s = script("200");
  const cases = [
    [{ retry: { maxAttempts: -1 } }, RangeError, "retry.maxAttempts must be an integer >= 1, got -1"],
    [{ retry: { maxAttempts: 1.5 } }, RangeError, "retry.maxAttempts must be an integer >= 1, got 1.5"],
    [{ retry: { maxAttempts: NaN } }, RangeError, "retry.maxAttempts must be an integer >= 1, got NaN"],
    [{ retry: { baseDelayMs: -5 } }, RangeError, "retry.baseDelayMs must be a number of milliseconds >= 0, got -5"],
    [{ retry: { maxDelayMs: Infinity } }, RangeError, "retry.maxDelayMs must be a number of milliseconds >= 0, got Infinity"],
    [{ retry: { jitter: "fool" } }, RangeError, 'retry.jitter must be one of "full", "equal", "decorrelated", "none", got "fool"'],
    [{ retry: { maxAttempts: "5" } }, TypeError, 'retry.maxAttempts must be a number, got "5"'],
    [{ retry: 3 }, TypeError, "retry must be an object or false, got 3"],
    [{ timeoutMs: "10s" }, TypeError, 'timeoutMs must be a number of milliseconds or false, got "10s"'],
    [{ timeoutMs: 0 }, RangeError, "timeoutMs must be a number of milliseconds > 0, got 0"],
    [{ budget: { ratio: 2 } }, RangeError, "budget.ratio must be a number from 0 to 1, got 2"],
    [{ breaker: { failureThreshold: 0 } }, RangeError, "breaker.failureThreshold must be an integer >= 1, got 0"],
    [{ onRetry: "log" }, TypeError, 'onRetry must be a function, got "log"'],
    [{ retry: { statusCodes: [503, 700] } }, RangeError, "retry.statusCodes[1] must be an integer from 100 to 599, got 700"],
  ];
  for (const [opts, Kind, message] of cases) {
    await assert.rejects(f(s.url, opts), (e) => {
      assert.ok(e instanceof Kind, `${message}: ${e}`);
      assert.equal(e.message, message);
      return true;
    });
    assert.throws(() => createResilientFetch(opts), (e) => e instanceof Kind && e.message === message);
  }
  await assert.rejects(f(s.url, { retry: { maxAtempts: 3 } }), (e) => e instanceof TypeError && /retry\.maxAtempts is not an option/.test(e.message));
  assert.equal(s.log().length, 0, "nothing was sent");
});

test("per-call options merge over the defaults one level deep", async () => {
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxAttempts: 2 } });
  const s = script("503");
  const events = [];
  await f(s.url, { retry: { baseDelayMs: 20 }, onRetry: (e) => events.push(e.delayMs) });
  assert.equal(s.log().length, 2, "maxAttempts kept from the defaults");
  assert.deepEqual(events, [20], "baseDelayMs from the call; jitter none from the defaults");
});

test("hooks that throw or reject never break the call", async () => {
  const rejections = [];
  const onUnhandled = (e) => rejections.push(e);
  process.on("unhandledRejection", onUnhandled);
  try {
    const s = script("503,503,200");
    const res = await createResilientFetch({
      ...fast,
      breaker: { failureThreshold: 1, resetTimeoutMs: 0 },
      onRetry: () => {
        throw new Error("hook bug");
      },
      onBreakerStateChange: async () => {
        throw new Error("async hook bug");
      },
    })(s.url);
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rejections, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("shouldRetry: never asked about a success, an abort or a request fetch refuses; a rejection is no unhandled one", async () => {
  const asked = [];
  const rejections = [];
  const onUnhandled = (e) => rejections.push(e);
  process.on("unhandledRejection", onUnhandled);
  try {
    const f = createResilientFetch({
      ...fast,
      shouldRetry: async (ctx) => {
        asked.push(ctx.reason);
        throw new Error("hook bug");
      },
    });
    assert.equal((await f(script("200").url)).status, 200);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("mine")), 50);
    await assert.rejects(f(script("stall").url, { signal: ctl.signal }), { message: "mine" });
    await assert.rejects(f(script("200").url, { method: "GET", body: "x" }), TypeError);
    assert.deepEqual(asked, []);
    assert.equal((await f(script("503,200").url)).status, 200, "a rejecting hook: the defaults");
    assert.deepEqual(asked, ["status"]);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rejections, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("shouldRetry with hedging: asked per copy with the attempt's number; false ends the call at once", async () => {
  const asked = [];
  const options = { ...fast, hedge: { delayMs: 20 } };
  // Unjudged, a 503 from the first copy waits for the hedge's 200.
  const a = script("503;delay=100,200;delay=200");
  assert.equal((await createResilientFetch(options)(a.url)).status, 200);
  const f = createResilientFetch({
    ...options,
    shouldRetry: (ctx) => {
      asked.push(`${ctx.attempt}:${ctx.response?.status}`);
      return false;
    },
  });
  const b = script("503;delay=100,200;delay=200");
  const started = Date.now();
  const res = await f(b.url);
  assert.equal(res.status, 503);
  assert.ok(Date.now() - started < 190, "did not wait for the hedge");
  assert.deepEqual(asked, ["1:503"]);
  assert.equal(b.log().length, 2, "the hedge went out, and was aborted");
});

test("beforeRetry with a Request input starts from the Request's headers", async () => {
  const seen = [];
  const f = createResilientFetch({
    ...fast,
    beforeRetry: ({ headers }) => {
      seen.push(headers.get("x-token"));
      headers.set("x-token", "new");
    },
  });
  const s = script("503,503,200");
  const res = await f(new Request(s.url, { headers: { "x-token": "req" } }));
  assert.equal(res.status, 200);
  assert.deepEqual(seen, ["req", "new"]);
  assert.deepEqual(s.log().map((e) => e.token), ["req", "new", "new"]);
});

test("the engine API takes the caller's verdict on an outcome", () => {
  const client = new EngineClient(1n);
  const options = { retry: { jitter: "none", baseDelayMs: 10 }, budget: false, breaker: false };
  const retried = client.start(options, { key: "k" }, 0);
  assert.deepEqual(retried.onResponse({ status: 401 }, 0, "retry"), { type: "wait", ms: 10, reason: "backoff" });
  const stopped = client.start(options, { key: "k" }, 0);
  assert.deepEqual(stopped.onResponse({ status: 503 }, 0, "stop"), { type: "respond" });
  const failed = client.start(options, { key: "k" }, 0);
  assert.deepEqual(failed.onTransportError("network", 0, "stop"), { type: "reject", failure: "gave-up", stop: "not-retryable" });
  const plain = client.start(options, { key: "k" }, 0);
  assert.deepEqual(plain.onResponse({ status: 401 }, 0, "default"), { type: "respond" });
  const unknown = client.start(options, { key: "k" }, 0);
  assert.deepEqual(unknown.onResponse({ status: 503 }, 0, "maybe"), { type: "wait", ms: 10, reason: "backoff" });
  for (const c of [retried, stopped, failed, plain, unknown]) c.free();
  client.free();
});

test("fallback replaces a give-up, with the reason; never for a 404", async () => {
  const seen = [];
  const fallback = (ctx) => {
    seen.push({ reason: ctx.reason, attempts: ctx.attempts, status: ctx.response?.status, error: ctx.error?.name, method: ctx.request.method });
    return new Response("cached", { status: 200 });
  };
  const f = createResilientFetch({ ...fast, retry: { ...fast.retry, maxAttempts: 2 }, fallback });
  const res = await f(script("503").url);
  assert.equal(await res.text(), "cached");
  assert.equal((await f(script("404").url)).status, 404);
  const res2 = await f(script("reset").url);
  assert.equal(await res2.text(), "cached");
  assert.deepEqual(seen, [
    { reason: "attempts", attempts: 2, status: 503, error: undefined, method: "GET" },
    { reason: "attempts", attempts: 2, status: undefined, error: "RetryError", method: "GET" },
  ]);
});

test("fallback for an open breaker, and a throwing fallback rejects with cause", async () => {
  const f = createResilientFetch({
    ...fast,
    retry: false,
    breaker: { failureThreshold: 1, key: "fb" },
    fallback: (ctx) => {
      if (ctx.reason === "circuit-open") return new Response("stale");
      throw new Error("no fallback for " + ctx.reason);
    },
  });
  const first = await f(script("500").url).catch((e) => e);
  assert.equal(first.message, "no fallback for attempts");
  assert.equal(first.cause.status, 500, "the original failure is the cause");
  assert.equal(await (await f(script("200").url)).text(), "stale");
});

test("rate limiting rejects with ThrottledError when no token is free in time", async () => {
  const f = createResilientFetch({ ...fast, rateLimit: { requestsPerSecond: 1, burst: 1 } });
  const s = script("200");
  assert.equal((await f(s.url)).status, 200);
  await assert.rejects(f(s.url), (e) => {
    assert.ok(e instanceof ThrottledError);
    assert.equal(e.key, server.origin);
    assert.ok(e.waitMs > 0 && e.waitMs <= 1000);
    return true;
  });
  assert.equal(f.stats().throttled, 1);
});

test("errors are recognised across realms by brand", async () => {
  const { runInNewContext } = await import("node:vm");
  const f = createResilientFetch({ ...fast, retry: false });
  const err = await f("http://127.0.0.1:9/").catch((e) => e);
  assert.ok(err instanceof RetryError);
  // A structurally branded error from another realm still matches.
  const foreign = runInNewContext("new Error('x')");
  foreign[Symbol.for("resilient-fetch.error-kind")] = "RetryError";
  assert.ok(foreign instanceof RetryError);
  assert.ok(foreign instanceof ResilientFetchError);
  assert.ok(!(foreign instanceof CircuitOpenError));
});

test("an invalid URL rejects with fetch's TypeError at once, not retried", async () => {
  const started = Date.now();
  await assert.rejects(createResilientFetch()("http://exa mple.com:99999/"), TypeError);
  assert.ok(Date.now() - started < 500);
});
