// Summaries of the limiter benchmark: medians per (server, library), Markdown tables, and a
// self-contained HTML page (inline SVG, no external requests) with a per-second chart of what
// each server accepted and refused for each library.
//   node bench/limiters/report.mjs limiters-results.json limiters-report.html   (re-render)

export function median(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// One row per (server, library): the median of each column over the runs, and the run whose
// wall time is the median (the one charted).
export function summarize(results) {
  const rows = [];
  for (const server of results.servers) {
    for (const library of results.libraries) {
      const runs = results.runs.filter((r) => r.server === server.id && r.library === library.id);
      if (!runs.length) continue;
      const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
      rows.push({
        server: server.id,
        library: library.id,
        runs: runs.length,
        successPct: median(runs.map((r) => r.successPct)),
        serverRequests: median(runs.map((r) => r.serverRequests)),
        server429: median(runs.map((r) => r.server429)),
        wallMs: median(runs.map((r) => r.wallMs)),
        floorMs: server.floorMs,
        ratio: server.floorMs > 0 ? median(runs.map((r) => r.wallMs)) / server.floorMs : null,
        chartRun: byWall[(byWall.length - 1) >> 1],
      });
    }
  }
  return rows;
}

const pct = (x) => `${Number.isInteger(x) ? x : x.toFixed(1)} %`;
const num = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const ratio = (x) => (x === null ? "n/a" : `${x.toFixed(2)}x`);

function loadLine(results) {
  const { clients, callsPerClient, calls, runs } = results.load;
  return `${calls} calls (${clients} concurrent clients x ${callsPerClient} GETs), ${runs === 1 ? "1 run" : `median of ${runs} runs`}`;
}

export function markdownTables(results) {
  const rows = summarize(results);
  const out = [
    `Real rate limiters on 127.0.0.1, ${loadLine(results)}. Floor: the least time the quota allows for every call to succeed; ` +
      "wall / floor compares times only (a library that gives up on calls can finish early).",
    "",
  ];
  for (const server of results.servers) {
    out.push(`**${server.title}**, floor ${secs(server.floorMs)}`, "");
    out.push("| library | success % | server requests | 429s | wall time | wall / floor |", "|---|---:|---:|---:|---:|---:|");
    for (const r of rows.filter((x) => x.server === server.id)) {
      out.push(`| ${r.library} | ${pct(r.successPct)} | ${num(r.serverRequests)} | ${num(r.server429)} | ${secs(r.wallMs)} | ${ratio(r.ratio)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Per-second [accepted, refused] from the run's 100 ms buckets.
function perSecond(run) {
  const per = Math.round(1000 / run.bucketMs);
  const out = [];
  run.buckets.forEach(([a, r], i) => {
    const s = Math.floor(i / per);
    while (out.length <= s) out.push([0, 0]);
    out[s][0] += a;
    out[s][1] += r;
  });
  return out;
}

function niceStep(max, ticks) {
  const raw = max / ticks;
  for (const s of [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000]) if (s >= raw) return s;
  return Math.ceil(raw / 1000) * 1000;
}

const W = 500;
const H = 210;
const M = { left: 44, right: 12, top: 30, bottom: 40 };

function chart(row, server, xMaxS, yMax) {
  const run = row.chartRun;
  const secsData = perSecond(run);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (s) => M.left + (s / xMaxS) * pw;
  const y = (v) => M.top + ph - (v / yMax) * ph;
  const bw = Math.max(1, pw / xMaxS - 1);
  const parts = [];
  let bars = 0;
  secsData.forEach(([acc, ref], s) => {
    if (acc > 0) {
      parts.push(`<rect class="bar accepted" x="${x(s).toFixed(1)}" y="${y(acc).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0) - y(acc)).toFixed(1)}"><title>${s}-${s + 1} s: ${acc} accepted</title></rect>`);
      bars++;
    }
    if (ref > 0) {
      parts.push(`<rect class="bar refused" x="${x(s).toFixed(1)}" y="${y(acc + ref).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(acc) - y(acc + ref)).toFixed(1)}"><title>${s}-${s + 1} s: ${ref} refused (429)</title></rect>`);
      bars++;
    }
  });
  const axes = [];
  const xs = niceStep(xMaxS, 10);
  for (let t = 0; t <= xMaxS + 1e-9; t += xs) {
    axes.push(`<line class="tick" x1="${x(t)}" x2="${x(t)}" y1="${y(0)}" y2="${y(0) + 4}"/><text class="xt" x="${x(t)}" y="${y(0) + 15}">${t}</text>`);
  }
  const ys = niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += ys) {
    axes.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}"/><text class="yt" x="${M.left - 5}" y="${y(v) + 4}">${v}</text>`);
  }
  axes.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}"/><line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${y(0)}"/>`);
  axes.push(`<text class="xl" x="${M.left + pw / 2}" y="${H - 6}">time since start (s)</text>`);
  axes.push(`<text class="yl" transform="translate(12 ${M.top + ph / 2}) rotate(-90)">requests / s</text>`);
  const rate = server.quota.kind === "window" ? (server.quota.limit * 1000) / server.quota.windowMs : server.quota.rate;
  const marks = [`<line class="quota" x1="${M.left}" x2="${W - M.right}" y1="${y(rate)}" y2="${y(rate)}"/>`];
  if (run.floorMs > 0) marks.push(`<line class="floor" x1="${x(run.floorMs / 1000)}" x2="${x(run.floorMs / 1000)}" y1="${M.top}" y2="${y(0)}"/>`);
  marks.push(`<line class="end" x1="${x(run.wallMs / 1000)}" x2="${x(run.wallMs / 1000)}" y1="${M.top}" y2="${y(0)}"/>`);
  const legend = [
    ["accepted", "accepted (200)"],
    ["refused", "refused (429)"],
  ].map(([cls, label], i) => `<rect class="bar ${cls} key" x="${M.left + i * 110}" y="8" width="10" height="10"/><text class="lg" x="${M.left + i * 110 + 14}" y="17">${label}</text>`);
  legend.push(`<line class="quota" x1="${M.left + 222}" x2="${M.left + 240}" y1="13" y2="13"/><text class="lg" x="${M.left + 244}" y="17">quota ${rate}/s</text>`);
  legend.push(`<line class="floor" x1="${M.left + 318}" x2="${M.left + 318}" y1="6" y2="20"/><text class="lg" x="${M.left + 322}" y="17">floor</text>`);
  legend.push(`<line class="end" x1="${M.left + 362}" x2="${M.left + 362}" y1="6" y2="20"/><text class="lg" x="${M.left + 366}" y="17">last call done</text>`);
  const summary =
    `${row.library}: ${pct(row.successPct)} success, ${num(row.serverRequests)} requests, ${num(row.server429)} x 429, ` +
    `${secs(row.wallMs)}${row.ratio === null ? "" : ` (${ratio(row.ratio)} the floor)`}` +
    (row.runs > 1 ? `; medians of ${row.runs} runs, run ${run.run} charted` : "");
  const svg =
    `<svg class="chart" data-bars="${bars}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(summary)}">` +
    legend.join("") + axes.join("") + parts.join("") + marks.join("") + `</svg>`;
  return { html: `<figure><figcaption><b>${esc(row.library)}</b></figcaption>${svg}<p class="summary">${esc(summary)}</p></figure>`, bars };
}

function htmlTable(results, rows, server) {
  const body = rows
    .filter((r) => r.server === server.id)
    .map((r) => `<tr><td>${esc(r.library)}</td><td>${pct(r.successPct)}</td><td>${num(r.serverRequests)}</td><td>${num(r.server429)}</td><td>${secs(r.wallMs)}</td><td>${ratio(r.ratio)}</td></tr>`)
    .join("");
  return `<table><thead><tr><th>library</th><th>success %</th><th>server requests</th><th>429s</th><th>wall time</th><th>wall / floor</th></tr></thead><tbody>${body}</tbody></table>`;
}

export function renderHtml(results) {
  const rows = summarize(results);
  let charts = 0;
  let bars = 0;
  const sections = results.servers.map((server) => {
    const mine = rows.filter((r) => r.server === server.id);
    const xMaxS = Math.max(1, ...mine.map((r) => Math.ceil(r.chartRun.wallMs / 1000 + 0.5)));
    const yMax = Math.max(1, ...mine.flatMap((r) => perSecond(r.chartRun).map(([a, b]) => a + b)));
    const yTop = niceStep(yMax, 4) * Math.ceil(yMax / niceStep(yMax, 4));
    const figs = mine.map((r) => {
      const c = chart(r, server, xMaxS, yTop);
      charts++;
      bars += c.bars;
      return c.html;
    });
    return `<section data-server="${esc(server.id)}"><h2>${esc(server.title)}</h2><p>Floor: ${secs(server.floorMs)} (the least time the quota allows for every call to succeed; wall / floor compares times only: a library that gives up on calls can finish early). Per second, what the server accepted and refused (its own log).</p>${htmlTable(results, rows, server)}<div class="charts">${figs.join("")}</div></section>`;
  });
  const libs = results.libraries.map((l) => `<li><b>${esc(l.id)}</b>: ${esc(l.setup)}</li>`).join("");
  const css = `body{font:14px/1.4 system-ui,sans-serif;margin:20px;color:#222;max-width:1080px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:8px 24px}figure{margin:0}figcaption{font-size:13px}
.summary{font-size:12px;margin:2px 0 8px;max-width:${W}px}
.accepted{fill:#2e8b3a}.refused{fill:#d7263d}
.axis{stroke:#333}.tick{stroke:#333}.grid{stroke:#e4e4e4}
.quota{stroke:#1f5fbf;stroke-dasharray:5 3}.floor{stroke:#111;stroke-dasharray:3 3}.end{stroke:#999}
.xt{font-size:10px;text-anchor:middle}.yt{font-size:10px;text-anchor:end}.xl,.yl{font-size:11px;text-anchor:middle}.lg{font-size:11px}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>resilient-fetch against real rate limiters</title><style>${css}</style></head>
<body data-charts="${charts}" data-bars="${bars}" data-servers="${results.servers.length}" data-rows="${rows.length}">
<h1>resilient-fetch against real rate limiters</h1>
<p>${esc(loadLine(results))}; each run against a fresh server instance (a fresh quota) on 127.0.0.1; every call bounded to 30 s. Node ${esc(results.node)}, ${esc(results.generatedAt)}.</p>
<ul>${libs}</ul>
${sections.join("\n")}
</body></html>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const [input, output] = process.argv.slice(2);
  writeFileSync(output, renderHtml(JSON.parse(readFileSync(input, "utf8"))));
}
