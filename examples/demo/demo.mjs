// The demo: a flaky, rate-limited API on 127.0.0.1 and many concurrent clients calling it,
// twice: first through resilientFetch with its defaults, then through a naive client (plain
// fetch, immediate retries up to the same 5 attempts, no jitter, no budget, no breaker),
// each against a fresh instance of the same API with the same clients and calls. The API
// rate-limits with a token bucket (429 + Retry-After), fails 8% of the requests it accepts
// with 503 and stalls 2% of them (it drops the connection after a while). Watch the live
// lines, then the summary side by side.
//
//   node examples/demo/demo.mjs [--clients 60] [--requests 15] [--quick]   (--quick: 40 x 3)
//
// Nothing leaves the machine; the servers stop with the demo. It also writes
// demo-report.html (or $DEMO_REPORT): requests per 100 ms at the API for both clients on
// one time scale, the comparison, every resilientFetch attempt on a timeline and its retry
// delays.

import http from "node:http";
import { writeFileSync } from "node:fs";
import { createResilientFetch, CircuitOpenError, RetryError, ThrottledError } from "resilient-fetch";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const quick = process.argv.includes("--quick");
const CLIENTS = arg("--clients", quick ? 40 : 60);
const REQUESTS = arg("--requests", quick ? 3 : 15);
const RATE = 150; // tokens per second the API grants
const BURST = 30;
const STALL_MS = quick ? 2_000 : 5_000; // a stalled request's connection is dropped after this
const NAIVE_ATTEMPTS = 5; // resilientFetch's default retry.maxAttempts
const BUCKET_MS = 100;

// ---- the flaky API -------------------------------------------------------------------
/** A fresh API: same seed, same bucket, so both clients meet the same conditions. */
async function startApi() {
  // A deterministic pseudo-random stream for the failures, so runs are comparable.
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let tokens = BURST;
  let refilled = Date.now();
  const served = { ok: 0, limited: 0, unavailable: 0, stalled: 0 };
  const sockets = new Set();
  const stalls = new Set();
  // Every attempt the API sees: client, start, end, outcome.
  const attempts = [];
  const server = http.createServer((req, res) => {
    const now = Date.now();
    const client = Number(new URL(req.url, "http://x").searchParams.get("client"));
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
      const t = setTimeout(() => req.socket.destroy(), STALL_MS);
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
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    served,
    attempts,
    stop() {
      for (const t of stalls) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

// ---- the two clients -----------------------------------------------------------------
// resilientFetch with its defaults: the two hooks only observe (for the report).
const delays = [];
const breakerChanges = [];
let breakerState = "closed";
let breakerOpens = 0;
const rf = createResilientFetch({
  onRetry: (e) => delays.push(e.delayMs),
  onBreakerStateChange: ({ to }) => {
    breakerChanges.push({ t: Date.now(), to });
    breakerState = to;
    if (to === "open") breakerOpens++;
  },
});

// The naive client: plain fetch, retried at once on 429, 5xx or a transport error.
let naiveRetries = 0;
async function naiveFetch(url) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetch(url);
    } catch (e) {
      if (attempt >= NAIVE_ATTEMPTS) throw e;
      naiveRetries++;
      continue;
    }
    if ((res.status !== 429 && res.status < 500) || attempt >= NAIVE_ATTEMPTS) return res;
    await res.arrayBuffer();
    naiveRetries++;
  }
}

/** Runs CLIENTS clients of REQUESTS calls each through `call`, on a fresh API. */
async function run(name, call, liveExtra) {
  const api = await startApi();
  const latencies = [];
  let done = 0;
  let succeeded = 0;
  const failures = { status: 0, transport: 0, circuit: 0, throttled: 0 };
  async function client(c) {
    for (let i = 0; i < REQUESTS; i++) {
      const t = Date.now();
      try {
        const res = await call(`${api.origin}/items?client=${c}&i=${i}`);
        await res.arrayBuffer();
        if (res.ok) succeeded++;
        else failures.status++;
      } catch (e) {
        if (e instanceof CircuitOpenError) {
          failures.circuit++;
          await new Promise((r) => setTimeout(r, Math.min(e.retryAfterMs, 1_000)));
        } else if (e instanceof ThrottledError) failures.throttled++;
        else if (e instanceof RetryError || e instanceof TypeError) failures.transport++;
        else throw e;
      }
      latencies.push(Date.now() - t);
      done++;
    }
  }
  const total = CLIENTS * REQUESTS;
  const started = Date.now();
  const progress = setInterval(() => {
    const now = Date.now();
    console.log(
      `${name.padEnd(13)} ${((now - started) / 1000).toFixed(0).padStart(3)} s  done ${String(done).padStart(5)}/${total}` +
        `  requests at the API ${String(api.attempts.length).padStart(6)}  429s ${String(api.served.limited).padStart(6)}${liveExtra()}`,
    );
  }, 1_000);
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const ended = Date.now();
  clearInterval(progress);
  api.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    name,
    started,
    ended,
    total,
    succeeded,
    failures,
    served: api.served,
    attempts: api.attempts,
    p50: pct(50),
    p99: pct(99),
  };
}

const resilient = await run("resilientFetch", rf, () => `  breaker ${breakerState}`);
const naive = await run("naive", naiveFetch, () => "");
const stats = rf.stats();

// ---- the summary, side by side -------------------------------------------------------
const pc = (r) => `${((100 * r.succeeded) / r.total).toFixed(1)} %`;
const secs = (r) => `${((r.ended - r.started) / 1000).toFixed(1)} s`;
const table = [
  ["", resilient.name, naive.name],
  ["clients x calls", `${CLIENTS} x ${REQUESTS} = ${resilient.total}`, `${CLIENTS} x ${REQUESTS} = ${naive.total}`],
  ["success", pc(resilient), pc(naive)],
  ["requests sent", String(resilient.attempts.length), String(naive.attempts.length)],
  ["requests per call", (resilient.attempts.length / resilient.total).toFixed(2), (naive.attempts.length / naive.total).toFixed(2)],
  ["429s", String(resilient.served.limited), String(naive.served.limited)],
  ["503s / stalled", `${resilient.served.unavailable} / ${resilient.served.stalled}`, `${naive.served.unavailable} / ${naive.served.stalled}`],
  ["latency p50", `${resilient.p50} ms`, `${naive.p50} ms`],
  ["latency p99", `${resilient.p99} ms`, `${naive.p99} ms`],
  [
    "failed: status / transport / circuit / throttled",
    Object.values(resilient.failures).join(" / "),
    Object.values(naive.failures).join(" / "),
  ],
  ["breaker opens / budget denials", `${breakerOpens} / ${stats.budgetDenied}`, "(none)"],
  ["wall time", secs(resilient), secs(naive)],
];
const w0 = Math.max(...table.map((r) => r[0].length));
const w1 = Math.max(...table.map((r) => r[1].length));
console.log("");
for (const [k, a, b] of table) console.log(`${k.padEnd(w0)}  ${a.padStart(w1)}  ${b.padStart(Math.max(...table.map((r) => r[2].length)))}`);
const summary =
  `Same API, same ${resilient.total} calls: resilientFetch ${pc(resilient)} success with ${resilient.attempts.length} requests ` +
  `(${resilient.served.limited} 429s, p99 ${resilient.p99} ms); the naive client ${pc(naive)} with ${naive.attempts.length} requests ` +
  `(${naive.served.limited} 429s, p99 ${naive.p99} ms).`;
console.log(`\n${summary}`);
if (resilient.succeeded === 0) process.exitCode = 1;

const reportPath = writeReport();
console.log(`\nreport: ${reportPath} (requests per 100 ms at the API for both clients, every attempt, the retry delays)`);

// ---- the report ----------------------------------------------------------------------
/** A self-contained HTML page (inline SVG, no network) of both runs. */
function writeReport() {
  const colors = { ok: "#2e9e44", 429: "#e8a317", 503: "#d63b3b", stall: "#7b3fbf" };
  const labels = { ok: "2xx", 429: "429", 503: "5xx", stall: "stalled" };
  const order = ["ok", "503", "stall", "429"];
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const legend = (keys, extra = "") =>
    `<p class="legend">${keys
      .map((k) => `<span class="legend-item"><span style="color:${colors[k]}">&#9632;</span> ${labels[k]}</span>`)
      .join(" &nbsp; ")}${extra}</p>`;
  // A "nice" tick step: 1, 2 or 5 times a power of ten, giving at most `n` ticks.
  const step = (max, n) => {
    const raw = max / n;
    const p = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  };
  const L = 50; // left margin (y labels)
  const B = 34; // bottom margin (x labels and unit)
  const T = 8;
  const PW = 900; // plot width
  // The x axis of a plot area at [L, L + PW] for `spanMs`, ticks in seconds or ms.
  const xAxis = (spanMs, y0, unit = "s") => {
    const max = unit === "s" ? spanMs / 1000 : spanMs;
    const st = step(max, 10);
    const out = [`<line x1="${L}" x2="${L + PW}" y1="${y0}" y2="${y0}" stroke="#444"/>`];
    for (let v = 0; v <= max + 1e-9; v += st) {
      const xx = L + (v / max) * PW;
      const txt = unit === "s" ? `${+v.toFixed(2)} s` : `${Math.round(v)} ms`;
      out.push(`<line class="tick xtick" x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${y0}" y2="${y0 + 5}" stroke="#444"/>`);
      out.push(`<text class="ticklabel" x="${xx.toFixed(1)}" y="${y0 + 17}" text-anchor="middle">${txt}</text>`);
    }
    out.push(`<text class="axis-title" x="${L + PW / 2}" y="${y0 + 31}" text-anchor="middle">${unit === "s" ? "time since the client started (s)" : "retry delay (ms)"}</text>`);
    return out.join("");
  };
  const yAxis = (max, y0, h, title) => {
    const st = step(max, 5);
    const out = [`<line x1="${L}" x2="${L}" y1="${y0 - h}" y2="${y0}" stroke="#444"/>`];
    for (let v = 0; v <= max + 1e-9; v += st) {
      const yy = y0 - (v / max) * h;
      out.push(`<line class="tick ytick" x1="${L - 5}" x2="${L + PW}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#e4e4e4"/>`);
      out.push(`<text class="ticklabel" x="${L - 8}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${+v.toFixed(2)}</text>`);
    }
    out.push(`<text class="axis-title" transform="translate(12 ${y0 - h / 2}) rotate(-90)" text-anchor="middle">${title}</text>`);
    return out.join("");
  };

  // Requests per 100 ms at the API, stacked by outcome, one time scale for both runs.
  const runs = [resilient, naive];
  const spanMs = Math.max(...runs.map((r) => r.ended - r.started), BUCKET_MS);
  const nBuckets = Math.ceil(spanMs / BUCKET_MS);
  const buckets = runs.map((r) => {
    const b = Array.from({ length: nBuckets }, () => ({ ok: 0, 429: 0, 503: 0, stall: 0 }));
    for (const a of r.attempts) b[Math.min(nBuckets - 1, Math.floor((a.start - r.started) / BUCKET_MS))][a.outcome]++;
    return b;
  });
  const peak = Math.max(1, ...buckets.flat().map((c) => order.reduce((s, k) => s + c[k], 0)));
  const limitPerBucket = (RATE * BUCKET_MS) / 1000;
  const yMax = Math.max(peak, limitPerBucket) * 1.05;
  const PH = 220;
  const rateChart = (r, b, id) => {
    const parts = [];
    let bars = 0;
    const bw = PW / nBuckets;
    const y0 = T + PH;
    b.forEach((c, i) => {
      let acc = 0;
      for (const k of order) {
        if (!c[k]) continue;
        const y1 = y0 - ((acc + c[k]) / yMax) * PH;
        const h = (c[k] / yMax) * PH;
        parts.push(
          `<rect class="bar o${k}" x="${(L + i * bw).toFixed(2)}" y="${y1.toFixed(2)}" width="${Math.max(0.8, bw - 0.6).toFixed(2)}" height="${Math.max(0.5, h).toFixed(2)}" fill="${colors[k]}"><title>${(i * BUCKET_MS) / 1000}-${((i + 1) * BUCKET_MS) / 1000} s: ${c[k]} ${labels[k]}</title></rect>`,
        );
        acc += c[k];
        bars++;
      }
    });
    const ly = y0 - (limitPerBucket / yMax) * PH;
    parts.push(`<line class="limit" x1="${L}" x2="${L + PW}" y1="${ly.toFixed(1)}" y2="${ly.toFixed(1)}" stroke="#333" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${L + PW - 4}" y="${(ly - 4).toFixed(1)}" text-anchor="end" font-size="11">API rate limit: ${limitPerBucket} per 100 ms</text>`);
    const H = T + PH + B;
    const W = L + PW + 20;
    return `<svg id="${id}" class="chart rate" data-bars="${bars}" data-client="${esc(r.name)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${yAxis(yMax, y0, PH, "requests / 100 ms")}${parts.join("")}${xAxis(spanMs, y0)}</svg>`;
  };

  // Every resilientFetch attempt, one row per client, on the same time scale.
  const rowH = Math.max(3, Math.min(10, Math.floor(600 / CLIENTS)));
  const TH = CLIENTS * rowH;
  const t0 = resilient.started;
  const x = (t) => L + ((t - t0) / spanMs) * PW;
  const tl = [];
  let openedAt;
  const shade = (from, to) =>
    tl.push(`<rect class="open" x="${x(from).toFixed(1)}" y="${T}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${TH}" fill="#f6d5d5"/>`);
  for (const c of breakerChanges) {
    if (c.to === "open") openedAt = c.t;
    else if (openedAt !== undefined) {
      shade(openedAt, c.t);
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) shade(openedAt, resilient.ended);
  const byClient = new Map();
  for (const a of resilient.attempts) {
    if (!byClient.has(a.client)) byClient.set(a.client, []);
    byClient.get(a.client).push(a);
  }
  for (const [c, list] of byClient) {
    for (let i = 1; i < list.length; i++) {
      const y = T + c * rowH + rowH / 2;
      tl.push(`<line class="gap" x1="${x(list[i - 1].end).toFixed(1)}" x2="${x(list[i].start).toFixed(1)}" y1="${y}" y2="${y}" stroke="#bbb"/>`);
    }
  }
  for (const a of resilient.attempts) {
    const w = Math.max(1, x(a.end) - x(a.start));
    tl.push(
      `<rect class="attempt ${a.outcome === "ok" ? "ok" : "o" + a.outcome}" x="${x(a.start).toFixed(1)}" y="${T + a.client * rowH}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${colors[a.outcome]}"><title>client ${a.client}: ${labels[a.outcome]}, ${a.end - a.start} ms</title></rect>`,
    );
  }
  const TW = L + PW + 20;
  const timeline = `<svg id="timeline" class="chart" width="${TW}" height="${T + TH + B}" viewBox="0 0 ${TW} ${T + TH + B}">${tl.join("")}<text class="axis-title" transform="translate(12 ${T + TH / 2}) rotate(-90)" text-anchor="middle">clients</text>${xAxis(spanMs, T + TH)}</svg>`;

  // Histogram of resilientFetch's retry delays (holds and slots included), in ms.
  const bins = 20;
  const dmax = Math.max(1, ...delays);
  const hstep = step(dmax, bins);
  const hmax = hstep * bins >= dmax ? Math.max(hstep, Math.ceil(dmax / hstep) * hstep) : dmax;
  const counts = new Array(bins).fill(0);
  for (const d of delays) counts[Math.min(bins - 1, Math.floor((d / hmax) * bins))]++;
  const top = Math.max(1, ...counts);
  const HH = 150;
  const bwh = PW / bins;
  const hist = counts
    .map(
      (n, i) =>
        `<rect class="bin" x="${(L + i * bwh + 1).toFixed(1)}" y="${(T + HH - (n / top) * HH).toFixed(1)}" width="${(bwh - 2).toFixed(1)}" height="${((n / top) * HH).toFixed(1)}" fill="#4a78c2"><title>${Math.round((i * hmax) / bins)}-${Math.round(((i + 1) * hmax) / bins)} ms: ${n}</title></rect>`,
    )
    .join("");
  const histogram = `<svg id="histogram" class="chart" width="${TW}" height="${T + HH + B}" viewBox="0 0 ${TW} ${T + HH + B}">${yAxis(top * 1.05, T + HH, HH, "retries")}${hist}${xAxis(hmax, T + HH, "ms")}</svg>`;

  const rowsHtml = table
    .slice(1)
    .map(([k, a, b]) => `<tr><th>${esc(k)}</th><td>${esc(a)}</td><td>${esc(b)}</td></tr>`)
    .join("");
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>resilient-fetch demo report</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222} svg{background:#fafafa;border:1px solid #ddd;display:block}
svg text{font:11px system-ui,sans-serif;fill:#333} svg .axis-title{font-size:12px}
table{border-collapse:collapse} th,td{padding:3px 12px;border-bottom:1px solid #eee;text-align:right} th{text-align:left;font-weight:normal}
thead th{font-weight:bold;text-align:right} .summary{font-size:15px;font-weight:600} .legend{margin:4px 0}</style></head>
<body data-attempts="${resilient.attempts.length}" data-naive-attempts="${naive.attempts.length}" data-bins="${bins}">
<h1>resilient-fetch demo: resilientFetch against a naive client</h1>
<p id="summary" class="summary">${esc(summary)}</p>
<p>The API (127.0.0.1) grants ${RATE} requests/s (burst ${BURST}) and answers the rest 429 with Retry-After; of those it accepts it fails 8 % with 503 and stalls 2 % (connection dropped after ${STALL_MS / 1000} s). Each client ran ${CLIENTS} concurrent clients x ${REQUESTS} calls against its own fresh instance. resilientFetch: its defaults. Naive: plain fetch, retried at once on 429, 5xx or a network error, up to ${NAIVE_ATTEMPTS} attempts, no jitter, no budget, no breaker.</p>
<table id="comparison"><thead><tr><th></th><th>${esc(resilient.name)}</th><th>${esc(naive.name)}</th></tr></thead><tbody>${rowsHtml}</tbody></table>
<h2>Requests per 100 ms at the API</h2>
${legend(order, ' &nbsp; <span class="legend-item">- - - API rate limit</span>')}
<h3>${esc(resilient.name)} (defaults)</h3>
${rateChart(resilient, buckets[0], "rate-resilient")}
<h3>naive client (immediate retries)</h3>
${rateChart(naive, buckets[1], "rate-naive")}
<h2>Every resilientFetch attempt, one row per client</h2>
${legend(["ok", "429", "503", "stall"], ' &nbsp; <span class="legend-item"><span style="color:#bbb">&#9472;</span> waiting</span> &nbsp; <span class="legend-item"><span style="color:#f6d5d5">&#9632;</span> breaker open</span>')}
${timeline}
<h2>resilientFetch retry delays (${delays.length} retries, 0 to ${dmax} ms, holds included)</h2>
<p class="legend"><span class="legend-item"><span style="color:#4a78c2">&#9632;</span> retries per delay bin</span></p>
${histogram}
</body></html>
`;
  const path = process.env.DEMO_REPORT ?? "demo-report.html";
  writeFileSync(path, html);
  return path;
}
