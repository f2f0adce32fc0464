// Real, unmodified rate limiters against resilientFetch (no options) and the peers: each run is
// one library against one fresh server instance (fresh quota), `clients` concurrent clients
// each making `calls` GETs in a row through one client instance. Per run: final 200s, the
// requests the server saw, its 429s, wall time, and what it accepted and refused per 100 ms.
// Reports the median of the runs per (server, library) as Markdown on stdout, writes all runs
// as JSON and a self-contained HTML report.
//   node bench/limiters/run.mjs [--runs 3] [--quick] [--clients 20] [--calls 10]
//        [--servers nginx,fastify,...] [--libraries resilient-fetch,ky,...] [--out dir] [--check]
// --quick: 1 run of 5 clients x 4 calls, only to see the pipeline work. --check: then open the
// report in headless Chromium (check-report.mjs).
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { SERVERS, startServer, floorMs } from "./servers.mjs";
import { LIBRARIES } from "./clients.mjs";
import { renderHtml, markdownTables, median } from "./report.mjs";

const argv = process.argv.slice(2);
const has = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i < 0 ? dflt : argv[i + 1];
};
const quick = has("--quick");
const RUNS = Number(opt("--runs", quick ? 1 : 3));
const CLIENTS = Number(opt("--clients", quick ? 5 : 20));
const CALLS = Number(opt("--calls", quick ? 4 : 10));
const serverIds = opt("--servers", SERVERS.map((s) => s.id).join(",")).split(",");
const libraryIds = opt("--libraries", LIBRARIES.map((l) => l.id).join(",")).split(",");
const OUT = resolve(opt("--out", new URL("./out", import.meta.url).pathname));
const BUCKET_MS = 100;

for (const [n, v] of [["--runs", RUNS], ["--clients", CLIENTS], ["--calls", CALLS]]) {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${n} must be an integer >= 1, got ${v}`);
}
const servers = serverIds.map((id) => SERVERS.find((s) => s.id === id) ?? fail(`unknown server ${id}`));
const libraries = libraryIds.map((id) => LIBRARIES.find((l) => l.id === id) ?? fail(`unknown library ${id}`));
function fail(msg) {
  throw new Error(msg);
}

const errorName = (e) => e?.name && e.name !== "Error" ? e.name : String(e?.message ?? e).slice(0, 60);

async function oneRun(server, library, run) {
  const instance = await startServer(server.id);
  const call = await library.make();
  const outcomes = [];
  let wallMs;
  let log;
  const t0 = Date.now();
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < CALLS; i++) {
          const start = Date.now() - t0;
          let status = null;
          let error;
          try {
            status = await call(instance.url);
          } catch (e) {
            error = errorName(e);
          }
          outcomes.push({ client, start, end: Date.now() - t0, status, ...(error ? { error } : {}) });
        }
      }),
    );
    wallMs = Date.now() - t0;
    log = await instance.log();
  } finally {
    await instance.stop();
  }
  const n = CLIENTS * CALLS;
  const buckets = [];
  let serverRequests = 0;
  let server429 = 0;
  let serverOther = 0;
  for (const [t, status] of log) {
    serverRequests++;
    const b = Math.max(0, Math.floor((t - t0) / BUCKET_MS));
    while (buckets.length <= b) buckets.push([0, 0]);
    if (status === 429) {
      server429++;
      buckets[b][1]++;
    } else {
      if (status !== 200) serverOther++;
      buckets[b][0]++;
    }
  }
  const successes = outcomes.filter((o) => o.status === 200).length;
  const errors = {};
  for (const o of outcomes) if (o.error) errors[o.error] = (errors[o.error] ?? 0) + 1;
  const finals = {};
  for (const o of outcomes) if (o.status !== null) finals[o.status] = (finals[o.status] ?? 0) + 1;
  const floor = floorMs(server.quota, n);
  return {
    server: server.id,
    library: library.id,
    run,
    calls: n,
    successes,
    successPct: (100 * successes) / n,
    serverRequests,
    server429,
    serverOther,
    wallMs,
    floorMs: floor,
    ratio: floor > 0 ? wallMs / floor : null,
    finalStatuses: finals,
    errors,
    bucketMs: BUCKET_MS,
    buckets,
    callLatencyMs: { median: median(outcomes.map((o) => o.end - o.start)), max: Math.max(...outcomes.map((o) => o.end - o.start)) },
  };
}

const started = Date.now();
const runs = [];
for (const server of servers) {
  for (let run = 1; run <= RUNS; run++) {
    // Libraries interleaved within each round, so slow drift of the machine spreads evenly.
    for (const library of libraries) {
      const r = await oneRun(server, library, run);
      runs.push(r);
      console.error(
        `${server.id} ${library.id} run ${run}: ${r.successPct.toFixed(1)} % ok, ${r.serverRequests} requests, ` +
          `${r.server429} x 429, ${(r.wallMs / 1000).toFixed(2)} s` +
          (Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ""),
      );
    }
  }
}

const results = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  load: { clients: CLIENTS, callsPerClient: CALLS, calls: CLIENTS * CALLS, runs: RUNS, quick },
  servers: servers.map(({ id, title, quota }) => ({ id, title, quota, floorMs: floorMs(quota, CLIENTS * CALLS) })),
  libraries: libraries.map(({ id, setup }) => ({ id, setup })),
  totalMs: Date.now() - started,
  runs,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/limiters-results.json`, JSON.stringify(results) + "\n");
writeFileSync(`${OUT}/limiters-report.html`, renderHtml(results));
console.log(markdownTables(results));
console.error(`wrote ${OUT}/limiters-results.json and ${OUT}/limiters-report.html (${((Date.now() - started) / 1000).toFixed(0)} s)`);
if (has("--check")) {
  // The page checked in headless Chromium (check-report.mjs); its verdict is the exit code.
  const { spawnSync } = await import("node:child_process");
  const check = spawnSync(process.execPath, [new URL("./check-report.mjs", import.meta.url).pathname, `${OUT}/limiters-report.html`], { stdio: ["ignore", "inherit", "inherit"] });
  process.exitCode = check.status ?? 1;
}
