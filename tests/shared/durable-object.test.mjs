// Shared state across isolates through a Durable Object, in workerd (miniflare), with the
// package as users get it. One Miniflare runs five Workers: "state" defines the package's
// SharedStateObject class (do-state.mjs) and w1..w4 run the same calling Worker (do-caller.mjs),
// each in its own isolate with its own `api`, all bound to that class as RF_STATE. The
// origin is an HTTP server in this process that logs every request it gets (path, time).
//
//   RF_DO_PROJECT=<packed project> node --test tests/shared/durable-object.test.mjs
//
// scripts/test-shared-do.sh makes the packed project (npm pack, the tarball installed into a
// temporary project) and runs this file; the Workers are bundled from inside that project,
// so "resilient-fetch" and "resilient-fetch/durable-object" resolve as a user's bundler
// resolves them.
//
// Each test starts its own Miniflare (fresh isolates, fresh Durable Object storage) and its
// own origin (a fresh breaker key). Every loop is bounded in calls and in time.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../server/workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const project = process.env.RF_DO_PROJECT && resolve(process.env.RF_DO_PROJECT);
const CALLERS = ["w1", "w2", "w3", "w4"];
const THRESHOLD = 5;
const RESET_MS = 1200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let callerBundle;
let stateBundle;

before(async () => {
  assert.ok(project, "RF_DO_PROJECT must name the packed project (see scripts/test-shared-do.sh)");
  await copyFile(join(here, "do-caller.mjs"), join(project, "do-caller.mjs"));
  await copyFile(join(here, "do-state.mjs"), join(project, "do-state.mjs"));
  const out = join(project, "do-dist");
  await mkdir(out, { recursive: true });
  callerBundle = { outdir: join(out, "caller") };
  callerBundle.scriptPath = await bundleWorker(project, "do-caller.mjs", callerBundle.outdir);
  stateBundle = { outdir: join(out, "state") };
  stateBundle.scriptPath = await bundleWorker(project, "do-state.mjs", stateBundle.outdir);
});

function workerOptions(name, bundle, durableObjects) {
  return {
    name,
    modules: true,
    scriptPath: bundle.scriptPath,
    modulesRoot: bundle.outdir,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "ESModule", include: ["**/*.js"] },
    ],
    compatibilityDate: "2025-01-01",
    durableObjects,
  };
}

/** One Miniflare: the "state" Worker and the four callers; returns { mf, workers }. */
async function startFleet() {
  const mf = new Miniflare({
    workers: [
      workerOptions("state", stateBundle, {
        RF_STATE: { className: "SharedStateObject", useSQLite: true },
      }),
      ...CALLERS.map((name) =>
        workerOptions(name, callerBundle, {
          RF_STATE: { className: "SharedStateObject", scriptName: "state", useSQLite: true },
        }),
      ),
    ],
  });
  await mf.ready;
  const workers = {};
  for (const name of CALLERS) workers[name] = await mf.getWorker(name);
  return { mf, workers };
}

/** The origin: /fail answers 503, /limited 429 with Retry-After: 3, anything else 200. */
async function startOrigin() {
  const log = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    log.push({ path, t: Date.now() });
    if (path === "/fail") {
      res.writeHead(503, { "content-type": "text/plain" }).end("down\n");
    } else if (path === "/limited") {
      res.writeHead(429, { "content-type": "text/plain", "retry-after": "3" }).end("slow down\n");
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    log,
    requests: (path) => log.filter((e) => e.path === path),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** One call through `worker`: its JSON answer, with the caller's name and times around it. */
async function call(workers, name, target, cfg) {
  const t0 = Date.now();
  const q = new URLSearchParams({ url: target, cfg: JSON.stringify(cfg) });
  const res = await workers[name].fetch(`http://caller.local/call?${q}`);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${name}: ${res.status} ${text.slice(0, 500)}`);
  }
  if (res.status !== 200) throw new Error(`${name}: ${res.status} ${text.slice(0, 500)}`);
  return { worker: name, t0, t1: Date.now(), ...body };
}

/** Each caller calls `target` one call at a time until `untilMs` (at most `maxCalls`). */
async function loops(workers, target, cfg, durationMs, { maxCalls = 600, pauseMs = 15 } = {}) {
  const until = Date.now() + durationMs;
  const results = [];
  await Promise.all(
    CALLERS.map(async (name) => {
      for (let n = 0; n < maxCalls && Date.now() < until; n++) {
        results.push(await call(workers, name, target, cfg));
        await sleep(pauseMs);
      }
    }),
  );
  return results.sort((a, b) => a.t1 - b.t1);
}

const tally = (results) => {
  const out = {};
  for (const r of results) {
    const k = r.error ?? `status ${r.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

/** The four callers looping on the always-failing origin for `durationMs`, with `cfg`: the
 * calls' results and the origin's request times, logged. Stops the fleet and the origin. */
async function failingLoop(t, cfg, durationMs) {
  const origin = await startOrigin();
  const { mf, workers } = await startFleet();
  try {
    const started = Date.now();
    const results = await loops(workers, `${origin.origin}/fail`, cfg, durationMs);
    const ended = Date.now();
    const sent = origin.requests("/fail").map((e) => e.t);
    t.diagnostic(`calls ${results.length}: ${JSON.stringify(tally(results))}; origin saw ${sent.length}`);
    t.diagnostic(`origin request times (ms from start): ${sent.map((x) => x - started).join(" ")}`);
    return { started, ended, results, sent };
  } finally {
    await mf.dispose();
    await origin.close();
  }
}

test("a failing origin: the four isolates open together and send one half-open probe per reset period", async (t) => {
  const cfg = { shared: true, threshold: THRESHOLD, resetMs: RESET_MS };
  const { started, ended, results, sent } = await failingLoop(t, cfg, 3.6 * RESET_MS);
  assert.equal(Math.max(...results.map((r) => r.unavailable)), 0, "a caller reported the store unavailable");

  // The opening: the first answer (any caller) that reports the breaker open.
  const firstOpen = results.find((r) => r.breakerState === "open");
  assert.ok(firstOpen, `no caller ever reported the breaker open: ${JSON.stringify(tally(results))}`);
  const tOpen = firstOpen.t1;
  // Up to the threshold's failures, plus one call per caller in flight when the store opened.
  // A half-open probe cannot come before tOpen + RESET_MS: the cut at half a period splits
  // the opening's requests from the probes.
  const cut = tOpen + RESET_MS / 2;
  const opening = sent.filter((x) => x <= cut);
  const probes = sent.filter((x) => x > cut);
  const periods = (ended - tOpen) / RESET_MS;
  t.diagnostic(
    `opened at +${tOpen - started} ms; ${opening.length} requests before it (threshold ${THRESHOLD}); ` +
      `${probes.length} after it over ${periods.toFixed(2)} reset periods, at +${probes.map((x) => x - tOpen).join(", +")} ms from the opening`,
  );
  assert.ok(opening.length >= THRESHOLD, `only ${opening.length} requests opened the breaker`);
  assert.ok(
    opening.length <= THRESHOLD + 4,
    `${opening.length} requests before the shared breaker opened (threshold ${THRESHOLD}, at most 4 more in flight)`,
  );

  // After it: at most one request (the half-open probe) per reset period, fleet-wide.
  assert.ok(
    probes.length <= Math.floor(periods) + 1,
    `${probes.length} requests after the opening over ${periods.toFixed(2)} reset periods ` +
      `(at most one half-open probe per period): at +${probes.map((x) => x - tOpen).join(", +")} ms`,
  );
  for (let i = 1; i < probes.length; i++) {
    assert.ok(
      probes[i] - probes[i - 1] >= RESET_MS / 2,
      `two probes ${probes[i] - probes[i - 1]} ms apart (reset period ${RESET_MS} ms)`,
    );
  }
  assert.ok(probes.length >= 1, "no half-open probe at all: the breaker never let a call through again");

  // Every caller reads "open" right after the opening: its first answer to a call that
  // started after the first "open" answer.
  for (const name of CALLERS) {
    const next = results.find((r) => r.worker === name && r.t0 >= tOpen);
    assert.ok(next, `${name} made no call after the opening`);
    assert.equal(next.breakerState, "open", `${name}'s first call after the opening: ${JSON.stringify(next)}`);
    assert.ok(next.t1 - tOpen < RESET_MS, `${name} answered ${next.t1 - tOpen} ms after the opening`);
  }

  // Most calls were refused by the open breaker without sending.
  const refused = results.filter((r) => r.error === "CircuitOpenError").length;
  assert.ok(refused > results.length / 2, `only ${refused} of ${results.length} calls were CircuitOpenError`);
});

/** A 429 with Retry-After: 3 met by w1 holds w2..w4, which then fail at once, without sending. */
async function holdAcrossIsolates(t, cfg, { warm }) {
  const origin = await startOrigin();
  const { mf, workers } = await startFleet();
  try {
    if (warm) {
      const warmed = await Promise.all(CALLERS.map((name) => call(workers, name, `${origin.origin}/ok`, cfg)));
      for (const r of warmed) assert.equal(r.status, 200, `${r.worker} warming: ${JSON.stringify(r)}`);
    }
    const limited = `${origin.origin}/limited`;
    const first = await call(workers, "w1", limited, cfg);
    assert.equal(first.status, 429, `w1's call: ${JSON.stringify(first)}`);
    assert.equal(origin.requests("/limited").length, 1);
    const holdEnds = origin.requests("/limited")[0].t + 3000;

    // w2..w4, in parallel, three calls each, 150 ms apart: all well within the hold.
    const others = CALLERS.slice(1);
    const results = (
      await Promise.all(
        others.map(async (name) => {
          const mine = [];
          for (let i = 0; i < 3; i++) {
            mine.push(await call(workers, name, limited, cfg));
            await sleep(150);
          }
          return mine;
        }),
      )
    ).flat();
    const last = Math.max(...results.map((r) => r.t1));
    t.diagnostic(`w2..w4: ${JSON.stringify(tally(results))}; waits ${results.map((r) => r.retryAfterMs).join(" ")} ms`);
    t.diagnostic(`origin saw ${origin.requests("/limited").length} /limited request(s); last call ended ${holdEnds - last} ms before the hold's end`);
    assert.ok(last < holdEnds - 200, `the calls ran past the hold (the machine is too slow for this test)`);
    assert.equal(Math.max(...results.map((r) => r.unavailable)), 0, "a caller reported the store unavailable");

    assert.equal(
      origin.requests("/limited").length,
      1,
      `the origin saw ${origin.requests("/limited").length} /limited requests during the hold (only w1's expected)`,
    );
    for (const r of results) {
      assert.equal(r.error, "ThrottledError", `${r.worker}: ${JSON.stringify(r)}`);
      assert.ok(r.retryAfterMs > 0 && r.retryAfterMs <= 3000 + 1000, `${r.worker}'s wait: ${r.retryAfterMs} ms`);
    }
  } finally {
    await mf.dispose();
    await origin.close();
  }
}

// maxRetryAfterMs: 1000, so a call held for longer fails at once with ThrottledError (with the
// default, 30 s, it would wait for the hold and then send).
test("a Retry-After learned in one isolate holds the others: callers new to the origin", async (t) => {
  await holdAcrossIsolates(t, { shared: true, threshold: THRESHOLD, resetMs: RESET_MS, maxRetryAfterMs: 1000 }, { warm: false });
});

test("a Retry-After learned in one isolate holds the others: warmed callers, refreshMs 0", async (t) => {
  await holdAcrossIsolates(
    t,
    { shared: true, refreshMs: 0, threshold: THRESHOLD, resetMs: RESET_MS, maxRetryAfterMs: 1000 },
    { warm: true },
  );
});

test("control, without shared state: each isolate opens its own breaker (the origin sees 4x the threshold)", async (t) => {
  const cfg = { shared: false, threshold: THRESHOLD, resetMs: RESET_MS };
  const { ended, results, sent } = await failingLoop(t, cfg, 2.6 * RESET_MS);
  // Each caller sends exactly the threshold's failures before its own breaker opens.
  const openedAt = {};
  for (const name of CALLERS) {
    const mine = results.filter((r) => r.worker === name);
    const firstOpen = mine.findIndex((r) => r.breakerState === "open");
    assert.ok(firstOpen >= 0, `${name}'s breaker never opened`);
    openedAt[name] = mine[firstOpen].t1;
    const before = mine.slice(0, firstOpen + 1).filter((r) => r.status === 503).length;
    assert.equal(before, THRESHOLD, `${name} sent ${before} requests before its breaker opened`);
  }
  const tFirst = Math.min(...Object.values(openedAt));
  const tLast = Math.max(...Object.values(openedAt));
  assert.ok(tLast - tFirst < RESET_MS / 2, `the callers opened ${tLast - tFirst} ms apart`);
  const opening = sent.filter((x) => x <= tFirst + RESET_MS / 2);
  const probes = sent.filter((x) => x > tFirst + RESET_MS / 2);
  t.diagnostic(
    `${opening.length} requests before the breakers opened; ${probes.length} after over ` +
      `${((ended - tFirst) / RESET_MS).toFixed(2)} reset periods (each isolate probes on its own)`,
  );
  assert.equal(opening.length, CALLERS.length * THRESHOLD, "the origin's requests before the breakers opened");
});
