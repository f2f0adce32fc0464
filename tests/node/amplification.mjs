// Retry amplification across tiers, measured: a chain of 4 tiers on 127.0.0.1 where tiers 1-3
// each call the next through their own resilientFetch (2 attempts each) and tier 4, the
// bottom, fails every request with 503. For each configuration: requests reaching the bottom
// per top-level request.
//   naive              no budget, no pushback: 2^3 = 8
//   budget             ratio 0.1 at every tier (no floor)
//   pushback           every tier marks what it gives up on (markNoRetry) and honours marks
//   pushback + budget  both
// Used by amplification.test.mjs (assertions) and bench (printing).

import http from "node:http";
import { createResilientFetch, markNoRetry } from "resilient-fetch";

function listen(handler) {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Runs `calls` top-level requests (8 at a time) through the chain; returns bottom requests per call. */
export async function amplification({ budget, pushback, calls = 200 }) {
  let bottomHits = 0;
  const servers = [];
  const bottom = await listen((req, res) => {
    bottomHits++;
    res.writeHead(503, { "content-type": "text/plain" }).end("overloaded");
  });
  servers.push(bottom);
  let next = `http://127.0.0.1:${bottom.address().port}/`;
  for (let tier = 3; tier >= 1; tier--) {
    const downstream = next;
    const rf = createResilientFetch({
      retry: { maxAttempts: 2, baseDelayMs: 1, jitter: "none" },
      breaker: false,
      budget: budget ? { ratio: 0.1, minRetriesPerSecond: 0 } : false,
      pushback,
    });
    const server = await listen(async (req, res) => {
      let out = await rf(downstream);
      // This tier gives up on a failure: tell the tier above not to retry it again.
      if (pushback && out.status >= 500) out = markNoRetry(out);
      const headers = {};
      out.headers.forEach((v, k) => (headers[k] = v));
      res.writeHead(out.status, headers).end(Buffer.from(await out.arrayBuffer()));
    });
    servers.push(server);
    next = `http://127.0.0.1:${server.address().port}/`;
  }
  const top = next;
  let issued = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (issued < calls) {
        issued++;
        const res = await fetch(top);
        await res.arrayBuffer();
      }
    }),
  );
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  return bottomHits / calls;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("retry amplification, 4 tiers, the bottom failing every request (200 top-level calls)");
  for (const [name, config] of [
    ["naive (2 attempts per tier)", { budget: false, pushback: false }],
    ["budget 0.1 at every tier", { budget: true, pushback: false }],
    ["pushback", { budget: false, pushback: true }],
    ["pushback + budget", { budget: true, pushback: true }],
  ]) {
    console.log(`${name.padEnd(30)} ${(await amplification(config)).toFixed(2)} requests at the bottom per call`);
  }
}
