// One member of the fleet in redis.test.mjs: a Node process (forked) with its own
// resilient-fetch instance, sharing state through a Redis store. Driven by IPC messages,
// each answered by one message with the same id:
//
//   { id, cmd: "init", redisUrl, prefix, resetTimeoutMs, failureThreshold?, refreshMs?, timeoutMs? }
//       -> { id, ok: true }
//   { id, cmd: "call", url, init? }
//       -> { id, t0, t1, status? | errorName, errorMessage?, retryAfterMs?, waitMs?, breakerState }
//          (t0, t1: Date.now() when the call started and settled; breakerState: the URL's
//          origin's breaker right after the call)
//   { id, cmd: "state", key }   -> { id, breakerState }
//   { id, cmd: "unavailable" }  -> { id, count, errors }   (onUnavailable calls so far)
//   { id, cmd: "stats" }        -> { id, stats }
//   { id, cmd: "exit" }         -> { id, ok: true }, then the process exits
//
// Any failure to handle a message is answered { id, fatal: message }.

import { createResilientFetch } from "resilient-fetch";
import { redisStore } from "resilient-fetch/redis";
import { createClient } from "redis";

let api;
let client;
const unavailable = [];

async function init(msg) {
  client = createClient({ url: msg.redisUrl, disableOfflineQueue: true });
  client.on("error", () => {}); // node-redis emits errors while reconnecting
  await client.connect();
  const shared = {
    store: redisStore(client, { prefix: msg.prefix }),
    onUnavailable(error) {
      unavailable.push(String(error?.name ?? error) + ": " + String(error?.message ?? ""));
    },
  };
  if (msg.refreshMs !== undefined) shared.refreshMs = msg.refreshMs;
  if (msg.timeoutMs !== undefined) shared.timeoutMs = msg.timeoutMs;
  api = createResilientFetch({
    retry: { maxAttempts: 1 },
    breaker: { failureThreshold: msg.failureThreshold ?? 5, resetTimeoutMs: msg.resetTimeoutMs },
    shared,
  });
  return { ok: true };
}

async function call(msg) {
  const t0 = Date.now();
  const out = { t0 };
  try {
    const res = await api(msg.url, msg.init);
    await res.text();
    out.status = res.status;
  } catch (e) {
    out.errorName = e?.name ?? String(e);
    out.errorMessage = e?.message;
    if (typeof e?.retryAfterMs === "number") out.retryAfterMs = e.retryAfterMs;
    if (typeof e?.waitMs === "number") out.waitMs = e.waitMs;
  }
  out.t1 = Date.now();
  out.breakerState = api.breakerState(new URL(msg.url).origin);
  return out;
}

async function handle(msg) {
  switch (msg.cmd) {
    case "init":
      return init(msg);
    case "call":
      return call(msg);
    case "state":
      return { breakerState: api.breakerState(msg.key) };
    case "unavailable":
      return { count: unavailable.length, errors: unavailable.slice(0, 5) };
    case "stats":
      return { stats: api.stats() };
    case "exit":
      setTimeout(() => process.exit(0), 10);
      try {
        client?.destroy();
      } catch {}
      return { ok: true };
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on("message", (msg) => {
  handle(msg).then(
    (reply) => process.send({ id: msg.id, ...reply }),
    (e) => process.send({ id: msg.id, fatal: String(e?.stack ?? e) }),
  );
});
// The test process is gone: nothing else will ask.
process.on("disconnect", () => process.exit(0));
