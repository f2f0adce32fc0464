// Start-up in workerd (through miniflare): a Worker that imports resilient-fetch (bundled as
// a Worker user bundles it) against a no-op Worker, time to the first response of a fresh
// isolate, medians of 5 runs side by side.
//   node bench/workerd-startup.mjs
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { bundleWorker, runWorker } from "../tests/server/workerd.mjs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rf-workerd-"));
const workers = {
  "no-op": `export default { fetch() { return new Response("ok"); } };`,
  "resilient-fetch": `import { resilientFetch } from "resilient-fetch";
export default { fetch() { return Response.json(resilientFetch.stats()); } };`,
};
const results = {};
for (const [name, code] of Object.entries(workers)) {
  const src = join(repo, `.bench-worker-${name}.mjs`);
  writeFileSync(src, code);
  const outdir = join(dir, name);
  const script = await bundleWorker(repo, src, outdir);
  results[name] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const mf = runWorker(outdir, script);
    await (await mf.dispatchFetch("http://w/")).text();
    results[name].push(performance.now() - t);
    await mf.dispose();
  }
  rmSync(src);
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const noop = median(results["no-op"]);
const ours = median(results["resilient-fetch"]);
console.log(`workerd start-up to first response (median of 5): no-op ${noop.toFixed(0)} ms, resilient-fetch ${ours.toFixed(0)} ms (ratio ${(ours / noop).toFixed(2)})`);
