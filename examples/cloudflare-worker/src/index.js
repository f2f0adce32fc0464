// A Worker whose outbound calls go through resilientFetch. Breakers, budgets and limiters
// live in the isolate, so they persist across requests:
//   GET /items/<anything>  proxies to UPSTREAM, retrying 429/503 and stalls
//   GET /breaker           the breaker state and counters of this isolate
import { createResilientFetch, CircuitOpenError } from "resilient-fetch";

// Module scope: made once per isolate. (No entropy is drawn until the first call.)
const upstream = createResilientFetch({
  retry: { maxAttempts: 4, baseDelayMs: 100 },
  timeoutMs: 2_000,
  breaker: { failureThreshold: 3, resetTimeoutMs: 10_000, key: "upstream" },
});

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/breaker") {
      return Response.json({ state: upstream.breakerState("upstream"), stats: upstream.stats() });
    }
    try {
      // Each attempt is one subrequest: keep maxAttempts within your plan's limit.
      const res = await upstream(`${env.UPSTREAM}${url.pathname}${url.search}`);
      return new Response(res.body, res);
    } catch (e) {
      if (e instanceof CircuitOpenError) {
        return new Response(`upstream unavailable, retry in ${e.retryAfterMs} ms`, {
          status: 503,
          headers: { "retry-after": String(Math.ceil(e.retryAfterMs / 1000)) },
        });
      }
      return new Response(`upstream failed: ${e.message}`, { status: 502 });
    }
  },
};
