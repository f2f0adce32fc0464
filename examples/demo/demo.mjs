// The demo: a flaky API on 127.0.0.1 and many concurrent clients calling it through
// resilientFetch. The API rate-limits with a token bucket (429 + Retry-After), fails 8% of
// requests with 503 and stalls 2% of them. The clients share one instance: it throttles
// them just under the API's rate (so few 429s happen at all), honours Retry-After when one
// does, retries 503s and stalls with jittered backoff inside the retry budget, and would
// open the breaker if the API went down. Watch the live line, then the summary table.
//
//   node examples/demo/demo.mjs [--clients 60] [--requests 15] [--quick]
//
// Nothing leaves the machine; the server stops with the demo. It also writes
// demo-report.html (or $DEMO_REPORT): every attempt on a timeline and the retry delays.

import http from "node:http";
import { writeFileSync } from "node:fs";
import { createResilientFetch, CircuitOpenError, RetryError, ThrottledError } from "resilient-fetch";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const quick = process.argv.includes("--quick");
const CLIENTS = arg("--clients", quick ? 20 : 60);
const REQUESTS = arg("--requests", quick ? 5 : 15);
const RATE = 150; // tokens per second the API grants
const BURST = 30;

// A deterministic pseudo-random stream for the server's failures, so runs are comparable.
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

// ---- the flaky API -------------------------------------------------------------------
let tokens = BURST;
let refilled = Date.now();
const served = { ok: 0, limited: 0, unavailable: 0, stalled: 0 };
const sockets = new Set();
const stalls = new Set();
// Every attempt the API sees, for the report: client, start, end, outcome.
const attempts = [];
const api = http.createServer((req, res) => {
  const now = Date.now();
  const client = Number(req.url.split("/")[2]?.split("-")[0]);
  const record = { client, start: now, end: now, outcome: "ok" };
  attempts.push(record);
  res.on("close", () => (record.end = Date.now()));
  tokens = Math.min(BURST, tokens + ((now - refilled) / 1000) * RATE);
  refilled = now;
  if (tokens < 1) {
    served.limited++;
    record.outcome = "429";
    const wait = Math.ceil((1 - tokens) / RATE); // whole seconds, as servers send
    res.writeHead(429, { "retry-after": String(Math.max(1, wait)) });
    res.end("slow down");
    return;
  }
  tokens -= 1;
  const r = random();
  if (r < 0.02) {
    served.stalled++;
    record.outcome = "stall";
    const t = setTimeout(() => req.socket.destroy(), 10_000);
    stalls.add(t);
    return;
  }
  if (r < 0.1) {
    served.unavailable++;
    record.outcome = "503";
    res.writeHead(503);
    res.end("try later");
    return;
  }
  served.ok++;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ item: req.url }));
});
api.on("connection", (s) => {
  sockets.add(s);
  s.on("close", () => sockets.delete(s));
});
await new Promise((r) => api.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${api.address().port}`;

// ---- the clients ---------------------------------------------------------------------
let waitsUntil = [];
const delays = [];
const breakerChanges = [];
let breakerState = "closed";
let breakerOpens = 0;
const rf = createResilientFetch({
  retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 2_000, retryAfterJitterMs: 500 },
  timeoutMs: 800,
  breaker: { failureThreshold: 25, resetTimeoutMs: 1_000 },
  // Keep to the API's rate: wait for a slot rather than provoke 429s (a few still
  // happen when our bucket is fuller than the server's; Retry-After handles those).
  rateLimit: { requestsPerSecond: RATE, burst: 40, maxWaitMs: 10_000 },
  onRetry: (e) => {
    waitsUntil.push(Date.now() + e.delayMs);
    delays.push(e.delayMs);
  },
  onBreakerStateChange: ({ to }) => {
    breakerChanges.push({ t: Date.now(), to });
    breakerState = to;
    if (to === "open") breakerOpens++;
  },
});

const latencies = [];
let done = 0;
let succeeded = 0;
const failures = { status: 0, retry: 0, circuit: 0, throttled: 0 };

async function client(c) {
  for (let i = 0; i < REQUESTS; i++) {
    const started = Date.now();
    try {
      const res = await rf(`${origin}/items/${c}-${i}`);
      await res.arrayBuffer();
      if (res.ok) succeeded++;
      else failures.status++;
    } catch (e) {
      if (e instanceof CircuitOpenError) {
        failures.circuit++;
        await new Promise((r) => setTimeout(r, Math.min(e.retryAfterMs, 1_000)));
      } else if (e instanceof RetryError) failures.retry++;
      else if (e instanceof ThrottledError) failures.throttled++;
      else throw e;
    }
    latencies.push(Date.now() - started);
    done++;
  }
}

const total = CLIENTS * REQUESTS;
const started = Date.now();
const progress = setInterval(() => {
  const now = Date.now();
  waitsUntil = waitsUntil.filter((t) => t > now);
  const s = rf.stats();
  console.log(
    `${((now - started) / 1000).toFixed(0).padStart(3)} s  done ${String(done).padStart(5)}/${total}` +
      `  retries ${String(s.retries).padStart(5)}  waiting ${String(waitsUntil.length).padStart(3)}` +
      `  breaker ${breakerState}`,
  );
}, 1_000);

await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
clearInterval(progress);
for (const t of stalls) clearTimeout(t);
for (const s of sockets) s.destroy();
api.close();

// ---- the summary ---------------------------------------------------------------------
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const s = rf.stats();
const rows = [
  ["clients x requests", `${CLIENTS} x ${REQUESTS} = ${total}`],
  ["success rate", `${((100 * succeeded) / total).toFixed(1)} %`],
  ["attempts per request", (s.attempts / s.requests).toFixed(2)],
  ["latency p50 / p99", `${pct(50)} ms / ${pct(99)} ms`],
  [
    "failed: status / transport / circuit / throttled",
    `${failures.status} / ${failures.retry} / ${failures.circuit} / ${failures.throttled}`,
  ],
  ["breaker opens", String(breakerOpens)],
  ["budget denials", String(s.budgetDenied)],
  ["rate-limit refusals", String(s.throttled)],
  ["server saw: 200 / 429 / 503 / stalled", `${served.ok} / ${served.limited} / ${served.unavailable} / ${served.stalled}`],
  ["wall time", `${elapsed.toFixed(1)} s`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log("");
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
if (succeeded === 0) process.exitCode = 1;

const reportPath = writeReport();
console.log(`\nreport: ${reportPath} (every attempt on a timeline, and the retry delays)`);

/** A self-contained HTML page (inline SVG, no network) of the run. */
function writeReport() {
  const t0 = started;
  const span = Math.max(1, Date.now() - t0);
  const W = 1000;
  const rowH = Math.max(3, Math.min(10, Math.floor(600 / CLIENTS)));
  const H = CLIENTS * rowH;
  const x = (t) => ((t - t0) / span) * W;
  const colors = { ok: "#2e9e44", 429: "#e8a317", 503: "#d63b3b", stall: "#7b3fbf" };
  const parts = [];
  // Breaker open periods, shaded.
  let openedAt;
  for (const c of breakerChanges) {
    if (c.to === "open") openedAt = c.t;
    else if (openedAt !== undefined) {
      parts.push(`<rect class="open" x="${x(openedAt).toFixed(1)}" y="0" width="${(x(c.t) - x(openedAt)).toFixed(1)}" height="${H}" fill="#f6d5d5"/>`);
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) {
    parts.push(`<rect class="open" x="${x(openedAt).toFixed(1)}" y="0" width="${(W - x(openedAt)).toFixed(1)}" height="${H}" fill="#f6d5d5"/>`);
  }
  // Waits between a client's consecutive attempts, then the attempts themselves.
  const byClient = new Map();
  for (const a of attempts) {
    if (!byClient.has(a.client)) byClient.set(a.client, []);
    byClient.get(a.client).push(a);
  }
  for (const [c, list] of byClient) {
    for (let i = 1; i < list.length; i++) {
      const y = c * rowH + rowH / 2;
      parts.push(`<line class="gap" x1="${x(list[i - 1].end).toFixed(1)}" x2="${x(list[i].start).toFixed(1)}" y1="${y}" y2="${y}" stroke="#bbb"/>`);
    }
  }
  for (const a of attempts) {
    const w = Math.max(1, x(a.end) - x(a.start));
    parts.push(`<rect class="attempt ${a.outcome === "ok" ? "ok" : "o" + a.outcome}" x="${x(a.start).toFixed(1)}" y="${a.client * rowH}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${colors[a.outcome]}"><title>client ${a.client}: ${a.outcome}, ${a.end - a.start} ms</title></rect>`);
  }
  // Histogram of retry delays.
  const bins = 20;
  const max = Math.max(1, ...delays);
  const counts = new Array(bins).fill(0);
  for (const d of delays) counts[Math.min(bins - 1, Math.floor((d / max) * bins))]++;
  const top = Math.max(1, ...counts);
  const hist = counts
    .map((n, i) => `<rect class="bin" x="${i * 30}" y="${150 - (n / top) * 150}" width="28" height="${(n / top) * 150}" fill="#4a78c2"><title>${Math.round((i * max) / bins)}-${Math.round(((i + 1) * max) / bins)} ms: ${n}</title></rect>`)
    .join("");
  const legend = Object.entries(colors)
    .map(([k, c]) => `<span style="color:${c}">&#9632;</span> ${k === "ok" ? "200" : k}`)
    .join(" &nbsp; ");
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>resilient-fetch demo report</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222} svg{background:#fafafa;border:1px solid #ddd}</style></head>
<body data-attempts="${attempts.length}" data-bins="${bins}">
<h1>resilient-fetch demo</h1>
<p>${CLIENTS} clients x ${REQUESTS} calls; success ${((100 * succeeded) / total).toFixed(1)} %; ${attempts.length} attempts reached the API in ${(span / 1000).toFixed(1)} s.</p>
<h2>Every attempt, one row per client</h2>
<p>${legend} &nbsp; <span style="color:#bbb">&#9472;</span> waiting &nbsp; <span style="color:#f6d5d5">&#9632;</span> breaker open</p>
<svg id="timeline" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join("")}</svg>
<h2>Retry delays (${delays.length} retries, 0 to ${max} ms)</h2>
<svg id="histogram" width="${bins * 30}" height="150" viewBox="0 0 ${bins * 30} 150">${hist}</svg>
</body></html>
`;
  const path = process.env.DEMO_REPORT ?? "demo-report.html";
  writeFileSync(path, html);
  return path;
}
