// Memory with one long-lived caller signal: N calls share one never-aborted AbortSignal.
// Run with --expose-gc:  node --expose-gc heap-signal.mjs <origin> <calls> [mock]
// Prints one JSON line: heap growth after GC over the N calls (after a warm-up), the abort
// listeners left on the signal, and the time taken. With "mock", fetch is replaced by one
// that answers at once (our own cost only); otherwise the real fetch against <origin>.
import { getEventListeners } from "node:events";
import { createResilientFetch } from "resilient-fetch";

const [origin, calls = "100000", mode = "real"] = process.argv.slice(2);
const n = Number(calls);
if (mode === "mock") globalThis.fetch = async () => new Response("ok");

const f = createResilientFetch({ retry: { maxAttempts: 2, baseDelayMs: 1 } });
const ctl = new AbortController();
const url = `${origin}/s/nolog-heap/200`;

async function run(count) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const res = await f(url, { signal: ctl.signal });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** Full collections, with turns of the event loop between them for finalizers to run. */
async function collect() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed;
}

await run(Math.min(5000, n));
const before = await collect();
const t0 = Date.now();
await run(n);
const ms = Date.now() - t0;
const after = await collect();
console.log(
  JSON.stringify({
    calls: n,
    mode,
    growthBytes: after - before,
    listeners: getEventListeners(ctl.signal, "abort").length,
    ms,
    attempts: f.stats().attempts,
  }),
);
