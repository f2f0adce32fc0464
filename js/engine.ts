// The sans-IO engine for JavaScript (`EngineClient`, `EngineCall`): the same decisions as
// `resilientFetch`, with time and the seed passed in and no I/O, for users who bring their
// own transport (undici, axios, a custom protocol) and for replaying test vectors. A typed
// layer over the same numeric interface the driver uses (js/abi.ts): actions become plain
// objects named in the wire's words (the component's and the vectors' too).

import {
  type Engine,
  FAILURES,
  HEDGE,
  PENDING,
  QUEUED,
  REJECT,
  RESPOND,
  SEND,
  STATES,
  STAT_NAMES,
  STOPS,
  TRANSPORT,
  VERDICTS,
  WAIT,
  WAITS,
  wasm,
} from "./abi.js";
import { type Encoded, encode } from "./encode.js";
import { options as readOptions } from "./io.js";
import { encodeSnapshot, restoreSnapshot, takeSnapshot } from "./snapshot.js";
import type { ResilienceOptions, ResilienceSnapshot, ResilienceStats } from "./types.js";
import { validateOptions } from "./validate.js";

/** Why retrying stopped (the wire's names: the component's and the vectors' too). */
export type EngineStop =
  | "attempts" | "budget" | "deadline" | "not-retryable" | "circuit-open"
  | "retry-after-too-long" | "throttled" | "pushback";

/** What the driver must do next: switch on `type`. */
export type EngineAction =
  | { type: "send"; attempt: number; timeoutMs?: number }
  | { type: "hedge"; attempt: number; copy: number; timeoutMs?: number }
  | { type: "queued"; ticket: number; timeoutMs?: number }
  | { type: "pending" }
  | { type: "wait"; ms: number; reason: "backoff" | "throttle" }
  | { type: "wait"; ms: number; reason: "retry-after"; retryAfterMs: number }
  | { type: "respond"; stop?: EngineStop }
  | { type: "reject"; failure: "gave-up"; stop: EngineStop }
  | { type: "reject"; failure: "circuit-open"; retryAfterMs: number }
  | { type: "reject"; failure: "throttled"; waitMs: number }
  | { type: "reject"; failure: "aborted" | "invalid" | "misuse" };

/** What the engine must know of a request, worked out once before the call starts. */
export interface EngineRequest {
  /** Where the breaker, budget, limiter and bulkhead live (e.g. the URL's origin). */
  key: string;
  /** @default "GET" */
  method?: string;
  /** Whether an idempotency key is sent (makes POST and PATCH retryable). @default false */
  idempotencyKey?: boolean;
  /** Whether the body can be sent twice (false for a stream). @default true */
  replayableBody?: boolean;
  /** The URL's path: where holds and the learned send rate live. @default "" */
  path?: string;
}

/** A response as the engine reads it: the status and the raw header values it uses. */
export interface EngineResponse {
  status: number;
  retryAfter?: string | null;
  date?: string | null;
  /** `Retry-Pushback-Ms`. */
  pushback?: string | null;
  /** Rate-limit fields by lower-case header name (every dialect the README lists). */
  rateLimit?: Record<string, string>;
}

/**
 * The caller's judgement of an outcome (what a `shouldRetry` hook answers): `"default"` the
 * classifier decides; `"retry"` retry it even if the classifier would not (a 401), within
 * every limit (attempts, deadline, budget, breaker, pushback, a request that may not be sent
 * twice); `"stop"` do not retry (a response is final, as a 404 is; a transport failure
 * rejects with `not-retryable`), ending the call even with hedged copies in flight.
 */
export type EngineVerdict = "default" | "retry" | "stop";

/** The verdict's code; anything unknown is the default. */
function verdictCode(verdict: EngineVerdict | undefined): number {
  const code = verdict === undefined ? 0 : VERDICTS.indexOf(verdict);
  return code < 0 ? 0 : code;
}

/** Why an attempt produced no response. */
export type EngineTransportFailure = "network" | "timeout" | "aborted" | "invalid" | "never-sent";

/** A breaker's state. */
export type EngineBreakerState = "closed" | "open" | "half-open";

/** A breaker's change, oldest first. */
export interface EngineBreakerChange {
  key: string;
  from: EngineBreakerState;
  to: EngineBreakerState;
}

/** The counters, as `resilientFetch.stats()` gives them. */
export type EngineStats = ResilienceStats;

/** The engine's last action as a plain object. */
function action(kind: number, out: Float64Array): EngineAction {
  const timeout = (o: Record<string, unknown>) => {
    if (!Number.isNaN(out[1])) o.timeoutMs = out[1]!;
    return o as EngineAction;
  };
  switch (kind) {
    case SEND:
      return timeout({ type: "send", attempt: out[0]! });
    case HEDGE:
      return timeout({ type: "hedge", attempt: out[0]!, copy: out[2]! });
    case QUEUED:
      return timeout({ type: "queued", ticket: out[0]! });
    case PENDING:
      return { type: "pending" };
    case WAIT: {
      const o: Record<string, unknown> = { type: "wait", ms: out[0]! };
      if (out[1] === 1) o.retryAfterMs = out[2]!;
      o.reason = WAITS[out[1]!];
      return o as EngineAction;
    }
    case RESPOND:
      return Number.isNaN(out[0]) ? { type: "respond" } : { type: "respond", stop: STOPS[out[0]!]! };
    case REJECT: {
      const o: Record<string, unknown> = { type: "reject" };
      const failure = out[0]!;
      if (failure === 0) o.stop = STOPS[out[1]!];
      else if (failure === 1) o.retryAfterMs = out[2]!;
      else if (failure === 2) o.waitMs = out[2]!;
      o.failure = FAILURES[failure];
      return o as EngineAction;
    }
    default:
      return { type: "reject", failure: "misuse" };
  }
}

let defaults: Encoded | undefined;

/** Frees the engine's state of objects the program dropped without `free()`. */
const calls =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((c) => wasm().x.rf_call_free(c, Date.now()))
    : undefined;
const clients =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((i) => wasm().x.rf_instance_free(i))
    : undefined;

/** Breakers, budgets, limiters and bulkheads per key, counters and the jitter generator:
 * what a `createResilientFetch()` instance holds, with time and the seed passed in. */
export class EngineClient {
  private readonly e: Engine;
  private handle: number;

  /** A client whose jitter draws from `seed` (a bigint). */
  constructor(seed: bigint) {
    this.e = wasm();
    const s = BigInt.asUintN(64, BigInt(seed));
    this.handle = this.e.x.rf_instance(Number(s & 0xffffffffn), Number(s >> 32n));
    clients?.register(this, this.handle, this);
  }

  /**
   * Starts a call under `options` (resilientFetch's option object, checked with the same
   * messages: TypeError or RangeError) for `request` at `nowMs` (`path`: the URL's path,
   * where holds and the learned send rate live); the first action is the call's `first`.
   */
  start(options: ResilienceOptions | undefined, request: EngineRequest, nowMs: number): EngineCall {
    const read = readOptions(options, undefined);
    if (read.error) throw read.error;
    const invalid = validateOptions(read.options);
    if (invalid) throw invalid;
    const e = this.e;
    // No options (the common case): the defaults' encoding, made once.
    const policy = e.policy(read.options === undefined ? (defaults ??= encode(undefined)) : encode(read.options));
    const flags = (request.idempotencyKey ? 1 : 0) | (request.replayableBody === false ? 0 : 2);
    const method = typeof request.method === "string" ? request.method : "GET";
    const key = typeof request.key === "string" ? request.key : "";
    const path = typeof request.path === "string" ? request.path : "";
    const call = e.x.rf_call(this.handle, policy, e.intern(key), e.intern(method), e.intern(path), flags);
    return new EngineCall(e, call, e.x.rf_start(call, nowMs));
  }

  /** `"closed"`, `"open"` or `"half-open"` at `nowMs`. */
  breakerState(key: string, nowMs: number): EngineBreakerState {
    return STATES[this.e.x.rf_breaker_state(this.handle, this.e.text(String(key)), nowMs)] ?? "closed";
  }

  /** The counters, as `resilientFetch.stats()` gives them. */
  stats(): EngineStats {
    this.e.x.rf_stats(this.handle);
    const v = this.e.fresh();
    const out = {} as Record<string, number>;
    STAT_NAMES.forEach((name, i) => (out[name] = v[i]!));
    return out as unknown as EngineStats;
  }

  /** Forgets breaker, budget, limiter and bulkhead state (not the counters). */
  reset(): void {
    this.e.x.rf_reset(this.handle);
  }

  /** Breakers, budget windows, limiter schedules, holds and learned rates at `nowMs`, as
   * JSON (`resilientFetch.snapshot()`'s form). */
  snapshot(nowMs: number): ResilienceSnapshot {
    return takeSnapshot(this.e, this.handle, nowMs);
  }

  /** Applies a snapshot at `nowMs`: the keys and routes it names take its state, nothing
   * extended past its times. A malformed one or another version throws (TypeError or
   * RangeError naming the field) and changes nothing. */
  restore(snapshot: ResilienceSnapshot, nowMs: number): void {
    if (!restoreSnapshot(this.e, this.handle, encodeSnapshot(snapshot, "snapshot"), nowMs)) {
      throw new Error("resilient-fetch: the engine refused a checked snapshot");
    }
  }

  /** The next breaker change `{ key, from, to }`, oldest first, or undefined. */
  pollEvent(): EngineBreakerChange | undefined {
    const c = this.e.x.rf_poll_event(this.handle);
    if (c < 0) return undefined;
    const out = this.e.fresh();
    const key = this.e.read(out[7]!, out[6]!);
    return { key, from: STATES[Math.floor(c / 3)]!, to: STATES[c % 3]! };
  }

  /** The ticket of a queued call that now holds a bulkhead slot, or undefined. */
  pollWake(): number | undefined {
    const t = this.e.x.rf_poll_wake(this.handle);
    return t < 0 ? undefined : t;
  }

  /** Releases the engine's state now (calls started from this client must be done). */
  free(): void {
    if (this.handle < 0) return;
    clients?.unregister(this);
    this.e.x.rf_instance_free(this.handle);
    this.handle = -1;
  }
}

/** One call's retry loop: report outcomes and times, get the next action. */
export class EngineCall {
  /** The action `start` decided. */
  readonly first: EngineAction;
  private readonly e: Engine;
  private handle: number;

  /** @internal */
  constructor(e: Engine, handle: number, first: number) {
    this.e = e;
    this.handle = handle;
    this.first = action(first, e.fresh());
    calls?.register(this, handle, this);
  }

  private next(kind: number): EngineAction {
    return action(kind, this.e.fresh());
  }

  /**
   * The response of an attempt (or copy) in flight, at `nowMs`: `{ status, retryAfter?,
   * date?, pushback?, rateLimit? }` with the raw header values (`rateLimit`: an object from
   * lower-case header name to raw value, every dialect the README lists). `verdict`: the
   * caller's judgement of it, asked for before reporting (default: the classifier decides).
   */
  onResponse(response: EngineResponse, nowMs: number, verdict?: EngineVerdict): EngineAction {
    let text = "";
    const add = (name: string, value: unknown) => {
      if (typeof value === "string") text += `${name}\n${value}\n`;
    };
    add("retry-after", response.retryAfter);
    add("date", response.date);
    add("retry-pushback-ms", response.pushback);
    const rl = response.rateLimit;
    if (typeof rl === "object" && rl !== null) for (const name of Object.keys(rl)) add(name, rl[name]);
    const status = Number(response.status);
    const code = status >= 0 && status <= 999 ? status : 0;
    return this.next(this.e.x.rf_response(this.handle, code, this.e.text(text), nowMs, verdictCode(verdict)));
  }

  /** No response: `"network"`, `"timeout"`, `"aborted"`, `"invalid"` or `"never-sent"`
   * (the runtime showed the request never left: retried whatever its method, if its body
   * can be sent again); `verdict` as for `onResponse` (ignored for `"aborted"` and
   * `"invalid"`). */
  onTransportError(kind: EngineTransportFailure, nowMs: number, verdict?: EngineVerdict): EngineAction {
    const code = TRANSPORT.indexOf(kind);
    return this.next(this.e.x.rf_failure(this.handle, code < 0 ? 0 : code, nowMs, verdictCode(verdict)));
  }

  /** The body can no longer be replayed (a stream past the bytes kept to replay it): the
   * call sends nothing more, whatever the outcome of what is in flight. */
  commit(): void {
    this.e.x.rf_commit(this.handle);
  }

  /** A wait (or a queued timeout) ended. */
  onWake(nowMs: number): EngineAction {
    return this.next(this.e.x.rf_wake(this.handle, nowMs));
  }

  /** The call's bulkhead ticket came out of `pollWake`. */
  onSlot(nowMs: number): EngineAction {
    return this.next(this.e.x.rf_slot(this.handle, nowMs));
  }

  /** When the next hedge is due after the latest copy, or undefined. */
  hedgeAfterMs(): number | undefined {
    const ms = this.e.x.rf_hedge_after(this.handle);
    return ms < 0 ? undefined : ms;
  }

  /** The hedge timer fired: the hedge action, or undefined for none. */
  onHedgeTimer(nowMs: number): EngineAction | undefined {
    const kind = this.e.x.rf_hedge_timer(this.handle, nowMs);
    return kind === HEDGE ? this.next(kind) : undefined;
  }

  /** Attempts sent so far (hedges not included). */
  attempts(): number {
    return this.e.x.rf_attempts(this.handle);
  }

  /** Releases the engine's state of this call now (a call not yet ended ends as aborted). */
  free(): void {
    if (this.handle < 0) return;
    calls?.unregister(this);
    this.e.x.rf_call_free(this.handle, Date.now());
    this.handle = -1;
  }
}
