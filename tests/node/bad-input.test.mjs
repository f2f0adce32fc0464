// Bad input, the README's table row by row: every option with wrong types and out-of-range
// values rejects before any request, as TypeError or RangeError, naming option and value.
// Malformed server headers never crash; hooks that throw never break the call; messages
// carry no request headers or bodies.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createResilientFetch, RetryError } from "resilient-fetch";
import { startServer } from "./scripted.mjs";

let server;
before(async () => (server = await startServer()));
after(() => server.close());

// [options, error class, message]: the README's bad-input table.
export const TABLE = [
  [{ retry: 3 }, TypeError, "retry must be an object or false, got 3"],
  [{ retry: { maxAttempts: "5" } }, TypeError, 'retry.maxAttempts must be a number, got "5"'],
  [{ retry: { maxAttempts: 0 } }, RangeError, "retry.maxAttempts must be an integer >= 1, got 0"],
  [{ retry: { maxAttempts: 2.5 } }, RangeError, "retry.maxAttempts must be an integer >= 1, got 2.5"],
  [{ retry: { maxAttempts: NaN } }, RangeError, "retry.maxAttempts must be an integer >= 1, got NaN"],
  [{ retry: { maxAttempts: Infinity } }, RangeError, "retry.maxAttempts must be an integer >= 1, got Infinity"],
  [{ retry: { baseDelayMs: -1 } }, RangeError, "retry.baseDelayMs must be a number of milliseconds >= 0, got -1"],
  [{ retry: { maxDelayMs: null } }, TypeError, "retry.maxDelayMs must be a number, got null"],
  [{ retry: { jitter: "random" } }, RangeError, 'retry.jitter must be one of "full", "equal", "decorrelated", "none", got "random"'],
  [{ retry: { jitter: true } }, TypeError, "retry.jitter must be a string, got true"],
  [{ retry: { methods: "GET" } }, TypeError, 'retry.methods must be an array of method names, got "GET"'],
  [{ retry: { methods: ["GET", "NOT A METHOD"] } }, RangeError, 'retry.methods[1] must be an HTTP method name, got "NOT A METHOD"'],
  [{ retry: { statusCodes: [503, 99] } }, RangeError, "retry.statusCodes[1] must be an integer from 100 to 599, got 99"],
  [{ retry: { respectRetryAfter: "yes" } }, TypeError, 'retry.respectRetryAfter must be a boolean, got "yes"'],
  [{ retry: { maxRetryAfterMs: -5 } }, RangeError, "retry.maxRetryAfterMs must be a number of milliseconds >= 0, got -5"],
  [{ retry: { retryAfterJitterMs: Infinity } }, RangeError, "retry.retryAfterJitterMs must be a number of milliseconds >= 0, got Infinity"],
  [{ retry: { deadlineMs: 0 } }, RangeError, "retry.deadlineMs must be a number of milliseconds > 0, got 0"],
  [{ timeoutMs: -1 } , RangeError, "timeoutMs must be a number of milliseconds > 0, got -1"],
  [{ timeoutMs: true }, TypeError, "timeoutMs must be a number of milliseconds or false, got true"],
  [{ idempotencyKey: "" }, RangeError, 'idempotencyKey must be true, false or a non-empty string of visible ASCII characters, got ""'],
  [{ idempotencyKey: 7 }, TypeError, "idempotencyKey must be a boolean or a string, got 7"],
  [{ breaker: "on" }, TypeError, 'breaker must be an object or false, got "on"'],
  [{ breaker: { failureThreshold: -2 } }, RangeError, "breaker.failureThreshold must be an integer >= 1, got -2"],
  [{ breaker: { resetTimeoutMs: NaN } }, RangeError, "breaker.resetTimeoutMs must be a number of milliseconds >= 0, got NaN"],
  [{ breaker: { halfOpenMaxProbes: 0 } }, RangeError, "breaker.halfOpenMaxProbes must be an integer >= 1, got 0"],
  [{ breaker: { key: 5 } }, TypeError, "breaker.key must be a string or a function, got 5"],
  [{ breaker: { mode: "rate" } }, RangeError, 'breaker.mode must be one of "consecutive", "failure-rate", got "rate"'],
  [{ breaker: { failureRateThreshold: 1.5 } }, RangeError, "breaker.failureRateThreshold must be a number > 0 and <= 1, got 1.5"],
  [{ budget: { ratio: -0.1 } }, RangeError, "budget.ratio must be a number from 0 to 1, got -0.1"],
  [{ budget: { windowMs: 0 } }, RangeError, "budget.windowMs must be a number of milliseconds > 0, got 0"],
  [{ budget: { minRetriesPerSecond: -1 } }, RangeError, "budget.minRetriesPerSecond must be a number >= 0, got -1"],
  [{ budget: { retriesPerSuccess: -1 } }, RangeError, "budget.retriesPerSuccess must be a number >= 0, got -1"],
  [{ budget: { ratio: 0.1, retriesPerSuccess: 1 } }, RangeError, "budget.retriesPerSuccess must be absent when budget.ratio is set, got 1"],
  [{ adaptiveRate: "yes" }, TypeError, 'adaptiveRate must be a boolean, got "yes"'],
  [{ hedge: { maxHedges: 2 } }, TypeError, "hedge.delayMs must be a number of milliseconds >= 0, got undefined"],
  [{ hedge: { delayMs: 10, maxHedges: 0.5 } }, RangeError, "hedge.maxHedges must be an integer >= 1, got 0.5"],
  [{ rateLimit: { requestsPerSecond: 0 } }, RangeError, "rateLimit.requestsPerSecond must be a number > 0, got 0"],
  [{ rateLimit: { requestsPerSecond: 5, maxWaitMs: -1 } }, RangeError, "rateLimit.maxWaitMs must be a number of milliseconds >= 0, got -1"],
  [{ bulkhead: { maxConcurrent: 0 } }, RangeError, "bulkhead.maxConcurrent must be an integer >= 1, got 0"],
  [{ fallback: "cached" }, TypeError, 'fallback must be a function, got "cached"'],
  [{ onRetry: {} }, TypeError, "onRetry must be a function, got an object"],
  [{ retry: { maxAtempts: 3 } }, TypeError, "retry.maxAtempts is not an option (known: maxAttempts, baseDelayMs, maxDelayMs, jitter, methods, statusCodes, respectRetryAfter, maxRetryAfterMs, retryAfterJitterMs, deadlineMs)"],
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
