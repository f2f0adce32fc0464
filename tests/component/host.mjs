// A real component host: the engine component, transpiled by jco, driven from Node through
// the shared test vectors; its transcripts must equal the native crate's (each vector's
// `expected`, written by examples/vectors.rs) line for line.
//
//   node host.mjs <transpiled dir> <vectors.json>

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join, resolve } from "node:path";
import { line as actionLine } from "../vectors/replay.mjs";
import { ROWS } from "../../schema/options.mjs";

const [dir, vectorsPath] = process.argv.slice(2);
const { engine } = await import(pathToFileURL(resolve(join(dir, "resilient_engine.js"))).href);
const scenarios = JSON.parse(readFileSync(vectorsPath, "utf8"));

/** Per-call options over the scenario's, one level deep (as the npm package merges). */
function merge(base = {}, over = {}) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v && typeof v === "object" && b && typeof b === "object" && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  return out;
}

/** The npm package's options as the WIT `policy` record, driven by the schema's rows (the
 * same ones scripts/gen.mjs writes the record from): a group on by default is a setting
 * variant, one off by default an option, `timeoutMs` a setting; the driver's own options
 * (hooks, keys, the attempt header) are not the engine's. */
const DRIVER_ONLY = new Set(["breakerKey", "idempotencyKey", "attemptHeader", "function"]);
function policy(o) {
  const setting = (v, map = (x) => x) =>
    v === undefined || v === true ? { tag: "default" } : v === false ? { tag: "off" } : { tag: "on", val: map(v) };
  // A group's record: status codes as the WIT list<f64> jco reads from a Float64Array.
  const record = (group) => (v) => {
    const out = { ...v };
    for (const r of ROWS.filter((r) => r.path.startsWith(`${group}.`) && r.type === "statusCodes")) {
      const key = r.path.slice(group.length + 1);
      if (out[key]) out[key] = Float64Array.from(out[key]);
    }
    return out;
  };
  const out = {};
  for (const r of ROWS.filter((r) => !r.path.includes(".") && !DRIVER_ONLY.has(r.type))) {
    const v = o[r.path];
    if (r.type === "group" && r.default === "on") out[r.path] = setting(v, record(r.path));
    else if (r.type === "group") out[r.path] = v && typeof v === "object" ? record(r.path)(v) : v || undefined;
    else if (r.type === "timeout") out[r.path] = setting(v);
    else out[r.path] = v;
  }
  return out;
}

// The component's action (jco's `{ tag, val }`) in the engine API's shape, so one encoder
// (replay.mjs's `line`) writes both transcripts: the names are the same on both faces.
function asEngineAction(a) {
  const v = a.val;
  switch (a.tag) {
    case "send":
    case "hedge":
    case "queued":
      return { type: a.tag, ...v };
    case "wait":
      return { type: "wait", ms: v.ms, reason: v.reason.tag, retryAfterMs: v.reason.val };
    case "respond":
      return { type: "respond", stop: v };
    case "reject":
      return {
        type: "reject",
        failure: v.tag,
        stop: v.tag === "gave-up" ? v.val : undefined,
        retryAfterMs: v.tag === "circuit-open" ? v.val : undefined,
        waitMs: v.tag === "throttled" ? v.val : undefined,
      };
    default:
      return { type: a.tag };
  }
}

const line = (a) => actionLine(asEngineAction(a));

function play(s) {
  const out = [];
  const client = new engine.Client(BigInt(s.seed));
  const key = "https://api.example";
  for (const c of s.calls) {
    let started;
    try {
      started = client.start(
        policy(merge(s.options, c.options)),
        { key, method: c.method, hasIdempotencyKey: !!c.key, replayableBody: !c.stream, path: c.path },
        BigInt(c.start),
      );
    } catch (e) {
      const code = e.payload ?? e;
      out.push(`error ${code.tag} ${code.val}`);
      continue;
    }
    const [call, first] = started;
    let action = first;
    let now = BigInt(c.start);
    const steps = [...c.steps];
    for (let guard = 0; guard < 100; guard++) {
      out.push(line(action));
      if (action.tag === "send") {
        const step = steps.shift();
        if (!step) break;
        if (step.transport) {
          now += step.transport === "timeout" && action.val.timeoutMs !== undefined ? action.val.timeoutMs : BigInt(step.after);
          action = call.onTransportError(step.transport, now);
        } else {
          now += BigInt(step.after);
          action = call.onResponse(step.status, step.retryAfter, step.date, step.pushback, Object.entries(step.rateLimit ?? {}), now);
        }
      } else if (action.tag === "wait") {
        now += action.val.ms;
        action = call.onWake(now);
      } else {
        break;
      }
    }
    out.push(`breaker ${client.breakerState(key, now)}`);
  }
  const st = client.stats();
  out.push(
    `stats requests=${st.requests} attempts=${st.attempts} retries=${st.retries} budget-denied=${st.budgetDenied} short-circuited=${st.shortCircuited} breaker-opened=${st.breakerOpened}`,
  );
  return out;
}

let failed = 0;
let skipped = 0;
for (const s of scenarios) {
  if (s.looselyTypedOnly) {
    // Options a typed host cannot express (a string where WIT has f64, an unknown key).
    skipped++;
    continue;
  }
  const got = play(s);
  const want = s.expected;
  const diverge = got.findIndex((l, i) => l !== want[i]);
  if (diverge >= 0 || got.length !== want.length) {
    failed++;
    const i = diverge >= 0 ? diverge : Math.min(got.length, want.length);
    console.log(`FAIL ${s.name}: first difference at step ${i}: component "${got[i]}" vs native "${want[i]}"`);
  } else {
  }
}
console.log(`the component replayed ${scenarios.length - skipped} vectors (${skipped} need a loosely typed host)`);
console.log(`${scenarios.length - skipped - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
