// The soak in workerd through miniflare: the Worker (bundled as Workers users bundle it)
// makes the planned calls against the scripted server in batches of requests, 4 requests in
// flight at once x 16 calls each = 64 concurrent calls; then the same server-side checks as
// the Node soak. Every call must settle and every request to the Worker must answer.
//   node workerd.mjs <project dir> [--calls 10000]
import { join, resolve } from "node:path";
import { startServer } from "../server/scripted.mjs";
import { startWorker } from "../server/workerd.mjs";
import { planned, check } from "./plan.mjs";

const project = resolve(process.argv[2] ?? ".");
const i = process.argv.indexOf("--calls");
const CALLS = i < 0 ? 10_000 : Number(process.argv[i + 1]);
const BATCH = 160;

const server = await startServer({ lifetimeMs: 30 * 60_000 });
const mf = await startWorker(project, "worker.mjs", join(project, "soak-worker"));

const started = Date.now();
const totals = {};
let stats;
let next = 0;
let failedRequests = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < CALLS) {
      const from = next;
      const to = Math.min(CALLS, from + BATCH);
      next = to;
      const q = `origin=${encodeURIComponent(server.origin)}&from=${from}&to=${to}&concurrency=16`;
      try {
        const r = await (await mf.dispatchFetch(`http://soak.local/?${q}`)).json();
        for (const [k, v] of Object.entries(r.counts)) totals[k] = (totals[k] ?? 0) + v;
        stats = r.stats;
      } catch (e) {
        failedRequests++;
        console.log(`a Worker request failed: ${e}`);
      }
    }
  }),
);
await mf.dispose();
const plan = Array.from({ length: CALLS }, (_, n) => planned("wsoak", n));
const [problems, requests] = check(plan, (id) => server.log(id));
await server.close();

const settled = Object.values(totals).reduce((a, b) => a + b, 0);
if (settled !== CALLS) problems.push(`${CALLS - settled} calls did not settle`);
if (failedRequests) problems.push(`${failedRequests} Worker requests failed`);
console.log(`workerd soak: ${CALLS} calls, 64 at a time, in ${((Date.now() - started) / 1000).toFixed(1)} s; ${requests} requests reached the server`);
console.log(`  outcomes ${JSON.stringify(totals)}; isolate stats ${JSON.stringify(stats)}`);
for (const p of problems.slice(0, 20)) console.log(`PROBLEM ${p}`);
console.log(`${problems.length === 0 ? 1 : 0} passed, ${problems.length === 0 ? 0 : 1} failed`);
process.exitCode = problems.length === 0 ? 0 : 1;
