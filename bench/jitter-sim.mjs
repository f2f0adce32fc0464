// Marc Brooker's backoff-and-jitter simulation, with the real engine (compiled to Wasm,
// through the EngineClient API) choosing every wait.
//
// The model, stated so it can be checked: N clients each want one successful write to a
// shared record under optimistic concurrency. An attempt reads the record's version when
// its request reaches the server, and writes when its second message arrives one more
// network delay later; the write fails if another client's write committed in between. A
// network delay is |Normal(10 ms, 2 ms)| (integer microseconds, Irwin-Hall, so the Rust twin
// in examples/jitter_sim.rs draws the same numbers). A client learns the outcome one delay
// after its write; on a conflict the engine (base 5 ms, cap 2000 ms, no attempt limit)
// decides the wait. Calls = writes attempted; time = until the last client succeeds.
//
//   node bench/jitter-sim.mjs [--clients 100] [--seeds 20]

import { EngineClient } from "resilient-fetch";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const N = arg("--clients", 100);
const SEEDS = arg("--seeds", 20);

/** SplitMix64 over BigInt, for the network's randomness (the engine has its own). */
function network(seed) {
  let s = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n);
  const next = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  // |Normal(10000 us, 2000 us)| by Irwin-Hall: 12 uniforms in [0, 1_000_000), integers only.
  return () => {
    let sum = 0n;
    for (let i = 0; i < 12; i++) sum += next() % 1_000_000n;
    const z = Number(sum) - 6_000_000; // ~ N(0, 1) x 1e6
    return Math.abs(10_000 + Math.trunc((z * 2_000) / 1_000_000));
  };
}

/** One run: returns { calls, timeMs }. `options` are the engine's (resilientFetch's). */
export function simulate(options, seed, clients = N) {
  const delay = network(seed);
  const engine = new EngineClient(BigInt(seed));
  const base = 1_790_000_000_000; // microseconds (well within 2^53)
  // Events: [timeUs, order, kind, client]; kinds: 0 start attempt, 1 read at server,
  // 2 write at server, 3 outcome back at client, 4 wait over.
  const queue = [];
  let order = 0;
  const push = (t, kind, c) => {
    queue.push([t, order++, kind, c]);
  };
  const state = [];
  for (let c = 0; c < clients; c++) {
    const call = engine.start(options, { key: "record", method: "PUT" }, Math.floor(base / 1000));
    state.push({ call, readVersion: 0, ok: false });
    push(base, 0, c);
  }
  let version = 0;
  let calls = 0;
  let done = 0;
  let gaveUp = 0;
  let end = base;
  while (done < clients && queue.length) {
    queue.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const [t, , kind, c] = queue.shift();
    const s = state[c];
    if (kind === 0) {
      calls++;
      push(t + delay(), 1, c);
    } else if (kind === 1) {
      s.readVersion = version;
      push(t + delay(), 2, c);
    } else if (kind === 2) {
      s.ok = s.readVersion === version;
      if (s.ok) version++;
      push(t + delay(), 3, c);
    } else if (kind === 3) {
      const now = Math.floor(t / 1000);
      const action = s.call.onResponse({ status: s.ok ? 200 : 409 }, now);
      if (action.type === "respond") {
        // Success, or the policy gave up (a retry budget can say no): the client is done.
        done++;
        if (!s.ok) gaveUp++;
        end = t;
      } else if (action.type === "wait") {
        push(t + action.ms * 1000, 4, c);
      } else {
        throw new Error(`unexpected ${JSON.stringify(action)}`);
      }
    } else {
      const action = s.call.onWake(Math.floor(t / 1000));
      if (action.type !== "send") throw new Error(`unexpected ${JSON.stringify(action)}`);
      push(t, 0, c);
    }
  }
  return { calls, timeMs: (end - base) / 1000, gaveUp };
}

const strategy = (jitter, extra = {}) => ({
  retry: { jitter, baseDelayMs: 5, maxDelayMs: 2000, maxAttempts: 100_000, statusCodes: [409] },
  breaker: false,
  budget: false,
  timeoutMs: false,
  ...extra,
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const published = { none: [1854, 63.4], full: [796, 4.9], equal: [812, 6.6], decorrelated: [1002, 4.6] };
  const rows = [
    ["no jitter", strategy("none"), published.none],
    ["full jitter", strategy("full"), published.full],
    ["equal jitter", strategy("equal"), published.equal],
    ["decorrelated", strategy("decorrelated"), published.decorrelated],
    ["full + budget 0.1", strategy("full", { budget: { ratio: 0.1, minRetriesPerSecond: 10, windowMs: 10_000 } }), undefined],
    ["full + budget 0.5", strategy("full", { budget: { ratio: 0.5, minRetriesPerSecond: 10, windowMs: 10_000 } }), undefined],
  ];
  console.log(`${N} clients, one OCC write each; averages over ${SEEDS} seeds (engine in Wasm)`);
  console.log("strategy              calls    time s   gave up   | published: calls   time s");
  for (const [name, options, pub] of rows) {
    let calls = 0;
    let time = 0;
    let gaveUp = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = simulate(options, seed);
      calls += r.calls;
      time += r.timeMs / 1000;
      gaveUp += r.gaveUp;
    }
    const p = pub ? `${String(pub[0]).padStart(16)} ${pub[1].toFixed(1).padStart(8)}` : "               -        -";
    console.log(`${name.padEnd(20)} ${(calls / SEEDS).toFixed(0).padStart(6)} ${(time / SEEDS).toFixed(2).padStart(9)} ${(gaveUp / SEEDS).toFixed(1).padStart(9)}   | ${p}`);
  }
}
