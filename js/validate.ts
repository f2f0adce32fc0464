// The option validator in TypeScript: the same checks, in the same order, with the same
// messages as the engine's (src/engine/options.rs, then src/engine/policy.rs), driven by the
// rows generated from the option schema (js/schema.ts). A build without the engine's
// decoder uses it; tests/node/validate.test.mjs runs it beside the engine over every
// bad-input row and every invalid-options vector, so the two cannot drift.
//
// Two passes, as the engine: first every type (options in the order given, keys of an
// option object in the order given), then every range (groups and keys in schema order).

import { ROWS, type Row } from "./schema.js";

/** Nesting the engine reads before summarising a value as "an object". */
const MAX_DEPTH = 4;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A value the way the engine's messages show it: `String(n)`, `JSON.stringify(s)`. */
function render(v: unknown, depth = 0): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  // Past the depth the engine reads, anything else is summarised (bigints and symbols too).
  if (depth >= MAX_DEPTH) return "an object";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol") return v.toString();
  if (!Array.isArray(v)) return "an object";
  let out = "[";
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out += ", ";
    if (i === 5) {
      out += "...";
      break;
    }
    out += render(v[i], depth + 1);
  }
  return `${out}]`;
}

class Invalid {
  constructor(
    readonly kind: "TypeError" | "RangeError",
    readonly message: string,
  ) {}
}
const typeError = (path: string, mustBe: string, got: unknown, depth: number) =>
  new Invalid("TypeError", `${path} must be ${mustBe}, got ${render(got, depth)}`);
const rangeError = (path: string, mustBe: string, got: unknown) =>
  new Invalid("RangeError", `${path} must be ${mustBe}, got ${render(got)}`);

/** An HTTP token (RFC 9110 §5.6.2): what a method or a header name must be. */
const isToken = (s: string) => /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(s);
/** A non-empty header value of visible ASCII, spaces allowed inside. */
const isHeaderValue = (s: string) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s);

const TOP = ROWS.filter((r) => !r.path.includes("."));
/** The keys of `shared` (driver-only: its own form, not rows). */
const SHARED = ["store", "refreshMs", "timeoutMs", "onUnavailable"];

const childrenOf = (group: string) => ROWS.filter((r) => r.path.startsWith(`${group}.`));
const keyOf = (row: Row) => row.path.slice(row.path.indexOf(".") + 1);

/** The type pass for one value (`depth`: where it sits in the options, 1 for a top-level
 * option, as the engine counts it when it summarises deep values). */
function readValue(row: Row, path: string, v: unknown, depth: number): unknown {
  const items = (what: string, item: "string" | "number") => {
    if (!Array.isArray(v)) throw typeError(path, `an array of ${what}`, v, depth);
    const out: unknown[] = [];
    v.forEach((x, i) => {
      if (x === undefined) return; // not given, as in the engine
      if (typeof x !== item) {
        throw typeError(`${path}[${i}]`, `a ${item}`, x, depth + 1);
      }
      out.push(x);
    });
    return out;
  };
  switch (row.type) {
    case "number":
      if (typeof v !== "number") throw typeError(path, "a number", v, depth);
      return v;
    case "string":
      if (typeof v !== "string") throw typeError(path, "a string", v, depth);
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw typeError(path, "a boolean", v, depth);
      return v;
    case "function":
      if (typeof v !== "function") throw typeError(path, "a function", v, depth);
      return v;
    case "methods":
      return items("method names", "string");
    case "statusCodes":
      return items("status codes", "number");
    case "timeout":
      if (v === false || typeof v === "number") return v;
      throw typeError(path, "a number of milliseconds or false", v, depth);
    case "idempotencyKey":
      if (typeof v === "boolean") return v;
      if (typeof v === "string") {
        if (isHeaderValue(v)) return v;
        throw rangeError(path, "true, false or a non-empty string of visible ASCII characters", v);
      }
      throw typeError(path, "a boolean or a string", v, depth);
    case "attemptHeader":
      if (v === false) return v;
      if (typeof v === "string") {
        if (isToken(v)) return v;
        throw rangeError(path, "a header name", v);
      }
      throw typeError(path, "a header name or false", v, depth);
    case "breakerKey":
      if (typeof v === "function") return v;
      if (typeof v === "string") {
        if (v !== "") return v;
        throw rangeError(path, "a non-empty string or a function", v);
      }
      throw typeError(path, "a string or a function", v, depth);
    case "snapshot": {
      // As far as the engine's value tree reaches: the object and its format version. The
      // rest is checked by js/snapshot.ts when the instance is created.
      if (!isObject(v)) throw typeError(path, "an object from snapshot()", v, depth);
      const version = v.version;
      if (typeof version !== "number") throw typeError(`${path}.version`, "a number", version, depth + 1);
      if (version !== 1) throw rangeError(`${path}.version`, "1", version);
      return v;
    }
    case "telemetry": {
      if (v === false) return v;
      if (!isObject(v)) throw typeError(path, "an object with meter, or false", v, depth);
      for (const key of Object.keys(v)) {
        if (key !== "meter" && key !== "tracer") {
          throw new Invalid("TypeError", `${path}.${key} is not an option (known: meter, tracer)`);
        }
      }
      for (const [key, what] of [["meter", "Meter"], ["tracer", "Tracer"]] as const) {
        const x = v[key];
        if (key === "tracer" && x === undefined) continue;
        if (typeof x !== "object" || x === null || Array.isArray(x)) {
          throw typeError(`${path}.${key}`, `an object (an OpenTelemetry ${what})`, x, depth + 1);
        }
      }
      return v;
    }
    case "shared": {
      if (!isObject(v)) throw typeError(path, "an object with store", v, depth);
      for (const key of Object.keys(v)) {
        if (!SHARED.includes(key)) {
          throw new Invalid("TypeError", `${path}.${key} is not an option (known: ${SHARED.join(", ")})`);
        }
      }
      const store = v.store;
      if (!isObject(store) || typeof store.exchange !== "function") {
        throw typeError(`${path}.store`, "an object with an exchange function", store, depth + 1);
      }
      for (const [key, bound] of [["refreshMs", ">= 0"], ["timeoutMs", "> 0"]] as const) {
        const ms = v[key];
        if (ms === undefined) continue;
        if (typeof ms !== "number") throw typeError(`${path}.${key}`, "a number", ms, depth + 1);
        if (!(Number.isFinite(ms) && (bound === ">= 0" ? ms >= 0 : ms > 0))) {
          throw rangeError(`${path}.${key}`, `a number of milliseconds ${bound}`, ms);
        }
      }
      const hook = v.onUnavailable;
      if (hook !== undefined && typeof hook !== "function") {
        throw typeError(`${path}.onUnavailable`, "a function", hook, depth + 1);
      }
      return v;
    }
    case "group":
      throw new Error(`${path}: a group is read by readGroup`);
  }
}

/** The type pass for an option object: its keys, or undefined when off or at defaults. */
function readGroup(row: Row, v: unknown): Map<string, unknown> | undefined {
  const rows = childrenOf(row.path);
  const required = rows.find((r) => r.check?.required);
  if (v === undefined || v === false) return undefined;
  if (v === true) {
    if (required) throw typeError(row.path, `an object with ${keyOf(required)}, or false`, v, 1);
    return undefined;
  }
  if (!isObject(v)) throw typeError(row.path, "an object or false", v, 1);
  const known = rows.map(keyOf);
  const out = new Map<string, unknown>();
  for (const key of Object.keys(v)) {
    const path = `${row.path}.${key}`;
    const child = rows.find((r) => keyOf(r) === key);
    if (!child) throw new Invalid("TypeError", `${path} is not an option (known: ${known.join(", ")})`);
    const value = v[key];
    if (value !== undefined) out.set(key, readValue(child, path, value, 2));
  }
  return out;
}

/** The range pass for one value (undefined: not given). */
function checkRange(row: Row, v: unknown, siblings?: Map<string, unknown>): void {
  const check = row.check;
  if (!check) return;
  const must = row.mustBe ?? "";
  if (v === undefined) {
    if (check.required) throw typeError(row.path, must, undefined, 0);
    return;
  }
  if (check.absentWith && siblings?.get(check.absentWith) !== undefined) return; // checked first
  if (check.oneOf) {
    if (!check.oneOf.includes(v as string)) throw rangeError(row.path, must, v);
    return;
  }
  if (check.each) {
    (v as unknown[]).forEach((x, i) => {
      const ok =
        check.each === "method"
          ? isToken(x as string)
          : Number.isInteger(x) && (x as number) >= 100 && (x as number) <= 599;
      if (!ok) throw rangeError(`${row.path}[${i}]`, must, x);
    });
    return;
  }
  const n = v as number;
  let ok = Number.isFinite(n);
  if (check.count !== undefined) ok &&= Number.isInteger(n) && n >= check.count;
  const bound = check.millis ?? check.number;
  if (bound) ok &&= bound === "> 0" ? n > 0 : n >= 0;
  if (check.fraction) ok &&= n <= 1 && (check.fraction === "[0,1]" ? n >= 0 : n > 0);
  if (!ok) throw rangeError(row.path, must, v);
}

/** The first invalid option in `options`, as the engine reports it, or undefined. */
export function validateOptions(options: unknown): TypeError | RangeError | undefined {
  try {
    check(options);
    return undefined;
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    return e.kind === "TypeError" ? new TypeError(e.message) : new RangeError(e.message);
  }
}

function check(options: unknown): void {
  if (options === undefined || options === null) return;
  if (!isObject(options)) throw typeError("options", "an object", options, 0);
  const given = new Map<string, unknown>();
  for (const key of Object.keys(options)) {
    const row = TOP.find((r) => r.path === key);
    const v = options[key];
    if (!row || v === undefined) continue; // a RequestInit field, or not given
    given.set(key, row.type === "group" ? readGroup(row, v) : readValue(row, key, v, 1));
  }
  for (const row of TOP) {
    const v = given.get(row.path);
    if (row.type !== "group") {
      if (v !== false) checkRange(row, v);
      continue;
    }
    if (!(v instanceof Map)) continue; // off, or every default
    const rows = childrenOf(row.path);
    for (const child of rows) {
      const other = child.check?.absentWith;
      if (other && v.get(other) !== undefined && v.get(keyOf(child)) !== undefined) {
        throw rangeError(child.path, `absent when ${row.path}.${other} is set`, v.get(keyOf(child)));
      }
    }
    for (const child of rows) checkRange(child, v.get(keyOf(child)), v);
  }
}
