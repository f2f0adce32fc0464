// Shared by the benchmarks that put resilientFetch next to bare fetch and its peers
// (bench/goals.mjs, bench/faults.mjs, bench/profile-stub.mjs): argument parsing, medians, the
// loopback server in a child process, the clients (configured alike: retries, a breaker and a
// per-attempt timeout where the library has one), and the two timing loops (a loopback round
// at a fixed concurrency; calls against a stub fetch).

import { spawn } from "node:child_process";
import { createResilientFetch } from "resilient-fetch";
import ky from "ky";
import {
  retry,
  circuitBreaker,
  timeout,
  wrap,
  handleAll,
  handleWhenResult,
  ExponentialBackoff,
  ConsecutiveBreaker,
  TimeoutStrategy,
} from "cockatiel";
import pRetry from "p-retry";

/** `--name value` as a number, or `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
/** Whether `--name` was given. */
export const flag = (name) => process.argv.includes(name);

export const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * A keep-alive `node:http` server in a child process (so its CPU is not the client's): 200
 * "ok" to everything, or, between GET /faults/on and /faults/off, 503 with `Retry-After: 0`
 * to every 5th request (/faults/off answers how many requests it saw).
 */
export async function startLoopbackServer() {
  const code = `
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
    setTimeout(() => process.exit(0), 1800000).unref();
  `;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}/`, close: () => child.stdin.end() };
}

/** cockatiel with retry (3 attempts), a consecutive-failure breaker and a per-attempt timeout. */
export function cockatielFetch({ timeoutMs = 30_000 } = {}) {
  const policy = wrap(
    retry(handleWhenResult((r) => r.status >= 500 || r.status === 429), {
      maxAttempts: 3,
      backoff: new ExponentialBackoff({ initialDelay: 10, maxDelay: 10 }),
    }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    // Until the response (headers) as resilientFetch's timeoutMs: not aborted once it is back,
    // so the body can still be read.
    timeout(timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false }),
  );
  return (u) => policy.execute(({ signal }) => fetch(u, { signal }));
}

/** p-retry around fetch, retrying 5xx and 429 (3 retries, ~10 ms apart). */
export const pRetryFetch = (u) =>
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

/**
 * The clients compared, by name; each takes a URL and returns a promise of a Response. Every
 * one calls the global `fetch` at call time (so a stub put there is used), except ky when
 * `kyFetch` is given: then ky is created with it (`ky.create({ fetch })`).
 */
export function makeClients({ kyFetch } = {}) {
  const rfNoTimeout = createResilientFetch({ timeoutMs: false });
  const rfDefault = createResilientFetch();
  const kyClient = ky.create({
    retry: { limit: 3, backoffLimit: 10 },
    throwHttpErrors: false,
    timeout: 30_000,
    ...(kyFetch ? { fetch: kyFetch } : {}),
  });
  return {
    "bare fetch": (u) => fetch(u),
    "resilientFetch, timeoutMs: false": (u) => rfNoTimeout(u),
    "resilientFetch, defaults": (u) => rfDefault(u),
    "cockatiel (retry+breaker+timeout)": cockatielFetch(),
    ky: (u) => kyClient(u),
    "p-retry": pRetryFetch,
  };
}

/**
 * One loopback round: `requests` calls of `call(url)` by `concurrency` workers, each body
 * read. Returns req/s, p50 and p99 latency (ms) and the client's CPU per request (us).
 */
export async function loopbackRound(call, url, { requests, concurrency = 16 }) {
  const latencies = new Array(requests);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
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
    rps: (requests / wall) * 1000,
    p50: latencies[Math.floor(requests * 0.5)],
    p99: latencies[Math.floor(requests * 0.99)],
    cpuUs: (cpu.user + cpu.system) / requests,
  };
}

/** A fetch stub answering at once; the Response is made inside, per call, as a fetch would. */
export const stubFetch = async () => new Response("ok");

/**
 * Microseconds per call of `call(url)` over `n` calls: one after another (`concurrency` 1) or
 * by `concurrency` workers at once. Bodies are not read: only the wrapper's own cost counts.
 */
export async function stubCalls(call, { n, concurrency = 1, url = "http://stub.invalid/" }) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await call(url);
      }
    }),
  );
  return ((performance.now() - t0) / n) * 1000;
}

const engineClocks = new WeakMap();
/**
 * ns per decision through the JS engine API: `calls` calls on `client` (an EngineClient),
 * each answered with `statuses` in turn (then 200), waits slept at once on a clock that only
 * moves forward, as `cargo bench --bench decision` does natively (503, 503, 200: six
 * decisions, start, response, wake, response, wake, response). Default options.
 */
export function jsDecisionNs(client, statuses, calls) {
  let now = engineClocks.get(client) ?? 1_790_000_000_000;
  let decisions = 0;
  const meta = { key: "https://api.example", method: "GET" };
  const t0 = performance.now();
  for (let c = 0; c < calls; c++) {
    const call = client.start(undefined, meta, now);
    let action = call.first;
    let i = 0;
    decisions++;
    for (;;) {
      if (action.type === "send") action = call.onResponse({ status: statuses[i++] ?? 200 }, now);
      else if (action.type === "wait") {
        now += action.ms;
        action = call.onWake(now);
      } else break;
      decisions++;
    }
    call.free?.();
    now += 1_000; // as the native bench: the budget's window moves as real traffic would
  }
  engineClocks.set(client, now);
  return ((performance.now() - t0) * 1e6) / decisions;
}
