// The lean-build goals (issue #16), each measured side by side with its reference in one run
// (interleaved rounds, medians: the machine is noisy, so every goal is a ratio, never a
// wall-clock limit). Prints the details of each measurement, then a markdown table
// (goal | measured | ratio | met/missed) and, last, one JSON line with the same figures.
// A missed goal is reported, not an error: the exit status is 0 unless a measurement fails.
//
//   1. Browser load size: dist/browser.js bundled and minified by esbuild, plus the .wasm
//      file(s) under dist/, gzip -9; ky and cockatiel bundled the same way.     <= 20 KB
//   2. Node import time: a fresh process importing dist/node.js vs a no-op module
//      (in-process time of the `await import()`; whole-process time beside it). <= 2x
//   3. Wrapper cost against a stub fetch (sequential and 16 concurrent calls):
//      timeoutMs: false <= 1.2x bare fetch; defaults <= cockatiel (retry+breaker+timeout).
//   4. Client CPU per request on loopback, concurrency 16: timeoutMs: false <= 1.05x bare
//      fetch; defaults <= cockatiel (retry+breaker+timeout).
//   5. One decision through the JS engine API (EngineClient/EngineCall) vs natively
//      (`cargo bench --bench decision`, the same call of 503, 503, 200).        <= 10x
//   6. workerd start-up: a Worker importing the package vs a no-op Worker, time to the
//      first response of a fresh Miniflare.                                      <= 1.05x
//
//   node bench/goals.mjs [--quick] [--profile] [--rounds N] [--only 1,3,...]
//   bash scripts/bench.sh [same arguments]   (runs this first; with --quick, only this)
//
// --quick: a few small rounds (seconds, not minutes): proves the script runs; its figures
// are rough. --profile: also runs the stub-fetch loop of resilientFetch (defaults and
// timeoutMs: false, with bare fetch as the baseline) and the engine API's decision loop under
// `node --cpu-prof`, writes the profiles and prints where the time goes (self time, by
// origin, and by the package function it is spent under). --only: run some measurements (by
// number) and skip the others.

import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { EngineClient } from "resilient-fetch";
import {
  arg,
  flag,
  loopbackRound,
  makeClients,
  median,
  startLoopbackServer,
  jsDecisionNs,
  stubCalls,
  stubFetch,
} from "./common.mjs";

const QUICK = flag("--quick");
const PROFILE = flag("--profile");
const ROUNDS = arg("--rounds", QUICK ? 2 : 7);
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt < 0 ? null : new Set(process.argv[onlyAt + 1].split(",").map(Number));
const wanted = (n) => !ONLY || ONLY.has(n);

const repo = fileURLToPath(new URL("..", import.meta.url));
const dist = join(repo, "dist");
const tmp = mkdtempSync(join(tmpdir(), "rf-goals-"));
const started = performance.now();

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const fx = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const log = (...xs) => console.log(...xs);
const section = (title) => log(`\n## ${title}\n`);
/** Rotates `xs` by `r` so no entry always runs first in a round. */
const rotate = (xs, r) => xs.map((_, i) => xs[(i + r) % xs.length]);

/** Each goal's row: id, goal text, measured text, ratio, limit, and the raw figures. */
const goals = [];
const goal = (id, text, measured, ratio, limit, figures) =>
  goals.push({ id, goal: text, measured, ratio, limit, met: Number.isFinite(ratio) ? ratio <= limit : null, figures });

/** Files under `dir` whose names end with `ext`, recursively. */
function filesUnder(dir, ext) {
  const out = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, ext));
    else if (f.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

// 1. Browser load size.
async function browserSize() {
  section("1. Browser load size (esbuild: bundle, minify, esm, platform browser; gzip -9)");
  const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
  const bundle = async (entry) => {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      write: false,
      outdir: join(tmp, "size"),
      // A .wasm imported rather than fetched by URL stays out of the JS (counted below).
      loader: { ".wasm": "file" },
      absWorkingDir: repo,
      nodePaths: [join(repo, "node_modules")],
      logLevel: "silent",
    });
    const js = out.outputFiles.filter((f) => /\.m?js$/.test(f.path));
    return js.reduce((acc, f) => acc + gz(f.contents), 0);
  };
  const entryFile = (name, code) => {
    const p = join(tmp, `${name}.mjs`);
    writeFileSync(p, code);
    return p;
  };
  const wasmFiles = filesUnder(dist, ".wasm");
  const wasm = wasmFiles.reduce((acc, f) => acc + gz(readFileSync(f)), 0);
  const js = await bundle(join(dist, "browser.js"));
  const ky = await bundle(entryFile("ky", `export { default } from "ky";`));
  const cockatiel = await bundle(
    entryFile(
      "cockatiel",
      `export { retry, circuitBreaker, timeout, wrap, handleAll, handleWhenResult, ExponentialBackoff, ConsecutiveBreaker, TimeoutStrategy } from "cockatiel";`,
    ),
  );
  const total = js + wasm;
  log(`resilient-fetch  ${kb(total)} = JS ${kb(js)} (dist/browser.js bundled) + Wasm ${kb(wasm)} (${wasmFiles.map((f) => relative(repo, f)).join(", ")})`);
  log(`ky               ${kb(ky)}`);
  log(`cockatiel        ${kb(cockatiel)} (retry, circuitBreaker, timeout, wrap and their helpers)`);
  goal(
    1,
    "browser load size (min+gzip JS + Wasm) <= 20 KB",
    `${kb(total)} (JS ${kb(js)} + Wasm ${kb(wasm)}); ky ${kb(ky)}, cockatiel ${kb(cockatiel)}`,
    total / (20 * 1024),
    1,
    { totalBytes: total, jsBytes: js, wasmBytes: wasm, kyBytes: ky, cockatielBytes: cockatiel },
  );
}

// 2. Node import time.
function nodeImport() {
  const runs = Math.max(QUICK ? 5 : 15, ROUNDS);
  section(`2. Node import time (fresh processes, ${runs} interleaved runs each, medians)`);
  const noop = join(tmp, "noop.mjs");
  writeFileSync(noop, "export const x = 1;\n");
  const targets = { "no-op module": noop, "dist/node.js": join(dist, "node.js") };
  const res = Object.fromEntries(Object.keys(targets).map((k) => [k, { inproc: [], proc: [] }]));
  const ratios = [];
  for (let r = 0; r < runs; r++) {
    const round = {};
    for (const name of rotate(Object.keys(targets), r)) {
      const url = JSON.stringify(pathToFileURL(targets[name]).href);
      const code = `const t0 = performance.now(); await import(${url}); console.log(performance.now() - t0);`;
      const t0 = performance.now();
      const p = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
      const proc = performance.now() - t0;
      if (p.status !== 0) throw new Error(`importing ${name} failed: ${p.stderr}`);
      round[name] = Number(p.stdout.trim());
      res[name].inproc.push(round[name]);
      res[name].proc.push(proc);
    }
    ratios.push(round["dist/node.js"] / round["no-op module"]);
  }
  log("module          import ms (in process)   whole process ms");
  for (const [name, r] of Object.entries(res)) {
    log(`${name.padEnd(16)} ${fx(median(r.inproc)).padStart(22)}   ${fx(median(r.proc), 1).padStart(16)}`);
  }
  const m = (name, k) => median(res[name][k]);
  const procRatio = m("dist/node.js", "proc") / m("no-op module", "proc");
  log(`ratio: in process ${fx(median(ratios))} (median of per-run ratios), whole process ${fx(procRatio)}`);
  goal(
    2,
    "Node import time <= 2x a no-op module",
    `import ${fx(m("dist/node.js", "inproc"))} ms vs ${fx(m("no-op module", "inproc"))} ms; whole process ${fx(m("dist/node.js", "proc"), 0)} vs ${fx(m("no-op module", "proc"), 0)} ms (${fx(procRatio)}x)`,
    median(ratios),
    2,
    {
      importMs: m("dist/node.js", "inproc"),
      noopImportMs: m("no-op module", "inproc"),
      processMs: m("dist/node.js", "proc"),
      noopProcessMs: m("no-op module", "proc"),
      processRatio: procRatio,
    },
  );
}

// 3. Wrapper cost against a stub fetch.
async function stubCost() {
  const n = QUICK ? 2_000 : 10_000;
  section(`3. Wrapper cost, stub fetch (${n} calls per round, ${ROUNDS} interleaved rounds, medians)`);
  const realFetch = globalThis.fetch;
  globalThis.fetch = stubFetch;
  const clients = makeClients({ kyFetch: stubFetch });
  const names = Object.keys(clients);
  const modes = { sequential: 1, "16 concurrent": 16 };
  const us = {};
  for (const mode of Object.keys(modes)) us[mode] = Object.fromEntries(names.map((k) => [k, []]));
  try {
    for (const [mode, c] of Object.entries(modes)) {
      for (const name of names) await stubCalls(clients[name], { n: Math.min(n, 5_000), concurrency: c }); // warm-up
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const [mode, c] of Object.entries(modes)) {
        for (const name of rotate(names, r)) us[mode][name].push(await stubCalls(clients[name], { n, concurrency: c }));
      }
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  const perRound = (mode, a, b) => median(us[mode][a].map((x, i) => x / us[mode][b][i]));
  const figures = {};
  for (const mode of Object.keys(modes)) {
    log(`${mode}:`);
    log("client                               us/call   ratio to bare   wrapper cost us");
    const bare = median(us[mode]["bare fetch"]);
    for (const name of names) {
      const m = median(us[mode][name]);
      log(`${name.padEnd(34)} ${fx(m).padStart(9)}   ${fx(perRound(mode, name, "bare fetch")).padStart(13)}   ${fx(m - bare).padStart(15)}`);
    }
    log("");
    figures[mode] = Object.fromEntries(names.map((k) => [k, median(us[mode][k])]));
  }
  for (const mode of Object.keys(modes)) {
    const f = figures[mode];
    goal(
      `3 ${mode}`,
      `stub fetch, ${mode}: timeoutMs: false <= 1.2x bare fetch`,
      `${fx(f["resilientFetch, timeoutMs: false"])} vs ${fx(f["bare fetch"])} us/call`,
      perRound(mode, "resilientFetch, timeoutMs: false", "bare fetch"),
      1.2,
      f,
    );
    goal(
      `3 ${mode}`,
      `stub fetch, ${mode}: defaults <= cockatiel (retry+breaker+timeout)`,
      `${fx(f["resilientFetch, defaults"])} vs ${fx(f["cockatiel (retry+breaker+timeout)"])} us/call`,
      perRound(mode, "resilientFetch, defaults", "cockatiel (retry+breaker+timeout)"),
      1,
      f,
    );
  }
}

// 4. Client CPU per request on loopback.
async function loopbackCpu() {
  const requests = QUICK ? 500 : 4_000;
  section(`4. Loopback, keep-alive server in a child process, concurrency 16 (${requests} requests per round, ${ROUNDS} interleaved rounds, medians)`);
  const server = await startLoopbackServer();
  const clients = makeClients();
  const names = Object.keys(clients);
  const res = Object.fromEntries(names.map((k) => [k, []]));
  try {
    for (const name of names) await loopbackRound(clients[name], server.url, { requests: Math.min(requests, 1_000) }); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of rotate(names, r)) res[name].push(await loopbackRound(clients[name], server.url, { requests }));
    }
  } finally {
    server.close();
  }
  const m = (name, k) => median(res[name].map((x) => x[k]));
  const perRound = (a, b) => median(res[a].map((x, i) => x.cpuUs / res[b][i].cpuUs));
  log("client                               req/s   p50 ms   p99 ms   CPU us/req   CPU ratio to bare");
  for (const name of names) {
    log(
      `${name.padEnd(34)} ${fx(m(name, "rps"), 0).padStart(7)} ${fx(m(name, "p50")).padStart(8)} ${fx(m(name, "p99")).padStart(8)} ${fx(m(name, "cpuUs"), 1).padStart(12)}   ${fx(perRound(name, "bare fetch")).padStart(17)}`,
    );
  }
  const figures = Object.fromEntries(names.map((k) => [k, m(k, "cpuUs")]));
  goal(
    4,
    "loopback CPU/request: timeoutMs: false <= 1.05x bare fetch",
    `${fx(figures["resilientFetch, timeoutMs: false"], 1)} vs ${fx(figures["bare fetch"], 1)} us/req`,
    perRound("resilientFetch, timeoutMs: false", "bare fetch"),
    1.05,
    figures,
  );
  goal(
    4,
    "loopback CPU/request: defaults <= cockatiel (retry+breaker+timeout)",
    `${fx(figures["resilientFetch, defaults"], 1)} vs ${fx(figures["cockatiel (retry+breaker+timeout)"], 1)} us/req`,
    perRound("resilientFetch, defaults", "cockatiel (retry+breaker+timeout)"),
    1,
    figures,
  );
}

// 5. One decision through the JS engine API vs natively.
function nativeDecisionBinary() {
  const p = spawnSync("cargo", ["bench", "--quiet", "--bench", "decision", "--no-run", "--message-format=json"], {
    cwd: repo,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (p.status !== 0) throw new Error(`cargo bench --no-run failed: ${p.stderr}`);
  for (const line of p.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const m = JSON.parse(line);
    if (m.reason === "compiler-artifact" && m.target?.name === "decision" && m.executable) return m.executable;
  }
  throw new Error("cargo did not name the decision bench's executable");
}

function nativeDecisionNs(binary) {
  const p = spawnSync(binary, ["--bench"], { cwd: repo, encoding: "utf8" });
  const m = /([\d.]+) ns per decision/.exec(p.stdout);
  if (p.status !== 0 || !m) throw new Error(`decision bench failed: ${p.stdout}${p.stderr}`);
  return Number(m[1]);
}

function decisions() {
  const rounds = QUICK ? 2 : Math.max(5, Math.ceil(ROUNDS / 2) + 2);
  const calls = QUICK ? 5_000 : 50_000;
  section(`5. Decisions: JS engine API vs native (${rounds} interleaved rounds, medians)`);
  const binary = nativeDecisionBinary();
  const client = new EngineClient(7n);
  const ok = new EngineClient(7n);
  jsDecisionNs(client, [503, 503, 200], 10_000); // warm-up
  jsDecisionNs(ok, [200], 10_000);
  const native = [];
  const js = [];
  const js200 = [];
  for (let r = 0; r < rounds; r++) {
    native.push(nativeDecisionNs(binary));
    js.push(jsDecisionNs(client, [503, 503, 200], calls));
    js200.push(jsDecisionNs(ok, [200], calls * 3));
  }
  const ratio = median(js.map((x, i) => x / native[i]));
  log(`native (cargo bench --bench decision; call of 503, 503, 200): ${fx(median(native), 1)} ns per decision`);
  log(`JS engine API, the same call (start, 503 -> wait, wake, 503 -> wait, wake, 200 -> respond): ${fx(median(js), 1)} ns per decision (${fx(ratio)}x native)`);
  log(`JS engine API, start + onResponse 200 -> respond on a reused client: ${fx(median(js200), 1)} ns per decision`);
  goal(
    5,
    "a decision through the JS engine API <= 10x native",
    `${fx(median(js), 0)} vs ${fx(median(native), 0)} ns/decision (start + 200 alone: ${fx(median(js200), 0)} ns)`,
    ratio,
    10,
    { jsNs: median(js), nativeNs: median(native), jsStartAnd200Ns: median(js200) },
  );
}

// 6. workerd start-up.
async function workerdStartup() {
  const { bundleWorker, runWorker } = await import("../tests/server/workerd.mjs");
  const runs = Math.max(QUICK ? 3 : 15, ROUNDS);
  section(`6. workerd start-up: fresh Miniflare to first response (${runs} interleaved runs each, medians)`);
  const workers = {
    "no-op": `export default { fetch() { return new Response("ok"); } };`,
    "resilient-fetch": `import { resilientFetch } from "resilient-fetch";
export default { fetch() { return Response.json(resilientFetch.stats()); } };`,
  };
  const scripts = {};
  for (const [name, code] of Object.entries(workers)) {
    // Inside the package, so "resilient-fetch" resolves to it (its workerd entry), as for a user.
    const src = join(repo, "bench", `.worker-${name}.mjs`);
    writeFileSync(src, code);
    try {
      const outdir = join(tmp, `worker-${name}`);
      scripts[name] = { outdir, script: await bundleWorker(repo, src, outdir) };
    } finally {
      rmSync(src, { force: true });
    }
  }
  const res = Object.fromEntries(Object.keys(workers).map((k) => [k, []]));
  const ratios = [];
  const once = async (name) => {
    const t = performance.now();
    const mf = runWorker(scripts[name].outdir, scripts[name].script);
    try {
      await (await mf.dispatchFetch("http://w/")).text();
      return performance.now() - t;
    } finally {
      await mf.dispose();
    }
  };
  for (const name of Object.keys(workers)) await once(name); // warm-up (disk caches)
  for (let r = 0; r < runs; r++) {
    const round = {};
    for (const name of rotate(Object.keys(workers), r)) res[name].push((round[name] = await once(name)));
    ratios.push(round["resilient-fetch"] / round["no-op"]);
  }
  const noop = median(res["no-op"]);
  const ours = median(res["resilient-fetch"]);
  log(`no-op ${fx(noop, 0)} ms, resilient-fetch ${fx(ours, 0)} ms; ratio ${fx(median(ratios))} (median of per-run ratios)`);
  goal(6, "workerd start-up <= 1.05x a no-op Worker", `${fx(ours, 0)} vs ${fx(noop, 0)} ms`, median(ratios), 1.05, {
    ms: ours,
    noopMs: noop,
  });
}

// --profile: the stub-fetch loops (and the engine API's) under `node --cpu-prof`.
function profile() {
  const n = QUICK ? 20_000 : 200_000;
  section(`Profile (node --cpu-prof; ${n} sequential calls per loop; bench/profile-loop.mjs)`);
  const dir = mkdtempSync(join(tmpdir(), "rf-profile-"));
  const variants = {
    bare: "bare fetch over the stub (the baseline)",
    "no-timeout": "resilientFetch, timeoutMs: false, over the stub",
    defaults: "resilientFetch, defaults, over the stub",
    engine: "JS engine API, calls of 503, 503, 200",
  };
  const profiles = {};
  for (const [variant, title] of Object.entries(variants)) {
    const calls = variant === "engine" ? Math.ceil(n / 10) : n;
    const p = spawnSync(
      process.execPath,
      [
        "--cpu-prof",
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${variant}.cpuprofile`,
        "--cpu-prof-interval=100",
        join(repo, "bench", "profile-loop.mjs"),
        "--variant",
        variant,
        "--n",
        String(calls),
      ],
      { cwd: repo, encoding: "utf8" },
    );
    if (p.status !== 0) throw new Error(`profiling failed: ${p.stderr}`);
    const file = join(dir, `${variant}.cpuprofile`);
    profiles[variant] = file;
    const { usPerCall } = JSON.parse(p.stdout.trim().split("\n").pop());
    log(`### ${title}: ${fx(usPerCall)} us/call under the profiler\n${file}\n`);
    printProfile(JSON.parse(readFileSync(file, "utf8")), variant === "bare" ? 8 : 15);
    log("");
  }
  return profiles;
}

/**
 * Prints, from a .cpuprofile: the functions with the most self time; the time by origin (the
 * package's JS, its Wasm and the boundary, Node's built-ins, GC); and the time under each of
 * the package's JS functions nearest the sample (so a built-in's cost is charged to the
 * package function that called it: where the wrapper's cost goes).
 */
function printProfile(prof, top) {
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of prof.nodes) for (const c of node.children ?? []) parent.set(c, node);
  const fileOf = (url) => (url.startsWith("file://") ? relative(repo, fileURLToPath(url)) : url);
  const name = ({ functionName, url, lineNumber }) =>
    `${functionName || "(anonymous)"}${url ? `  ${fileOf(url)}:${lineNumber + 1}` : ""}`;
  const distUrl = `${pathToFileURL(dist).href}/`;
  const isPackage = (url) => url.startsWith(distUrl);
  const self = new Map();
  const origin = new Map();
  const under = new Map();
  const add = (map, key, dt) => map.set(key, (map.get(key) ?? 0) + dt);
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    const dt = prof.timeDeltas[i + 1] ?? 0; // the time until the next sample is this sample's
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") continue;
    total += dt;
    add(self, name(node.callFrame), dt);
    const wasm = /^wasm/.test(url) || /^(js-to-wasm|wasm-to-js|\$?wasm-function)/.test(functionName);
    add(
      origin,
      wasm
        ? "Wasm (engine and driver) and its boundary"
        : isPackage(url)
          ? "the package's JavaScript (dist/)"
          : /\/bench\//.test(url)
            ? "the benchmark loop (bench/)"
            : functionName.startsWith("(")
              ? functionName
              : "Node and V8 built-ins (Response, AbortSignal, timers, promises...)",
      dt,
    );
    let at = node;
    while (at && !isPackage(at.callFrame.url)) at = parent.get(at.id);
    add(under, at ? name(at.callFrame) : wasm ? "(Wasm, no JS caller sampled)" : "(outside the package)", dt);
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const list = (title, map, k) => {
    log(title);
    for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, k)) log(`  ${pct(t)}  ${key}`);
  };
  list("self time, top functions:", self, top);
  list("by origin:", origin, 10);
  list("by the package's nearest JS function on the stack (its callees included):", under, top);
}

const steps = [
  [1, browserSize],
  [2, nodeImport],
  [3, stubCost],
  [4, loopbackCpu],
  [5, decisions],
  [6, workerdStartup],
];
log(`# resilient-fetch lean-build goals${QUICK ? " (--quick: rough figures)" : ""}`);
log(`node ${process.version}, ${new Date().toISOString()}`);
const failures = [];
for (const [n, step] of steps) {
  if (!wanted(n)) continue;
  const t0 = performance.now();
  try {
    await step();
    log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (e) {
    failures.push(n);
    log(`measurement ${n} failed: ${e.stack ?? e}`);
  }
}
let profiles;
if (PROFILE) profiles = profile();
rmSync(tmp, { recursive: true, force: true });

section("Goals");
log("| goal | measured | ratio | met/missed |");
log("|---|---|---|---|");
for (const g of goals) {
  const status = g.met === null ? "n/a" : g.met ? "met" : "missed";
  const ratio = g.id === 1 ? `${fx(g.ratio)}x of 20 KB` : `${fx(g.ratio)}x (limit ${g.limit}x)`;
  log(`| ${g.goal} | ${g.measured} | ${ratio} | ${status} |`);
}
const seconds = (performance.now() - started) / 1000;
log(`\n${goals.filter((g) => g.met).length} of ${goals.length} met; ${seconds.toFixed(0)} s${QUICK ? " (--quick)" : ""}`);
log(
  JSON.stringify({
    bench: "goals",
    quick: QUICK,
    node: process.version,
    date: new Date().toISOString(),
    seconds: Math.round(seconds),
    goals: goals.map(({ id, goal: text, ratio, limit, met, figures }) => ({ id: String(id), goal: text, ratio, limit, met, figures })),
    ...(profiles ? { profiles } : {}),
    ...(failures.length ? { failed: failures } : {}),
  }),
);
process.exitCode = failures.length ? 1 : 0;
