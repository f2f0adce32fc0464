// Never-sent requests and bounded replay of stream bodies, with inputs only Node has: the
// errors undici and Deno's fetch reject with (handed to the driver by a stand-in fetch), the
// undici package's own fetch against a refused port, Node `Readable` bodies, a body that fails
// while it is read, and hedged copies sharing one kept body. The web-API cases run in every
// runtime as conformance scenarios (tests/conformance/scenarios.mjs).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import { Readable } from "node:stream";
import { fetch as undiciFetch } from "undici";
import { createResilientFetch, RetryError } from "resilient-fetch";
import { startServer } from "./scripted.mjs";

let server;
let seq = 0;
const script = (steps) => {
  const id = `send${++seq}`;
  return { id, url: `${server.origin}/s/${id}/${steps}`, log: () => server.log(id) };
};
const fast = { retry: { baseDelayMs: 1, jitter: "none", maxAttempts: 3 }, breaker: false, budget: false, adaptiveRate: false };
const sha = (bytes) => createHash("sha256").update(bytes).digest("hex");

before(async () => {
  server = await startServer();
});
after(() => server.close());

/** Runs `body` with globalThis.fetch replaced by `impl`. */
async function withFetch(impl, body) {
  const real = globalThis.fetch;
  globalThis.fetch = impl;
  try {
    return await body();
  } finally {
    globalThis.fetch = real;
  }
}

/** A TypeError as fetch rejects with, its cause `cause`. */
const failed = (cause) => new TypeError("fetch failed", { cause });
const coded = (code) => Object.assign(new Error(`connect ${code}`), { code });

test("a POST without a key is retried exactly when the error shows it was never sent", async () => {
  const never = [
    ["undici ECONNREFUSED", failed(coded("ECONNREFUSED"))],
    ["undici ENOTFOUND", failed(coded("ENOTFOUND"))],
    ["undici EAI_AGAIN", failed(coded("EAI_AGAIN"))],
    ["undici connect timeout", failed(coded("UND_ERR_CONNECT_TIMEOUT"))],
    ["every address refused", failed(new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]))],
    [
      "Deno, refused",
      failed(new Error("error sending request for url (http://127.0.0.1:1/): client error (Connect): tcp connect error: Connection refused (os error 111)")),
    ],
    [
      "Deno, DNS",
      failed(new Error("error sending request for url (http://x.invalid/): client error (Connect): dns error: failed to lookup address information")),
    ],
  ];
  const sent = [
    ["ECONNRESET", failed(coded("ECONNRESET"))],
    ["EPIPE", failed(coded("EPIPE"))],
    ["undici socket closed", failed(coded("UND_ERR_SOCKET"))],
    ["one address refused, one reset", failed(new AggregateError([coded("ECONNREFUSED"), coded("ECONNRESET")]))],
    ["Deno, reset", failed(new Error("error sending request: client error (SendRequest): connection closed before message completed"))],
    ["Chromium", new TypeError("Failed to fetch")],
    ["workerd", new Error("Network connection lost.")],
    ["a cause whose getters throw", failed(new Proxy({}, { get() { throw new Error("trap"); } }))],
    ["a primitive cause", failed("ECONNREFUSED")],
    ["no error at all", undefined],
  ];
  for (const [label, error, calls] of [...never.map(([l, e]) => [l, e, 3]), ...sent.map(([l, e]) => [l, e, 1])]) {
    let n = 0;
    const events = [];
    const f = createResilientFetch({ ...fast, onRetry: (e) => events.push(e) });
    const rejection = await withFetch(
      async () => {
        n++;
        throw error;
      },
      () => f("http://127.0.0.1:1/pay", { method: "POST", body: "x" }).catch((e) => e),
    );
    assert.ok(rejection instanceof RetryError, `${label}: ${rejection}`);
    assert.equal(n, calls, `${label}: attempts`);
    assert.equal(rejection.reason, calls === 1 ? "not-retryable" : "attempts", label);
    if (calls > 1) assert.deepEqual(events.map((e) => [e.reason, e.neverSent]), [["network", true], ["network", true]], label);
  }
});

test("shouldRetry sees a never-sent failure as network, neverSent true, and can stop it", async () => {
  const seen = [];
  const f = createResilientFetch({
    ...fast,
    shouldRetry: (ctx) => {
      seen.push([ctx.reason, ctx.neverSent]);
      return false;
    },
  });
  const e = await withFetch(
    async () => {
      throw failed(coded("ECONNREFUSED"));
    },
    () => f("http://127.0.0.1:1/", { method: "POST", body: "x" }).catch((x) => x),
  );
  assert.equal(e.reason, "not-retryable");
  assert.equal(e.attempts, 1);
  assert.deepEqual(seen, [["network", true]]);
});

test("the undici package's fetch against a refused port: retried, and the breaker counts it", async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const f = createResilientFetch({ ...fast, breaker: { failureThreshold: 3, key: "k" } });
  const e = await withFetch(undiciFetch, () => f(`http://127.0.0.1:${port}/`, { method: "POST", body: "x" }).catch((x) => x));
  assert.equal(e.reason, "attempts");
  assert.equal(e.attempts, 3);
  assert.equal(f.breakerState("k"), "open");
  // A stream body that was never read may be sent again only if it is kept.
  const stream = () => Readable.from([Buffer.from("abc")]);
  const g = createResilientFetch(fast);
  const once = await withFetch(undiciFetch, () => g(`http://127.0.0.1:${port}/`, { method: "POST", body: stream(), duplex: "half" }).catch((x) => x));
  assert.equal(once.attempts, 1);
  const kept = await withFetch(undiciFetch, () =>
    g(`http://127.0.0.1:${port}/`, { method: "POST", body: stream(), duplex: "half", maxReplayBytes: 16 }).catch((x) => x),
  );
  assert.equal(kept.attempts, 3);
});

test("a Node Readable body up to maxReplayBytes is replayed byte for byte; past it, sent once", async () => {
  const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 13) % 256));
  const f = createResilientFetch(fast);
  for (const [size, bound, requests] of [[10_000, 10_000, 2], [10_000, 10_001, 2], [10_000, 9_999, 1]]) {
    const s = script("503,echo");
    const body = Readable.from([bytes.subarray(0, 4000), bytes.subarray(4000, 9000), bytes.subarray(9000, size)]);
    const res = await f(s.url, { method: "PUT", body, duplex: "half", maxReplayBytes: bound });
    const log = s.log();
    assert.equal(log.length, requests, `bound ${bound}`);
    for (const entry of log) assert.equal(entry.bodySha256, sha(bytes), `bound ${bound}`);
    assert.equal(res.status, requests === 2 ? 200 : 503);
    if (requests === 2) assert.equal(sha(Buffer.from(await res.arrayBuffer())), sha(bytes));
  }
  // Strings from a Readable with an encoding are sent as UTF-8, both times.
  const s = script("503,echo");
  const text = Readable.from(["héllo, ", "wörld"], { objectMode: true });
  const res = await f(s.url, { method: "PUT", body: text, duplex: "half", maxReplayBytes: 100 });
  assert.equal(await res.text(), "héllo, wörld");
  assert.equal(s.log().length, 2);
});

test("a kept stream body that fails while read is not sent again", async () => {
  const f = createResilientFetch(fast);
  const s = script("503,echo");
  async function* broken() {
    yield new Uint8Array([1, 2, 3]);
    throw new Error("the source broke");
  }
  const e = await f(s.url, { method: "PUT", body: broken(), duplex: "half", maxReplayBytes: 100 }).catch((x) => x);
  assert.ok(e instanceof RetryError, String(e));
  assert.equal(e.attempts, 1);
  assert.equal(e.reason, "not-retryable");
  assert.ok(s.log().length <= 1);
});

test("hedged copies of a kept stream body each send every byte", async () => {
  const bytes = new Uint8Array(3000).map((_, i) => i % 200);
  const s = script("200;delay=300,echo");
  const body = new ReadableStream({
    start(c) {
      c.enqueue(bytes.slice(0, 1500));
      c.enqueue(bytes.slice(1500));
      c.close();
    },
  });
  const f = createResilientFetch({ ...fast, hedge: { delayMs: 50 } });
  const res = await f(s.url, { method: "PUT", body, duplex: "half", maxReplayBytes: 4096 });
  assert.equal(res.status, 200);
  assert.equal(sha(Buffer.from(await res.arrayBuffer())), sha(bytes), "the hedge's echo");
  const log = s.log();
  assert.equal(log.length, 2);
  for (const entry of log) assert.equal(entry.bodySha256, sha(bytes));
});

test("maxReplayBytes is checked like any option", async () => {
  await assert.rejects(createResilientFetch()("http://127.0.0.1:1/", { maxReplayBytes: -1 }), {
    name: "RangeError",
    message: "maxReplayBytes must be an integer >= 0, got -1",
  });
  await assert.rejects(createResilientFetch()("http://127.0.0.1:1/", { maxReplayBytes: 1.5 }), RangeError);
});

test("a kept Node Readable body is released when the call rejects", async () => {
  const f = createResilientFetch({ ...fast, timeoutMs: 200, retry: { ...fast.retry, maxAttempts: 2 } });
  const s = script("stall");
  let produced = 0;
  // An endless body: every attempt times out while it is being sent.
  const body = new Readable({
    read() {
      produced++;
      setTimeout(() => this.push(Buffer.alloc(1000, 1)), 5);
    },
  });
  const e = await f(s.url, { method: "PUT", body, duplex: "half", maxReplayBytes: 1 << 20 }).catch((x) => x);
  assert.ok(e instanceof RetryError, String(e));
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(body.destroyed, "the caller's stream is destroyed, as fetch does");
  assert.ok(produced > 0);
});
