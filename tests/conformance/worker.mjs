// The conformance scenarios inside a Cloudflare Worker (workerd), one scenario per request,
// plus routes proving that state lives in the isolate across requests.
import * as lib from "resilient-fetch";
import { runNamed, scenarios } from "./scenarios.mjs";

// Module-level state: created with the isolate, kept across requests.
const isolated = lib.createResilientFetch({
  retry: false,
  budget: false,
  breaker: { failureThreshold: 1, resetTimeoutMs: 500, key: "isolate" },
});

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const origin = url.searchParams.get("origin");
    switch (url.pathname) {
      case "/list":
        return Response.json(scenarios.map((s) => s.name));
      case "/run":
        return Response.json(await runNamed(lib, origin, "workerd", url.searchParams.get("name")));
      case "/isolate/call": {
        // Calls the scripted server through the isolate's instance; reports the breaker.
        let outcome;
        try {
          const res = await isolated(`${origin}/s/${url.searchParams.get("id")}/${url.searchParams.get("steps")}`);
          await res.arrayBuffer();
          outcome = res.status;
        } catch (e) {
          outcome = e.name;
        }
        return Response.json({ outcome, state: isolated.breakerState("isolate") });
      }
      case "/isolate/state":
        return Response.json({ state: isolated.breakerState("isolate"), stats: isolated.stats() });
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
