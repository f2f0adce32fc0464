// No idle timers: after a call that retried, waited on Retry-After and timed out, nothing
// of the library keeps the process alive. The child must exit by itself.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { startServer } from "./scripted.mjs";

test("the process exits on its own after calls with waits, timeouts and an open breaker", async () => {
  const server = await startServer();
  const child = `
    import { createResilientFetch } from "resilient-fetch";
    const f = createResilientFetch({ retry: { baseDelayMs: 10, retryAfterJitterMs: 0 }, timeoutMs: 500,
                                     breaker: { failureThreshold: 3, resetTimeoutMs: 600000 } });
    const a = await f("${server.origin}/s/exit1/503;ra=1,stall,200");
    await a.text();
    for (let i = 0; i < 3; i++) await f("${server.origin}/s/exit2/500").catch((e) => e);
    console.log("done", a.status, f.breakerState("${server.origin}"));
  `;
  const started = Date.now();
  const proc = spawn(process.execPath, ["--input-type=module", "-e", child], { cwd: process.cwd() });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const code = await new Promise((r) => proc.on("exit", r));
  clearTimeout(killer);
  await server.close();
  assert.equal(code, 0, out);
  assert.match(out, /done 200 open/);
  // The breaker holds no timer: 600 s reset time, yet the process ended long before.
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
});
