// The engine in WebAssembly, through its numeric interface (src/faces/abi.rs): instances,
// policies and calls named by numbers, text through one scratch buffer, an action as a kind
// code plus up to eight numbers. The module has no imports; each entry (node, browser, deno,
// workerd) hands over a way to get it, and it is instantiated on first use, so importing the
// package costs nothing until a call (and a Worker draws no entropy at start-up).

import type { Encoded } from "./encode.js";

/** The module's exports (see src/faces/abi.rs for each). @internal */
export interface Exports {
  memory: WebAssembly.Memory;
  rf_scratch(len: number): number;
  rf_out(): number;
  rf_slots(len: number): number;
  rf_intern(len: number): number;
  rf_intern_clear(): void;
  rf_instance(lo: number, hi: number): number;
  rf_instance_free(i: number): void;
  rf_policy(slots: number, len: number): number;
  rf_policy_free(p: number): void;
  rf_call(instance: number, policy: number, key: number, method: number, path: number, flags: number): number;
  rf_retryable(c: number): number;
  rf_paces(c: number): number;
  rf_attempts(c: number): number;
  rf_hedge_after(c: number): number;
  rf_call_free(c: number, now: number): void;
  rf_start(c: number, now: number): number;
  rf_response(c: number, status: number, len: number, now: number, verdict: number): number;
  rf_failure(c: number, failure: number, now: number, verdict: number): number;
  rf_commit(c: number): void;
  rf_wake(c: number, now: number): number;
  rf_slot(c: number, now: number): number;
  rf_hedge_timer(c: number, now: number): number;
  rf_poll_event(i: number): number;
  rf_poll_wake(i: number): number;
  rf_breaker_state(i: number, len: number, now: number): number;
  rf_stats(i: number): void;
  rf_reset(i: number): void;
  rf_snapshot(i: number, now: number): number;
  rf_restore(i: number, len: number, bytes: number, now: number): number;
  rf_merge(i: number, len: number, bytes: number, now: number): number;
  rf_share(i: number): void;
  rf_poll_change(i: number): number;
  rf_breaker_config(c: number): number;
}

/** Action kinds (abi.rs `kind`). */
export const SEND = 0;
export const HEDGE = 1;
export const QUEUED = 2;
export const PENDING = 3;
export const WAIT = 4;
export const RESPOND = 5;
export const REJECT = 6;

/** Stop reasons by code, the wire's names (abi.rs `STOPS`). */
export const STOPS = [
  "attempts",
  "budget",
  "deadline",
  "not-retryable",
  "circuit-open",
  "retry-after-too-long",
  "throttled",
  "pushback",
] as const;
export type WireStop = (typeof STOPS)[number];
/** Wait reasons by code. */
export const WAITS = ["backoff", "retry-after", "throttle"] as const;
/** Failures by code. */
export const FAILURES = ["gave-up", "circuit-open", "throttled", "aborted", "invalid", "misuse"] as const;
/** Breaker states by code. */
export const STATES = ["closed", "open", "half-open"] as const;
/** Transport failures by code ("never-sent": the runtime showed the request never left). */
export const TRANSPORT = ["network", "timeout", "aborted", "invalid", "never-sent"] as const;
export type TransportKind = (typeof TRANSPORT)[number];
/** The caller's verdicts on an outcome by code (abi.rs `verdict`): the classifier decides,
 * retry it, stop. */
export const VERDICTS = ["default", "retry", "stop"] as const;

/** The counters' names, in the order `rf_stats` writes them. */
export const STAT_NAMES = [
  "requests",
  "attempts",
  "retries",
  "budgetDenied",
  "shortCircuited",
  "breakerOpened",
  "hedges",
  "throttled",
] as const;

/** How each entry provides the module: compiled, or about to be. */
type Source = () => WebAssembly.Module;

let source: Source | undefined;
let engine: Engine | undefined;

/** Called once by the package's entry for its runtime. @internal */
export function provide(get: Source): void {
  source = get;
}

/** The engine, instantiated on first use. @internal */
export function wasm(): Engine {
  if (engine === undefined) {
    if (source === undefined) throw new Error("resilient-fetch: import the package, not js/index");
    engine = new Engine(new WebAssembly.Instance(source(), {}).exports as unknown as Exports);
  }
  return engine;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Policies kept at most, by content (see `Engine.policy`). */
const MAX_POLICIES = 64;

/** Interned strings kept at most before the table starts over (calls keep their own). */
const MAX_INTERNED = 4096;

/** The module and the views of its memory. @internal */
export class Engine {
  readonly x: Exports;
  /** The last action's numbers (a view, re-made when memory grows). */
  out: Float64Array;
  private readonly outAt: number;
  private readonly interned = new Map<string, number>();
  private readonly policies = new Map<string, number>();

  constructor(x: Exports) {
    this.x = x;
    this.outAt = x.rf_out();
    this.out = new Float64Array(x.memory.buffer, this.outAt, 8);
  }

  /** Re-makes the views after the memory grew (its old buffer is then detached). */
  fresh(): Float64Array {
    // A grown memory detaches the old buffer, and a view of a detached buffer has length 0:
    // cheaper to test than reading `memory.buffer` on every decision.
    if (this.out.length === 0) this.out = new Float64Array(this.x.memory.buffer, this.outAt, 8);
    return this.out;
  }

  /** Writes `text` to the scratch buffer; returns its length in bytes. */
  text(text: string): number {
    if (text.length === 0) return 0;
    // UTF-8 takes at most three bytes per UTF-16 unit.
    const at = this.x.rf_scratch(text.length * 3);
    const { written } = encoder.encodeInto(text, new Uint8Array(this.x.memory.buffer, at, text.length * 3));
    return written;
  }

  /** Reads `len` bytes of text the module left at `at`. */
  read(at: number, len: number): string {
    return decoder.decode(new Uint8Array(this.x.memory.buffer, at, len));
  }

  /** The number of `text` in the module's string table. */
  intern(text: string): number {
    let id = this.interned.get(text);
    if (id === undefined) {
      if (this.interned.size >= MAX_INTERNED) {
        this.interned.clear();
        this.x.rf_intern_clear();
      }
      id = this.x.rf_intern(this.text(text));
      this.interned.set(text, id);
    }
    return id;
  }

  /**
   * The policy of these option numbers and text (see js/encode.ts): made once per distinct
   * content, so a call with the same options as an earlier one (the defaults, a shared
   * options object) costs no new policy; the last 64 are kept. A call holds its own
   * reference to its policy, so one dropped from here stays valid for the calls using it.
   */
  policy({ slots, text, key }: Encoded): number {
    let p = this.policies.get(key);
    if (p !== undefined) return p;
    const at = this.x.rf_slots(slots.length);
    new Float64Array(this.x.memory.buffer, at, slots.length).set(slots);
    p = this.x.rf_policy(slots.length, this.text(text));
    if (p < 0) throw new RangeError("resilient-fetch: options out of range");
    if (this.policies.size >= MAX_POLICIES) {
      const [oldest, handle] = this.policies.entries().next().value!;
      this.policies.delete(oldest);
      this.x.rf_policy_free(handle);
    }
    this.policies.set(key, p);
    return p;
  }
}
