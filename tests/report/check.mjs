// Opens the demo's HTML report in headless Chromium and checks that it renders: one
// timeline rectangle per attempt the API saw, the histogram's bins, and a screenshot that
// is not blank (its pixels are counted in the page itself).
//   node tests/report/check.mjs demo-report.html [screenshot.png]
import { writeFileSync } from "node:fs";
import { launch, openFile, onlyFileRequests, colouredPixels, checker } from "./browser.mjs";

const [report, shot] = process.argv.slice(2);
const browser = await launch();
const { check, failed } = checker();
try {
  const { page, requests } = await openFile(browser, report);
  const counts = await page.evaluate(() => ({
    expectedAttempts: Number(document.body.dataset.attempts),
    expectedBins: Number(document.body.dataset.bins),
    attempts: document.querySelectorAll("#timeline rect.attempt").length,
    bins: document.querySelectorAll("#histogram rect.bin").length,
    ok: document.querySelectorAll("#timeline rect.ok").length,
  }));
  check(counts.attempts > 0 && counts.attempts === counts.expectedAttempts, `${counts.attempts} attempts drawn of ${counts.expectedAttempts}`);
  check(counts.ok > 0, `${counts.ok} successful attempts drawn`);
  check(counts.bins === counts.expectedBins, `${counts.bins} histogram bins`);
  check(onlyFileRequests(requests), "self-contained: no request beyond the file");
  const png = await page.screenshot({ fullPage: true });
  if (shot) writeFileSync(shot, png);
  const coloured = await colouredPixels(page, png);
  check(coloured > 2000, `${coloured} coloured pixels in the screenshot`);
} finally {
  await browser.close();
}
console.log(`${failed() === 0 ? 1 : 0} passed, ${failed() === 0 ? 0 : 1} failed`);
process.exitCode = failed() ? 1 : 0;
