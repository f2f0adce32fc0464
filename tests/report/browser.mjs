// Helpers to check a self-contained report page in headless Chromium (Debian's, through
// playwright-core), for the demo's report (check.mjs) and the rate-limiter benchmark's
// (bench/limiters/check-report.mjs): launch with the flags the toolchain notes give, record
// every request the page makes, count clearly coloured pixels of a screenshot inside the
// page itself.
import { chromium } from "playwright-core";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export async function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

// Opens a local file; returns the page and the list of every URL it requested.
export async function openFile(browser, file, viewport = { width: 1100, height: 1000 }) {
  const page = await browser.newPage({ viewport });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(resolve(file)).href);
  return { page, requests };
}

export const onlyFileRequests = (requests) => requests.every((u) => u.startsWith("file:") || u.startsWith("data:"));

// Pixels of the PNG whose channels differ by more than 60: coloured, not grey or white.
export async function colouredPixels(page, png) {
  return page.evaluate(async (b64) => {
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
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  }, png.toString("base64"));
}

export function checker() {
  let failed = 0;
  const check = (ok, what) => {
    console.log(`${ok ? "pass" : "FAIL"} ${what}`);
    if (!ok) failed++;
  };
  return { check, failed: () => failed };
}
