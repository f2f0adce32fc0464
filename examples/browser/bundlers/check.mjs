// Loads one bundler's production build in headless Chromium and checks it: the page's call
// resolved 200 after one retry (the scripted server saw 2 requests), the .wasm came from the
// build output (served here as application/wasm, byte-equal to the package's), and no
// request left 127.0.0.1. Prints one JSON line with the sizes.
//   node check.mjs <name> <build output dir> <repo>
import { createServer } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import { join, extname, resolve, relative } from "node:path";
import { gzipSync, constants } from "node:zlib";
import { pathToFileURL } from "node:url";

const [name, outArg, repoArg] = process.argv.slice(2);
const out = resolve(outArg);
const repo = resolve(repoArg);
const fail = (msg) => {
  console.error(`${name}: FAIL: ${msg}`);
  process.exit(1);
};
// Bounded: whatever hangs, the process ends.
setTimeout(() => fail("timed out after 60 s"), 60_000).unref();

const files = [];
for (const e of await readdir(out, { recursive: true, withFileTypes: true })) {
  if (e.isFile()) files.push(relative(out, join(e.parentPath ?? e.path, e.name)));
}
const wasmFiles = files.filter((f) => f.endsWith(".wasm"));
if (wasmFiles.length !== 1) fail(`expected one .wasm in ${out}, found ${JSON.stringify(wasmFiles)}`);
const packageWasm = await readFile(join(repo, "dist/resilient_fetch.wasm"));
const emittedWasm = await readFile(join(out, wasmFiles[0]));
if (!packageWasm.equals(emittedWasm)) fail(`${wasmFiles[0]} differs from the package's .wasm`);

const { startServer } = await import(pathToFileURL(join(repo, "tests/server/scripted.mjs")));
const api = await startServer({ lifetimeMs: 90_000 });

const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const served = [];
const site = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = resolve(out, "." + (path === "/" ? "/index.html" : path));
  if (!file.startsWith(out + "/")) return res.writeHead(404).end();
  try {
    const body = await readFile(file);
    served.push(relative(out, file));
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => site.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${site.address().port}`;

const { chromium } = await import(pathToFileURL(join(repo, "node_modules/playwright-core/index.mjs")));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const requests = [];
  const wasmResponses = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.endsWith(".wasm")) wasmResponses.push({ url: r.url(), type: r.headers()["content-type"], status: r.status() });
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  const id = `${name}-${Date.now()}`;
  const target = `${api.origin}/s/${id}/503,200`;
  await page.goto(`${origin}/?api=${encodeURIComponent(target)}`);
  await page.waitForSelector("body[data-done=true]", { timeout: 30_000 }).catch(() => fail(`page not done; errors: ${errors}`));
  const result = JSON.parse(await page.textContent("#out"));

  if (result.status !== 200) fail(`call ended ${JSON.stringify(result)}`);
  if (result.retries !== 1) fail(`stats().retries = ${result.retries}, expected 1`);
  const seen = api.log(id).length;
  if (seen !== 2) fail(`scripted server saw ${seen} requests, expected 2`);
  if (wasmResponses.length !== 1) fail(`expected one .wasm response, saw ${JSON.stringify(wasmResponses)}`);
  const w = wasmResponses[0];
  const wasmPath = decodeURIComponent(new URL(w.url).pathname).slice(1);
  if (!w.url.startsWith(origin + "/") || w.status !== 200 || w.type !== "application/wasm" || wasmPath !== wasmFiles[0] || !served.includes(wasmFiles[0]))
    fail(`the .wasm did not come from the build output: ${JSON.stringify(w)}`);
  if (requests.some((u) => u.includes("node_modules"))) fail(`a request reached into node_modules: ${requests}`);
  const away = requests.filter((u) => new URL(u).hostname !== "127.0.0.1");
  if (away.length) fail(`requests left 127.0.0.1: ${away}`);
  if (errors.length) fail(`page errors: ${errors}`);

  const gz = (b) => gzipSync(b, { level: constants.Z_BEST_COMPRESSION }).length;
  let js = 0;
  let jsGzip = 0;
  for (const f of files.filter((f) => f.endsWith(".js"))) {
    const b = await readFile(join(out, f));
    js += b.length;
    jsGzip += gz(b);
  }
  console.log(JSON.stringify({
    bundler: name, ok: true, call: `${result.status} ${result.body}`, retries: result.retries, serverRequests: seen,
    wasm: wasmFiles[0], jsBytes: js, jsGzip, wasmBytes: emittedWasm.length, wasmGzip: gz(emittedWasm),
    requests: requests.map((u) => u.replace(origin, "site:").replace(api.origin, "api:")),
  }));
} finally {
  await browser.close();
  site.close();
  await api.close();
}
