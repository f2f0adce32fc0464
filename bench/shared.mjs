// What `shared` costs, side by side in one run against one loopback server (ratios to bare
// fetch and to an instance without `shared`):
//   - bare fetch;
//   - resilientFetch's defaults, no `shared`;
//   - `shared` over a store in this process's memory (healthy: the state never changes, so
//     only the first read and one read per key per `refreshMs` go to the store);
//   - `shared` over Redis, default `refreshMs` (1000);
//   - `shared` over Redis, `refreshMs: 0` (a read before every attempt: the strict mode);
// then one Redis exchange's latency: a read, a failure written (GET + compare-and-set).
//   node bench/shared.mjs --redis redis://127.0.0.1:PORT [--requests N] [--rounds R]
// (scripts/bench-shared.sh starts a redis-server and passes its URL.)

import { createClient } from "redis";
import { createResilientFetch } from "resilient-fetch";
import { memoryStore, redisStore } from "resilient-fetch/redis";
import { arg, median, loopbackRound, startLoopbackServer } from "./common.mjs";

const i = process.argv.indexOf("--redis");
const redisUrl = i < 0 ? process.env.RF_REDIS_URL : process.argv[i + 1];
const requests = arg("--requests", 4000);
const rounds = arg("--rounds", 3);
const concurrency = 16;

const server = await startLoopbackServer();
const client = redisUrl ? createClient({ url: redisUrl, disableOfflineQueue: true }) : undefined;
client?.on("error", () => {});
await client?.connect();

/** Counts a store's exchanges. */
const counted = (store) => {
  const c = { exchanges: 0, exchange: (k, ch) => (c.exchanges++, store.exchange(k, ch)) };
  return c;
};
const memory = counted(memoryStore());
const redis = client ? counted(redisStore(client, { prefix: `bench-${Date.now()}:` })) : undefined;
const strict = client ? counted(redisStore(client, { prefix: `bench-strict-${Date.now()}:` })) : undefined;

const clients = [
  ["bare fetch", fetch, undefined],
  ["resilientFetch defaults", createResilientFetch(), undefined],
  ["shared, in-memory store", createResilientFetch({ shared: { store: memory } }), memory],
];
if (client) {
  clients.push(["shared, Redis (refreshMs 1000)", createResilientFetch({ shared: { store: redis } }), redis]);
  clients.push(["shared, Redis (refreshMs 0)", createResilientFetch({ shared: { store: strict, refreshMs: 0 } }), strict]);
}

// Warm-up, then rounds interleaved so drift hits every client alike.
for (const [, call] of clients) await loopbackRound(call, server.url, { requests: 300, concurrency });
const results = new Map(clients.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, call] of clients) results.get(name).push(await loopbackRound(call, server.url, { requests, concurrency }));
}

const bare = median(results.get("bare fetch").map((x) => x.cpuUs));
const plain = median(results.get("resilientFetch defaults").map((x) => x.cpuUs));
console.log(`\n${requests} calls x ${rounds} rounds, concurrency ${concurrency}, loopback; medians over rounds`);
console.log("client                             req/s   p50 ms  p99 ms  CPU us/req  vs bare  vs defaults  store exchanges/call");
for (const [name, , store] of clients) {
  const rs = results.get(name);
  const cpu = median(rs.map((x) => x.cpuUs));
  const perCall = store === undefined ? "" : (store.exchanges / ((requests * rounds) + 300)).toFixed(4);
  console.log(
    `${name.padEnd(34)} ${median(rs.map((x) => x.rps)).toFixed(0).padStart(6)}  ${median(rs.map((x) => x.p50)).toFixed(2).padStart(6)}  ${median(rs.map((x) => x.p99)).toFixed(2).padStart(6)}  ${cpu.toFixed(1).padStart(10)}  ${(cpu / bare).toFixed(2).padStart(6)}x  ${(cpu / plain).toFixed(2).padStart(10)}x  ${perCall}`,
  );
}

if (client) {
  const store = redisStore(client, { prefix: `bench-x-${Date.now()}:` });
  const time = async (n, f) => {
    const xs = [];
    for (let k = 0; k < n; k++) {
      const t = performance.now();
      await f(k);
      xs.push(performance.now() - t);
    }
    xs.sort((a, b) => a - b);
    return `p50 ${xs[Math.floor(n / 2)].toFixed(3)} ms, p99 ${xs[Math.floor(n * 0.99)].toFixed(3)} ms`;
  };
  console.log("\none Redis exchange (loopback):");
  console.log(`  a read (GET):                       ${await time(2000, () => store.exchange("k", []))}`);
  const failure = { type: "failure", probe: false, threshold: 1e9, resetTimeoutMs: 1000 };
  console.log(`  a failure written (GET + CAS):      ${await time(2000, () => store.exchange("k", [failure]))}`);
  const contended = performance.now();
  await Promise.all(Array.from({ length: 200 }, () => store.exchange("c", [failure])));
  console.log(`  200 failures at once on one key:    ${(performance.now() - contended).toFixed(1)} ms (compare-and-set retries under contention)`);
  await client.quit();
}
server.close();
