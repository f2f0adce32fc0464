// Snapshots as JSON: the engine writes and reads them as numbers and text
// (src/faces/abi_snapshot.rs, whose comment gives the order); this module builds the JSON
// object from those (the same object serde makes of the engine's `Snapshot`), and checks a
// JSON object field by field before turning it back, so the Wasm carries no JSON code and a
// malformed snapshot is refused with a message naming the field.

import type { Engine } from "./abi.js";
import type { ResilienceSnapshot, SnapshotKey, SnapshotRoute, SnapshotWindow } from "./types.js";

/** The format this package writes and reads. */
const VERSION = 1;
/** Keys, and routes, an instance holds at most (the engine's `DEFAULT_CAPACITY`). */
const CAPACITY = 1024;
const BASES = ["successes", "calls"] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A snapshot as the engine's numbers and UTF-8 text. @internal */
export interface Encoded {
  numbers: number[];
  text: Uint8Array;
}

/** `instance`'s snapshot at `now`, as JSON. @internal */
export function takeSnapshot(e: Engine, instance: number, now: number): ResilienceSnapshot {
  const n = e.x.rf_snapshot(instance, now);
  if (n === 0) throw new Error("resilient-fetch: snapshot of an instance already freed");
  const out = e.fresh();
  const numbers = new Float64Array(e.x.memory.buffer, out[0]!, n).slice();
  const text = new Uint8Array(e.x.memory.buffer, out[2]!, out[3]!).slice();
  let i = 0;
  let at = 0;
  const num = () => numbers[i++]!;
  const maybe = () => {
    const v = num();
    return Number.isNaN(v) ? null : v;
  };
  const str = () => {
    const len = num();
    const s = decoder.decode(text.subarray(at, at + len));
    at += len;
    return s;
  };
  const window = (): SnapshotWindow | null => {
    const windowMs = maybe();
    if (windowMs === null) return null;
    const buckets: SnapshotWindow["buckets"] = [];
    for (let b = num(); b > 0; b--) buckets.push({ start: num(), counts: [num(), num()] });
    return { windowMs, buckets };
  };
  const version = num() as 1;
  const takenAt = num();
  const nKeys = num();
  const nRoutes = num();
  const keys: SnapshotKey[] = [];
  for (let k = 0; k < nKeys; k++) {
    const key = str();
    const state = num();
    const breaker: SnapshotKey["breaker"] =
      state === 0
        ? { state: "closed", consecutiveFailures: num(), window: window() }
        : state === 1
          ? { state: "open", until: num() }
          : { state: "half-open" };
    const basis = maybe();
    const budget = basis === null ? null : { basis: BASES[basis]!, window: window()! };
    keys.push({ key, breaker, budget, limiterTat: maybe() });
  }
  const routes: SnapshotRoute[] = [];
  for (let r = 0; r < nRoutes; r++) {
    const route = str();
    const holdUntil = maybe();
    const wMax = maybe();
    const cutAt = num();
    const horizon = num();
    routes.push({ route, holdUntil, rate: wMax === null ? null : { wMax, cutAt, horizon } });
  }
  return { version, takenAt, keys, routes };
}

type Bag = Record<string, unknown>;

const show = (v: unknown): string =>
  typeof v === "string"
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? "an array"
      : typeof v === "object" && v !== null
        ? "an object"
        : typeof v === "function"
          ? "a function"
          : String(v);

function fail(path: string, mustBe: string, v: unknown, range: boolean): never {
  const message = `${path} must be ${mustBe}, got ${show(v)}`;
  throw range ? new RangeError(message) : new TypeError(message);
}

/** An object with only `fields` (missing ones read as undefined). */
function object(path: string, v: unknown, fields: readonly string[], what = "an object"): Bag {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, what, v, false);
  for (const key of Object.keys(v)) {
    if (!fields.includes(key)) throw new TypeError(`${path}.${key} is not a snapshot field (known: ${fields.join(", ")})`);
  }
  return v as Bag;
}

function list(path: string, v: unknown, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, "an array", v, false);
  if (v.length > max) fail(`${path}.length`, `at most ${max}`, v.length, true);
  return v;
}

/** A whole number from `min` to `max` (2^53 - 1 by default). */
function int(path: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const mustBe = `an integer from ${min} to ${max}`;
  if (typeof v !== "number") fail(path, mustBe, v, false);
  if (!Number.isInteger(v) || v < min || v > max) fail(path, mustBe, v, true);
  return v;
}

/** Checks `value` (a `snapshot()`, or its JSON parsed) and encodes it for the engine,
 * throwing a TypeError or RangeError that names the field. @internal */
export function encodeSnapshot(value: unknown, path = "initialState"): Encoded {
  const s = object(path, value, ["version", "takenAt", "keys", "routes"], "an object from snapshot()");
  // The version first: a snapshot of another format is named as such whatever its shape.
  if (typeof s.version !== "number") fail(`${path}.version`, "a number", s.version, false);
  if (s.version !== VERSION) fail(`${path}.version`, String(VERSION), s.version, true);
  const keys = list(`${path}.keys`, s.keys, CAPACITY);
  const routes = list(`${path}.routes`, s.routes, CAPACITY);
  const numbers: number[] = [VERSION, int(`${path}.takenAt`, s.takenAt), keys.length, routes.length];
  const chunks: Uint8Array[] = [];
  const names = new Set<string>();
  const name = (p: string, v: unknown) => {
    if (typeof v !== "string") fail(p, "a string", v, false);
    if (names.has(v)) throw new TypeError(`${p} repeats an earlier entry: ${JSON.stringify(v)}`);
    names.add(v);
    const bytes = encoder.encode(v);
    chunks.push(bytes);
    numbers.push(bytes.length);
  };
  const window = (p: string, v: unknown, optional: boolean) => {
    if (optional && (v === null || v === undefined)) return void numbers.push(NaN);
    const w = object(p, v, ["windowMs", "buckets"]);
    numbers.push(int(`${p}.windowMs`, w.windowMs, 1));
    const buckets = list(`${p}.buckets`, w.buckets, 10);
    numbers.push(buckets.length);
    buckets.forEach((b, i) => {
      const q = `${p}.buckets[${i}]`;
      const bucket = object(q, b, ["start", "counts"]);
      numbers.push(int(`${q}.start`, bucket.start));
      const counts = list(`${q}.counts`, bucket.counts, 2);
      if (counts.length !== 2) fail(`${q}.counts`, "two counts", bucket.counts, false);
      numbers.push(int(`${q}.counts[0]`, counts[0]), int(`${q}.counts[1]`, counts[1]));
    });
  };
  const time = (p: string, v: unknown, positive: boolean) => {
    if (v === null || v === undefined) return void numbers.push(NaN);
    const mustBe = positive ? "a finite number > 0" : "a finite number >= 0";
    if (typeof v !== "number") fail(p, mustBe, v, false);
    if (!Number.isFinite(v) || (positive ? v <= 0 : v < 0)) fail(p, mustBe, v, true);
    numbers.push(v);
  };
  keys.forEach((entry, i) => {
    const p = `${path}.keys[${i}]`;
    const k = object(p, entry, ["key", "breaker", "budget", "limiterTat"]);
    name(`${p}.key`, k.key);
    const state = (k.breaker as Bag | undefined)?.state;
    const fields =
      state === "closed" ? ["state", "consecutiveFailures", "window"] : state === "open" ? ["state", "until"] : ["state"];
    const b = object(`${p}.breaker`, k.breaker, fields);
    if (state === "closed") {
      numbers.push(0, int(`${p}.breaker.consecutiveFailures`, b.consecutiveFailures, 0, 2 ** 32 - 1));
      window(`${p}.breaker.window`, b.window, true);
    } else if (state === "open") {
      numbers.push(1, int(`${p}.breaker.until`, b.until));
    } else if (state === "half-open") {
      numbers.push(2);
    } else {
      fail(`${p}.breaker.state`, '"closed", "open" or "half-open"', state, false);
    }
    if (k.budget === null || k.budget === undefined) {
      numbers.push(NaN);
    } else {
      const budget = object(`${p}.budget`, k.budget, ["basis", "window"]);
      const basis = BASES.indexOf(budget.basis as (typeof BASES)[number]);
      if (basis < 0) fail(`${p}.budget.basis`, '"successes" or "calls"', budget.basis, false);
      numbers.push(basis);
      window(`${p}.budget.window`, budget.window, false);
    }
    time(`${p}.limiterTat`, k.limiterTat, false);
  });
  names.clear();
  routes.forEach((entry, i) => {
    const p = `${path}.routes[${i}]`;
    const r = object(p, entry, ["route", "holdUntil", "rate"]);
    name(`${p}.route`, r.route);
    if (r.holdUntil === null || r.holdUntil === undefined) numbers.push(NaN);
    else numbers.push(int(`${p}.holdUntil`, r.holdUntil));
    if (r.rate === null || r.rate === undefined) {
      numbers.push(NaN, NaN, NaN);
    } else {
      const rate = object(`${p}.rate`, r.rate, ["wMax", "cutAt", "horizon"]);
      if (rate.wMax === null || rate.wMax === undefined) fail(`${p}.rate.wMax`, "a finite number > 0", rate.wMax, false);
      time(`${p}.rate.wMax`, rate.wMax, true);
      numbers.push(int(`${p}.rate.cutAt`, rate.cutAt), int(`${p}.rate.horizon`, rate.horizon));
    }
  });
  const text = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    text.set(c, at);
    at += c.length;
  }
  return { numbers, text };
}

/** Restores `instance` at `now` from an encoded snapshot (`merge`: merges a fleet's view
 * instead, see src/engine/share.rs); false if the engine refused it (it was checked first,
 * so that is a bug). @internal */
export function restoreSnapshot(e: Engine, instance: number, s: Encoded, now: number, merge = false): boolean {
  const at = e.x.rf_slots(s.numbers.length);
  new Float64Array(e.x.memory.buffer, at, s.numbers.length).set(s.numbers);
  const textAt = e.x.rf_scratch(s.text.length);
  new Uint8Array(e.x.memory.buffer, textAt, s.text.length).set(s.text);
  const apply = merge ? e.x.rf_merge : e.x.rf_restore;
  return apply(instance, s.numbers.length, s.text.length, now) === 0;
}
