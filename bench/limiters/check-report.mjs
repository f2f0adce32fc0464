// Opens limiters-report.html in headless Chromium and checks that it renders: one chart per
// (server, library) with its bars, axis ticks and legend, the tables, no request beyond the
// file, and a screenshot that is not blank.
//   node bench/limiters/check-report.mjs [limiters-report.html] [screenshot.png]
import { writeFileSync } from "node:fs";
import { launch, openFile, onlyFileRequests, colouredPixels, checker } from "../../tests/report/browser.mjs";

const report = process.argv[2] ?? new URL("./out/limiters-report.html", import.meta.url).pathname;
const shot = process.argv[3];
const { check, failed } = checker();
const browser = await launch();
try {
  const { page, requests } = await openFile(browser, report);
  const c = await page.evaluate(() => {
    const charts = [...document.querySelectorAll("svg.chart")];
    return {
      expectedCharts: Number(document.body.dataset.charts),
      expectedBars: Number(document.body.dataset.bars),
      expectedRows: Number(document.body.dataset.rows),
      sections: document.querySelectorAll("section[data-server]").length,
      expectedSections: Number(document.body.dataset.servers),
      charts: charts.length,
      bars: document.querySelectorAll("svg.chart rect.bar:not(.key)").length,
      accepted: document.querySelectorAll("svg.chart rect.bar.accepted:not(.key)").length,
      rows: document.querySelectorAll("table tbody tr").length,
      chartsWithTicks: charts.filter((s) => s.querySelectorAll("text.xt").length >= 2 && s.querySelectorAll("text.yt").length >= 2).length,
      chartsWithUnits: charts.filter((s) => /\(s\)/.test(s.querySelector("text.xl")?.textContent ?? "")).length,
      chartsWithLegend: charts.filter((s) => s.querySelectorAll("rect.key").length === 2).length,
      summaries: document.querySelectorAll("p.summary").length,
      sized: charts.filter((s) => s.getBoundingClientRect().width > 100 && s.getBoundingClientRect().height > 50).length,
    };
  });
  check(c.sections === c.expectedSections && c.sections > 0, `${c.sections} server sections of ${c.expectedSections}`);
  check(c.charts > 0 && c.charts === c.expectedCharts, `${c.charts} charts drawn of ${c.expectedCharts}`);
  check(c.bars > 0 && c.bars === c.expectedBars, `${c.bars} bars drawn of ${c.expectedBars}`);
  check(c.accepted > 0, `${c.accepted} bars of accepted requests`);
  check(c.rows === c.expectedRows, `${c.rows} table rows of ${c.expectedRows}`);
  check(c.chartsWithTicks === c.charts && c.chartsWithUnits === c.charts, `every chart has axis ticks and a time unit (${c.chartsWithTicks}, ${c.chartsWithUnits})`);
  check(c.chartsWithLegend === c.charts && c.summaries === c.charts, `every chart has a legend and a summary line (${c.chartsWithLegend}, ${c.summaries})`);
  check(c.sized === c.charts, `${c.sized} charts laid out at a visible size`);
  check(onlyFileRequests(requests), `self-contained: no request beyond the file (${requests.length} requests)`);
  const png = await page.screenshot({ fullPage: true });
  if (shot) writeFileSync(shot, png);
  const coloured = await colouredPixels(page, png);
  check(coloured > 2000, `${coloured} coloured pixels in the screenshot`);
} finally {
  await browser.close();
}
console.log(`${failed() === 0 ? "report check passed" : `report check: ${failed()} failed`}`);
process.exitCode = failed() ? 1 : 0;
