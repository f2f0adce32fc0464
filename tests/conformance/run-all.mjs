// Runs the conformance scenarios in all four runtimes against one scripted loopback server,
// with the package as a user installs it, and prints each runtime's pass/fail per scenario.
//
//   node tests/conformance/run-all.mjs <project-dir> [--only <text>]
//
// <project-dir> holds the packed package installed in node_modules, and copies of run.mjs,
// scenarios.mjs, worker.mjs and index.html (scripts/test-runtimes.sh prepares it).
//   Node:     node run.mjs
//   Deno:     the real deno binary (npm package "deno"), run.mjs with --allow-net=127.0.0.1
//   workerd:  worker.mjs bundled as a Worker user bundles it (esbuild, workerd conditions,
//             the .wasm as a module), run by miniflare, one scenario per request
//   Chromium: headless Debian chromium driven by playwright-core, a plain page with an import map
//   esbuild:  the same scenarios bundled by esbuild for the browser, in Chromium

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { readFile, mkdir, copyFile } from "node:fs/promises";
import { join, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { startServer } from "../server/scripted.mjs";
import { startWorker } from "../server/workerd.mjs";

const repo = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const project = resolve(process.argv[2] ?? ".");
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
const bin = (name) => join(repo, "node_modules", ".bin", name);

function run(cmd, args, { timeoutMs = 180_000 } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: project, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolveRun({ code, out, err });
    });
  });
}

function parseResults(runtime, { code, out, err }) {
  const line = out.trim().split("\n").pop();
  try {
    return JSON.parse(line);
  } catch {
    return [{ name: "(runtime failed to start)", ok: false, error: `exit ${code}\n${out}\n${err}`.slice(0, 4000) }];
  }
}

const server = await startServer({
  lifetimeMs: 20 * 60_000,
  files: { "vectors.json": join(repo, "tests", "vectors", "vectors.json") },
});
const origin = server.origin;
const report = {};

// ---- Node and Deno -------------------------------------------------------------------
report.node = parseResults("node", await run(process.execPath, ["run.mjs", origin, ...(only ? [only] : [])]));
report.deno = parseResults(
  "deno",
  await run(bin("deno"), ["run", "--quiet", "--allow-net=127.0.0.1", "run.mjs", origin, ...(only ? [only] : [])]),
);

// ---- workerd through miniflare -------------------------------------------------------
{
  const mf = await startWorker(project, "worker.mjs", join(project, "worker-dist"));
  const call = async (path) => (await mf.dispatchFetch(`http://worker.local${path}`)).json();
  try {
    const names = await call("/list");
    report.workerd = [];
    for (const name of names) {
      if (only && !name.includes(only)) continue;
      report.workerd.push(await call(`/run?origin=${encodeURIComponent(origin)}&name=${encodeURIComponent(name)}`));
    }
    if (!only) report.workerd.push(await isolateState(call));
  } catch (e) {
    report.workerd = [{ name: "(runtime failed to start)", ok: false, error: String(e?.stack ?? e) }];
  } finally {
    await mf.dispose();
  }
}

/** A breaker opened during one request is open in the next request to the same isolate,
 * and closes again after its reset time. */
async function isolateState(call) {
  const name = "state lives in the isolate: a breaker opened in one request is open in the next";
  const started = Date.now();
  try {
    const q = (id, steps) => `/isolate/call?origin=${encodeURIComponent(origin)}&id=${id}&steps=${steps}`;
    const first = await call(q("iso1", "500"));
    if (first.outcome !== 500 || first.state !== "open") throw new Error(`first request: ${JSON.stringify(first)}`);
    const second = await call(q("iso2", "200"));
    if (second.outcome !== "CircuitOpenError") throw new Error(`second request: ${JSON.stringify(second)}`);
    if (server.log("iso2").length !== 0) throw new Error("the open breaker let a request through");
    await new Promise((r) => setTimeout(r, 600));
    const later = await call("/isolate/state");
    if (later.state !== "half-open") throw new Error(`after the reset time: ${JSON.stringify(later)}`);
    const probe = await call(q("iso3", "200"));
    if (probe.outcome !== 200 || probe.state !== "closed") throw new Error(`probe: ${JSON.stringify(probe)}`);
    const stats = (await call("/isolate/state")).stats;
    if (stats.requests !== 3 || stats.shortCircuited !== 1) throw new Error(`stats: ${JSON.stringify(stats)}`);
    return { name, ok: true, ms: Date.now() - started };
  } catch (e) {
    return { name, ok: false, ms: Date.now() - started, error: String(e?.stack ?? e) };
  }
}

// ---- headless Chromium ---------------------------------------------------------------
{
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const pkg = join(project, "node_modules", "resilient-fetch");
  const files = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = path.startsWith("/pkg/") ? join(pkg, path.slice(5)) : join(project, path);
    if (!file.startsWith(project)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => files.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // The same scenarios bundled the way an application bundles them: esbuild, browser
  // conditions, and the package's .wasm copied beside the bundle (esbuild does not follow
  // `new URL(..., import.meta.url)`).
  await esbuild.build({
    absWorkingDir: project,
    entryPoints: ["bundle-entry.mjs"],
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: join(project, "bundle", "app.js"),
    logLevel: "error",
  });
  await mkdir(join(project, "bundle"), { recursive: true });
  await copyFile(join(pkg, "dist", "resilient_fetch.wasm"), join(project, "bundle", "resilient_fetch.wasm"));

  const query = `origin=${encodeURIComponent(origin)}${only ? `&only=${encodeURIComponent(only)}` : ""}`;
  const inPage = async (path) => {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${files.address().port}/${path}?${query}`);
    await page.waitForFunction(() => window.done === true, undefined, { timeout: 240_000 }).catch(() => {});
    const results = await page.evaluate(() => window.results);
    await page.close();
    return results ?? [{ name: "(page failed)", ok: false, error: errors.join("\n") || "no results" }];
  };
  try {
    report.chromium = await inPage("index.html");
    report["esbuild"] = await inPage("bundle.html");
  } finally {
    await browser.close();
    files.close();
  }
}

await server.close();

// ---- the report ----------------------------------------------------------------------
const runtimes = Object.keys(report);
const names = [...new Set(runtimes.flatMap((r) => report[r].map((x) => x.name)))];
let failed = 0;
console.log(`\n${runtimes.map((r) => r.padEnd(9)).join("")}scenario`);
for (const name of names) {
  const cells = runtimes.map((r) => {
    const x = report[r].find((y) => y.name === name);
    if (!x) return "-".padEnd(9);
    if (!x.ok) failed++;
    return (x.ok ? "pass" : "FAIL").padEnd(9);
  });
  console.log(`${cells.join("")}${name}`);
}
for (const r of runtimes) {
  for (const x of report[r]) if (!x.ok) console.log(`\n[${r}] ${x.name}\n${x.error}`);
}
const total = runtimes.reduce((n, r) => n + report[r].length, 0);
console.log(`\n${total - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
