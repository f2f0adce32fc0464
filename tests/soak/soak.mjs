// Soak under faults: many calls at high concurrency against a loopback server that mixes
// 429 (every Retry-After form, valid and malformed), 503, 500, stalls past the timeout,
// connections reset mid-body and slow bodies; GETs, PUTs, POSTs with and without keys.
// Then 100,000 distinct breaker keys through one instance (bounded state).
//
//   node soak.mjs [--calls 10000] [--concurrency 64] [--keys 100000]
//
// Checked server-side: no POST without a key is received twice; every retried request
// carries the same non-empty body; every Idempotency-Key is stable within a call.
// Checked client-side: every call settles; no unhandled rejection; memory stays flat; and
// the process exits on its own (run it as a child with a time limit to check that).

import { createResilientFetch } from "resilient-fetch";
import { startServer } from "./scripted.mjs";
import { planned, soakCall, check, SOAK_OPTIONS } from "./plan.mjs";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const CALLS = arg("--calls", 10_000);
const CONCURRENCY = arg("--concurrency", 64);
const KEYS = arg("--keys", 100_000);

const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e));


const server = await startServer({ lifetimeMs: 30 * 60_000 });
const f = createResilientFetch(SOAK_OPTIONS);

// JS heap (+ array buffers), and the resident set, which includes the Wasm memory.
const memory = () => {
  global.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const resident = () => process.memoryUsage().rss;

// ---- the soak -------------------------------------------------------------------------
const plan = Array.from({ length: CALLS }, (_, i) => planned("soak", i));
const outcomes = { resolved: 0, rejected: 0, bodyErrors: 0 };
const byName = new Map();
let next = 0;
const started = Date.now();
const memStart = memory();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < plan.length) {
      const p = plan[next++];
      const outcome = await soakCall(f, server.origin, p);
      if (outcome === "resolved" || outcome === "body-error") {
        outcomes.resolved++;
        if (outcome === "body-error") outcomes.bodyErrors++;
      } else {
        outcomes.rejected++;
        byName.set(outcome, (byName.get(outcome) ?? 0) + 1);
      }
    }
  }),
);
const elapsed = Date.now() - started;
const memAfterSoak = memory();

// ---- server-side checks -----------------------------------------------------------------
const [problems, requests] = check(plan, (id) => server.log(id));
if (outcomes.resolved + outcomes.rejected !== CALLS) problems.push("not every call settled");
if (unhandled.length) problems.push(`${unhandled.length} unhandled rejections: ${unhandled[0]}`);

// ---- bounded state ----------------------------------------------------------------------
const keyed = createResilientFetch({
  retry: false,
  budget: { ratio: 0.1 },
  rateLimit: { requestsPerSecond: 1000 },
  breaker: { key: (url) => url.searchParams.get("o") },
});
const memKeys0 = memory();
const rss0 = resident();
const rssWaves = [];
let k = 0;
const keyStarted = Date.now();
const waves = [];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (k < KEYS) {
      const i = k++;
      const res = await keyed(`${server.origin}/s/nolog-keys/200?o=origin-${i}`);
      await res.arrayBuffer();
      if (i > 0 && i % Math.floor(KEYS / 4) === 0) {
        waves.push(memory());
        rssWaves.push(resident());
      }
    }
  }),
);
const memKeys1 = memory();
const rss1 = resident();
await server.close();

const mb = (b) => (b / 1024 / 1024).toFixed(1);
console.log(`soak: ${CALLS} calls at concurrency ${CONCURRENCY} in ${(elapsed / 1000).toFixed(1)} s, ${requests} requests reached the server`);
console.log(`  resolved ${outcomes.resolved} (bodies cut mid-way: ${outcomes.bodyErrors}), rejected ${outcomes.rejected} ${JSON.stringify(Object.fromEntries(byName))}`);
console.log(`  memory (heap + array buffers): ${mb(memStart)} MB before, ${mb(memAfterSoak)} MB after`);
console.log(`bounded state: ${KEYS} distinct breaker keys in ${((Date.now() - keyStarted) / 1000).toFixed(1)} s`);
console.log(`  JS heap: ${mb(memKeys0)} MB before, ${waves.map(mb).join(" / ")} MB at each quarter, ${mb(memKeys1)} MB after`);
console.log(`  resident (with Wasm memory): ${mb(rss0)} MB before, ${rssWaves.map(mb).join(" / ")} MB at each quarter, ${mb(rss1)} MB after`);
// Unbounded per-key state would grow by ~200 bytes per key; the registry holds at most 1024
// keys, so once it is full (by the first quarter) memory must stay flat.
const growth = memKeys1 - (waves[0] ?? memKeys0);
if (growth > 4 * 1024 * 1024) problems.push(`JS heap grew by ${mb(growth)} MB after the first quarter of ${KEYS} keys`);
const rssGrowth = rss1 - (rssWaves[0] ?? rss0);
if (rssGrowth > 32 * 1024 * 1024) problems.push(`resident memory grew by ${mb(rssGrowth)} MB after the first quarter`);
for (const p of problems.slice(0, 20)) console.log(`PROBLEM ${p}`);
console.log(`${problems.length === 0 ? 1 : 0} passed, ${problems.length === 0 ? 0 : 1} failed`);
process.exitCode = problems.length === 0 ? 0 : 1;
