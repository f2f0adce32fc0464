// Opens the demo's HTML report in headless Chromium and checks that it renders: one
// timeline rectangle per attempt the API saw, the histogram's bins, and a screenshot that
// is not blank (its pixels are counted in the page itself).
//   node tests/report/check.mjs demo-report.html [screenshot.png]
import { chromium } from "playwright-core";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileSync } from "node:fs";

const [report, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? "pass" : "FAIL"} ${what}`);
  if (!ok) failed++;
};
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(resolve(report)).href);
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
  check(requests.every((u) => u.startsWith("file:")), "self-contained: no request beyond the file");
  const png = await page.screenshot({ fullPage: true });
  if (shot) writeFileSync(shot, png);
  const coloured = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++; // clearly coloured, not grey or white
    }
    return n;
  }, png.toString("base64"));
  check(coloured > 2000, `${coloured} coloured pixels in the screenshot`);
} finally {
  await browser.close();
}
console.log(`${failed === 0 ? 1 : 0} passed, ${failed === 0 ? 0 : 1} failed`);
process.exitCode = failed ? 1 : 0;
