// Bad input, the README's table row by row: every option with wrong types and out-of-range
// values rejects before any request, as TypeError or RangeError, naming option and value.
// Malformed server headers never crash; hooks that throw never break the call; messages
// carry no request headers or bodies.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createResilientFetch, RetryError } from "resilient-fetch";
import { startServer } from "./scripted.mjs";
import { CASES } from "./bad-options.mjs";

let server;
before(async () => (server = await startServer()));
after(() => server.close());

// [options, error class, message]: the README's bad-input table. Its options rows come from
// the option schema (tests/node/bad-options.mjs is generated); the rows after them read
// options that throw.
export const TABLE = [
  ...CASES.map(([options, kind, message]) => [options, kind === "TypeError" ? TypeError : RangeError, message]),
  [{ retry: { get maxAttempts() { throw new Error("getter"); } } }, TypeError, "retry.maxAttempts threw when read"],
  [{ get retry() { throw new Error("getter"); } }, TypeError, "retry threw when read"],
  [new Proxy({}, { get: (o, k) => { if (k === "retry") throw new Error("trap"); } }), TypeError, "retry threw when read"],
];

test("every row of the bad-input table rejects before any request", async () => {
  const f = createResilientFetch();
  const url = `${server.origin}/s/bad/200`;
  for (const [options, Kind, message] of TABLE) {
    await assert.rejects(f(url, options), (e) => {
      assert.ok(e instanceof Kind, `${message}: got ${e?.name}`);
      assert.equal(e.message, message);
      return true;
    });
    assert.throws(() => createResilientFetch(options), (e) => e instanceof Kind && e.message === message);
  }
  assert.equal(server.log("bad").length, 0, "nothing was sent");
});

test("malformed server headers never crash and never wait past the caps", async () => {
  const f = createResilientFetch({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50, retryAfterJitterMs: 0 }, breaker: false, budget: false });
  const values = ["", "-1", "1e99", "NaN", "Infinity", "9".repeat(400), "Mon, 99 Foo 2026 99:99:99 GMT", "\u00ff\u00fe", "1.5.5", " 2 "];
  for (const v of values) {
    const started = Date.now();
    const res = await f(`${server.origin}/s/hdr-${encodeURIComponent(v).slice(0, 40)}/429;ra=${encodeURIComponent(v)},200`);
    assert.ok([200, 429].includes(res.status), v);
    assert.ok(Date.now() - started < 3_000, `waited ${Date.now() - started} ms for Retry-After ${JSON.stringify(v)}`);
  }
});

test("errors and events carry no request headers or bodies", async () => {
  const secret = "Bearer s3cr3t-token";
  const events = [];
  const f = createResilientFetch({ retry: { maxAttempts: 2, baseDelayMs: 5 }, onRetry: (e) => events.push(e) });
  const err = await f(`${server.origin}/s/secret/reset`, {
    method: "PUT",
    headers: { authorization: secret },
    body: "card=4242424242424242",
  }).catch((e) => e);
  assert.ok(err instanceof RetryError);
  const text = JSON.stringify({ message: err.message, events }) + String(err.stack);
  assert.ok(!text.includes("s3cr3t") && !text.includes("4242424242424242"), "a secret leaked into an error or event");
});
