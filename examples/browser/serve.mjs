// Serves the browser example on 127.0.0.1: the page, the package's files, and a flaky API.
//   bash scripts/example.sh browser            (prints the URL; stops by itself after 10 min)
//   bash scripts/example.sh browser --check    (loads the page in headless Chromium, prints it)
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
let hits = 0;

const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/api/flaky") {
    hits++;
    if (hits % 3 !== 0) {
      res.writeHead(503, { "retry-after": "0" }).end("busy");
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end(`fresh data #${hits}`);
    }
    return;
  }
  const file = path === "/" ? join(here, "index.html") : path.startsWith("/pkg/dist/") ? join(repo, path.slice(5)) : null;
  if (!file || !file.startsWith(repo)) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

if (process.argv.includes("--check")) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector("body[data-done=true]", { timeout: 30_000 });
  console.log(await page.innerText("#log"));
  await browser.close();
  server.close();
} else {
  console.log(`open ${url} (stops by itself in 10 minutes; Ctrl-C to stop now)`);
  setTimeout(() => server.close(() => process.exit(0)), 10 * 60_000).unref();
}
