// A Worker whose isolates share their breakers and Retry-After holds through a Durable Object:
// when one isolate's calls open the breaker for UPSTREAM, or meet a 429 with Retry-After,
// every other isolate (this Worker's, elsewhere, or other Workers bound to the same class)
// stops sending too.
//   GET /items/<anything>  proxies to UPSTREAM
//   GET /breaker           this isolate's view of the breaker
import { createResilientFetch, CircuitOpenError, ThrottledError } from "resilient-fetch";
import { durableObjectStore } from "resilient-fetch/durable-object";

// The Durable Object class: exported by the Worker named in the binding (here, this one).
export { SharedStateObject } from "resilient-fetch/durable-object";

// Per isolate, made on the first request (the binding comes with the request's env).
let upstream;

export default {
  async fetch(request, env) {
    upstream ??= createResilientFetch({
      retry: { maxAttempts: 3, baseDelayMs: 100 },
      breaker: { failureThreshold: 5, resetTimeoutMs: 10_000 },
      shared: { store: durableObjectStore(env.RF_STATE) },
    });
    const url = new URL(request.url);
    if (url.pathname === "/breaker") {
      return Response.json({ state: upstream.breakerState(new URL(env.UPSTREAM).origin) });
    }
    try {
      const res = await upstream(`${env.UPSTREAM}${url.pathname}${url.search}`);
      return new Response(res.body, res);
    } catch (e) {
      if (e instanceof CircuitOpenError || e instanceof ThrottledError) {
        const ms = e.retryAfterMs ?? e.waitMs ?? 0;
        return new Response(`upstream unavailable, retry in ${ms} ms`, {
          status: 503,
          headers: { "retry-after": String(Math.ceil(ms / 1000)) },
        });
      }
      return new Response(`upstream failed: ${e.message}`, { status: 502 });
    }
  },
};
