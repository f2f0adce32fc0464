// The default retry budget's two outcomes (the contract's "Rate limits and overload"), each
// with resilientFetch given only `{ retry: { maxAttempts: 4, baseDelayMs: 0, maxDelayMs: 0 } }`,
// 1000 calls at concurrency 16 against a loopback server:
//   faults: every 5th request is a 503 with Retry-After: 0  -> >= 99.5 % success, <= 1.26 requests/call
//   down:   every request is a 503 (and breaker: false)     -> <= 1.2 requests/call
// Used by tests/node/budget.test.mjs (asserts the outcomes: counts, not times) and by
// bench/budget.mjs (side by side with ky, cockatiel and p-retry given the same attempts).

import http from "node:http";

/** A server answering 503 (Retry-After: 0) to every `every`-th request it sees. */
export async function startFaultServer() {
  let n = 0;
  let every = 5;
  const server = http.createServer((req, res) => {
    n++;
    if (n % every === 0) {
      res.writeHead(503, { "retry-after": "0" });
      res.end("busy");
    } else {
      res.end("ok");
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const timer = setTimeout(() => server.close(), 300_000);
  timer.unref();
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    /** Starts counting afresh, failing every `k`-th request (1: all). */
    reset(k) {
      n = 0;
      every = k;
    },
    seen: () => n,
    close() {
      clearTimeout(timer);
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Runs `calls` calls of `call(url)` at `concurrency`; returns success % and requests per call. */
export async function round(server, every, call, { calls = 1000, concurrency = 16 } = {}) {
  server.reset(every);
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) {
        const res = await call(server.url);
        await res.text();
        if (res.status === 200) ok++;
      }
    }),
  );
  return { successPct: (100 * ok) / calls, perCall: server.seen() / calls };
}

/** The options the contract names for these outcomes. */
export const OPTIONS = { retry: { maxAttempts: 4, baseDelayMs: 0, maxDelayMs: 0 } };
