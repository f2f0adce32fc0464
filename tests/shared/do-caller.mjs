// The calling Worker of the shared-state test (tests/shared/durable-object.test.mjs). The test
// runs this one bundle as four Workers, w1..w4: each is its own isolate with its own `api`, and
// all four bind RF_STATE to the SharedStateObject class of the "state" Worker (do-state.mjs).
//
//   GET /call?url=<absolute url>&cfg=<json>
//     -> { status, breakerState } or { error, retryAfterMs, breakerState }
//   GET /state?origin=<origin>   -> { breakerState }
//
// `cfg` configures the isolate's api, made on the first /call (module scope, per isolate):
//   { shared: boolean, refreshMs?, threshold, resetMs, maxRetryAfterMs? }
// A later /call with another cfg is answered 400: a test must use a fresh Miniflare instead.
import { createResilientFetch } from "resilient-fetch";
import { durableObjectStore } from "resilient-fetch/durable-object";

let api;
let apiCfg;
const unavailable = [];

function make(cfg, env) {
  const options = {
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: cfg.threshold, resetTimeoutMs: cfg.resetMs },
  };
  if (cfg.maxRetryAfterMs !== undefined) options.retry.maxRetryAfterMs = cfg.maxRetryAfterMs;
  if (cfg.shared) {
    options.shared = {
      store: durableObjectStore(env.RF_STATE),
      // A store outage is not expected here: record it (the test checks none happened).
      onUnavailable: (error) => unavailable.push(String(error?.stack ?? error)),
    };
    if (cfg.refreshMs !== undefined) options.shared.refreshMs = cfg.refreshMs;
  }
  return createResilientFetch(options);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/state") {
      const origin = url.searchParams.get("origin");
      return Response.json({ breakerState: api ? api.breakerState(origin) : null, unavailable });
    }
    if (url.pathname !== "/call") return new Response("not found", { status: 404 });
    const cfg = url.searchParams.get("cfg") ?? "{}";
    if (api === undefined) {
      api = make(JSON.parse(cfg), env);
      apiCfg = cfg;
    } else if (cfg !== apiCfg) {
      return Response.json({ error: "config changed", was: apiCfg, now: cfg }, { status: 400 });
    }
    const target = url.searchParams.get("url");
    const origin = new URL(target).origin;
    let body;
    try {
      const res = await api(target);
      await res.arrayBuffer();
      body = { status: res.status };
    } catch (e) {
      body = { error: e?.name ?? String(e), message: String(e?.message ?? e), retryAfterMs: e?.retryAfterMs ?? e?.waitMs };
    }
    body.breakerState = api.breakerState(origin);
    body.unavailable = unavailable.length;
    return Response.json(body);
  },
};
