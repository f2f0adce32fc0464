// resilientFetch in Deno against a flaky local server this example serves itself.
//   bash scripts/example.sh deno
// In your own project: import { createResilientFetch } from "npm:resilient-fetch";
import { createResilientFetch, CircuitOpenError } from "../../dist/deno.js";

let hits = 0;
let down = false;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
  hits++;
  // Every third request succeeds (until the server goes down); the others are overloaded.
  const ok = !down && hits % 3 === 0;
  return ok ? new Response("fresh data") : new Response("busy", { status: 503, headers: { "retry-after": "0" } });
});
const url = `http://127.0.0.1:${server.addr.port}/`;

const api = createResilientFetch({
  retry: { retryAfterJitterMs: 50 },
  breaker: { failureThreshold: 4, resetTimeoutMs: 60_000 },
  onBreakerStateChange: ({ key, from, to }) => console.log(`  breaker ${key}: ${from} -> ${to}`),
});

for (let i = 1; i <= 4; i++) {
  if (i === 3) {
    console.log("the server goes down");
    down = true;
  }
  try {
    const res = await api(url);
    console.log(`call ${i}: ${res.status} ${await res.text()} (server hits so far: ${hits})`);
  } catch (e) {
    if (!(e instanceof CircuitOpenError)) throw e;
    console.log(`call ${i}: ${e.name}, retry in ${e.retryAfterMs} ms`);
  }
}
console.log("stats", api.stats());
await server.shutdown();
