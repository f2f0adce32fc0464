// Overhead of resilientFetch next to bare fetch, measured side by side in one run.
//
// 1. Loopback: a keep-alive server in a child process; interleaved rounds of bare fetch and
//    resilientFetch at concurrency 16 on the success path. Reports req/s, p50, p99 and client
//    CPU per request, each as a ratio to bare fetch (the machine is noisy: ratios, medians).
// 2. In-process: global fetch replaced by a stub answering at once, so only the wrapper's
//    own cost is timed.
// 3. Size: the Wasm and JS a user loads, min+gzip (-9).
//
//   node bench/overhead.mjs [--requests 4000] [--rounds 5]

import { spawn } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createResilientFetch } from "resilient-fetch";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const REQUESTS = arg("--requests", 4000);
const ROUNDS = arg("--rounds", 5);
const CONCURRENCY = 16;

const serverCode = `
  const http = require("node:http");
  const s = http.createServer((req, res) => { res.writeHead(200, { "content-type": "text/plain" }); res.end("ok"); });
  s.keepAliveTimeout = 60000;
  s.listen(0, "127.0.0.1", () => console.log(s.address().port));
  process.stdin.on("end", () => process.exit(0)); process.stdin.resume();
  setTimeout(() => process.exit(0), 600000).unref();
`;
const child = spawn(process.execPath, ["-e", serverCode], { stdio: ["pipe", "pipe", "inherit"] });
const port = await new Promise((r) => child.stdout.once("data", (d) => r(Number(String(d).trim()))));
const url = `http://127.0.0.1:${port}/`;

const rf = createResilientFetch();
const clients = {
  "bare fetch": (u) => fetch(u),
  resilientFetch: (u) => rf(u),
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
child.stdin.end();

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
const stubResponse = () => new Response("ok");
globalThis.fetch = async () => stubResponse();
const N = 20_000;
async function timeIt(call) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await call(url);
  return ((performance.now() - t0) / N) * 1000;
}
const stubRf = createResilientFetch();
const inproc = { bare: [], rf: [] };
await timeIt((u) => fetch(u));
await timeIt((u) => stubRf(u));
for (let r = 0; r < ROUNDS; r++) {
  inproc.bare.push(await timeIt((u) => fetch(u)));
  inproc.rf.push(await timeIt((u) => stubRf(u)));
}
globalThis.fetch = realFetch;
const b = median(inproc.bare);
const w = median(inproc.rf);
console.log("");
console.log(`in-process, stub fetch, ${N} sequential calls x ${ROUNDS} rounds (medians)`);
console.log(`bare stub fetch    ${b.toFixed(2)} us/call`);
console.log(`resilientFetch     ${w.toFixed(2)} us/call   ratio ${(w / b).toFixed(2)}   wrapper cost ${(w - b).toFixed(2)} us`);

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
