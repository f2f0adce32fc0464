// Opens the demo's HTML report in headless Chromium and checks that it renders: the
// one-line summary and the comparison table with both clients, a requests-per-100-ms chart
// for each client (its bars, time ticks in seconds, y ticks, both on one time scale), the
// legends, one timeline rectangle per resilientFetch attempt the API saw, the histogram's
// bins, no request beyond the file, and a screenshot that is not blank (its pixels are
// counted in the page itself).
//   node tests/report/check.mjs demo-report.html [screenshot.png]
import { writeFileSync } from "node:fs";
import { launch, openFile, onlyFileRequests, colouredPixels, checker } from "./browser.mjs";

const [report, shot] = process.argv.slice(2);
const browser = await launch();
const { check, failed } = checker();
try {
  const { page, requests } = await openFile(browser, report);
  const r = await page.evaluate(() => {
    const chart = (id) => {
      const svg = document.getElementById(id);
      if (!svg) return null;
      const box = svg.getBoundingClientRect();
      const xticks = [...svg.querySelectorAll("line.xtick")];
      return {
        client: svg.dataset.client,
        expectedBars: Number(svg.dataset.bars),
        bars: svg.querySelectorAll("rect.bar").length,
        ok: svg.querySelectorAll("rect.bar.ook").length,
        limited: svg.querySelectorAll("rect.bar.o429").length,
        xticks: xticks.length,
        xtickPositions: xticks.map((l) => l.getAttribute("x1")).join(","),
        yticks: svg.querySelectorAll("line.ytick").length,
        secondLabels: [...svg.querySelectorAll("text.ticklabel")].filter((t) => / s$/.test(t.textContent)).length,
        width: box.width,
        height: box.height,
      };
    };
    const summary = document.getElementById("summary")?.textContent ?? "";
    const heads = [...document.querySelectorAll("#comparison thead th")].map((t) => t.textContent);
    return {
      summary,
      heads,
      rows: document.querySelectorAll("#comparison tbody tr").length,
      legendItems: document.querySelectorAll(".legend-item").length,
      resilient: chart("rate-resilient"),
      naive: chart("rate-naive"),
      expectedAttempts: Number(document.body.dataset.attempts),
      expectedNaiveAttempts: Number(document.body.dataset.naiveAttempts),
      expectedBins: Number(document.body.dataset.bins),
      attempts: document.querySelectorAll("#timeline rect.attempt").length,
      timelineTicks: document.querySelectorAll("#timeline line.xtick").length,
      histogramTicks: document.querySelectorAll("#histogram line.xtick").length,
      bins: document.querySelectorAll("#histogram rect.bin").length,
      ok: document.querySelectorAll("#timeline rect.ok").length,
    };
  });
  check(/resilientFetch .*%.*naive client .*%/.test(r.summary) && !r.summary.includes("\n"), `one-line summary: "${r.summary}"`);
  check(r.heads.includes("resilientFetch") && r.heads.includes("naive") && r.rows >= 8, `comparison table: ${r.heads.filter(Boolean).join(" vs ")}, ${r.rows} rows`);
  for (const [name, c] of [["resilientFetch", r.resilient], ["naive", r.naive]]) {
    if (!c) {
      check(false, `${name}: requests-per-100-ms chart present`);
      continue;
    }
    check(c.client === name, `${name}: chart present (data-client ${c.client})`);
    check(c.bars > 0 && c.bars === c.expectedBars, `${name}: ${c.bars} bars drawn of ${c.expectedBars}`);
    check(c.ok > 0, `${name}: ${c.ok} bars of 2xx`);
    check(c.xticks >= 3 && c.secondLabels === c.xticks, `${name}: ${c.xticks} time ticks, ${c.secondLabels} labelled in s`);
    check(c.yticks >= 3, `${name}: ${c.yticks} y ticks`);
    check(c.width > 400 && c.height > 100, `${name}: chart rendered ${Math.round(c.width)} x ${Math.round(c.height)} px`);
  }
  if (r.resilient && r.naive) {
    check(r.resilient.xtickPositions === r.naive.xtickPositions, "both charts on one time scale (same tick positions)");
    check(r.naive.limited > 0, `naive: ${r.naive.limited} bars of 429s (the herd)`);
  }
  check(r.expectedNaiveAttempts > r.expectedAttempts, `naive sent more requests (${r.expectedNaiveAttempts}) than resilientFetch (${r.expectedAttempts})`);
  check(r.legendItems >= 10, `${r.legendItems} legend items`);
  check(r.attempts > 0 && r.attempts === r.expectedAttempts, `${r.attempts} attempts drawn of ${r.expectedAttempts}`);
  check(r.ok > 0, `${r.ok} successful attempts drawn`);
  check(r.timelineTicks >= 3 && r.histogramTicks >= 3, `${r.timelineTicks} timeline ticks, ${r.histogramTicks} histogram ticks`);
  check(r.bins === r.expectedBins, `${r.bins} histogram bins`);
  check(onlyFileRequests(requests), "self-contained: no request beyond the file");
  const png = await page.screenshot({ fullPage: true });
  if (shot) writeFileSync(shot, png);
  const coloured = await colouredPixels(page, png);
  check(coloured > 5000, `${coloured} coloured pixels in the screenshot`);
} finally {
  await browser.close();
}
console.log(`${failed() === 0 ? "all checks passed" : `${failed()} checks failed`}`);
process.exitCode = failed() ? 1 : 0;
