// Drives two builds of the numeric interface (src/faces/abi.rs) with the same pseudo-random
// script: policies from random option encodings, calls on many keys (enough to make the
// registry evict), responses with retry and rate-limit fields, failures, wakes, hedges,
// breaker events, counters. Every number either module returns must be the same: a change
// made for size (or anything else) must not change a decision in Wasm.
//
//   node scripts/abi-diff.mjs before.wasm after.wasm [steps=200000] [seed=1]
import { readFileSync } from "node:fs";

const [aPath, bPath, stepsArg, seedArg] = process.argv.slice(2);
if (!bPath) {
  console.error("usage: node scripts/abi-diff.mjs before.wasm after.wasm [steps] [seed]");
  process.exit(2);
}
const steps = Number(stepsArg ?? 200000);
let state = BigInt(seedArg ?? 1);
const rnd = () => {
  state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
  return Number(state >> 33n) / 2 ** 31;
};
const ri = (n) => Math.floor(rnd() * n);
const pick = (xs) => xs[ri(xs.length)];
const load = (p) => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(p)), {}).exports;
const A = load(aPath);
const B = load(bPath);
const encoder = new TextEncoder();
let calls = 0;

// Runs `f` on both modules; exits on the first difference. `f` must draw no random numbers.
function both(f) {
  const run = (X) => {
    try {
      return JSON.stringify(f(X) ?? null);
    } catch (e) {
      return `trap: ${e}`;
    }
  };
  const a = run(A);
  const b = run(B);
  calls++;
  if (a !== b) {
    console.error(`different at call ${calls}: ${f}\n  before: ${a}\n  after:  ${b}`);
    process.exit(1);
  }
  if (a.startsWith("trap")) {
    console.error(`both trapped at call ${calls}: ${f}: ${a}`);
    process.exit(1);
  }
  return JSON.parse(a);
}
const text = (X, s) => {
  const bytes = encoder.encode(s);
  const p = X.rf_scratch(bytes.length);
  new Uint8Array(X.memory.buffer, p, bytes.length).set(bytes);
  return bytes.length;
};
const out = (X) =>
  Array.from(new Float64Array(X.memory.buffer, X.rf_out(), 8), (v) => (Number.isNaN(v) ? "NaN" : v));
const intern = (s) => both((X) => X.rf_intern(text(X, s)));

// A random option encoding, in abi_options.rs's order (many are out of range: rejected alike).
function encoding() {
  const N = NaN;
  const maybe = (v) => (rnd() < 0.5 ? N : v);
  const nums = [];
  const lines = [];
  const group = () => nums.push(pick([0, 1, 1, 1, 2]));
  group(); // retry
  nums.push(maybe(1 + ri(6)), maybe(ri(500)), maybe(500 + ri(5000)), maybe(ri(4)));
  if (rnd() < 0.3) {
    nums.push(2);
    lines.push("GET", "POST");
  } else nums.push(N);
  if (rnd() < 0.3) {
    const codes = [429, 503, 500, 502].slice(0, 1 + ri(4));
    nums.push(codes.length, ...codes);
  } else nums.push(N);
  nums.push(maybe(ri(2)), maybe(ri(20000)), maybe(ri(1000)), ri(3) ? N : 1000 + ri(60000));
  nums.push(pick([N, N, -Infinity, 100 + ri(5000)])); // timeoutMs
  group(); // breaker
  nums.push(maybe(ri(2)), maybe(1 + ri(6)), maybe(ri(5000)), maybe(1 + ri(3)));
  nums.push(maybe(0.1 + 0.9 * rnd()), maybe(ri(20)), maybe(1000 + ri(20000)));
  group(); // budget
  nums.push(N, maybe(rnd() * 2), maybe(1000 + ri(20000)), maybe(rnd() * 3));
  group(); // hedge
  nums.push(maybe(ri(2000)), maybe(1 + ri(3)));
  group(); // rateLimit
  nums.push(maybe(0.5 + rnd() * 50), maybe(1 + ri(10)), maybe(ri(5000)));
  group(); // bulkhead
  nums.push(maybe(1 + ri(4)), maybe(ri(4)));
  nums.push(maybe(ri(2)), maybe(ri(2)), maybe(ri(2)), maybe(ri(2))); // the four flags
  return [nums, lines.join("\n")];
}

const instances = [both((X) => X.rf_instance(7, 0)), both((X) => X.rf_instance(123456, 99))];
const policies = [];
for (let i = 0; i < 60; i++) {
  const [nums, lines] = encoding();
  const p = both((X) => {
    const at = X.rf_slots(nums.length);
    new Float64Array(X.memory.buffer, at, nums.length).set(nums);
    return X.rf_policy(nums.length, text(X, lines));
  });
  if (p >= 0) policies.push(p);
}
const paths = ["/a", "/b", "/c/d", "/"].map(intern);
const methods = ["GET", "POST", "PUT"].map(intern);
const fields = [
  "",
  "retry-after\n2\n",
  "retry-after\nWed, 21 Oct 2026 07:28:00 GMT\n",
  "date\nTue, 01 Dec 2026 18:00:00 GMT\nretry-after\n120\n",
  "retry-after\n 1.5 \n",
  "retry-pushback-ms\n300\n",
  "retry-pushback-ms\n-1\n",
  'ratelimit\n"burst";r=0;t=2\n',
  "ratelimit-remaining\n3\nratelimit-reset\n10\n",
  "x-ratelimit-remaining\n0\nx-ratelimit-reset\n3\n",
  "x-ratelimit-remaining-requests\n0\nx-ratelimit-reset-requests\n1m2.5s\n",
  "anthropic-ratelimit-requests-remaining\n0\nanthropic-ratelimit-requests-reset\n2026-12-01T18:40:02Z\n",
  // Edge cases of the number and date readers.
  "retry-after\n+5\n",
  "retry-after\nSunday, 06-Nov-94 08:49:37 GMT\n",
  "retry-after\nSun Nov  6 08:49:37 2026\n",
  "retry-after\nTue, 01 Dec 2026 19:00:00 +0130\n",
  "x-ratelimit-remaining\n+1\nx-ratelimit-reset\n99999999999999999999\n",
  "x-ratelimit-remaining\n9999999999999999999\nx-ratelimit-reset-after\n1.0005\n",
  "x-rate-limit-remaining\n0\nx-rate-limit-reset\n1790000000.5\n",
  "x-ratelimit-remaining-tokens\n0\nx-ratelimit-reset-tokens\n1h2m3.5s\n",
  "anthropic-ratelimit-tokens-remaining\n0\nanthropic-ratelimit-tokens-reset\n2026-12-01T18:40:02.123456+01:00\n",
  "anthropic-ratelimit-output-tokens-remaining\n0\nanthropic-ratelimit-output-tokens-reset\n2026-13-01T18:40:02Z\n",
  'RateLimit\n"day";r=0;t=1790000000000\n',
  "ratelimit\nlimit=100, Remaining=0, reset=30\n",
];
let now = 1_790_000_000_000;
const live = [];
for (let step = 0; step < steps; step++) {
  now += ri(50);
  if (live.length < 30 && rnd() < 0.15) {
    // A few busy hosts, and over a thousand others (past the registry's 1024 keys, and back).
    const k = intern(rnd() < 0.5 ? `https://h${ri(8)}.example` : `https://host${ri(1100)}.example`);
    const inst = pick(instances);
    const [pol, me, pa, fl] = [pick(policies), pick(methods), pick(paths), ri(4)];
    const c = both((X) => X.rf_call(inst, pol, k, me, pa, fl));
    both((X) => [X.rf_retryable(c), X.rf_paces(c)]);
    live.push({ c, inst, kind: both((X) => [X.rf_start(c, now), out(X)])[0] });
    if (rnd() < 0.05) both((X) => X.rf_intern_clear());
    continue;
  }
  if (live.length === 0) continue;
  const i = ri(live.length);
  const call = live[i];
  const c = call.c;
  let next = null;
  if (call.kind <= 1 || call.kind === 3) {
    const q = rnd();
    if (q < 0.7) {
      const f = pick(fields);
      const status = pick([200, 200, 201, 429, 503, 500, 502, 504, 404, 408]);
      next = both((X) => [X.rf_response(c, status, text(X, f), now), out(X)]);
    } else if (q < 0.9) {
      const code = ri(4);
      next = both((X) => [X.rf_failure(c, code, now), out(X)]);
    } else next = both((X) => [X.rf_hedge_timer(c, now), out(X)]);
  } else if (call.kind === 4) {
    const [ms] = both(out);
    now += Math.min(ms === "NaN" ? 0 : ms, 5000);
    next = both((X) => [X.rf_wake(c, now), out(X)]);
  } else if (call.kind === 2) {
    both((X) => X.rf_poll_wake(call.inst));
    next = rnd() < 0.5 ? both((X) => [X.rf_slot(c, now), out(X)]) : both((X) => [X.rf_wake(c, now), out(X)]);
  } else {
    both((X) => [X.rf_attempts(c), X.rf_hedge_after(c)]);
    both((X) => X.rf_call_free(c));
    live.splice(i, 1);
  }
  if (next) call.kind = next[0];
  const inst = pick(instances);
  if (rnd() < 0.05) {
    both((X) => {
      const events = [];
      for (let e; (e = X.rf_poll_event(inst)) >= 0; ) {
        const len = out(X)[0];
        const at = X.rf_scratch(len); // the key is still there: resizing to its length keeps it
        events.push(e, new TextDecoder().decode(new Uint8Array(X.memory.buffer, at, len)));
      }
      return events;
    });
  }
  if (rnd() < 0.02) both((X) => (X.rf_stats(inst), out(X)));
  if (rnd() < 0.02) {
    const key = `https://h${ri(8)}.example`;
    both((X) => X.rf_breaker_state(inst, text(X, key), now));
  }
  if (rnd() < 0.0005) both((X) => X.rf_reset(inst));
}
console.log(`same over ${calls} calls (${policies.length} policies accepted)`);
