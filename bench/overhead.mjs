// Overhead of resilientFetch next to bare fetch and the peers (ky, cockatiel with retry and a
// breaker, p-retry), measured side by side in one run.
//
// 1. Loopback: a keep-alive server in a child process; interleaved rounds of every client at
//    concurrency 16 on the success path. Reports req/s, p50, p99 and client CPU per request,
//    each as a ratio to bare fetch (the machine is noisy: ratios, medians).
// 2. In-process: global fetch replaced by a stub answering at once, so only each wrapper's
//    own cost is timed.
// 3. Faults: the server answers 503 with `Retry-After: 0` to every 5th request it sees; every
//    library set to 4 attempts with ~10 ms waits: success rate and requests the server saw.
// 4. Size: the Wasm and JS a user loads, min+gzip (-9).
//
//   node bench/overhead.mjs [--requests 4000] [--rounds 5]

import { spawn } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createResilientFetch } from "resilient-fetch";
import ky from "ky";
import { retry, circuitBreaker, wrap, handleAll, handleWhenResult, ExponentialBackoff, ConsecutiveBreaker } from "cockatiel";
import pRetry from "p-retry";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const REQUESTS = arg("--requests", 4000);
const ROUNDS = arg("--rounds", 5);
const CONCURRENCY = 16;

const serverCode = `
  const http = require("node:http");
  let n = 0, faults = false;
  const s = http.createServer((req, res) => {
    if (req.url === "/faults/on") { faults = true; n = 0; res.end("on"); return; }
    if (req.url === "/faults/off") { faults = false; res.end(String(n)); return; }
    n++;
    if (faults && n % 5 === 0) { res.writeHead(503, { "retry-after": "0" }); res.end("busy"); return; }
    res.writeHead(200, { "content-type": "text/plain" }); res.end("ok");
  });
  s.keepAliveTimeout = 60000;
  s.listen(0, "127.0.0.1", () => console.log(s.address().port));
  process.stdin.on("end", () => process.exit(0)); process.stdin.resume();
  setTimeout(() => process.exit(0), 600000).unref();
`;
const child = spawn(process.execPath, ["-e", serverCode], { stdio: ["pipe", "pipe", "inherit"] });
const port = await new Promise((r) => child.stdout.once("data", (d) => r(Number(String(d).trim()))));
const url = `http://127.0.0.1:${port}/`;

const rf = createResilientFetch();
const cockatielPolicy = wrap(
  retry(handleWhenResult((r) => r.status >= 500 || r.status === 429), { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: 10 }) }),
  circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
);
const pRetryFetch = (u) =>
  pRetry(
    async () => {
      const r = await fetch(u);
      if (r.status >= 500 || r.status === 429) {
        await r.arrayBuffer();
        throw new Error(`status ${r.status}`);
      }
      return r;
    },
    { retries: 3, minTimeout: 10, maxTimeout: 10 },
  );
const kyFetch = ky.create({ retry: { limit: 3, backoffLimit: 10 }, throwHttpErrors: false, timeout: 30_000 });
const clients = {
  "bare fetch": (u) => fetch(u),
  resilientFetch: (u) => rf(u),
  ky: (u) => kyFetch(u),
  cockatiel: (u) => cockatielPolicy.execute(() => fetch(u)),
  "p-retry": pRetryFetch,
};

async function round(call) {
  const latencies = new Array(REQUESTS);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const s = performance.now();
        const res = await call(url);
        await res.text();
        latencies[i] = performance.now() - s;
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    rps: (REQUESTS / wall) * 1000,
    p50: latencies[Math.floor(REQUESTS * 0.5)],
    p99: latencies[Math.floor(REQUESTS * 0.99)],
    cpuUs: (cpu.user + cpu.system) / REQUESTS,
  };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
for (const name of Object.keys(clients)) await round(clients[name]); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, call] of Object.entries(clients)) results[name].push(await round(call));
}

const base = {};
console.log(`loopback, concurrency ${CONCURRENCY}, ${REQUESTS} requests x ${ROUNDS} interleaved rounds (medians)`);
console.log("client            req/s   ratio    p50 ms  ratio    p99 ms  ratio   CPU us/req  ratio");
for (const [name, rs] of Object.entries(results)) {
  const m = Object.fromEntries(["rps", "p50", "p99", "cpuUs"].map((k) => [k, median(rs.map((x) => x[k]))]));
  if (name === "bare fetch") Object.assign(base, m);
  const ratio = (k) => (m[k] / base[k]).toFixed(2).padStart(6);
  console.log(
    `${name.padEnd(16)} ${m.rps.toFixed(0).padStart(6)} ${ratio("rps")}  ${m.p50.toFixed(2).padStart(8)} ${ratio("p50")}  ${m.p99.toFixed(2).padStart(8)} ${ratio("p99")}  ${m.cpuUs.toFixed(1).padStart(10)} ${ratio("cpuUs")}`,
  );
}

// In-process: the wrapper's cost alone, against a stub fetch.
const realFetch = globalThis.fetch;
globalThis.fetch = async () => new Response("ok");
const N = 20_000;
async function timeIt(call) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await call(url);
  return ((performance.now() - t0) / N) * 1000;
}
const inproc = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
for (const call of Object.values(clients)) await timeIt(call);
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, call] of Object.entries(clients)) inproc[name].push(await timeIt(call));
}
globalThis.fetch = realFetch;
const b = median(inproc["bare fetch"]);
console.log("");
console.log(`in-process, stub fetch, ${N} sequential calls x ${ROUNDS} rounds (medians)`);
for (const [name, xs] of Object.entries(inproc)) {
  const w = median(xs);
  console.log(`${name.padEnd(16)} ${w.toFixed(2).padStart(7)} us/call   ratio ${(w / b).toFixed(2)}   wrapper cost ${(w - b).toFixed(2)} us`);
}

// Faults: every 5th request the server sees is a 503 with Retry-After: 0.
const faultClients = {
  "bare fetch": (u) => fetch(u),
  resilientFetch: ((f) => (u) => f(u))(
    createResilientFetch({ retry: { maxAttempts: 4, baseDelayMs: 10, retryAfterJitterMs: 10 } }),
  ),
  "resilientFetch, no budget": ((f) => (u) => f(u))(
    createResilientFetch({ retry: { maxAttempts: 4, baseDelayMs: 10, retryAfterJitterMs: 10 }, budget: false }),
  ),
  // ky retries only when it throws on HTTP errors: take the response back from the error.
  ky: ((k) => (u) => k(u).catch((e) => e.response ?? Promise.reject(e)))(
    ky.create({ retry: { limit: 3, backoffLimit: 10 }, timeout: 30_000 }),
  ),
  cockatiel: clients.cockatiel,
  "p-retry": (u) => pRetryFetch(u).catch((e) => ({ status: 503, text: async () => String(e) })),
};
console.log("");
console.log(`faults: every 5th request answers 503 (Retry-After: 0); ${REQUESTS} calls, concurrency ${CONCURRENCY}, 4 attempts each`);
console.log("client                      success   server requests   per call");
for (const [name, call] of Object.entries(faultClients)) {
  await fetch(`${url}faults/on`);
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const res = await call(url);
        await res.text();
        if (res.status === 200) ok++;
      }
    }),
  );
  const seen = Number(await (await fetch(`${url}faults/off`)).text());
  console.log(`${name.padEnd(26)} ${((100 * ok) / REQUESTS).toFixed(1).padStart(6)} %   ${String(seen).padStart(15)}   ${(seen / REQUESTS).toFixed(3).padStart(8)}`);
}
child.stdin.end();

// Size of what a user loads.
const dist = join(fileURLToPath(new URL(".", import.meta.resolve("resilient-fetch"))), ".");
const files = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|wasm)$/.test(f) && !/browser\.js$/.test(f)) files.push(p);
  }
};
walk(dist);
const sizeOf = (filter) =>
  files.filter(filter).reduce((acc, f) => acc + gzipSync(readFileSync(f), { level: 9 }).length, 0);
const wasm = sizeOf((f) => f.endsWith(".wasm"));
const js = sizeOf((f) => f.endsWith(".js"));
console.log("");
console.log(`size (gzip -9): wasm ${(wasm / 1024).toFixed(1)} KB + js ${(js / 1024).toFixed(1)} KB = ${((wasm + js) / 1024).toFixed(1)} KB`);
