// A component host: the engine component (transpiled by jco) makes every decision; this
// program does the I/O (fetch, timers) against a flaky local server, as any host would,
// whatever its language.
//   bash scripts/example.sh component
import { engine } from "../../dist-component/js/resilient_engine.js";
import { startServer } from "../../tests/server/scripted.mjs";

const server = await startServer();
const client = new engine.Client(BigInt(Date.now())); // the seed of the jitter generator
const policy = {
  retry: { tag: "on", val: { maxAttempts: 5, baseDelayMs: 100 } },
  timeoutMs: { tag: "on", val: 500 },
  breaker: { tag: "default" },
  budget: { tag: "default" },
};
const sleep = (ms) => new Promise((r) => setTimeout(r, Number(ms)));

async function get(url) {
  const { origin: key, pathname: path } = new URL(url);
  const [call, first] = client.start(policy, { key, method: "GET", hasIdempotencyKey: false, replayableBody: true, path }, BigInt(Date.now()));
  let action = first;
  let response;
  for (;;) {
    console.log(`  engine: ${JSON.stringify(action, (k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    if (action.tag === "send") {
      const ctl = new AbortController();
      const timer = action.val.timeoutMs === undefined ? undefined : setTimeout(() => ctl.abort(), Number(action.val.timeoutMs));
      try {
        response = await fetch(url, { signal: ctl.signal });
        clearTimeout(timer);
        const h = response.headers;
        const header = (name) => h.get(name) ?? undefined;
        // Every rate-limit field as (name, value): the engine picks the dialects it reads.
        const rateLimit = [...h].filter(([name]) => /^(x-)?rate-?limit|^anthropic-ratelimit/.test(name));
        action = call.onResponse(response.status, header("retry-after"), header("date"), header("retry-pushback-ms"), rateLimit, BigInt(Date.now()));
        if (action.tag !== "respond") await response.arrayBuffer(); // a discarded attempt
      } catch {
        clearTimeout(timer);
        action = call.onTransportError(ctl.signal.aborted ? "timeout" : "network", BigInt(Date.now()));
      }
    } else if (action.tag === "wait") {
      await sleep(action.val.ms);
      action = call.onWake(BigInt(Date.now()));
    } else if (action.tag === "respond") {
      return `${response.status} ${await response.text()}`;
    } else {
      return `rejected: ${JSON.stringify(action.val)}`;
    }
  }
}

console.log("GET 503, a stall past the timeout, then 200:");
console.log(`  -> ${await get(`${server.origin}/s/c1/503,stall,200`)}`);
console.log("GET 429 with Retry-After: 1, then 200:");
console.log(`  -> ${await get(`${server.origin}/s/c2/429;ra=1,200`)}`);
const s = client.stats();
console.log(`stats: requests ${s.requests}, attempts ${s.attempts}, retries ${s.retries}`);
await server.close();
