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

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const CALLS = arg("--calls", 10_000);
const CONCURRENCY = arg("--concurrency", 64);
const KEYS = arg("--keys", 100_000);

const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e));

const FAULTS = [
  "503,200",
  "503,503,503,200",
  "500,500,200",
  "429;ra=0,200",
  "429;ra=0.05,200",
  "429;ra=-1,200",
  "429;ra=soon,200",
  "429;ra=,200",
  "429;ra=huge,200",
  "503;ra=Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT,200",
  "503;ra=Sunday%2C%2006-Nov-94%2008%3A49%3A37%20GMT,200",
  "503;ra=Sun%20Nov%20%206%2008%3A49%3A37%201994,200",
  "stall,200",
  "reset,200",
  "cut",
  "slow",
  "200",
  "404",
];

const server = await startServer({ lifetimeMs: 30 * 60_000 });
const f = createResilientFetch({
  retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50, retryAfterJitterMs: 20, maxRetryAfterMs: 1_000 },
  timeoutMs: 250,
  breaker: false,
  budget: false,
});

// JS heap (+ array buffers), and the resident set, which includes the Wasm memory.
const memory = () => {
  global.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const resident = () => process.memoryUsage().rss;

// ---- the soak -------------------------------------------------------------------------
const plan = [];
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
for (let i = 0; i < CALLS; i++) {
  const steps = FAULTS[Math.floor(random() * FAULTS.length)];
  const kind = ["GET", "PUT", "POST", "POST-KEY"][Math.floor(random() * 4)];
  plan.push({ id: `soak${i}`, steps, kind });
}

const outcomes = { resolved: 0, rejected: 0, bodyErrors: 0 };
const byName = new Map();
let next = 0;
const started = Date.now();
const memStart = memory();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < plan.length) {
      const p = plan[next++];
      const init =
        p.kind === "GET"
          ? {}
          : { method: p.kind === "PUT" ? "PUT" : "POST", body: `payload of ${p.id}`, idempotencyKey: p.kind === "POST-KEY" };
      try {
        const res = await f(`${server.origin}/s/${p.id}/${p.steps}`, init);
        outcomes.resolved++;
        try {
          await res.arrayBuffer();
        } catch {
          outcomes.bodyErrors++; // a connection cut mid-body: the caller's to handle
        }
      } catch (e) {
        outcomes.rejected++;
        byName.set(e.name, (byName.get(e.name) ?? 0) + 1);
      }
    }
  }),
);
const elapsed = Date.now() - started;
const memAfterSoak = memory();

// ---- server-side checks -----------------------------------------------------------------
const problems = [];
let requests = 0;
for (const p of plan) {
  const log = server.log(p.id);
  requests += log.length;
  if (p.kind === "POST" && log.length > 1) problems.push(`${p.id}: POST without a key received ${log.length} times`);
  if (p.kind !== "GET") {
    const first = log[0];
    for (const e of log) {
      if (e.bodyLength === 0) problems.push(`${p.id}: a request arrived with an empty body`);
      if (first && e.bodySha256 !== first.bodySha256) problems.push(`${p.id}: the body changed between attempts`);
    }
  }
  if (p.kind === "POST-KEY") {
    const keys = new Set(log.map((e) => e.key));
    if (keys.size !== 1 || keys.has(null)) problems.push(`${p.id}: Idempotency-Key not stable: ${[...keys].join(", ")}`);
  }
}
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
