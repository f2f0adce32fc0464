// The default retry budget's outcomes side by side with the peers given the same attempts
// (4 in all, no waits): every 5th request failing, and an origin failing every request (our
// breaker off, so only the budget bounds the load). 1000 calls at concurrency 16, loopback.
//   node bench/budget.mjs
import { createResilientFetch } from "resilient-fetch";
import ky from "ky";
import { retry, handleResultType, ConstantBackoff } from "cockatiel";
import pRetry from "p-retry";
import { startFaultServer, round, OPTIONS } from "../tests/node/budget-outcomes.mjs";

const server = await startFaultServer();
const retriable = (r) => r.status === 429 || r.status >= 500;
const cockatiel = retry(handleResultType(Response, retriable), { maxAttempts: 3, backoff: new ConstantBackoff(0) });
const clients = {
  "resilientFetch (default budget)": (u, f) => f(u),
  "resilientFetch, budget: { ratio: 0.1 }": (u, f) => f(u),
  "ky (limit 3, no delay)": (u) =>
    ky(u, { retry: { limit: 3, delay: () => 0 } }).catch((e) => e.response ?? Promise.reject(e)),
  "cockatiel (3 retries, no delay)": (u) => cockatiel.execute(() => fetch(u)),
  "p-retry (3 retries, no delay)": (u) =>
    pRetry(
      async () => {
        const r = await fetch(u);
        if (retriable(r)) {
          await r.text();
          throw new Error(String(r.status));
        }
        return r;
      },
      { retries: 3, minTimeout: 0, maxTimeout: 0 },
    ).catch(() => new Response("gave up", { status: 503 })),
};
console.log("budget outcomes: 1000 calls, concurrency 16, 4 attempts each, no waits");
console.log("client                                   5th fails: success  req/call   all fail: req/call");
for (const [name, call] of Object.entries(clients)) {
  const budget = name.includes("ratio") ? { budget: { ratio: 0.1 } } : {};
  const a = createResilientFetch({ ...OPTIONS, ...budget });
  const faults = await round(server, 5, (u) => call(u, a));
  const b = createResilientFetch({ ...OPTIONS, ...budget, breaker: false });
  const down = await round(server, 1, (u) => call(u, b));
  console.log(
    `${name.padEnd(40)} ${faults.successPct.toFixed(1).padStart(8)} %  ${faults.perCall.toFixed(3).padStart(8)}   ${down.perCall.toFixed(3).padStart(12)}`,
  );
}
await server.close();
