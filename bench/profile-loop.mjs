// One loop of bench/goals.mjs alone, to run under `node --cpu-prof` (bench/goals.mjs
// --profile does): `--n` calls after a warm-up, then one JSON line with the time per call.
//   bare         bare fetch, global fetch replaced by a stub answering at once (the baseline)
//   defaults     resilientFetch (createResilientFetch()) over the stub
//   no-timeout   resilientFetch with timeoutMs: false over the stub
//   engine       the JS engine API: calls of 503, 503, 200 (six decisions each)
//
//   node --cpu-prof bench/profile-loop.mjs [--variant defaults] [--n 200000]

import { createResilientFetch, EngineClient } from "resilient-fetch";
import { arg, jsDecisionNs, stubCalls, stubFetch } from "./common.mjs";

const i = process.argv.indexOf("--variant");
const variant = i < 0 ? "defaults" : process.argv[i + 1];
const n = arg("--n", 200_000);
const warm = Math.min(n, 20_000);
let usPerCall;
if (variant === "engine") {
  const client = new EngineClient(7n);
  jsDecisionNs(client, [503, 503, 200], warm);
  usPerCall = (jsDecisionNs(client, [503, 503, 200], n) * 6) / 1000;
} else {
  const call = {
    bare: (u) => fetch(u),
    defaults: ((rf) => (u) => rf(u))(createResilientFetch()),
    "no-timeout": ((rf) => (u) => rf(u))(createResilientFetch({ timeoutMs: false })),
  }[variant];
  if (!call) throw new Error(`unknown variant ${variant}`);
  globalThis.fetch = stubFetch;
  await stubCalls(call, { n: warm });
  usPerCall = await stubCalls(call, { n });
}
console.log(JSON.stringify({ variant, n, usPerCall }));
