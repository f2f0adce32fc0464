// State shared through a real redis-server by four real Node processes (redis-process.mjs,
// forked, driven over IPC), against a counting origin in this process. Run by
// scripts/test-shared-redis.sh, which starts redis-server and sets:
//   RF_REDIS_URL                   the server the fleets share
//   RF_REDIS_KILL_URL, RF_REDIS_KILL_PIDFILE
//                                  a second server, for the test that kills it (without them
//                                  that test starts its own redis-server)
// Every test uses its own origin (so its own breaker key) and its own key prefix, and forks
// its own four processes.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fork, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { startOrigin } from "./origin.mjs";

const REDIS_URL = process.env.RF_REDIS_URL;
const PROCESS = fileURLToPath(new URL("./redis-process.mjs", import.meta.url));
const RUN = `${process.pid}-${Date.now()}`;
let prefixes = 0;
const prefix = (name) => `rf-test:${RUN}:${name}:${++prefixes}:`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const members = new Set();
const origins = new Set();
const cleanups = [];

/** A forked process of the fleet; `ask` sends a message and resolves with its answer. */
class Member {
  constructor(name) {
    this.name = name;
    this.pending = new Map();
    this.ids = 0;
    this.exited = false;
    this.child = fork(PROCESS, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.fatal) p.reject(new Error(`${this.name}: ${m.fatal}`));
      else p.resolve(m);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.name} exited (code ${code}, signal ${signal})`));
      }
      this.pending.clear();
    });
    members.add(this);
  }

  ask(msg, timeoutMs = 15_000) {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.name} has exited`));
      const id = ++this.ids;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${msg.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, ...msg });
    });
  }

  async call(url, init) {
    const r = await this.ask({ cmd: "call", url, init });
    return { member: this.name, ...r };
  }

  state(key) {
    return this.ask({ cmd: "state", key }).then((m) => m.breakerState);
  }

  unavailable() {
    return this.ask({ cmd: "unavailable" });
  }

  async stop() {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    this.ask({ cmd: "exit" }, 2000).catch(() => {});
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await gone;
    clearTimeout(timer);
  }
}

/** Four processes sharing `opts.prefix` on `opts.redisUrl`, each initialised; they exit
 * when test `t` ends. */
async function fleet(t, opts, names = ["A", "B", "C", "D"]) {
  assert.ok(opts.redisUrl, "RF_REDIS_URL is not set: run scripts/test-shared-redis.sh");
  const list = names.map((n) => new Member(n));
  t.after(() => Promise.all(list.map((m) => m.stop())));
  await Promise.all(list.map((m) => m.ask({ cmd: "init", ...opts })));
  return list;
}

async function origin(t, routes) {
  const o = await startOrigin(routes);
  origins.add(o);
  t.after(() => {
    origins.delete(o);
    return o.close();
  });
  return o;
}

/** One process calling `url` one call at a time, bounded in time and count. */
async function loop(member, url, { untilMs, pauseMs, maxCalls, onResult }) {
  const results = [];
  while (Date.now() < untilMs && results.length < maxCalls) {
    const r = await member.call(url);
    results.push(r);
    onResult?.(r);
    await sleep(pauseMs);
  }
  return results;
}

after(async () => {
  await Promise.all([...members].map((m) => m.stop()));
  await Promise.all([...origins].map((o) => o.close()));
  for (const c of cleanups) c();
});

test("a failing origin: one breaker opens for the fleet, one probe per reset period", async (t) => {
  const R = 1200;
  const threshold = 5;
  const o = await origin(t, { "/fail": { status: 503 } });
  const url = `${o.url}/fail`;
  const fleetOf4 = await fleet(t, {
    redisUrl: REDIS_URL,
    prefix: prefix("breaker"),
    resetTimeoutMs: R,
    failureThreshold: threshold,
  });

  const start = Date.now();
  // About four reset periods of calls, once the breaker has opened (it opens within the first
  // few hundred ms: five failures of a loopback origin).
  const until = start + 4 * R + 800;
  let statesAfterOpen;
  const onResult = (r) => {
    if (r.errorName === "CircuitOpenError" && !statesAfterOpen) {
      // Right after the opening (well inside the first reset period), ask every process.
      statesAfterOpen = sleep(250).then(() =>
        Promise.all(fleetOf4.map(async (m) => [m.name, await m.state(o.url)])),
      );
    }
  };
  const perMember = await Promise.all(
    fleetOf4.map((m) => loop(m, url, { untilMs: until, pauseMs: 20, maxCalls: 400, onResult })),
  );
  const end = Date.now();
  const results = perMember.flat();

  const unexpected = results.filter((r) => r.status !== 503 && r.errorName !== "CircuitOpenError");
  assert.deepEqual(unexpected, [], "every call: a 503 response or CircuitOpenError");
  const rejected = results.filter((r) => r.errorName === "CircuitOpenError");
  assert.ok(rejected.length > 0, "the breaker never opened");
  // The breaker was open when the earliest rejected call started.
  const firstOpen = Math.min(...rejected.map((r) => r.t0));

  // Before the opening: the threshold's failures, plus at most one request per other process
  // (in flight, or sent on a view a moment old). The window ends half a reset period after
  // the first rejection: no probe can be due before the breaker has been open R ms.
  const preEnd = firstOpen + R / 2;
  const before = o.count("/fail", -Infinity, preEnd);
  const post = o.log.filter((r) => r.path === "/fail" && r.t >= preEnd).map((r) => r.t);
  const elapsed = end - firstOpen;
  const periods = Math.floor(elapsed / R);
  const perPeriod = [];
  for (const tm of post) {
    const k = Math.floor((tm - firstOpen) / R);
    perPeriod[k] = (perPeriod[k] ?? 0) + 1;
  }
  const gaps = post.slice(1).map((tm, i) => tm - post[i]);
  const states = Object.fromEntries(await statesAfterOpen);
  const perMemberCounts = perMember.map((rs) => ({
    member: rs[0]?.member,
    calls: rs.length,
    sent503: rs.filter((r) => r.status === 503).length,
    circuitOpen: rs.filter((r) => r.errorName === "CircuitOpenError").length,
  }));
  t.diagnostic(`origin requests before the first open (+R/2): ${before} (threshold ${threshold})`);
  t.diagnostic(
    `after: ${post.length} requests in ${elapsed} ms (${periods} whole periods of ${R} ms); ` +
      `per period since the first open: [${Array.from(perPeriod, (n) => n ?? 0).join(", ")}]; ` +
      `at +[${post.map((tm) => tm - firstOpen).join(", ")}] ms; gaps [${gaps.join(", ")}] ms`,
  );
  t.diagnostic(`states 250 ms after the first rejection: ${JSON.stringify(states)}`);
  t.diagnostic(`per process: ${JSON.stringify(perMemberCounts)}`);

  assert.ok(before >= threshold, `the origin saw ${before} requests before the opening, fewer than the threshold`);
  assert.ok(before <= threshold + 4, `the origin saw ${before} requests before the opening (> ${threshold} + 4)`);
  assert.ok(
    post.length <= periods + 1,
    `after the opening the origin saw ${post.length} requests in ${elapsed} ms: more than one per ${R} ms period (+1)`,
  );
  assert.ok(post.length >= 1, "no half-open probe reached the origin in about four reset periods");
  for (const g of gaps) assert.ok(g >= 0.8 * R, `two probes ${g} ms apart (reset period ${R} ms)`);
  for (const [name, s] of Object.entries(states)) {
    assert.equal(s, "open", `process ${name}'s breaker right after the opening`);
  }
  assert.ok(
    rejected.length >= 0.8 * results.length,
    `only ${rejected.length} of ${results.length} calls rejected with CircuitOpenError`,
  );
  for (const c of perMemberCounts) assert.ok(c.circuitOpen > 0, `process ${c.member} never got CircuitOpenError`);
});

/** A learns `Retry-After: 3` from /limited; B, C, D's calls to it must not reach the origin. */
async function holdCase(t, { warm, refreshMs }) {
  const o = await origin(t, {
    "/limited": { status: 429, headers: { "retry-after": "3" } },
    "/ok": { status: 200 },
  });
  const [A, ...others] = await fleet(t, {
    redisUrl: REDIS_URL,
    prefix: prefix(warm ? "hold-warm" : "hold-cold"),
    resetTimeoutMs: 1500,
    refreshMs,
  });
  if (warm) {
    const w = await Promise.all([A, ...others].map((m) => m.call(`${o.url}/ok`)));
    assert.deepEqual(w.map((r) => r.status), [200, 200, 200, 200], "warm-up calls");
  }
  const url = `${o.url}/limited`;
  const a = await A.call(url);
  assert.equal(a.status, 429, `A's call: ${JSON.stringify(a)}`);
  const holdEnd = a.t1 + 3000;

  // Rounds of one call from each of B, C, D, while the hold has over a second left. The
  // deadline keeps a call from waiting out the hold: it must reject at once, unsent.
  const calls = [];
  for (let round = 0; round < 4 && Date.now() < holdEnd - 1200; round++) {
    calls.push(...(await Promise.all(others.map((m) => m.call(url, { retry: { deadlineMs: 500 } })))));
    await sleep(300);
  }
  const limitedSeen = o.count("/limited");
  const seenInHold = o.count("/limited", -Infinity, holdEnd);
  t.diagnostic(
    `A: ${a.status} at 0 ms; B/C/D: ${calls.length} calls within ` +
      `${Math.max(...calls.map((r) => r.t1)) - a.t1} ms: ` +
      calls.map((r) => `${r.member}:${r.status ?? r.errorName}${r.waitMs !== undefined ? `(waitMs ${r.waitMs})` : ""}`).join(" "),
  );
  t.diagnostic(`origin /limited requests: ${limitedSeen} (${seenInHold} before the hold's end)`);
  assert.ok(calls.length >= 3, "B, C and D called at least once each");
  assert.equal(seenInHold, 1, "the origin saw /limited requests besides A's while the hold lasted");
  assert.equal(limitedSeen, 1, "B, C or D sent a request to /limited");
  for (const r of calls) {
    assert.equal(r.errorName, "ThrottledError", `${r.member}'s call: ${JSON.stringify(r)}`);
  }
}

test("a Retry-After learned by one process holds the others (never called the origin, refreshMs default)", (t) =>
  holdCase(t, { warm: false, refreshMs: undefined }));

test("a Retry-After learned by one process holds the others (all warmed up just before, refreshMs 0)", (t) =>
  holdCase(t, { warm: true, refreshMs: 0 }));

/** The second redis-server, the one killed: the script's, or one of our own. */
async function killableRedis() {
  if (process.env.RF_REDIS_KILL_URL && process.env.RF_REDIS_KILL_PIDFILE) {
    const pid = Number(readFileSync(process.env.RF_REDIS_KILL_PIDFILE, "utf8").trim());
    const port = Number(new URL(process.env.RF_REDIS_KILL_URL).port);
    return { url: process.env.RF_REDIS_KILL_URL, port, kill: () => process.kill(pid, "SIGKILL") };
  }
  const port = await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "rf-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  process.once("exit", stop);
  for (let i = 0; i < 50; i++) {
    if ((await redisPing(port)) === "+PONG") break;
    await sleep(100);
  }
  assert.equal(await redisPing(port), "+PONG", `our redis-server on ${port} did not answer`);
  return { url: `redis://127.0.0.1:${port}`, port, kill: () => child.kill("SIGKILL") };
}

/** PING over a plain socket: "+PONG", or the connection error's code. */
function redisPing(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    s.setTimeout(1000, () => {
      s.destroy();
      resolve("timeout");
    });
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      data += d;
      if (data.includes("\r\n")) {
        s.destroy();
        resolve(data.trim());
      }
    });
    s.on("error", (e) => resolve(e.code ?? String(e)));
  });
}

test("redis killed: calls go on with local state, onUnavailable once, breakers still open locally", async (t) => {
  const redis = await killableRedis();
  const o = await origin(t, { "/ok": { status: 200 }, "/fail": { status: 503 } });
  const list = await fleet(t, { redisUrl: redis.url, prefix: prefix("down"), resetTimeoutMs: 10_000 });
  const okUrl = `${o.url}/ok`;
  for (let i = 0; i < 3; i++) {
    const rs = await Promise.all(list.map((m) => m.call(okUrl)));
    assert.deepEqual(rs.map((r) => r.status), [200, 200, 200, 200], "calls before the kill");
  }
  const before = await Promise.all(list.map((m) => m.unavailable()));
  assert.deepEqual(before.map((u) => u.count), [0, 0, 0, 0], "onUnavailable before the kill");

  redis.kill();
  for (let i = 0; i < 50 && (await redisPing(redis.port)) === "+PONG"; i++) await sleep(50);
  assert.notEqual(await redisPing(redis.port), "+PONG", "redis-server still answers after SIGKILL");
  const killedAt = Date.now();

  // 30 calls per process, 100 ms apart: over three refreshMs (1000) periods, so each process
  // goes back to the dead store more than once.
  const perMember = await Promise.all(
    list.map((m) => loop(m, okUrl, { untilMs: killedAt + 20_000, pauseMs: 100, maxCalls: 30, onResult: null })),
  );
  const results = perMember.flat();
  const slowest = Math.max(...results.map((r) => r.t1 - r.t0));
  const afterKill = await Promise.all(list.map((m) => m.unavailable()));
  t.diagnostic(
    `after the kill: ${results.length} calls over ${Date.now() - killedAt} ms, ` +
      `statuses ${JSON.stringify(countBy(results.map((r) => r.status ?? r.errorName)))}, slowest ${slowest} ms`,
  );
  t.diagnostic(`onUnavailable per process: ${afterKill.map((u) => u.count).join(", ")}; first: ${afterKill[0].errors[0]}`);
  assert.deepEqual(perMember.map((rs) => rs.length), [30, 30, 30, 30], "calls per process");
  const notOk = results.filter((r) => r.status !== 200);
  assert.deepEqual(notOk, [], "every call after the kill resolves 200");
  assert.deepEqual(afterKill.map((u) => u.count), [1, 1, 1, 1], "onUnavailable calls per process");

  // One process's own failures still open its breaker, locally.
  const [A] = list;
  const failUrl = `${o.url}/fail`;
  const fails = [];
  for (let i = 0; i < 5; i++) fails.push(await A.call(failUrl));
  const sixth = await A.call(failUrl);
  const aUnavailable = await A.unavailable();
  t.diagnostic(
    `A on a failing origin: ${fails.map((r) => r.status ?? r.errorName).join(", ")}, then ` +
      `${sixth.status ?? sixth.errorName}; breaker ${sixth.breakerState}; /fail requests ${o.count("/fail")}`,
  );
  assert.deepEqual(fails.map((r) => r.status), [503, 503, 503, 503, 503], "A's five calls to the failing origin");
  assert.equal(sixth.errorName, "CircuitOpenError", `A's sixth call: ${JSON.stringify(sixth)}`);
  assert.equal(sixth.breakerState, "open");
  assert.equal(await A.state(o.url), "open");
  assert.equal(o.count("/fail"), 5, "the origin saw A's five failures and nothing after");
  assert.equal(aUnavailable.count, 1, "A's onUnavailable calls (still one outage)");
});

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
