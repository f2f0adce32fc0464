// The stub-fetch loop of bench/goals.mjs for one resilientFetch configuration, alone, to run
// under `node --cpu-prof` (bench/goals.mjs --profile does): global fetch replaced by a stub
// answering at once, `--n` sequential calls after a warm-up.
//   node --cpu-prof bench/profile-stub.mjs [--variant defaults|no-timeout] [--n 200000]

import { createResilientFetch } from "resilient-fetch";
import { arg, stubCalls, stubFetch } from "./common.mjs";

const i = process.argv.indexOf("--variant");
const variant = i < 0 ? "defaults" : process.argv[i + 1];
const n = arg("--n", 200_000);
const rf = variant === "no-timeout" ? createResilientFetch({ timeoutMs: false }) : createResilientFetch();
globalThis.fetch = stubFetch;
await stubCalls((u) => rf(u), { n: Math.min(n, 20_000) });
const us = await stubCalls((u) => rf(u), { n });
console.log(JSON.stringify({ variant, n, usPerCall: us }));
