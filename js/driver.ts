// The driver: one Client per `createResilientFetch()` instance, running each call's engine
// state machine (in WebAssembly, through js/abi.ts) against the real fetch and real timers.
// It decides nothing: it asks the engine, does what it says (send an attempt, sleep, resolve,
// reject) and reports the outcome.
//
// Every call settles, whatever user code throws. The caller's values (input, init, options)
// are read once by io.ts, which catches what getters, Proxy traps and `toString` throw; hooks
// (`onRetry`, `onBreakerStateChange`, `onHedge`, a `breaker.key` function, `shouldRetry`)
// that throw or reject never break a call; `fallback`'s outcome is the call's, and a
// `beforeRetry` that throws ends the call with its error. The engine instance is seeded
// from the runtime's CSPRNG on the first call, not at creation, because Workers allow entropy
// only inside a request handler.

import {
  type Engine,
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
  WAIT,
  wasm,
} from "./abi.js";
import { type Encoded as EncodedOptions, encode } from "./encode.js";
import { CircuitOpenError, ResilientFetchError, RetryError, ThrottledError, type StopReason } from "./errors.js";
import {
  type Cancellable,
  type Copy,
  Failure,
  Reply,
  attempt,
  cancel,
  discard,
  fields,
  options as readOptions,
  park,
  Replay,
  prepare,
  quiet,
  race,
  sleep,
  timer,
  type Parked,
  type Record as CallRecord,
} from "./io.js";
import { ROWS } from "./schema.js";
import { Sharing } from "./shared.js";
import { type Encoded, encodeSnapshot, restoreSnapshot, takeSnapshot } from "./snapshot.js";
import { type CallTelemetry, callTelemetry } from "./telemetry.js";
import type { BreakerState, ResilienceSnapshot, ResilienceStats, SharedOptions } from "./types.js";
import { validateOptions } from "./validate.js";

/** The top-level option names: every other key of `init` belongs to fetch. */
export const NAMES: readonly string[] = ROWS.filter((r) => !r.path.includes(".")).map((r) => r.path);
const TOP = new Set(NAMES);

/** setTimeout's longest delay (2^31 - 1 ms); longer waits sleep in steps. */
const MAX_TIMER_MS = 2_147_483_647;

type Bag = { [key: string]: unknown };
type Fn = (...args: unknown[]) => unknown;

/** Everything one call's options resolve to. */
export interface Settings {
  /** The options, merged and checked (the engine's policy is made from them on first use). */
  readonly options: Bag | undefined;
  /** The options as the engine's numbers, once asked for. */
  encoded?: EncodedOptions;
  readonly idempotencyKey: true | string | undefined;
  readonly breakerKey: string | Fn | undefined;
  readonly attemptHeader: string | undefined;
  readonly onRetry: Fn | undefined;
  readonly onBreaker: Fn | undefined;
  readonly onHedge: Fn | undefined;
  readonly fallback: Fn | undefined;
  readonly shouldRetry: Fn | undefined;
  readonly beforeRetry: Fn | undefined;
  /** `maxReplayBytes`: the bytes of a stream body kept to replay it (0: sent once). */
  readonly maxReplayBytes: number;
  /** `telemetry` as given (checked): `{ meter, tracer? }` or none. */
  readonly telemetry: unknown;
}

const fn = (v: unknown): Fn | undefined => (typeof v === "function" ? (v as Fn) : undefined);
const isBag = (v: unknown): v is Bag => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lays `over` on `base` one level deep: an option object given on both is merged key by
 * key; anything else given replaces (the engine's `options::merge`). */
export function merge(base: Bag | undefined, over: Bag | undefined): Bag | undefined {
  if (over === undefined) return base;
  if (base === undefined) return over;
  const out: Bag = { ...base };
  for (const key of Object.keys(over)) {
    const value = over[key];
    if (value === undefined) continue;
    const prior = out[key];
    delete out[key];
    out[key] = TOP.has(key) && isBag(prior) && isBag(value) ? { ...prior, ...defined(value) } : value;
  }
  return out;
}

function defined(o: Bag): Bag {
  const out: Bag = {};
  for (const key of Object.keys(o)) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

/** Checks `options` (throwing the TypeError or RangeError the engine would) and resolves
 * what the driver reads itself. The engine's policy is made on first use. */
export function settle(options: Bag | undefined): Settings {
  const invalid = validateOptions(options);
  if (invalid) throw invalid;
  const o = options ?? {};
  const breaker = isBag(o.breaker) ? o.breaker : undefined;
  const key = breaker?.key;
  return {
    options,
    idempotencyKey: o.idempotencyKey === true ? true : typeof o.idempotencyKey === "string" ? o.idempotencyKey : undefined,
    breakerKey: typeof key === "string" || typeof key === "function" ? (key as string | Fn) : undefined,
    attemptHeader: typeof o.attemptHeader === "string" ? o.attemptHeader : undefined,
    onRetry: fn(o.onRetry),
    onBreaker: fn(o.onBreakerStateChange),
    onHedge: fn(o.onHedge),
    fallback: fn(o.fallback),
    shouldRetry: fn(o.shouldRetry),
    beforeRetry: fn(o.beforeRetry),
    maxReplayBytes: typeof o.maxReplayBytes === "number" ? o.maxReplayBytes : 0,
    telemetry: o.telemetry,
  };
}

/** The engine's policy handle for `s`: the options encoded once per settings, the policy
 * made once per content (the engine's cache may drop and remake it: handles are not kept). */
function policyOf(e: Engine, s: Settings): number {
  return e.policy((s.encoded ??= encode(s.options)));
}

/** Calls a user hook; whatever it throws or rejects with is swallowed. */
function hook(f: Fn | undefined, arg: unknown): void {
  if (f === undefined) return;
  try {
    quiet(f(arg));
  } catch {
    // A hook never breaks the call.
  }
}

const now = () => Date.now();

/** The engine and its state behind one `createResilientFetch()` instance. @internal */
export class Client {
  private readonly defaults: Settings;
  private handle = -1;
  /** `initialState`, checked and encoded, until the instance is made from it. */
  private initial: Encoded | undefined;
  /** Calls waiting in a bulkhead's line, by ticket. */
  readonly parked = new Map<number, Parked>();
  /** The link to a fleet's store (`shared`), if any. */
  readonly sharing: Sharing | undefined;

  /** Checks `defaults` at once (throwing TypeError or RangeError). */
  constructor(defaults: unknown) {
    const read = readOptions(defaults, NAMES);
    if (read.error) throw read.error;
    this.defaults = settle(read.options);
    const shared = read.options?.shared;
    if (shared !== undefined) this.sharing = new Sharing(shared as SharedOptions);
    if (read.options?.initialState !== undefined) {
      // Read whole from the caller's object: option copies stop a few levels down.
      let state: unknown;
      try {
        state = (defaults as Bag).initialState;
      } catch (cause) {
        throw new TypeError("initialState threw when read", { cause });
      }
      this.initial = encodeSnapshot(state);
    }
  }

  /** The engine instance, seeded (and restored from `initialState`) on first use. */
  instance(e: Engine): number {
    if (this.handle < 0) {
      const seed = new Uint32Array(2);
      crypto.getRandomValues(seed);
      this.handle = e.x.rf_instance(seed[0]!, seed[1]!);
      if (this.sharing !== undefined) e.x.rf_share(this.handle);
      const initial = this.initial;
      this.initial = undefined;
      if (initial !== undefined && !restoreSnapshot(e, this.handle, initial, now())) {
        throw new Error("resilient-fetch: the engine refused a checked initialState");
      }
    }
    return this.handle;
  }

  /** The instance's state as JSON (an instance never used: its `initialState`, or empty). */
  snapshot(): ResilienceSnapshot {
    if (this.handle < 0 && this.initial === undefined) {
      return { version: 1, takenAt: now(), keys: [], routes: [] };
    }
    const e = wasm();
    return takeSnapshot(e, this.instance(e), now());
  }

  /** `fetch(input, init)` with the instance's resilience. */
  fetch(input: unknown, init: unknown): Promise<unknown> {
    const record = prepare(input, init, NAMES);
    if (record.error !== undefined) return Promise.reject(record.error);
    let settings = this.defaults;
    if (record.options !== undefined) {
      try {
        settings = settle(merge(this.defaults.options, record.options));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return run(this, record, settings);
  }

  breakerState(key: string): BreakerState {
    if (this.handle < 0 && this.initial === undefined) return "closed";
    const e = wasm();
    const handle = this.instance(e);
    return STATES[e.x.rf_breaker_state(handle, e.text(String(key)), now())] ?? "closed";
  }

  stats(): ResilienceStats {
    const out = {} as Record<string, number>;
    if (this.handle < 0) {
      for (const name of STAT_NAMES) out[name] = 0;
    } else {
      const e = wasm();
      e.x.rf_stats(this.handle);
      const v = e.fresh();
      STAT_NAMES.forEach((name, i) => (out[name] = v[i]!));
    }
    return out as unknown as ResilienceStats;
  }

  reset(): void {
    this.initial = undefined;
    if (this.handle >= 0) wasm().x.rf_reset(this.handle);
  }
}

/** What the last attempt produced. */
type Last = Reply | Failure | undefined;

/** The URLs recently seen, with their href and origin: clients call the same few again and
 * again, and a URL parse per call is most of what preparing one costs. */
const URLS = new Map<string, [string, string]>();
const URL_CACHE = 32;

/** The href and origin of `raw`: absolute URLs remembered; relative ones resolved against
 * the page's location every time (it can change); elsewhere the raw string is its own key,
 * and fetch will reject it. */
function locate(raw: string): [string, string] {
  const known = URLS.get(raw);
  if (known !== undefined) return known;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    try {
      const base = (globalThis as { location?: { href?: unknown } }).location?.href;
      if (typeof base !== "string") return [raw, raw];
      url = new URL(raw, base);
      return [url.href, url.origin];
    } catch {
      return [raw, raw];
    }
  }
  const found: [string, string] = [url.href, url.origin];
  if (URLS.size >= URL_CACHE) URLS.delete(URLS.keys().next().value!);
  URLS.set(raw, found);
  return found;
}

/** The path of `url` (no query, no fragment) when it starts with `origin`; else empty. */
function pathOf(url: string, origin: string): string {
  if (origin === "null" || !url.startsWith(origin)) return "";
  let end = url.length;
  const query = url.indexOf("?", origin.length);
  if (query >= 0) end = query;
  const hash = url.indexOf("#", origin.length);
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(origin.length, end);
}

/** The `Idempotency-Key` header's name. */
const KEY_HEADER = "Idempotency-Key";

/** A random (version 4) UUID from the runtime's CSPRNG. */
function uuid(): string {
  const c = globalThis.crypto as Crypto & { randomUUID?: () => string };
  if (typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch {
      // Browsers offer randomUUID only in secure contexts; fall through.
    }
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * One call's request, ready to be sent as many times as the engine decides.
 *
 * Replaying a body is where retry libraries lose data, so the rules are strict: a string,
 * buffer, Blob or URLSearchParams body is handed to fetch again on every attempt (fetch reads
 * these afresh); a FormData body is serialised once, and the same bytes (and boundary) are
 * sent every time; a body fetch consumes (a stream, an async iterable) is sent once, unless
 * `maxReplayBytes` lets it be kept as it is sent (see `Replay`: up to the bound it is replayed
 * byte for byte, past it the call sends nothing more); a Request input is cloned before every
 * attempt, and one whose body was used is sent once.
 */
class Prepared {
  readonly url: string;
  readonly origin: string;
  readonly method: string;
  readonly signal: AbortSignal | undefined;
  readonly replayable: boolean;
  hasKey = false;
  private readonly request: Request | undefined;
  private readonly input: unknown;
  readonly init: Bag;
  private form: FormData | undefined;
  /** A stream body kept to be replayed (`maxReplayBytes`), if any. */
  readonly replay: Replay | undefined;
  /** What the call records for OpenTelemetry, if `telemetry` is set. */
  readonly tel: CallTelemetry | undefined;
  private headers: Headers | undefined;

  constructor(record: CallRecord, key: true | string | undefined, telemetry: unknown, maxReplayBytes: number) {
    this.request = record.request;
    this.input = record.input;
    this.init = record.init!;
    [this.url, this.origin] = locate(record.url!);
    this.method = record.method!;
    this.signal = record.signal;
    this.replayable = record.replayable!;
    if (maxReplayBytes > 0 && record.stream && Replay.accepts(this.init.body)) {
      this.replay = new Replay(this.init.body, maxReplayBytes);
      this.replayable = true;
    }
    this.form = record.form;
    this.tel = telemetry === undefined ? undefined : callTelemetry(telemetry, this.url, this.method);
    const m = this.method.toUpperCase();
    if (key !== undefined || m === "POST" || m === "PATCH") this.applyKey(key);
  }

  /** The headers the caller gave (init's, else the Request's) as a Headers we may extend;
   * made once and set on the init, so every attempt sends it. */
  private ownHeaders(): Headers {
    if (this.headers === undefined) {
      const source = this.init.headers ?? this.request?.headers;
      try {
        this.headers = new Headers(source as HeadersInit | undefined);
      } catch {
        // Headers the runtime rejects are left as given: fetch reports them on the attempt.
        return source as Headers;
      }
      this.init.headers = this.headers;
    }
    return this.headers;
  }

  /** Keeps a caller-set Idempotency-Key, else sets ours when the option asks for one. */
  private applyKey(key: true | string | undefined): void {
    const headers = this.ownHeaders();
    try {
      if (headers.has(KEY_HEADER)) {
        this.hasKey = true;
        return;
      }
      if (key === undefined) return;
      headers.set(KEY_HEADER, key === true ? uuid() : key);
      this.hasKey = true;
    } catch {
      // Headers we could not build: sent as given, without a key.
    }
  }

  /** A copy of the headers the next attempt would send, for `beforeRetry` to change (throws
   * when they cannot be built). */
  retryHeaders(): Headers {
    return new Headers(this.ownHeaders());
  }

  /** Sends `headers` on every later attempt, with the call's Idempotency-Key kept: a call
   * has one key, and a request the engine was told carries one must keep carrying it. */
  useHeaders(headers: Headers): void {
    if (this.hasKey) {
      try {
        const key = this.ownHeaders().get(KEY_HEADER);
        if (key !== null) headers.set(KEY_HEADER, key);
      } catch {
        // The key stays as the hook left it; it could not be read back.
      }
    }
    this.headers = headers;
    this.init.headers = headers;
  }

  /** Serialises a FormData body once, so every attempt sends the same bytes and boundary. */
  async freeze(): Promise<void> {
    const form = this.form;
    if (form === undefined) return;
    this.form = undefined;
    const encoded = new Response(form);
    const type = encoded.headers.get("content-type") ?? "";
    const bytes = await encoded.arrayBuffer();
    this.ownHeaders().set("content-type", type);
    this.init.body = bytes;
  }

  /** The init of one copy of `attempt`: with a kept stream body, a stream of its own that
   * replays the kept bytes (fetch sends a stream only with `duplex: "half"`). */
  attemptInit(attempt: number): Bag {
    if (this.replay === undefined) return this.init;
    return { ...this.init, body: this.replay.stream(attempt), duplex: "half" };
  }

  /** The input of one attempt: a fresh clone of a Request input. */
  attemptInput(): unknown {
    return this.request === undefined ? this.input : clone(this.request);
  }

  /** A body-less Request describing the call, for `fallback`'s `ctx.request`. */
  describe(): Request | undefined {
    if (this.request !== undefined) return clone(this.request);
    try {
      return new Request(this.url, { method: this.method, headers: this.init.headers as HeadersInit | undefined });
    } catch {
      return undefined;
    }
  }
}

/** A fresh copy of a Request (its body buffered by the runtime), or the Request itself when
 * it cannot be cloned (its body already used). */
function clone(request: Request): Request {
  try {
    return request.clone();
  } catch {
    return request;
  }
}

/** The breaker key of a call: a fixed string, the user's function of the URL (the origin if
 * it throws or returns no string), or the URL's origin. */
function breakerKey(s: Settings, p: Prepared): string {
  const k = s.breakerKey;
  if (typeof k === "string") return k;
  if (k !== undefined) {
    try {
      const key = k(new URL(p.url));
      if (typeof key === "string") return key;
    } catch {
      // The origin, below.
    }
  }
  return p.origin;
}

/** Hands out the slots the engine freed to calls waiting in line, and breaker changes to
 * `onBreakerStateChange`. */
function emit(e: Engine, client: Client, inst: number, onBreaker: Fn | undefined, tel?: CallTelemetry): void {
  for (let t = e.x.rf_poll_wake(inst); t >= 0; t = e.x.rf_poll_wake(inst)) client.parked.get(t)?.wake();
  for (let c = e.x.rf_poll_event(inst); c >= 0; c = e.x.rf_poll_event(inst)) {
    const out = e.fresh();
    const key = e.read(out[7]!, out[6]!);
    const from = STATES[Math.floor(c / 3)]!;
    const to = STATES[c % 3]!;
    tel?.transition(key, from, to);
    hook(onBreaker, { key, from, to });
  }
}

/** Reports one copy's outcome (a Reply or a Failure) to the engine, with the caller's
 * `verdict` on it (0: none asked, the classifier decides); returns the action. */
function report(e: Engine, call: number, outcome: Reply | Failure, last: Last, paces: boolean, verdict: number): number {
  if (last instanceof Reply && last !== outcome) discard(last);
  if (outcome instanceof Failure) return e.x.rf_failure(call, TRANSPORT.indexOf(outcome.kind), now(), verdict);
  return e.x.rf_response(call, outcome.status, e.text(fields(outcome, paces)), now(), verdict);
}

/**
 * Asks `shouldRetry` about an attempt that did not succeed (a transport failure, a status
 * >= 400), before the engine hears of it, since the hook may be async: the verdict's code
 * for `report` (1 `true`: retry, 2 `false`: stop, 0 anything else, a throw or a rejection
 * included: the classifier decides). Aborts and requests fetch refused are not asked about.
 */
async function judge(shouldRetry: Fn, attempt: number, outcome: Reply | Failure): Promise<number> {
  let ctx: Bag;
  if (outcome instanceof Reply) {
    if (outcome.status < 400) return 0;
    ctx = { attempt, response: outcome.response, reason: "status" };
  } else {
    if (outcome.kind === "never-sent") ctx = { attempt, error: outcome.error, reason: "network", neverSent: true };
    else if (outcome.kind === "network" || outcome.kind === "timeout") ctx = { attempt, error: outcome.error, reason: outcome.kind };
    else return 0;
  }
  try {
    const verdict = await shouldRetry(ctx);
    return verdict === true ? 1 : verdict === false ? 2 : 0;
  } catch {
    // A hook never breaks the call: the classifier decides.
    return 0;
  }
}

/**
 * Runs `beforeRetry` before attempt `attempt` (> 1) with a copy of the headers it would
 * send; the copy, as the hook left it, goes out on this attempt and the later ones. If the
 * hook throws or rejects, returns `{ error }` (its `cause` set to the last failure, the error
 * or the Response, when it has none): the call ends with that error.
 */
async function beforeRetry(hook: Fn, p: Prepared, attempt: number, last: Last): Promise<{ error: unknown } | undefined> {
  let headers: Headers;
  try {
    headers = p.retryHeaders();
  } catch {
    // Headers the runtime rejects never got a first attempt out; nothing to change.
    return undefined;
  }
  try {
    await hook({ attempt, url: p.url, headers });
  } catch (err) {
    withCause(err, last instanceof Reply ? last.response : last?.error);
    return { error: err };
  }
  p.useHeaders(headers);
  return undefined;
}

function error(kind: "circuit-open" | "throttled", key: string, ms: number): Error {
  return kind === "circuit-open" ? new CircuitOpenError(key, ms) : new ThrottledError(key, ms);
}

/** Starts one call in the engine and drives it (a throw here, before the engine has a call,
 * rejects the caller's promise: see `wrap` in index.ts). */
function run(client: Client, record: CallRecord, s: Settings): Promise<unknown> {
  const e = wasm();
  const inst = client.instance(e);
  const p = new Prepared(record, s.idempotencyKey, s.telemetry, s.maxReplayBytes);
  const key = breakerKey(s, p);
  const flags = (p.hasKey ? 1 : 0) | (p.replayable ? 2 : 0);
  const call = e.x.rf_call(inst, policyOf(e, s), e.intern(key), e.intern(p.method), e.intern(pathOf(p.url, p.origin)), flags);
  return drive(e, client, inst, call, p, s, key);
}

/** The call's loop; the engine's call is freed however it ends (one not ended, as aborted). */
async function drive(e: Engine, client: Client, inst: number, call: number, p: Prepared, s: Settings, key: string): Promise<unknown> {
  // A kept stream body past its bound: the engine sends nothing more (while the call lives:
  // a freed handle may name another call).
  let live = true;
  if (p.replay !== undefined) p.replay.onCommit = () => live && e.x.rf_commit(call);
  try {
    return await loop(e, client, inst, call, p, s, key);
  } catch (error) {
    // Rejected: no attempt is left to read a kept body; release the caller's.
    p.replay?.cancel(error);
    throw error;
  } finally {
    live = false;
    e.x.rf_call_free(call, now());
    emit(e, client, inst, s.onBreaker, p.tel);
    // What ending the call changed (a probe given back) goes out without holding the caller.
    void client.sharing?.flush(e, inst);
  }
}

/** Waits for what the fleet's store must hear first (see js/shared.ts), if anything. */
async function shared(wait: Promise<void> | undefined): Promise<void> {
  if (wait !== undefined) await wait;
}

async function loop(e: Engine, client: Client, inst: number, call: number, p: Prepared, s: Settings, key: string): Promise<unknown> {
  if (e.x.rf_retryable(call)) await p.freeze();
  const paces = e.x.rf_paces(call) === 1;
  const signal = p.signal;
  let last: Last;
  const sharing = client.sharing;
  if (sharing !== undefined) await shared(sharing.before(e, inst, call, key));
  let action = e.x.rf_start(call, now());
  for (;;) {
    emit(e, client, inst, s.onBreaker, p.tel);
    const out = e.fresh();
    switch (action) {
      case SEND: {
        if (last instanceof Reply) discard(last);
        // Read before any await: other calls' decisions reuse the engine's output slots.
        const copy: Copy = { attempt: out[0]!, timeoutMs: timeoutOf(out[1]!), hedge: false, header: s.attemptHeader };
        if (copy.attempt > 1 && s.beforeRetry !== undefined) {
          const failed = await beforeRetry(s.beforeRetry, p, copy.attempt, last);
          if (failed !== undefined) {
            // Nothing went out: the engine hears of a request refused before sending, which
            // frees the call's probe, bulkhead slot and route count as an abort would, and
            // takes back the attempt it counted (stats().attempts counts requests sent).
            e.x.rf_failure(call, TRANSPORT.indexOf("invalid"), now(), 0);
            throw failed.error;
          }
        }
        // Whether the engine may hedge this attempt: known once it decided to send it.
        const hedging = e.x.rf_hedge_after(call) >= 0;
        const first = sent(p, copy, attempt(p.attemptInput(), p.attemptInit(copy.attempt), signal, copy, hedging));
        if (!hedging) {
          const outcome = await first;
          // Asked only when a hook is set: otherwise not even an await.
          const verdict = s.shouldRetry === undefined ? 0 : await judge(s.shouldRetry, copy.attempt, outcome);
          action = report(e, call, outcome, last, paces, verdict);
          last = outcome;
          if (sharing !== undefined) await shared(sharing.flush(e, inst));
        } else {
          [action, last] = await hedged(e, client, inst, call, p, s, first, last, paces);
        }
        break;
      }
      case QUEUED: {
        const ticket = out[0]!;
        const parked = park(timeoutOf(out[1]!), signal);
        client.parked.set(ticket, parked);
        let woke: string;
        try {
          woke = await parked;
        } catch (reason) {
          e.x.rf_failure(call, 2, now(), 0);
          throw reason;
        } finally {
          client.parked.delete(ticket);
        }
        action = woke === "slot" ? e.x.rf_slot(call, now()) : e.x.rf_wake(call, now());
        break;
      }
      case HEDGE:
      case PENDING:
        // Hedges and pending copies are handled inside `hedged`.
        action = e.x.rf_wake(call, now());
        break;
      case WAIT: {
        const ms = out[0]!;
        if (out[1] !== 2) {
          if (s.onRetry !== undefined) onRetry(s, p, e.x.rf_attempts(call), last, ms, out[1] === 1 ? out[2]! : undefined);
          p.tel?.retry(last instanceof Failure ? publicKind(last) : "status", ms);
        }
        try {
          for (let left = ms; ; ) {
            const step = Math.min(left, MAX_TIMER_MS);
            await sleep(step, signal);
            left -= step;
            if (left <= 0) break;
          }
        } catch (reason) {
          e.x.rf_failure(call, 2, now(), 0);
          if (last instanceof Reply) discard(last);
          throw reason;
        }
        if (sharing !== undefined) await shared(sharing.before(e, inst, call, key));
        action = e.x.rf_wake(call, now());
        break;
      }
      case RESPOND: {
        if (!(last instanceof Reply)) throw new ResilientFetchError("internal error (respond)");
        const stop = out[0]!;
        if (p.tel !== undefined && !Number.isNaN(stop)) stopped(p.tel, STOPS[stop]);
        if (Number.isNaN(stop) || s.fallback === undefined) return last.response;
        const original = last.response;
        const ctx = { request: p.describe(), reason: publicReason(stop), attempts: e.x.rf_attempts(call), response: original };
        const result = await runFallback(s.fallback, ctx, original);
        discard(last);
        return result;
      }
      case REJECT: {
        const failure = out[0]!;
        const cause = last instanceof Failure ? last.error : undefined;
        if (last instanceof Reply) discard(last);
        if (failure === 3 || failure === 4) throw cause;
        let rejection: Error;
        let reason: StopReason;
        if (failure === 0) {
          reason = publicReason(out[1]!);
          if (p.tel !== undefined) stopped(p.tel, STOPS[out[1]!]);
          rejection = new RetryError(e.x.rf_attempts(call), reason, cause);
        } else if (failure === 1 || failure === 2) {
          reason = failure === 1 ? "circuit-open" : "throttled";
          rejection = error(reason as "circuit-open" | "throttled", key, out[2]!);
          if (failure === 1) p.tel?.shortCircuited();
        } else {
          throw new ResilientFetchError("internal error (misuse)");
        }
        if (s.fallback === undefined) throw rejection;
        const ctx = { request: p.describe(), reason, attempts: e.x.rf_attempts(call), error: rejection };
        return await runFallback(s.fallback, ctx, rejection);
      }
      default:
        throw new ResilientFetchError("internal error (engine)");
    }
  }
}

/** A pending copy with the telemetry of its attempt (see `sent`). */
type Traced = Promise<Reply | Failure> & { span?: (error: string) => void };

/** Records a copy going out and, once it ends, how (the span, the attempts counter). */
function sent(p: Prepared, copy: Copy, pending: Cancellable<Reply | Failure>): Cancellable<Reply | Failure> {
  const tel = p.tel;
  if (tel === undefined) return pending;
  const span = tel.sent(copy.attempt, copy.hedge);
  let open = true;
  const end = (status: number | undefined, error: string | undefined) => {
    if (open) tel.ended(span, status, error);
    open = false;
  };
  const traced: Cancellable<Reply | Failure> & Traced = pending.then((o) => {
    if (o instanceof Reply) end(o.status, undefined);
    else end(undefined, publicKind(o));
    return o;
  });
  traced.cancel = pending.cancel;
  traced.span = (error) => end(undefined, error);
  return traced;
}

/** A stop the telemetry counts: a retry the budget refused, a breaker that opened mid-call. */
function stopped(tel: CallTelemetry, stop: string | undefined): void {
  if (stop === "budget") tel.budgetRefused();
  else if (stop === "circuit-open") tel.shortCircuited();
}

/** A timeout from the engine's numbers: `NaN` is none; at most setTimeout's longest. */
function timeoutOf(ms: number): number | undefined {
  return Number.isNaN(ms) ? undefined : Math.min(ms, MAX_TIMER_MS);
}

/**
 * The reason the package reports (`RetryError.reason`, a fallback's `ctx.reason`): six of the
 * engine's eight, because users branch on what they can act on. A `Retry-After` longer than
 * the caller allows is a time bound (`deadline`); a tier below saying "do not retry" is
 * `not-retryable` (the engine's `Stop::public_reason`).
 */
function publicReason(code: number): StopReason {
  const stop = STOPS[code] ?? "attempts";
  if (stop === "retry-after-too-long") return "deadline";
  if (stop === "pushback") return "not-retryable";
  return stop;
}

/**
 * One attempt with hedging: races the copies in flight against the hedge timer, sends a hedge
 * when the engine agrees, and returns at the first decision that is not `pending`, after
 * aborting the copies still in flight (their bodies are cancelled) and the timer.
 */
async function hedged(
  e: Engine,
  client: Client,
  inst: number,
  call: number,
  p: Prepared,
  s: Settings,
  first: Promise<Reply | Failure>,
  last: Last,
  paces: boolean,
): Promise<[number, Last]> {
  const copies = [first];
  const after = () => {
    const ms = e.x.rf_hedge_after(call);
    return ms < 0 ? undefined : timer(Math.min(ms, MAX_TIMER_MS));
  };
  let clock = after();
  let action: number;
  for (;;) {
    const [index, outcome] = await race(copies, clock);
    if (index >= copies.length) {
      // The hedge timer fired with no final outcome yet.
      clock = undefined;
      const a = e.x.rf_hedge_timer(call, now());
      if (a === HEDGE) {
        const out = e.fresh();
        const copy: Copy = { attempt: out[0]!, timeoutMs: timeoutOf(out[1]!), hedge: true, header: s.attemptHeader };
        hook(s.onHedge, { url: p.url, method: p.method, attempt: copy.attempt, copy: out[2]! });
        copies.push(sent(p, copy, attempt(p.attemptInput(), p.attemptInit(copy.attempt), p.signal, copy, true)));
        clock = after();
      }
      emit(e, client, inst, s.onBreaker, p.tel);
      continue;
    }
    copies.splice(index, 1); // settled: nothing left to cancel
    const verdict = s.shouldRetry === undefined ? 0 : await judge(s.shouldRetry, e.x.rf_attempts(call), outcome!);
    action = report(e, call, outcome!, last, paces, verdict);
    last = outcome;
    if (client.sharing !== undefined) await shared(client.sharing.flush(e, inst));
    if (action !== PENDING) break;
    emit(e, client, inst, s.onBreaker, p.tel);
  }
  for (const copy of copies) cancel(copy);
  // A copy that lost the race ends its span (and counts as sent) now.
  if (p.tel !== undefined) for (const copy of copies) (copy as Traced).span?.("cancelled");
  if (clock !== undefined) cancel(clock);
  return [action, last];
}

/** Calls `onRetry` with the RetryEvent of the wait about to start. */
function onRetry(s: Settings, p: Prepared, attempts: number, last: Last, ms: number, retryAfterMs: number | undefined): void {
  const event: Bag = { url: p.url, method: p.method, attempt: attempts, delayMs: ms };
  if (last instanceof Reply) {
    event.status = last.status;
    event.reason = "status";
  } else if (last instanceof Failure) {
    event.error = last.error;
    event.reason = publicKind(last);
    if (last.kind === "never-sent") event.neverSent = true;
  }
  if (retryAfterMs !== undefined) event.retryAfterMs = retryAfterMs;
  hook(s.onRetry, event);
}

/** A failure's kind as events and telemetry name it: a request never sent is a network
 * failure there too (`RetryEvent.neverSent` tells it apart). */
function publicKind(f: Failure): string {
  return f.kind === "never-sent" ? "network" : f.kind;
}

/** Runs the user's fallback: its (awaited) value is the call's result; if it throws, the call
 * rejects with that error, whose `cause` is set to the original failure when unset. */
async function runFallback(fallback: Fn, ctx: Bag, original: unknown): Promise<unknown> {
  try {
    return await fallback(ctx);
  } catch (err) {
    withCause(err, original);
    throw err;
  }
}

/** Sets `err.cause` to `original` when `err` is an object without one. */
function withCause(err: unknown, original: unknown): void {
  try {
    if (typeof err === "object" && err !== null && (err as Bag).cause === undefined) (err as Bag).cause = original;
  } catch {
    // A frozen error keeps its own cause.
  }
}
