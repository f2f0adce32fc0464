// resilientFetch under faults next to bare fetch and the peers (ky, cockatiel with retry, a
// breaker and a timeout, p-retry), measured side by side in one run: the server answers 503
// with `Retry-After: 0` to every 5th request it sees; every library set to 4 attempts with
// ~10 ms waits: success rate and requests the server saw.
//
// The success-path overhead (loopback req/s, latency and client CPU per request, and each
// wrapper's cost against a stub fetch) and the size a user loads are measured by
// bench/goals.mjs, beside the goals they are held to; the clients and the loopback server are
// shared with it (bench/common.mjs).
//
//   node bench/overhead.mjs [--requests 4000]

import { createResilientFetch } from "resilient-fetch";
import ky from "ky";
import { arg, cockatielFetch, pRetryFetch, startLoopbackServer } from "./common.mjs";

const REQUESTS = arg("--requests", 4000);
const CONCURRENCY = 16;

const server = await startLoopbackServer();
const { url } = server;

const faultClients = {
  "bare fetch": (u) => fetch(u),
  resilientFetch: ((f) => (u) => f(u))(
    createResilientFetch({ retry: { maxAttempts: 4, baseDelayMs: 10, retryAfterJitterMs: 10 } }),
  ),
  "resilientFetch, no budget": ((f) => (u) => f(u))(
    createResilientFetch({ retry: { maxAttempts: 4, baseDelayMs: 10, retryAfterJitterMs: 10 }, budget: false }),
  ),
  // ky retries only when it throws on HTTP errors: take the response back from the error.
  ky: ((k) => (u) => k(u).catch((e) => e.response ?? Promise.reject(e)))(
    ky.create({ retry: { limit: 3, backoffLimit: 10 }, timeout: 30_000 }),
  ),
  cockatiel: cockatielFetch(),
  "p-retry": (u) => pRetryFetch(u).catch((e) => ({ status: 503, text: async () => String(e) })),
};
console.log(`faults: every 5th request answers 503 (Retry-After: 0); ${REQUESTS} calls, concurrency ${CONCURRENCY}, 4 attempts each`);
console.log("client                      success   server requests   per call");
for (const [name, call] of Object.entries(faultClients)) {
  await fetch(`${url}faults/on`);
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const res = await call(url);
        await res.text();
        if (res.status === 200) ok++;
      }
    }),
  );
  const seen = Number(await (await fetch(`${url}faults/off`)).text());
  console.log(`${name.padEnd(26)} ${((100 * ok) / REQUESTS).toFixed(1).padStart(6)} %   ${String(seen).padStart(15)}   ${(seen / REQUESTS).toFixed(3).padStart(8)}`);
}
server.close();
