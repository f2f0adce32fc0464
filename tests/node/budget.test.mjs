// The default budget reaches both outcomes the contract asks for (counts, not times).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createResilientFetch } from "resilient-fetch";
import { startFaultServer, round, OPTIONS } from "./budget-outcomes.mjs";

test("every 5th request failing: >= 99.5 % success at <= 1.26 requests per call", async () => {
  const server = await startFaultServer();
  try {
    const f = createResilientFetch(OPTIONS);
    const r = await round(server, 5, (u) => f(u));
    assert.ok(r.successPct >= 99.5, `success ${r.successPct} %`);
    assert.ok(r.perCall <= 1.26, `${r.perCall} requests per call`);
  } finally {
    await server.close();
  }
});

test("an origin failing every request, breaker off: <= 1.2 requests per call", async () => {
  const server = await startFaultServer();
  try {
    const f = createResilientFetch({ ...OPTIONS, breaker: false });
    const r = await round(server, 1, (u) => f(u));
    assert.equal(r.successPct, 0);
    assert.ok(r.perCall <= 1.2, `${r.perCall} requests per call`);
    assert.ok(f.stats().budgetDenied > 0, "the budget refused retries");
  } finally {
    await server.close();
  }
});

test("the article's ratio form stays available", async () => {
  const server = await startFaultServer();
  try {
    const f = createResilientFetch({ ...OPTIONS, budget: { ratio: 0.1 } });
    const r = await round(server, 5, (u) => f(u));
    // 0.1 retries per call (plus the floor) cannot pay for 0.25: some calls end on a 503.
    assert.ok(r.successPct < 99.5 && r.successPct > 80, `success ${r.successPct} %`);
  } finally {
    await server.close();
  }
});
