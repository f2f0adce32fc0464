// The package's TypeScript validator (js/validate.ts, rows from the option schema) against
// the engine's own checks, run natively (examples/validate.rs: decode, then
// Policy::from_options): the same error, class and message to the character, for every
// bad-input row, every invalid-options vector, and a spread of odd values both must read
// alike. The package no longer carries the engine's decoder, so the engine's side is the
// native build of the repo this suite was copied from (RF_REPO, set by scripts/test-node.sh).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { CASES, VECTOR_CASES } from "./bad-options.mjs";

const repo = process.env.RF_REPO;
assert.ok(repo, "RF_REPO: the repository (scripts/test-node.sh sets it)");
const compiled = join(repo, "target/js/validate.js");
assert.ok(existsSync(compiled), `${compiled}: run scripts/build.sh first`);
const { validateOptions } = await import(pathToFileURL(compiled).href);

/** The TypeScript validator's verdict, as examples/validate.rs prints the engine's. */
function typescript(options) {
  const e = validateOptions(options);
  return e ? `${e.name}: ${e.message}` : "ok";
}

/** A JavaScript value as the tagged tree examples/validate.rs reads (see its doc). */
function encode(v) {
  if (v === undefined) return ["undefined"];
  if (v === null) return ["null"];
  switch (typeof v) {
    case "boolean":
      return ["boolean", v];
    case "number":
      return ["number", Object.is(v, -0) ? "-0" : String(v)];
    case "string":
      return ["string", v];
    case "function":
      return ["function"];
    case "bigint":
      return ["bigint", v.toString()];
    case "symbol":
      return ["symbol", v.description ?? ""];
  }
  // Holes read as undefined, as the engine's conversion read arrays item by item.
  if (Array.isArray(v)) return ["array", Array.from(v, encode)];
  return ["object", Object.keys(v).map((key) => [key, encode(v[key])])];
}

/** The engine's verdicts, one per case: one run of the native program over all of them. */
function engine(cases) {
  const run = spawnSync("cargo", ["run", "--quiet", "--release", "--example", "validate"], {
    cwd: repo,
    input: cases.map((options) => `${JSON.stringify(encode(options))}\n`).join(""),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, `examples/validate.rs failed:\n${run.error ?? run.stderr}`);
  const lines = run.stdout.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, cases.length, "one verdict per case");
  return lines.map((line) => JSON.parse(line));
}

const show = (options) => inspect(options, { depth: null, breakLength: Infinity, compact: Infinity });

/** Every case where the two differ, as `case: TypeScript / engine`, the first `limit`. */
function differences(cases, limit = 20) {
  const verdicts = engine(cases);
  return cases
    .map((options, i) => [options, typescript(options), verdicts[i]])
    .filter(([, ts, rust]) => ts !== rust)
    .slice(0, limit)
    .map(([options, ts, rust]) => `${show(options)}: ${ts} / ${rust}`);
}

test("both validators give every bad-input row's and every vector's error", () => {
  const rows = [...CASES, ...VECTOR_CASES];
  const verdicts = engine(rows.map(([options]) => options));
  rows.forEach(([options, kind, message], i) => {
    const expected = `${kind}: ${message}`;
    assert.equal(verdicts[i], expected, `engine, ${show(options)}`);
    assert.equal(typescript(options), expected, `TypeScript, ${show(options)}`);
  });
});

test("both validators agree on odd values, valid ones and several errors at once", () => {
  const odd = [undefined, null, true, false, 0, -0, -1, 0.5, 1, 2 ** 32, 1e21, 1e-7, NaN, Infinity, "", "x",
    "GET", "x-attempt", "a b", " a", [], [1], ["GET", undefined, "BAD METHOD"], [undefined, 99], [[[[1]]]],
    [1, 2, 3, 4, 5, 6, 7], {}, { a: 1 }, () => 1, 10n, Symbol("s"),
    // Printing: the extremes of String(n), JSON.stringify's escapes, what is summarised how deep.
    5e-324, 1.7976931348623157e308, 1e-6, 0.1 + 0.2, -1e21, "\u0001\t\"é\u2028😀", Symbol(), -10n,
    [[10n]], [[[10n]]], [[Symbol("s")]], [[[Symbol("s")]]], [[() => 1]], [{}], [, 1], new Date(0)];
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
  assert.deepEqual(differences(cases), []);
});
