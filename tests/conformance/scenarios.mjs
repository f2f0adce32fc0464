// The conformance suite: the API contract as runtime-agnostic scenarios, run unchanged in
// Node, Deno, workerd and headless Chromium against one scripted loopback server
// (tests/server/scripted.mjs). Only web-platform APIs here: no node:*, no Deno.*.
//
// A scenario is { name, run(ctx) }; it throws to fail. ctx = { lib, origin, tag }: lib is
// the package's module namespace, origin the server's, tag a string unique to this run.

import { memoryStore } from "resilient-fetch/durable-object";
import { replay } from "./replay.mjs";

class Failed extends Error {}
const check = (cond, msg) => {
  if (!cond) throw new Failed(msg);
};
const equal = (a, b, msg) => {
  if (a !== b) throw new Failed(`${msg}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fast, exact retries: no jitter, no Retry-After jitter, no breaker, no budget, no learned rate. */
const FAST = { retry: { baseDelayMs: 10, jitter: "none", retryAfterJitterMs: 0 }, breaker: false, budget: false, adaptiveRate: false };

function tools(ctx, name) {
  let n = 0;
  const script = (steps) => {
    const id = `${ctx.tag}-${name.replace(/\W+/g, "_").slice(0, 40)}-${++n}`;
    return {
      id,
      url: `${ctx.origin}/s/${id}/${steps}`,
      log: async () => (await fetch(`${ctx.origin}/log/${id}`)).json(),
    };
  };
  // The runtime's name leads the tag: node, deno, workerd, chromium, esbuild (Chromium).
  return { script, origin: ctx.origin, runtime: ctx.tag.split("-")[0], ...ctx.lib };
}

/** Whether this runtime's fetch shows a request was never sent (see the README's table). */
const TELLS_NEVER_SENT = ["node", "deno"];

/** The SHA-256 of `bytes` in hex, as the scripted server logs it. */
async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `n` bytes of a fixed pattern. */
function pattern(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >> 8)) % 251;
  return out;
}

/** `bytes` as a ReadableStream of 700-byte chunks. */
function chunked(bytes) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + 700));
      at += 700;
    },
  });
}

async function rejects(promise, test, msg) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${msg}: expected a rejection`);
  test(error);
  return error;
}

export const scenarios = [
  {
    name: "503, 503, 200 resolves with the 200 after 3 attempts",
    async run(t) {
      const s = t.script("503,503,200");
      const f = t.createResilientFetch(FAST);
      const res = await f(s.url);
      equal(res.status, 200, "status");
      equal(await res.text(), "200 #3", "body");
      equal((await s.log()).length, 3, "requests");
      equal(f.stats().retries, 2, "stats.retries");
    },
  },
  {
    name: "a 404 resolves untouched after one attempt",
    async run(t) {
      const s = t.script("404");
      const res = await t.createResilientFetch(FAST)(s.url);
      equal(res.status, 404, "status");
      equal(await res.text(), "404 #1", "body");
      equal((await s.log()).length, 1, "requests");
    },
  },
  {
    name: "500 is retried at most twice; 429 up to maxAttempts",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, maxAttempts: 5 } });
      const a = t.script("500");
      equal((await f(a.url)).status, 500, "status");
      equal((await a.log()).length, 3, "500 attempts");
      const b = t.script("429");
      equal((await f(b.url)).status, 429, "status");
      equal((await b.log()).length, 5, "429 attempts");
    },
  },
  {
    name: "Retry-After seconds sets the wait",
    async run(t) {
      const s = t.script("429;ra=1,200");
      const events = [];
      const res = await t.createResilientFetch({ ...FAST, onRetry: (e) => events.push(e) })(s.url);
      equal(res.status, 200, "status");
      const [a, b] = await s.log();
      check(b.t - a.t >= 950, `waited only ${b.t - a.t} ms`);
      equal(events[0].retryAfterMs, 1000, "retryAfterMs");
      equal(events[0].attempt, 1, "attempt");
      equal(events[0].reason, "status", "reason");
    },
  },
  {
    name: "Retry-After HTTP-date sets the wait",
    async run(t) {
      const s = t.script("503;ra=date+2,200");
      const res = await t.createResilientFetch(FAST)(s.url);
      equal(res.status, 200, "status");
      const [a, b] = await s.log();
      check(b.t - a.t >= 900, `waited only ${b.t - a.t} ms`);
    },
  },
  {
    name: "garbage Retry-After falls back to backoff; one past a day is malformed and holds nothing",
    async run(t) {
      const events = [];
      const f = t.createResilientFetch({ ...FAST, onRetry: (e) => events.push(e) });
      equal((await f(t.script("503;ra=soon,200").url)).status, 200, "garbage");
      equal(events[0].retryAfterMs, undefined, "no retryAfterMs");
      equal(events[0].delayMs, 10, "backoff delay");
      const huge = t.script("503;ra=huge,200,200");
      equal((await f(huge.url)).status, 200, "huge: retried after backoff");
      equal(events[1].delayMs, 10, "huge: backoff delay");
      const started = Date.now();
      equal((await f(huge.url)).status, 200, "the next call to the route");
      check(Date.now() - started < 500, "a malformed Retry-After holds nothing");
      equal((await f(t.script("503;ra=40,200").url, { retry: { maxRetryAfterMs: 5000 } })).status, 503, "too long for this call");
    },
  },
  {
    name: "a stalled attempt times out and is retried",
    async run(t) {
      const s = t.script("stall,200");
      const events = [];
      const res = await t.createResilientFetch({ ...FAST, timeoutMs: 300, onRetry: (e) => events.push(e) })(s.url);
      equal(res.status, 200, "status");
      equal(events[0].reason, "timeout", "reason");
    },
  },
  {
    name: "a connection reset is a network failure, retried",
    async run(t) {
      const s = t.script("reset,200");
      const events = [];
      const res = await t.createResilientFetch({ ...FAST, onRetry: (e) => events.push(e) })(s.url);
      equal(res.status, 200, "status");
      equal((await s.log()).length, 2, "requests");
      // Chromium resends an idempotent request itself when a connection is reset (a
      // duplicate no library can see): then there was nothing for us to retry.
      check(events.length === 0 || events[0].reason === "network", `reason ${events[0]?.reason}`);
    },
  },
  {
    name: "transport failures on every attempt reject with RetryError",
    async run(t) {
      const s = t.script("reset");
      const f = t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, maxAttempts: 2 } });
      await rejects(f(s.url), (e) => {
        check(e instanceof t.RetryError, "RetryError");
        check(e instanceof t.ResilientFetchError, "ResilientFetchError");
        equal(e.name, "RetryError", "name");
        equal(e.reason, "attempts", "reason");
        equal(e.attempts, 2, "attempts");
        check(e.cause !== undefined, "cause");
      }, "reset");
    },
  },
  {
    name: "a POST without a key is sent once; with idempotencyKey it is retried with one key",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const a = t.script("503,200");
      equal((await f(a.url, { method: "POST", body: "pay" })).status, 503, "no key");
      equal((await a.log()).length, 1, "no key: one request");
      const b = t.script("503,200");
      equal((await f(b.url, { method: "POST", body: "pay", idempotencyKey: true })).status, 200, "key");
      const log = await b.log();
      equal(log.length, 2, "key: two requests");
      check(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(log[0].key), "UUIDv4");
      equal(log[1].key, log[0].key, "same key");
      equal(log[1].bodySha256, log[0].bodySha256, "same body");
    },
  },
  {
    name: "replayable bodies are resent byte for byte",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const form = new FormData();
      form.append("a", "1");
      form.append("file", new Blob(["hello"]), "h.txt");
      const bodies = {
        string: "héllo",
        bytes: new Uint8Array([1, 2, 3]),
        blob: new Blob(["blob"]),
        params: new URLSearchParams({ q: "x y" }),
        form,
      };
      for (const [kind, body] of Object.entries(bodies)) {
        const s = t.script("503,200");
        equal((await f(s.url, { method: "PUT", body })).status, 200, kind);
        const log = await s.log();
        equal(log.length, 2, `${kind}: requests`);
        check(log[0].bodyLength > 0, `${kind}: body sent`);
        equal(log[1].bodySha256, log[0].bodySha256, `${kind}: same bytes`);
      }
    },
  },
  {
    name: "a ReadableStream body is sent at most once",
    async run(t) {
      const s = t.script("503,200");
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("streamed"));
          c.close();
        },
      });
      let outcome;
      try {
        outcome = (await t.createResilientFetch(FAST)(s.url, { method: "PUT", body, duplex: "half" })).status;
      } catch (e) {
        // Chromium streams request bodies only over HTTP/2: the single attempt fails.
        check(e instanceof t.RetryError && e.reason === "not-retryable", `unexpected ${e}`);
        outcome = "rejected";
      }
      check(outcome === 503 || outcome === "rejected", `outcome ${outcome}`);
      check((await s.log()).length <= 1, "sent more than once");
    },
  },
  {
    name: "a POST without a key to a closed port is retried where the runtime shows it was never sent, else sent once",
    async run(t) {
      const { port } = await (await fetch(`${t.origin}/closed-port`)).json();
      const url = `http://127.0.0.1:${port}/pay`;
      const events = [];
      const f = t.createResilientFetch({
        ...FAST,
        retry: { ...FAST.retry, maxAttempts: 3 },
        breaker: { failureThreshold: 3, key: "refused" },
        onRetry: (e) => events.push(e),
      });
      const e = await rejects(f(url, { method: "POST", body: "pay" }), () => {}, "refused");
      check(e instanceof t.RetryError, `RetryError, got ${e}`);
      if (TELLS_NEVER_SENT.includes(t.runtime)) {
        equal(e.reason, "attempts", "reason");
        equal(e.attempts, 3, "attempts");
        equal(events.length, 2, "onRetry calls");
        equal(events[0].reason, "network", "event reason");
        equal(events[0].neverSent, true, "event neverSent");
        // Still a failure for the breaker: the origin is unreachable.
        equal(f.breakerState("refused"), "open", "breaker");
      } else {
        // workerd and browsers cannot tell a refused connection from one that failed later.
        equal(e.reason, "not-retryable", "reason");
        equal(e.attempts, 1, "attempts");
        equal(events.length, 0, "onRetry calls");
        equal(f.stats().attempts, 1, "stats.attempts");
      }
      // A GET is retried everywhere, as any network failure.
      const g = await rejects(t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, maxAttempts: 3 } })(url), () => {}, "GET");
      equal(g.attempts, 3, "GET attempts");
    },
  },
  {
    name: "a POST without a key to a server that resets after reading it is sent once everywhere",
    async run(t) {
      // Every request to it is reset: Deno and Chromium resend a request themselves when a
      // reused keep-alive connection is reset (see the README), and that copy must fail too.
      const s = t.script("reset");
      const events = [];
      const f = t.createResilientFetch({ ...FAST, onRetry: (e) => events.push(e) });
      const e = await rejects(f(s.url, { method: "POST", body: "pay" }), () => {}, "reset");
      check(e instanceof t.RetryError, `RetryError, got ${e}`);
      equal(e.reason, "not-retryable", "reason");
      equal(e.attempts, 1, "attempts");
      equal(events.length, 0, "onRetry calls");
      equal(f.stats().attempts, 1, "stats.attempts");
      const log = await s.log();
      // The library sent it once; the runtime's own resend is a duplicate it cannot see.
      if (t.runtime === "node" || t.runtime === "workerd") equal(log.length, 1, "requests");
      else check(log.length >= 1 && log.length <= 2, `requests ${log.length}`);
    },
  },
  {
    name: "maxReplayBytes: stream bodies under and at the bound are replayed byte for byte; past it, sent once",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const bound = 4096;
      // Chromium streams request bodies only over HTTP/2: over HTTP/1.1 no attempt gets out.
      const streams = t.runtime !== "chromium" && t.runtime !== "esbuild";
      for (const [label, size] of [["under", 1000], ["at", bound], ["over", bound + 904]]) {
        const bytes = pattern(size);
        const s = t.script("503,echo");
        const sent = f(s.url, { method: "PUT", body: chunked(bytes), duplex: "half", maxReplayBytes: bound });
        if (!streams) {
          await rejects(sent, (e) => check(e instanceof t.RetryError, `RetryError, got ${e}`), label);
          equal((await s.log()).length, 0, `${label}: requests`);
          continue;
        }
        const res = await sent;
        const log = await s.log();
        const digest = await sha256(bytes);
        equal(log[0].bodyLength, size, `${label}: first body length`);
        equal(log[0].bodySha256, digest, `${label}: first body`);
        if (label === "over") {
          equal(res.status, 503, `${label}: status`);
          equal(log.length, 1, `${label}: requests`);
          continue;
        }
        equal(res.status, 200, `${label}: status`);
        equal(log.length, 2, `${label}: requests`);
        equal(log[1].bodyLength, size, `${label}: replayed length`);
        equal(log[1].bodySha256, digest, `${label}: replayed body`);
        const echoed = new Uint8Array(await res.arrayBuffer());
        equal(await sha256(echoed), digest, `${label}: echoed body`);
      }
      // An async iterable of strings and bytes, with an idempotency key on a POST.
      if (streams) {
        const s = t.script("503,echo");
        async function* parts() {
          yield "héllo ";
          yield new Uint8Array([1, 2, 3]);
        }
        const res = await f(s.url, { method: "POST", body: parts(), duplex: "half", maxReplayBytes: bound, idempotencyKey: true });
        equal(res.status, 200, "iterable: status");
        const log = await s.log();
        equal(log.length, 2, "iterable: requests");
        equal(log[1].bodySha256, log[0].bodySha256, "iterable: same bytes");
        equal(log[0].bodyLength, 10, "iterable: length");
      }
    },
  },
  {
    name: "a Request input is cloned per attempt",
    async run(t) {
      const s = t.script("503,200");
      const res = await t.createResilientFetch(FAST)(new Request(s.url, { method: "PUT", body: "from a Request" }));
      equal(res.status, 200, "status");
      const log = await s.log();
      equal(log.length, 2, "requests");
      equal(log[1].bodySha256, log[0].bodySha256, "same body");
    },
  },
  {
    name: "a caller abort during a wait rejects at once with its reason",
    async run(t) {
      const s = t.script("503;ra=5,200");
      const ctl = new AbortController();
      const started = Date.now();
      setTimeout(() => ctl.abort("user left"), 200);
      await rejects(t.createResilientFetch(FAST)(s.url, { signal: ctl.signal }), (e) => equal(e, "user left", "reason"), "abort");
      check(Date.now() - started < 2000, "not at once");
      await sleep(50);
      equal((await s.log()).length, 1, "nothing more sent");
    },
  },
  {
    name: "the deadline bounds the call",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, deadlineMs: 500 } });
      await rejects(f(t.script("stall").url), (e) => {
        check(e instanceof t.RetryError, "RetryError");
        equal(e.reason, "deadline", "reason");
      }, "in flight");
      const s = t.script("503;ra=2,200");
      equal((await f(s.url)).status, 503, "no wait past the deadline");
      equal((await s.log()).length, 1, "one attempt");
    },
  },
  {
    name: "the breaker opens, short-circuits, half-opens and closes",
    async run(t) {
      const changes = [];
      const key = `${t.tag}-breaker`;
      const f = t.createResilientFetch({
        ...FAST,
        retry: false,
        breaker: { failureThreshold: 2, resetTimeoutMs: 400, key },
        onBreakerStateChange: (c) => changes.push(`${c.from}>${c.to}`),
      });
      const s = t.script("500,500,200");
      await f(s.url);
      await f(s.url);
      equal(f.breakerState(key), "open", "open");
      await rejects(f(s.url), (e) => {
        check(e instanceof t.CircuitOpenError, "CircuitOpenError");
        equal(e.key, key, "key");
        check(e.retryAfterMs > 0 && e.retryAfterMs <= 400, `retryAfterMs ${e.retryAfterMs}`);
      }, "open");
      equal((await s.log()).length, 2, "nothing sent while open");
      await sleep(450);
      equal(f.breakerState(key), "half-open", "half-open");
      equal((await f(s.url)).status, 200, "probe");
      equal(f.breakerState(key), "closed", "closed");
      equal(changes.join(" "), "closed>open open>half-open half-open>closed", "events");
    },
  },
  {
    name: "the budget refuses retries it cannot afford",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, budget: { ratio: 0, minRetriesPerSecond: 0 } });
      const s = t.script("503,200");
      equal((await f(s.url)).status, 503, "status");
      equal(f.stats().budgetDenied, 1, "budgetDenied");
    },
  },
  {
    name: "invalid options reject before sending, naming option and value",
    async run(t) {
      const s = t.script("200");
      const f = t.createResilientFetch(FAST);
      await rejects(f(s.url, { retry: { maxAttempts: -1 } }), (e) => {
        check(e instanceof RangeError, "RangeError");
        equal(e.message, "retry.maxAttempts must be an integer >= 1, got -1", "message");
      }, "range");
      await rejects(f(s.url, { timeoutMs: "10s" }), (e) => check(e instanceof TypeError, "TypeError"), "type");
      let thrown;
      try {
        t.createResilientFetch({ retry: { jitter: "fool" } });
      } catch (e) {
        thrown = e;
      }
      check(thrown instanceof RangeError, "defaults throw at once");
      equal((await s.log()).length, 0, "nothing sent");
    },
  },
  {
    name: "fallback replaces a give-up and an open breaker, never a 404",
    async run(t) {
      const reasons = [];
      const f = t.createResilientFetch({
        ...FAST,
        retry: { ...FAST.retry, maxAttempts: 2 },
        breaker: { failureThreshold: 3, key: `${t.tag}-fb` },
        fallback: (ctx) => {
          reasons.push(ctx.reason);
          return new Response("fallback");
        },
      });
      equal(await (await f(t.script("503").url)).text(), "fallback", "attempts");
      equal((await f(t.script("404").url)).status, 404, "404 untouched");
      equal(await (await f(t.script("503").url)).text(), "fallback", "breaker opened mid-call");
      equal(await (await f(t.script("200").url)).text(), "fallback", "circuit open");
      equal(reasons.join(" "), "attempts circuit-open circuit-open", "reasons");
    },
  },
  {
    name: "shouldRetry true retries a 401 until a 200; its context names the attempt, response and reason",
    async run(t) {
      const seen = [];
      const f = t.createResilientFetch({
        ...FAST,
        shouldRetry: (ctx) => {
          seen.push(`${ctx.attempt}:${ctx.reason}:${ctx.response?.status}:${ctx.error === undefined}`);
          return ctx.response?.status === 401 ? true : undefined;
        },
      });
      const s = t.script("401,401,200");
      const res = await f(s.url);
      equal(res.status, 200, "status");
      equal(await res.text(), "200 #3", "body");
      equal((await s.log()).length, 3, "requests");
      equal(seen.join(" "), "1:status:401:true 2:status:401:true", "asked for each failed attempt, never a success");
    },
  },
  {
    name: "shouldRetry false stops a 503 at once; undefined, a throw or a rejection keep the defaults",
    async run(t) {
      const stop = t.createResilientFetch({ ...FAST, shouldRetry: () => false });
      const a = t.script("503,200");
      const res = await stop(a.url);
      equal(res.status, 503, "false: the 503 resolves");
      equal(await res.text(), "503 #1", "false: its body is the caller's");
      equal((await a.log()).length, 1, "false: one request");
      const defaults = t.createResilientFetch({ ...FAST, shouldRetry: () => undefined });
      const b = t.script("503,404,200");
      equal((await defaults(b.url)).status, 404, "undefined: the classifier decides");
      equal((await b.log()).length, 2, "undefined: requests");
      const throwing = t.createResilientFetch({
        ...FAST,
        shouldRetry: () => {
          throw new Error("hook bug");
        },
      });
      const c = t.script("503,401,200");
      equal((await throwing(c.url)).status, 401, "a throw: the classifier decides");
      equal((await c.log()).length, 2, "a throw: requests");
      const rejecting = t.createResilientFetch({ ...FAST, shouldRetry: async () => Promise.reject(new Error("hook bug")) });
      const d = t.script("503,200");
      equal((await rejecting(d.url)).status, 200, "a rejection: the classifier decides");
    },
  },
  {
    name: "an async shouldRetry is awaited; false on a timeout rejects with RetryError not-retryable",
    async run(t) {
      const f = t.createResilientFetch({
        ...FAST,
        timeoutMs: 300,
        shouldRetry: async (ctx) => {
          await sleep(30);
          if (ctx.reason === "timeout") return ctx.error === undefined ? undefined : false;
          return ctx.response?.status === 401;
        },
      });
      const a = t.script("401,200");
      equal((await f(a.url)).status, 200, "async true");
      equal((await a.log()).length, 2, "async true: requests");
      const b = t.script("503,200");
      equal((await f(b.url)).status, 503, "async false");
      equal((await b.log()).length, 1, "async false: requests");
      const c = t.script("stall,200");
      await rejects(f(c.url), (e) => {
        check(e instanceof t.RetryError, `RetryError, got ${e}`);
        equal(e.reason, "not-retryable", "reason");
        equal(e.attempts, 1, "attempts");
        check(e.cause !== undefined, "cause");
      }, "timeout judged false");
    },
  },
  {
    name: "shouldRetry true stays within maxAttempts and never resends a POST without a key",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, maxAttempts: 3 }, shouldRetry: () => true });
      const a = t.script("401");
      equal((await f(a.url)).status, 401, "status");
      equal((await a.log()).length, 3, "maxAttempts bounds");
      const b = t.script("401,200");
      equal((await f(b.url, { method: "POST", body: "pay" })).status, 401, "POST without a key");
      equal((await b.log()).length, 1, "POST without a key: sent once");
      const c = t.script("401,200");
      equal((await f(c.url, { method: "POST", body: "pay", idempotencyKey: true })).status, 200, "POST with a key");
      equal((await c.log()).length, 2, "POST with a key: retried");
    },
  },
  {
    name: "a 401 retried by shouldRetry does not count toward the breaker",
    async run(t) {
      const key = `${t.tag}-judged`;
      const f = t.createResilientFetch({
        ...FAST,
        breaker: { failureThreshold: 1, key },
        shouldRetry: (ctx) => (ctx.response?.status === 401 ? true : undefined),
      });
      const s = t.script("401,401,200");
      equal((await f(s.url)).status, 200, "status");
      equal((await s.log()).length, 3, "requests");
      equal(f.breakerState(key), "closed", "still closed");
      equal((await f(t.script("503").url, { retry: false })).status, 503, "a 503");
      equal(f.breakerState(key), "open", "a failure opens it");
    },
  },
  {
    name: "beforeRetry changes the retry's headers: the server sees them, later attempts keep them, the key stays",
    async run(t) {
      const seen = [];
      const f = t.createResilientFetch({
        ...FAST,
        beforeRetry: async (ctx) => {
          seen.push(`${ctx.attempt}:${ctx.url === s.url}:${ctx.headers.get("x-token")}`);
          await sleep(5);
          if (ctx.attempt === 2) ctx.headers.set("x-token", "fresh");
          ctx.headers.delete("idempotency-key");
        },
      });
      const s = t.script("503,503,200");
      const res = await f(s.url, { method: "POST", body: "pay", idempotencyKey: true, headers: { "x-token": "stale" } });
      equal(res.status, 200, "status");
      const log = await s.log();
      equal(log.map((e) => e.token).join(" "), "stale fresh fresh", "tokens the server saw");
      equal(seen.join(" "), "2:true:stale 3:true:fresh", "hook calls");
      check(log[0].key !== null && log.every((e) => e.key === log[0].key), "one Idempotency-Key");
      equal(log[2].bodySha256, log[0].bodySha256, "same body");
    },
  },
  {
    name: "beforeRetry that throws rejects with its error, cause the last failure, and frees the call's slot",
    async run(t) {
      const boom = new Error("no token");
      const f = t.createResilientFetch({
        ...FAST,
        bulkhead: { maxConcurrent: 1 },
        beforeRetry: () => {
          throw boom;
        },
      });
      const s = t.script("503,200");
      const e = await rejects(f(s.url), (e) => equal(e, boom, "the hook's error"), "throw");
      check(e.cause !== undefined && e.cause.status === 503, "cause: the last response");
      equal((await s.log()).length, 1, "no retry sent");
      equal(f.stats().attempts, 1, "attempts: requests sent");
      // The bulkhead slot was released: the next call goes through.
      equal((await f(t.script("200").url)).status, 200, "slot released");
      const own = new Error("own cause", { cause: "mine" });
      const g = t.createResilientFetch({ ...FAST, timeoutMs: 200, beforeRetry: async () => Promise.reject(own) });
      const e2 = await rejects(g(t.script("stall,200").url), (x) => equal(x, own, "a rejection"), "reject");
      equal(e2.cause, "mine", "an error's own cause is kept");
    },
  },
  {
    name: "snapshot() carries an open breaker and a hold to a new instance, as JSON, without extending them",
    async run(t) {
      const key = `${t.tag}-snapshot`;
      const options = { ...FAST, retry: false, breaker: { failureThreshold: 2, resetTimeoutMs: 600, key } };
      const f = t.createResilientFetch(options);
      const held = t.script("429;ra=2,200");
      equal((await f(held.url)).status, 429, "the 429 resolves");
      const s = t.script("500,500,200");
      await f(s.url);
      await f(s.url);
      equal(f.breakerState(key), "open", "open");
      const snap = JSON.parse(JSON.stringify(f.snapshot()));
      equal(snap.version, 1, "version");
      const entry = snap.keys.find((k) => k.key === key);
      equal(entry?.breaker.state, "open", "the snapshot's breaker");
      check(snap.routes.some((r) => r.route.startsWith(`${key} `) && r.holdUntil > Date.now()), "the hold is in it");

      const g = t.createResilientFetch({ ...options, initialState: snap });
      equal(g.breakerState(key), "open", "open after restoring");
      await rejects(g(s.url), (e) => {
        check(e instanceof t.CircuitOpenError, "CircuitOpenError");
        const remaining = entry.breaker.until - Date.now();
        check(Math.abs(e.retryAfterMs - remaining) < 150, `retryAfterMs ${e.retryAfterMs}, remaining ${remaining}`);
      }, "restored open");
      equal((await s.log()).length, 2, "nothing sent by the restored instance");
      equal(JSON.stringify(g.snapshot().routes), JSON.stringify(snap.routes), "the hold came along");
      let error;
      try {
        t.createResilientFetch({ initialState: { ...snap, version: 2 } });
      } catch (e) {
        error = e;
      }
      check(error instanceof RangeError, "another version throws a RangeError");
      equal(error.message, "initialState.version must be 1, got 2", "message");
      await sleep(Math.max(0, entry.breaker.until - Date.now()) + 30);
      equal(g.breakerState(key), "half-open", "half-open at the original reset time");
      equal((await g(s.url)).status, 200, "probe");
      equal(g.breakerState(key), "closed", "closed");
    },
  },
  {
    name: "rate limiting rejects with ThrottledError",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, rateLimit: { requestsPerSecond: 1 } });
      const s = t.script("200");
      equal((await f(s.url)).status, 200, "first");
      await rejects(f(s.url), (e) => {
        check(e instanceof t.ThrottledError, "ThrottledError");
        check(e.waitMs > 0 && e.waitMs <= 1000, `waitMs ${e.waitMs}`);
      }, "second");
    },
  },
  {
    name: "telemetry: a meter and a tracer record attempts, retries and spans (no Node API)",
    async run(t) {
      // Recording stand-ins with the shape of @opentelemetry/api's Meter and Tracer (the real
      // SDK is tested in Node: tests/node/telemetry.test.mjs).
      const counts = {};
      const delays = [];
      const spans = [];
      const meter = {
        createCounter: (name) => ({ add: (v, attrs) => (counts[name] = (counts[name] ?? 0) + v) }),
        createHistogram: () => ({ record: (v) => delays.push(v) }),
      };
      const tracer = {
        startSpan: (name, options) => {
          const span = { name, kind: options.kind, attributes: { ...options.attributes }, status: 0, ended: false };
          spans.push(span);
          return {
            setAttribute: (k, v) => (span.attributes[k] = v),
            setStatus: (s) => (span.status = s.code),
            end: () => (span.ended = true),
          };
        },
      };
      const f = t.createResilientFetch({ ...FAST, telemetry: { meter, tracer } });
      const res = await f(t.script("503,200").url);
      equal(res.status, 200, "status");
      equal(counts["resilient_fetch.attempts"], 2, "attempts");
      equal(counts["resilient_fetch.retries"], 1, "retries");
      equal(delays.length, 1, "one retry delay");
      equal(spans.length, 2, "a span per attempt");
      equal(spans.every((s) => s.ended && s.kind === 2 && s.name === "GET"), true, "client spans, ended");
      equal(spans[0].attributes["http.response.status_code"], 503, "first status");
      equal(spans[0].attributes["error.type"], "503", "error.type");
      equal(spans[0].status, 2, "first span errored");
      equal(spans[1].attributes["http.request.resend_count"], 1, "resend count");
    },
  },
  {
    name: "a hedge beats a slow first copy; the loser is aborted",
    async run(t) {
      const s = t.script("200;delay=1500,200");
      const hedges = [];
      const f = t.createResilientFetch({ ...FAST, hedge: { delayMs: 100 }, onHedge: (e) => hedges.push(e) });
      const started = Date.now();
      const res = await f(s.url);
      equal(res.status, 200, "status");
      equal(await res.text(), "200 #2", "the hedge's answer");
      check(Date.now() - started < 1200, `took ${Date.now() - started} ms`);
      equal((await s.log()).length, 2, "two copies");
      equal(f.stats().hedges, 1, "stats.hedges");
      equal(f.stats().attempts, 2, "stats.attempts");
      equal(hedges.length, 1, "onHedge");
      equal(hedges[0].copy, 2, "copy");
      equal(hedges[0].attempt, 1, "attempt");
    },
  },
  {
    name: "hedging composes with retries: every copy failing retries the attempt",
    async run(t) {
      const s = t.script("503;delay=400,503,200");
      const f = t.createResilientFetch({ ...FAST, hedge: { delayMs: 100 } });
      const res = await f(s.url);
      equal(res.status, 200, "status");
      equal((await s.log()).length, 3, "two copies, then a retry");
      equal(f.stats().retries, 1, "one retry");
    },
  },
  {
    name: "a POST without a key is never hedged",
    async run(t) {
      const s = t.script("200;delay=400");
      const f = t.createResilientFetch({ ...FAST, hedge: { delayMs: 50 } });
      equal((await f(s.url, { method: "POST", body: "x" })).status, 200, "status");
      equal((await s.log()).length, 1, "one copy");
      equal(f.stats().hedges, 0, "no hedge");
    },
  },
  {
    name: "a failure-rate breaker opens on the share of failures in its window",
    async run(t) {
      const key = `${t.tag}-rate`;
      const f = t.createResilientFetch({
        ...FAST,
        retry: false,
        breaker: { key, mode: "failure-rate", failureRateThreshold: 0.5, minimumThroughput: 4, windowMs: 10_000 },
      });
      for (const steps of ["200", "500", "200"]) await f(t.script(steps).url);
      equal(f.breakerState(key), "closed", "below the minimum throughput");
      await f(t.script("500").url);
      equal(f.breakerState(key), "open", "2 of 4 failed");
      await rejects(f(t.script("200").url), (e) => check(e instanceof t.CircuitOpenError, "CircuitOpenError"), "open");
    },
  },
  {
    name: "the bulkhead bounds concurrent calls, queues, then refuses",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
      const s = t.script("200;delay=300");
      const calls = [f(s.url), f(s.url), f(s.url)].map((p) => p.then((r) => r.status, (e) => e));
      const [a, b, c] = await Promise.all(calls);
      equal(a, 200, "first");
      equal(b, 200, "queued");
      check(c instanceof t.ThrottledError && c.waitMs === 0, `third: ${c}`);
      const log = await s.log();
      equal(log.length, 2, "requests");
      check(log[1].t - log[0].t >= 250, `the queued call started ${log[1].t - log[0].t} ms after the first`);
      equal(f.stats().throttled, 1, "stats.throttled");
    },
  },
  {
    name: "the shared test vectors replay identically through the engine API",
    async run(t) {
      const vectors = await (await fetch(`${t.origin}/files/vectors.json`)).json();
      check(vectors.length >= 100, `only ${vectors.length} vectors`);
      const result = replay(t.EngineClient, vectors);
      check(result.failed.length === 0, `${result.failed.length} vectors diverge:\n${result.failed.slice(0, 3).join("\n")}`);
      equal(result.passed, vectors.length, "replayed");
    },
  },
  {
    name: "the attempt number goes out in attemptHeader on every attempt",
    async run(t) {
      const s = t.script("503,503,200");
      equal((await t.createResilientFetch({ ...FAST, attemptHeader: "x-attempt" })(s.url)).status, 200, "status");
      equal((await s.log()).map((e) => e.attemptHeader).join(","), "1,2,3", "attempt numbers");
    },
  },
  {
    name: "pushback: a tier below can stop or delay our retries; markNoRetry marks a response",
    async run(t) {
      const f = t.createResilientFetch({ ...FAST, pushback: true });
      const stop = t.script("503;pb=-1,200");
      equal((await f(stop.url)).status, 503, "stopped");
      equal((await stop.log()).length, 1, "not retried");
      const slow = t.script("503;pb=400,200");
      equal((await f(slow.url)).status, 200, "retried");
      const [a, b] = await slow.log();
      check(b.t - a.t >= 380, `waited only ${b.t - a.t} ms`);
      const ignored = t.script("503;pb=-1,200");
      equal((await t.createResilientFetch(FAST)(ignored.url)).status, 200, "not honoured unless asked");
      const marked = t.markNoRetry(new Response("gave up", { status: 503, headers: { "x-a": "1" } }));
      equal(marked.status, 503, "status kept");
      equal(marked.headers.get("retry-pushback-ms"), "-1", "marked");
      equal(marked.headers.get("x-a"), "1", "headers kept");
      equal(await marked.text(), "gave up", "body kept");
    },
  },
  {
    name: "cooldown (default): one Retry-After holds back every call to the route",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const a = t.script("429;ra=1,200,200");
      const first = f(a.url);
      await sleep(150);
      const started = Date.now();
      equal((await f(a.url)).status, 200, "the other call");
      check(Date.now() - started >= 700, `the other call went after ${Date.now() - started} ms`);
      equal((await first).status, 200, "the first call");
      const log = await a.log();
      equal(log.length, 3, "requests");
      check(log[1].t - log[0].t >= 900 && log[2].t - log[0].t >= 900, `sent ${log[1].t - log[0].t}, ${log[2].t - log[0].t} ms after the 429`);
      // A new Retry-After of 2 s; a call that may not wait that long is refused at once.
      const b = t.script("429;ra=2,200");
      equal((await f(b.url, { retry: { maxAttempts: 1 } })).status, 429, "a new cool-down");
      await rejects(f(b.url, { retry: { deadlineMs: 300 } }), (e) => check(e instanceof t.ThrottledError && e.waitMs > 1000 && e.waitMs <= 2000, `got ${e} ${e.waitMs}`), "hurried");
      equal((await b.log()).length, 1, "nothing sent");
      // Off: not held.
      const c = t.script("429;ra=1,200");
      const g = t.createResilientFetch({ ...FAST, cooldown: false, retry: { ...FAST.retry, maxAttempts: 1 } });
      equal((await g(c.url)).status, 429, "off: the 429");
      const quick = Date.now();
      equal((await g(c.url)).status, 200, "off: the next call");
      check(Date.now() - quick < 500, "off: not held");
    },
  },
  {
    name: "paceFromHeaders (default): an exhausted quota holds the route until its reset",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const spent = t.script("200;xrr=0;xrt=1,200");
      equal((await f(spent.url)).status, 200, "the call that spent the quota");
      equal((await f(spent.url)).status, 200, "the next call");
      const [a, b] = await spent.log();
      check(b.t - a.t >= 900, `the next call went ${b.t - a.t} ms after the quota ran out`);
      const plain = t.script("200;xrr=0;xrt=1,200");
      const g = t.createResilientFetch({ ...FAST, paceFromHeaders: false });
      await g(plain.url);
      const started = Date.now();
      await g(plain.url);
      check(Date.now() - started < 500, "not paced when off");
    },
  },
  {
    name: "rate-limit dialects hold the route: standard over legacy, OpenAI, Anthropic, Discord; past a day ignored",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const enc = (v) => encodeURIComponent(encodeURIComponent(v));
      const cases = [
        // express-rate-limit draft-8 with legacy headers: t=1 wins over an epoch reset 3 s on.
        [`h=ratelimit:${enc('"20-in-2sec"; r=0; t=1')};h=x-ratelimit-remaining:0;h=x-ratelimit-reset:epoch+3`, 900, 2500],
        ["h=x-ratelimit-remaining-requests:0;h=x-ratelimit-reset-requests:1s", 900, 2500],
        ["h=anthropic-ratelimit-tokens-remaining:0;h=anthropic-ratelimit-tokens-reset:rfc3339+1", 800, 2500],
        ["h=x-ratelimit-remaining:0;h=x-ratelimit-reset-after:1.0;h=x-ratelimit-bucket:b1", 900, 2500],
        ["h=ratelimit-remaining:0;h=ratelimit-reset:epoch+1", 0, 2500],
        ["h=x-ratelimit-remaining:0;h=x-ratelimit-reset:epoch+172800", 0, 500],
        ["h=ratelimit-remaining:0;h=ratelimit-reset:86401", 0, 500],
      ];
      for (const [headers, least, most] of cases) {
        const s = t.script(`200;${headers},200`);
        equal((await f(s.url)).status, 200, headers);
        equal((await f(s.url)).status, 200, headers);
        const [a, b] = await s.log();
        check(b.t - a.t >= least && b.t - a.t < most, `${headers}: the next call went ${b.t - a.t} ms later`);
      }
    },
  },
  {
    name: "a hold covers its route; holds on two routes of an origin cover the origin",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const search = t.script("429;ra=2,200");
      const first = f(search.url);
      await sleep(100);
      const started = Date.now();
      equal((await f(t.script("200").url)).status, 200, "another path");
      check(Date.now() - started < 500, `another path waited ${Date.now() - started} ms`);
      equal((await first).status, 200, "the held path, after its wait");
      // A second path held within a minute: the limit is the origin's; a third path waits too.
      const g = t.createResilientFetch({ ...FAST, retry: { ...FAST.retry, maxAttempts: 1 } });
      equal((await g(t.script("429;ra=1").url)).status, 429, "first path");
      const quick = Date.now();
      equal((await g(t.script("200").url)).status, 200, "one held path holds nothing else");
      check(Date.now() - quick < 500, "one path is not the origin");
      equal((await g(t.script("429;ra=1").url)).status, 429, "second path");
      const third = Date.now();
      equal((await g(t.script("200").url)).status, 200, "a third path");
      check(Date.now() - third >= 700, `a third path went after ${Date.now() - third} ms`);
    },
  },
  {
    name: "hint-less 429s never open the breaker; the route learns a rate and every call gets through",
    async run(t) {
      const f = t.createResilientFetch({ retry: { jitter: "none" }, breaker: { failureThreshold: 2 } });
      const s = t.script("200,200,200,200,429,429,429,429,200");
      for (let i = 0; i < 4; i++) equal((await f(s.url)).status, 200, `warm-up ${i}`);
      const statuses = await Promise.all([0, 1, 2, 3].map(() => f(s.url).then((r) => r.status)));
      equal(statuses.join(), "200,200,200,200", "every call");
      equal(f.breakerState(new URL(s.url).origin), "closed", "breaker");
      equal(f.stats().breakerOpened, 0, "breaker never opened");
      const log = await s.log();
      equal(log.length, 12, "requests");
      // The retries leave spaced by the learned rate, not all at once.
      const retries = log.slice(8).map((r) => r.t).sort((x, y) => x - y);
      check(retries[3] - retries[0] >= 300, `retries spread over ${retries[3] - retries[0]} ms`);
    },
  },
  {
    name: "the default instance keeps state across calls; reset() keeps counters",
    async run(t) {
      const before = t.resilientFetch.stats().requests;
      equal((await t.resilientFetch(t.script("200").url)).status, 200, "status");
      equal(t.resilientFetch.stats().requests, before + 1, "requests");
      const f = t.createResilientFetch({ ...FAST, retry: false, breaker: { failureThreshold: 1, key: "r" } });
      await f(t.script("500").url);
      equal(f.breakerState("r"), "open", "open");
      f.reset();
      equal(f.breakerState("r"), "closed", "reset");
      equal(f.stats().requests, 1, "counters kept");
      equal(f.breakerState("never-seen"), "closed", "unknown key");
    },
  },
  {
    name: "errors are classes: the prototype chain answers first, subclasses work, the brand needs an Error",
    async run(t) {
      const { ResilientFetchError, RetryError, CircuitOpenError, ThrottledError } = t;
      check(RetryError.prototype instanceof ResilientFetchError, "RetryError.prototype instanceof ResilientFetchError");
      check(CircuitOpenError.prototype instanceof ResilientFetchError, "CircuitOpenError.prototype");
      check(ThrottledError.prototype instanceof Error, "ThrottledError.prototype instanceof Error");
      check(!(RetryError.prototype instanceof RetryError), "a prototype is not an instance of its own class");
      check(!(CircuitOpenError.prototype instanceof RetryError), "siblings");
      class Mine extends RetryError {}
      const mine = new Mine(2, "attempts");
      check(mine instanceof Mine && mine instanceof RetryError && mine instanceof ResilientFetchError, "a user subclass");
      equal(mine.name, "RetryError", "name");
      check(!(new RetryError(1, "attempts") instanceof Mine), "a RetryError is not a Mine");
      const brand = Symbol.for("resilient-fetch.error-kind");
      check(!({ [brand]: "RetryError" } instanceof RetryError), "a plain object carrying the brand");
      check(!({ [brand]: "RetryError" } instanceof ResilientFetchError), "a plain object carrying the brand (base)");
      // An error from another copy of the package: a real Error carrying the brand.
      const foreign = new Error("from another copy");
      Object.defineProperty(foreign, brand, { value: "RetryError" });
      check(foreign instanceof RetryError && foreign instanceof ResilientFetchError, "the cross-realm brand");
      check(!(foreign instanceof CircuitOpenError), "the brand names the class");
    },
  },
  {
    name: "Retry-After: lenient HTTP-date forms set the wait; malformed dates fall back to backoff",
    async run(t) {
      const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
      const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
      const pad = (n) => String(n).padStart(2, "0");
      // "MON, 3 Jun 2019 12:00:00 UTC" (urllib3 reads it) and "3 jun 2019 14:00 +0200".
      const loose = (d) =>
        `${days[d.getUTCDay()].toUpperCase()}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
        `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
      const offset = (d) => {
        const e = new Date(d.getTime() + 2 * 3600_000);
        return `${e.getUTCDate()} ${months[e.getUTCMonth()].toLowerCase()} ${e.getUTCFullYear()} ${pad(e.getUTCHours())}:${pad(e.getUTCMinutes())}:${pad(e.getUTCSeconds())} +0200`;
      };
      const events = [];
      const f = t.createResilientFetch({ ...FAST, onRetry: (e) => events.push(e) });
      const target = new Date(Date.now() + 2500);
      const s = t.script(`429;ra=${encodeURIComponent(loose(target))},503;ra=${encodeURIComponent(offset(new Date(Date.now() + 4500)))},200`);
      equal((await f(s.url)).status, 200, "status");
      for (const [i, e] of events.entries()) {
        check(e.retryAfterMs >= 1000 && e.retryAfterMs <= 4000, `form ${i + 1}: retryAfterMs ${e.retryAfterMs}`);
      }
      equal(events.length, 2, "retries");
      const [a, b] = await s.log();
      check(b.t - a.t >= 900, `waited only ${b.t - a.t} ms`);
      events.length = 0;
      const year = new Date().getUTCFullYear() + 1;
      const malformed = [
        `Mon, 3 Jun ${year} 12:00:00 PST`,
        `Mon, 32 Jun ${year} 12:00:00 GMT`,
        `Mon, 3 Jun ${year}`,
        `Mon, 3 Jun ${year}9 12:00:00 GMT`,
        `Mon, 3 Jun ${year} 24:00:00 GMT`,
        `${year}-06-03T12:00:00Z`,
      ];
      for (const v of malformed) {
        const m = t.script(`429;ra=${encodeURIComponent(v)},200`);
        equal((await f(m.url)).status, 200, v);
      }
      equal(events.map((e) => `${e.retryAfterMs}/${e.delayMs}`).join(" "), malformed.map(() => "undefined/10").join(" "), "backoff, no Retry-After");
    },
  },
  {
    name: "a request fetch refuses rejects with fetch's TypeError and releases its slot and probe",
    async run(t) {
      const key = `${t.tag}-refused`;
      const f = t.createResilientFetch({
        ...FAST,
        attemptHeader: "x-attempt",
        bulkhead: { maxConcurrent: 1 },
        breaker: { failureThreshold: 1, resetTimeoutMs: 300, key },
      });
      const s = t.script("200");
      const refused = [{ headers: { "bad header": "x" } }, { headers: { "x-ok": "a\nb" } }, { method: "GET", body: "x" }];
      for (const init of refused) {
        const e = await outcome(f(s.url, init));
        check(e.error instanceof TypeError, `${JSON.stringify(init)}: ${e.error ?? e.value}`);
        check(!(e.error instanceof t.ResilientFetchError), "fetch's own error");
      }
      equal(f.stats().attempts, 0, "stats.attempts");
      equal((await f(s.url)).status, 200, "the bulkhead slot was released");
      equal((await f(t.script("500").url)).status, 500, "opens the breaker");
      equal(f.breakerState(key), "open", "open");
      await sleep(350);
      equal(f.breakerState(key), "half-open", "half-open");
      check((await outcome(f(s.url, refused[0]))).error instanceof TypeError, "refused while half-open");
      equal((await outcome(f(s.url))).value?.status, 200, "the probe was released");
      equal(f.breakerState(key), "closed", "closed");
      equal((await s.log()).length, 2, "requests sent");
    },
  },
  {
    name: "an input or init field that throws rejects the call with what it threw",
    async run(t) {
      const boom = new Error("boom");
      const s = t.script("200");
      const calls = {
        "input toString": [{ toString: () => { throw boom; } }],
        "init.headers": [s.url, { get headers() { throw boom; } }],
        "init.method": [s.url, { get method() { throw boom; } }],
        "init.body": [s.url, { method: "PUT", get body() { throw boom; } }],
        "init.signal": [s.url, { get signal() { throw boom; } }],
        "method toString": [s.url, { method: { toString: () => { throw boom; } } }],
      };
      for (const options of [FAST, { ...FAST, attemptHeader: "x-attempt", bulkhead: { maxConcurrent: 1 } }]) {
        const f = t.createResilientFetch(options);
        for (const [what, args] of Object.entries(calls)) {
          const e = await outcome(f(...args));
          check(e.error === boom, `${what}: ${e.error ?? e.value}`);
        }
        equal(f.stats().attempts, 0, "stats.attempts");
        equal((await f(s.url)).status, 200, "the next call");
      }
      equal((await s.log()).length, 2, "requests sent");
    },
  },
  {
    name: "an option that throws when read rejects with a TypeError naming it, never throws",
    async run(t) {
      const boom = new Error("boom");
      const s = t.script("200");
      const f = t.createResilientFetch(FAST);
      const cases = [
        ["retry.maxAttempts", { retry: { get maxAttempts() { throw boom; } } }],
        ["retry", { get retry() { throw boom; } }],
        ["timeoutMs", new Proxy({}, { get: (o, k) => { if (k === "timeoutMs") throw boom; return undefined; } })],
        ["breaker", { breaker: new Proxy({}, { ownKeys: () => { throw boom; } }) }],
        ["retry.methods[0]", { retry: { methods: Object.defineProperty([], 0, { get() { throw boom; }, enumerable: true }) } }],
      ];
      for (const [path, init] of cases) {
        const e = await outcome(f(s.url, init));
        check(e.error instanceof TypeError, `${path}: ${e.error ?? e.value}`);
        equal(e.error.message, `${path} threw when read`, "message");
        check(e.error.cause === boom, `${path}: cause`);
      }
      const all = new Proxy({}, { get: () => { throw boom; } });
      const e = await outcome(f(s.url, all));
      check(e.error instanceof TypeError && e.error.cause === boom, `every read throws: ${e.error ?? e.value}`);
      let thrown;
      try {
        t.createResilientFetch({ retry: { get baseDelayMs() { throw boom; } } });
      } catch (err) {
        thrown = err;
      }
      check(thrown instanceof TypeError && thrown.cause === boom, `defaults: ${thrown}`);
      equal(thrown.message, "retry.baseDelayMs threw when read", "defaults: message");
      equal((await s.log()).length, 0, "nothing sent");
    },
  },
  {
    name: "a body or Request fetch cannot send is a local failure: no attempt, no breaker count",
    async run(t) {
      const key = `${t.tag}-local`;
      const f = t.createResilientFetch({ ...FAST, breaker: { failureThreshold: 1, key } });
      const s = t.script("200");
      const locked = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("x"));
          c.close();
        },
      });
      locked.getReader();
      const a = await outcome(f(s.url, { method: "PUT", body: locked, duplex: "half" }));
      check(a.error instanceof TypeError && !(a.error instanceof t.ResilientFetchError), `locked stream: ${a.error ?? a.value}`);
      const used = new Request(s.url, { method: "PUT", body: "once" });
      await used.text();
      const b = await outcome(f(used));
      check(b.error instanceof TypeError && !(b.error instanceof t.ResilientFetchError), `used Request: ${b.error ?? b.value}`);
      equal(f.breakerState(key), "closed", "breaker");
      equal(f.stats().attempts, 0, "stats.attempts");
      equal((await s.log()).length, 0, "nothing sent");
      // An unreachable origin is the origin's failure, not a local one.
      const unreachable = `${t.tag}-unreachable`;
      const g = t.createResilientFetch({ ...FAST, retry: false, breaker: { failureThreshold: 1, key: unreachable } });
      const c = await outcome(g("http://127.0.0.1:2/nothing-listens-here"));
      check(c.error instanceof t.RetryError, `unreachable: ${c.error ?? c.value}`);
      equal(g.breakerState(unreachable), "open", "unreachable: breaker");
      equal(g.stats().attempts, 1, "unreachable: stats.attempts");
    },
  },
  {
    name: "the method is read as fetch reads it: String objects, toString, case",
    async run(t) {
      const f = t.createResilientFetch(FAST);
      const methods = [
        [new String("POST"), "POST", 1],
        [{ toString: () => "post" }, "POST", 1],
        ["put", "PUT", 2],
      ];
      for (const [method, sent, requests] of methods) {
        const s = t.script("503,200");
        const events = [];
        await f(s.url, { method, body: "pay", onRetry: (e) => events.push(e) });
        const log = await s.log();
        equal(log.length, requests, `${sent}: requests`);
        equal(log[0].method, sent, "method sent");
        if (events.length) equal(events[0].method, sent, "RetryEvent.method");
      }
    },
  },
  {
    name: "a response is recognised by its shape, from any fetch; discarded bodies of every kind are cancelled",
    async run(t) {
      const real = globalThis.fetch;
      const key = `${t.tag}-shape`;
      let calls = 0;
      let cancelled = 0;
      let destroyed = 0;
      // A fetch as mocks and wrapper libraries write it: a plain object with a status,
      // headers and a body that is a web stream or a Node-style stream.
      const mock = async (input, init) => {
        const res = await real(input, init);
        const text = await res.text();
        const body =
          ++calls % 2 === 1
            ? new ReadableStream({
                start(c) {
                  c.enqueue(new TextEncoder().encode(text));
                },
                cancel() {
                  cancelled++;
                },
              })
            : { destroy: () => destroyed++, pipe() {}, on() {} };
        return { status: res.status, statusText: res.statusText, ok: res.ok, headers: res.headers, body, text: async () => text };
      };
      const events = [];
      const f = t.createResilientFetch({ ...FAST, breaker: { failureThreshold: 3, key }, onRetry: (e) => events.push(e) });
      const s = t.script("503,429;ra=1,200");
      let res;
      globalThis.fetch = mock;
      try {
        res = await outcome(f(s.url));
      } finally {
        globalThis.fetch = real;
      }
      check(res.value !== undefined, `rejected: ${res.error}`);
      equal(res.value.status, 200, "status");
      equal(await res.value.text(), "200 #3", "body");
      equal(events.map((e) => e.status).join(","), "503,429", "retried statuses");
      equal(events[1].retryAfterMs, 1000, "Retry-After read from the mock's headers");
      equal(`${cancelled},${destroyed}`, "1,1", "discarded bodies cancelled (web), destroyed (Node-style)");
      equal(f.breakerState(key), "closed", "breaker");
      equal((await s.log()).length, 3, "requests");
      // A response from another realm (an iframe's fetch), where there is one.
      if (globalThis.document) {
        const frame = document.createElement("iframe");
        document.body.append(frame);
        try {
          const other = t.script("503,200");
          globalThis.fetch = (input, init) => frame.contentWindow.fetch(input, init);
          try {
            res = await outcome(f(other.url));
          } finally {
            globalThis.fetch = real;
          }
          check(res.value !== undefined && !(res.value instanceof Response), `other realm: ${res.error ?? res.value}`);
          equal(res.value.status, 200, "other realm: status");
          equal((await other.log()).length, 2, "other realm: requests");
        } finally {
          frame.remove();
        }
      }
    },
  },
  {
    name: "the caller's signal still aborts the final response's body; attempts leave no listener behind",
    async run(t) {
      const ctl = new AbortController();
      const signal = ctl.signal;
      let live = 0;
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      const listeners = new Set();
      signal.addEventListener = (type, fn, options) => {
        if (type === "abort" && !listeners.has(fn)) {
          listeners.add(fn);
          live++;
        }
        add(type, fn, options);
      };
      signal.removeEventListener = (type, fn, options) => {
        if (type === "abort" && listeners.delete(fn)) live--;
        remove(type, fn, options);
      };
      const f = t.createResilientFetch({ ...FAST, timeoutMs: 300, retry: { ...FAST.retry, maxAttempts: 3 } });
      // Calls that reject leave nothing on the caller's signal.
      for (const steps of ["reset", "stall"]) {
        const r = await outcome(f(t.script(steps).url, { signal }));
        check(r.error instanceof t.RetryError, `${steps}: ${r.error ?? r.value}`);
      }
      equal(live, 0, "listeners left by calls that rejected");
      // Of a call that resolves, only the final response's attempt still listens (its body
      // can be aborted until it is gone); the attempts before it do not.
      const r = await f(t.script("503").url, { signal });
      await r.arrayBuffer();
      check(live <= 1, `${live} listeners left by a call of 3 attempts`);
      const s = t.script("slow");
      const res = await f(s.url, { signal });
      equal(res.status, 200, "status");
      ctl.abort(new Error("stop reading"));
      const read = await outcome(res.text());
      check(read.error !== undefined, `the body was read to the end after the caller aborted: ${read.value}`);
    },
  },
  {
    name: "shared: instances over one store open together, send one half-open probe between them, and honour each other's holds",
    async run(t) {
      // The store a Durable Object or Redis would be, in this isolate's memory.
      const store = memoryStore();
      const key = `${t.tag}-shared`;
      const opts = { ...FAST, retry: false, breaker: { failureThreshold: 3, resetTimeoutMs: 400, key }, shared: { store, refreshMs: 0 } };
      const fleet = [0, 1, 2].map(() => t.createResilientFetch(opts));
      const s = t.script("503");
      for (const f of fleet) equal((await f(s.url)).status, 503, "each sends one");
      equal(fleet[2].breakerState(key), "open", "the third failure opens the fleet's breaker");
      for (const f of fleet.slice(0, 2)) {
        await rejects(f(s.url), (e) => check(e instanceof t.CircuitOpenError, `CircuitOpenError, got ${e}`), "the others learn it");
      }
      equal((await s.log()).length, 3, "the threshold, and nothing more");
      await sleep(450);
      const outcomes = await Promise.all(fleet.map((f) => f(s.url).then((r) => r.status, (e) => e.name)));
      equal(outcomes.filter((o) => o === 503).length, 1, `one probe among ${outcomes}`);
      equal((await s.log()).length, 4, "one probe sent");

      const held = { ...FAST, retry: { maxAttempts: 1, maxRetryAfterMs: 0 }, breaker: { key: `${key}-hold` }, shared: { store, refreshMs: 0 } };
      const [a, b] = [t.createResilientFetch(held), t.createResilientFetch(held)];
      const h = t.script("429;ra=2,200");
      equal((await a(h.url)).status, 429, "a learns the Retry-After");
      await rejects(b(h.url), (e) => check(e instanceof t.ThrottledError && e.waitMs > 1000, `ThrottledError, got ${e}`), "b is held");
      equal((await h.log()).length, 1, "b sent nothing");
    },
  },
];

/** Settles `promise` within `ms`: `{ value }` or `{ error }`; a call that never settles fails. */
async function outcome(promise, ms = 5000) {
  let timer;
  const hung = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failed(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error) => ({ error: error ?? new Failed("rejected with nothing") })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every scenario (or those whose name includes `only`); never throws. */
export async function runAll(lib, origin, runtime, only) {
  const tag = `${runtime}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const results = [];
  for (const s of scenarios) {
    if (only && !s.name.includes(only)) continue;
    results.push(await runOne(lib, origin, tag, s));
  }
  return results;
}

/** Runs one scenario by name; never throws. */
export async function runNamed(lib, origin, runtime, name) {
  const tag = `${runtime}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const s = scenarios.find((x) => x.name === name);
  if (!s) return { name, ok: false, error: "no such scenario" };
  return runOne(lib, origin, tag, s);
}

async function runOne(lib, origin, tag, s) {
  const started = Date.now();
  try {
    await s.run(tools({ lib, origin, tag }, s.name));
    return { name: s.name, ok: true, ms: Date.now() - started };
  } catch (e) {
    return { name: s.name, ok: false, ms: Date.now() - started, error: String(e?.stack ?? e) };
  }
}
