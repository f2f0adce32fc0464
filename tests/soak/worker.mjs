// The soak inside a Worker (workerd): each request makes planned calls `from`..`to` of the
// soak, `concurrency` at a time, through one isolate-level instance, and reports outcomes.
import { createResilientFetch } from "resilient-fetch";
import { planned, soakCall, SOAK_OPTIONS } from "./plan.mjs";

const f = createResilientFetch(SOAK_OPTIONS);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const origin = url.searchParams.get("origin");
    const from = Number(url.searchParams.get("from"));
    const to = Number(url.searchParams.get("to"));
    const concurrency = Number(url.searchParams.get("concurrency") ?? 16);
    const counts = {};
    let next = from;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < to) {
          const outcome = await soakCall(f, origin, planned("wsoak", next++));
          counts[outcome] = (counts[outcome] ?? 0) + 1;
        }
      }),
    );
    return Response.json({ counts, stats: f.stats() });
  },
};
