// The soak's plan, its calls and its server-side checks, shared by the Node soak (soak.mjs)
// and the workerd soak (workerd.mjs, worker.mjs). Web-platform APIs only.

export const FAULTS = [
  "503,200",
  "503,503,503,200",
  "500,500,200",
  "429;ra=0,200",
  "429;ra=0.05,200",
  "429;ra=-1,200",
  "429;ra=soon,200",
  "429;ra=,200",
  "429;ra=huge,200",
  "503;ra=Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT,200",
  "503;ra=Sunday%2C%2006-Nov-94%2008%3A49%3A37%20GMT,200",
  "503;ra=Sun%20Nov%20%206%2008%3A49%3A37%201994,200",
  "stall,200",
  "reset,200",
  "cut",
  "slow",
  "200",
  "404",
];

/** The instance options every soak uses: short waits, a timeout the stalls exceed. */
export const SOAK_OPTIONS = {
  retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50, retryAfterJitterMs: 20, maxRetryAfterMs: 1_000 },
  timeoutMs: 250,
  breaker: false,
  budget: false,
};

/** Call `i` of a soak tagged `tag`: its id, script and kind, deterministic from `i`. */
export function planned(tag, i) {
  let seed = (i * 2654435761 + 7) % 2 ** 31;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const steps = FAULTS[Math.floor(random() * FAULTS.length)];
  const kind = ["GET", "PUT", "POST", "POST-KEY"][Math.floor(random() * 4)];
  return { id: `${tag}${i}`, steps, kind };
}

/** Makes planned call `p` through `f`; returns "resolved", "body-error" or the error's name. */
export async function soakCall(f, origin, p) {
  const init =
    p.kind === "GET" ? {} : { method: p.kind === "PUT" ? "PUT" : "POST", body: `payload of ${p.id}`, idempotencyKey: p.kind === "POST-KEY" };
  try {
    const res = await f(`${origin}/s/${p.id}/${p.steps}`, init);
    try {
      await res.arrayBuffer();
      return "resolved";
    } catch {
      return "body-error"; // a connection cut mid-body: the caller's to handle
    }
  } catch (e) {
    return e?.name ?? String(e);
  }
}

/** Server-side checks over the plan: returns [problems, requests received]. */
export function check(plan, log) {
  const problems = [];
  let requests = 0;
  for (const p of plan) {
    const entries = log(p.id);
    requests += entries.length;
    if (p.kind === "POST" && entries.length > 1) problems.push(`${p.id}: POST without a key received ${entries.length} times`);
    if (p.kind !== "GET") {
      const first = entries[0];
      for (const e of entries) {
        if (e.bodyLength === 0) problems.push(`${p.id}: a request arrived with an empty body`);
        if (first && e.bodySha256 !== first.bodySha256) problems.push(`${p.id}: the body changed between attempts`);
      }
    }
    if (p.kind === "POST-KEY") {
      const keys = new Set(entries.map((e) => e.key));
      if (keys.size !== 1 || keys.has(null)) problems.push(`${p.id}: Idempotency-Key not stable: ${[...keys].join(", ")}`);
    }
  }
  return [problems, requests];
}
