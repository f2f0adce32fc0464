// resilientFetch in Node against a flaky local server this example starts itself.
//   bash scripts/example.sh node
import { createResilientFetch, RetryError } from "resilient-fetch";
import { startServer } from "../../tests/server/scripted.mjs";

const server = await startServer();
const api = createResilientFetch({
  retry: { maxAttempts: 4, baseDelayMs: 200 },
  timeoutMs: 1_000,
  onRetry: (e) => console.log(`  retry after attempt ${e.attempt} (${e.status ?? e.reason}) in ${e.delayMs} ms`),
});

console.log("GET: 503, then 429 with Retry-After: 1, then 200");
const res = await api(`${server.origin}/s/get/503,429;ra=1,200`);
console.log(`  -> ${res.status} ${await res.text()}`);

console.log("POST with an idempotency key: a reset connection, then 201");
const pay = await api(`${server.origin}/s/pay/reset,201`, { method: "POST", body: '{"amount":10}', idempotencyKey: true });
console.log(`  -> ${pay.status}; keys seen by the server: ${server.log("pay").map((e) => e.key).join(", ")}`);

console.log("a server that stalls every time");
try {
  await api(`${server.origin}/s/stall/stall`, { retry: { maxAttempts: 2 }, timeoutMs: 300 });
} catch (e) {
  if (!(e instanceof RetryError)) throw e;
  console.log(`  -> ${e.name}: ${e.message}`);
}
console.log("stats", api.stats());
await server.close();
