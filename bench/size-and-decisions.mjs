// Size next to the peers, start-up, and the cost of one decision across the JS -> Wasm
// boundary, measured side by side in one run.
//
// 1. Size: each library bundled for the browser by esbuild (minified), gzip -9; ours adds its
//    .wasm. 2. Start-up: fresh Node processes importing the package vs a no-op module
//    (medians, as a ratio). 3. Decisions: EngineClient start + onResponse in a loop, ns per
//    decision (compare with `cargo bench --bench decision` for the native figure).
//
//   node bench/size-and-decisions.mjs

import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { EngineClient } from "resilient-fetch";

const dir = mkdtempSync(join(tmpdir(), "rf-size-"));
async function bundled(name, code) {
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, code);
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    absWorkingDir: fileURLToPath(new URL("..", import.meta.url)),
    nodePaths: [fileURLToPath(new URL("../node_modules", import.meta.url))],
    logLevel: "silent",
  });
  return gzipSync(out.outputFiles[0].contents, { level: 9 }).length;
}
const wasm = gzipSync(readFileSync(fileURLToPath(new URL("../dist/wasm/resilient_fetch_bg.wasm", import.meta.url))), { level: 9 }).length;
const ours = await bundled("ours", `export { resilientFetch } from "${fileURLToPath(new URL("../dist/index.js", import.meta.url))}";`);
const ky = await bundled("ky", `export { default } from "ky";`);
const cockatiel = await bundled("cockatiel", `export { retry, circuitBreaker, wrap, handleAll, ExponentialBackoff, ConsecutiveBreaker } from "cockatiel";`);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
console.log("size, bundled by esbuild (minified), gzip -9");
console.log(`resilient-fetch   ${kb(ours)} JS + ${kb(wasm)} Wasm = ${kb(ours + wasm)}`);
console.log(`ky                ${kb(ky)}`);
console.log(`cockatiel         ${kb(cockatiel)} (retry, breaker, wrap)`);

// Start-up in fresh processes: import the package vs import nothing.
const time = (code) => {
  const runs = [];
  for (let i = 0; i < 9; i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", `const t=performance.now(); ${code}; console.log(performance.now()-t)`], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      encoding: "utf8",
    });
    runs.push(Number(r.stdout.trim()));
  }
  return runs.sort((a, b) => a - b)[4];
};
const noop = time(`await import("data:text/javascript,export const x = 1")`);
const pkg = time(`await import("resilient-fetch")`);
console.log("");
console.log(`start-up in Node (median of 9 fresh processes): no-op module ${noop.toFixed(2)} ms, resilient-fetch ${pkg.toFixed(2)} ms (ratio ${(pkg / noop).toFixed(1)})`);

// Decisions across the boundary.
const client = new EngineClient(7n);
const options = { retry: { jitter: "full" } };
const N = 100_000;
for (let i = 0; i < 10_000; i++) client.start(options, { key: "k", method: "GET" }, 1_790_000_000_000 + i).free();
const t0 = performance.now();
let decisions = 0;
for (let i = 0; i < N; i++) {
  const call = client.start(undefined, { key: "k", method: "GET" }, 1_790_000_000_000 + i * 10);
  call.onResponse({ status: 503 }, 1_790_000_000_000 + i * 10);
  call.free();
  decisions += 2;
}
const ns = ((performance.now() - t0) * 1e6) / decisions;
console.log("");
console.log(`decisions through the JS engine API (JS -> Wasm -> JS, objects made per action): ${ns.toFixed(0)} ns each`);
