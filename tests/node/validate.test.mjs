// The TypeScript validator (dist/validate.js, rows from the option schema) against the
// engine's: the same error, class and message to the character, for every bad-input row,
// every invalid-options vector, and a spread of odd values both must read alike.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createResilientFetch } from "resilient-fetch";
import { validateOptions } from "./node_modules/resilient-fetch/dist/validate.js";
import { CASES, VECTOR_CASES } from "./bad-options.mjs";

/** The engine's verdict: what createResilientFetch throws for these defaults. */
function engine(options) {
  try {
    createResilientFetch(options);
    return undefined;
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
}
function typescript(options) {
  const e = validateOptions(options);
  return e && `${e.name}: ${e.message}`;
}

test("both validators give every bad-input row's and every vector's error", () => {
  for (const [options, kind, message] of [...CASES, ...VECTOR_CASES]) {
    assert.equal(engine(options), `${kind}: ${message}`);
    assert.equal(typescript(options), `${kind}: ${message}`);
  }
});

test("both validators agree on odd values, valid ones and several errors at once", () => {
  const odd = [undefined, null, true, false, 0, -0, -1, 0.5, 1, 2 ** 32, 1e21, 1e-7, NaN, Infinity, "", "x",
    "GET", "x-attempt", "a b", " a", [], [1], ["GET", undefined, "BAD METHOD"], [undefined, 99], [[[[1]]]],
    [1, 2, 3, 4, 5, 6, 7], {}, { a: 1 }, () => 1, 10n, Symbol("s")];
  // Objects only: the package reads a non-object init as no options, as fetch does.
  const cases = [undefined, {}];
  const groups = { retry: ["maxAttempts", "baseDelayMs", "maxDelayMs", "jitter", "methods", "statusCodes",
    "respectRetryAfter", "maxRetryAfterMs", "retryAfterJitterMs", "deadlineMs", "nope"],
    breaker: ["key", "mode", "failureThreshold", "resetTimeoutMs", "halfOpenMaxProbes", "failureRateThreshold",
      "minimumThroughput", "windowMs"],
    budget: ["ratio", "retriesPerSuccess", "windowMs", "minRetriesPerSecond"],
    hedge: ["delayMs", "maxHedges"], rateLimit: ["requestsPerSecond", "burst", "maxWaitMs"],
    bulkhead: ["maxConcurrent", "maxQueue"] };
  const tops = ["timeoutMs", "idempotencyKey", "pushback", "cooldown", "paceFromHeaders", "adaptiveRate",
    "attemptHeader", "fallback", "onRetry"];
  for (const v of odd) {
    for (const top of tops) cases.push({ [top]: v });
    for (const [group, keys] of Object.entries(groups)) {
      cases.push({ [group]: v });
      for (const key of keys) cases.push({ [group]: { [key]: v } });
    }
  }
  // Several invalid at once: which one is named first must agree too.
  cases.push(
    { breaker: { windowMs: 0, mode: "rate", failureThreshold: 0 } },
    { budget: { ratio: 2, retriesPerSuccess: 1 } },
    { budget: { windowMs: 0, ratio: -1 } },
    { retry: { deadlineMs: 0, maxAttempts: 0 }, timeoutMs: 0 },
    { timeoutMs: 0, retry: { jitter: 1 } },
    { hedge: true }, { rateLimit: true }, { bulkhead: {} },
    { bulkhead: { maxQueue: -1 }, hedge: { delayMs: -1 } },
    { retry: { maxAttempts: 3 }, breaker: { mode: "failure-rate", failureRateThreshold: 0.2 } },
  );
  const differ = cases
    .filter((options) => typescript(options) !== engine(options))
    .map((options) => `${String(Object.keys(options ?? {}))}: ${typescript(options)} / ${engine(options)}`);
  assert.deepEqual(differ, []);
});
