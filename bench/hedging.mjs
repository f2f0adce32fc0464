// Hedging against a slow tail: 5% of responses stall 500 ms (every 20th request the server
// sees, deterministically), the rest answer at once. The same calls at concurrency 16,
// without hedging and with `hedge: { delayMs }` near the p95 latency; prints p50, p99 and
// the extra requests hedging cost, side by side in one run.
//
//   node bench/hedging.mjs [--requests 2000] [--delay 20]

import http from "node:http";
import { createResilientFetch } from "resilient-fetch";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const REQUESTS = arg("--requests", 2000);
const DELAY = arg("--delay", 20);
const CONCURRENCY = 16;

let seen = 0;
const timers = new Set();
const server = http.createServer((req, res) => {
  seen++;
  const answer = () => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  if (seen % 20 === 0) {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!res.destroyed) answer();
    }, 500);
    timers.add(t);
  } else {
    answer();
  }
});
server.keepAliveTimeout = 60_000;
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

async function run(options) {
  const f = createResilientFetch({ retry: false, breaker: false, budget: false, ...options });
  const before = seen;
  const started = performance.now();
  const latencies = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const s = performance.now();
        const res = await f(url);
        await res.text();
        latencies.push(performance.now() - s);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.floor((p / 100) * latencies.length)];
  const rps = (REQUESTS / (performance.now() - started)) * 1000;
  return { p50: at(50), p95: at(95), p99: at(99), rps, sent: seen - before, hedges: f.stats().hedges };
}

const plain = await run({});
const hedged = await run({ hedge: { delayMs: DELAY } });
for (const t of timers) clearTimeout(t);
server.closeAllConnections();
server.close();

console.log(`slow tail: 5% of responses stall 500 ms; ${REQUESTS} calls, concurrency ${CONCURRENCY}`);
console.log("                     p50 ms   p95 ms   p99 ms    calls/s   requests sent   extra");
for (const [name, r] of [["no hedging", plain], [`hedge after ${DELAY} ms`, hedged]]) {
  const extra = ((100 * (r.sent - REQUESTS)) / REQUESTS).toFixed(1);
  console.log(
    `${name.padEnd(20)} ${r.p50.toFixed(2).padStart(7)}  ${r.p95.toFixed(2).padStart(7)}  ${r.p99.toFixed(2).padStart(7)}  ${r.rps.toFixed(0).padStart(9)}   ${String(r.sent).padStart(13)}   ${extra.padStart(4)} %`,
  );
}
console.log(`p99 ratio (hedged / plain): ${(hedged.p99 / plain.p99).toFixed(3)}; throughput ratio: ${(hedged.rps / plain.rps).toFixed(2)}`);
console.log("(p50 rises with hedging because no worker idles in a stall: all 16 keep the server busy)");
