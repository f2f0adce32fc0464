// Anti-amplification across tiers (see amplification.mjs): naive retries multiply 2^(K-1);
// the pushback signal with a budget keeps the bottom's load near one request per call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { amplification } from "./amplification.mjs";

test("4 tiers, the bottom failing: naive 8x, pushback 2x, pushback + budget <= 1.2x", async () => {
  assert.equal(await amplification({ budget: false, pushback: false, calls: 50 }), 8);
  assert.equal(await amplification({ budget: false, pushback: true, calls: 50 }), 2);
  const both = await amplification({ budget: true, pushback: true, calls: 200 });
  assert.ok(both <= 1.2, `pushback + budget: ${both} requests at the bottom per call`);
});
