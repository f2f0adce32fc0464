/**
 * Option and event types. Every option is optional; `@default` gives the value used when it
 * is left out. Invalid values are rejected before any request is sent, with a `TypeError`
 * (wrong type, unknown key) or `RangeError` (out of range) whose message names the option
 * path and the value, e.g. `retry.maxAttempts must be an integer >= 1, got -1`.
 */

import type { StopReason } from "./errors.js";

/** Passed to `onRetry` before each wait. */
export interface RetryEvent {
  /** The request URL. */
  url: string;
  /** The request method. */
  method: string;
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  /** Its status, when it produced a response. */
  status?: number;
  /** Its error, when it produced none. */
  error?: unknown;
  /** What failed: a retryable status, the network, or the per-attempt timeout. */
  reason: "status" | "network" | "timeout";
  /**
   * `true` when the runtime showed the request was never sent (connection refused, DNS
   * failure; reason `"network"`): the server never saw it, so it is retried whatever its
   * method. Absent otherwise, and always in runtimes that do not tell (workerd, browsers).
   */
  neverSent?: true;
  /**
   * The wait about to happen, in ms: the backoff or `Retry-After` wait, or longer when the
   * route is held (cool-down, an exhausted quota) or its learned send rate gives the retry a
   * later slot. A hold that grows during the wait (another call's 429) can still lengthen it.
   */
  delayMs: number;
  /** The server's Retry-After (or quota reset), in ms, when it set the wait. */
  retryAfterMs?: number;
}

/**
 * Passed to `shouldRetry` for each attempt that did not succeed: a transport failure, or a
 * response with status >= 400. Aborted calls and requests fetch refused are never judged.
 */
export interface ShouldRetryContext {
  /** 1-based number of the attempt that just ended. */
  attempt: number;
  /**
   * The response, when there is one: reading its body consumes the one the caller may get
   * (read a `clone()`).
   */
  response?: Response;
  /** What fetch rejected with (or the timeout's error), when there is no response. */
  error?: unknown;
  /** What failed: a status, the network, or the per-attempt timeout. */
  reason: "status" | "network" | "timeout";
  /** `true` when the runtime showed the request was never sent (see `RetryEvent`). */
  neverSent?: true;
}

/** Passed to `beforeRetry` after each retry's wait, before the retry is sent. */
export interface BeforeRetryContext {
  /** 1-based number of the attempt about to be sent (2 for the first retry). */
  attempt: number;
  /** The request URL. */
  url: string;
  /**
   * The next attempt's headers, to change in place (e.g. a refreshed `Authorization`);
   * changes persist to later attempts. The call's `Idempotency-Key`, if it has one, is kept.
   */
  headers: Headers;
}

/** Passed to `onHedge`. */
export interface HedgeEvent {
  url: string;
  method: string;
  /** The attempt the hedge is a copy of. */
  attempt: number;
  /** 2 for the first hedge, 3 for the second... */
  copy: number;
}

/** Passed to `onBreakerStateChange`. */
export interface BreakerStateChange {
  key: string;
  from: BreakerState;
  to: BreakerState;
}

/** A circuit breaker's state. */
export type BreakerState = "closed" | "open" | "half-open";

/** Attribute values, as OpenTelemetry takes them. */
export type TelemetryAttributes = Record<string, string | number | boolean>;

/** The part of an OpenTelemetry `Meter` (`@opentelemetry/api`) the package calls. */
export interface TelemetryMeter {
  createCounter(name: string, options?: { description?: string; unit?: string }): {
    add(value: number, attributes?: TelemetryAttributes): void;
  };
  createHistogram(name: string, options?: { description?: string; unit?: string }): {
    record(value: number, attributes?: TelemetryAttributes): void;
  };
}

/** The part of an OpenTelemetry `Span` the package calls. */
export interface TelemetrySpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` the package calls. */
export interface TelemetryTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: TelemetryAttributes }): TelemetrySpan;
}

/**
 * `telemetry`: where to record. Pass `metrics.getMeter("my-app")` and optionally
 * `trace.getTracer("my-app")` from `@opentelemetry/api`; the package never imports it.
 */
export interface TelemetryOptions {
  /** Counters and a histogram: attempts, retries by reason, budget refusals, short-circuits, breaker changes, retry delays. */
  meter: TelemetryMeter;
  /** A client span per attempt, with `http.request.resend_count` on retries. */
  tracer?: TelemetryTracer;
}

/**
 * `shared`: state shared by a fleet (Worker isolates, Node processes) through a store. Each
 * instance still decides locally; it tells the store when its own state changes (a failed
 * attempt, a success ending a run of failures, a half-open probe's outcome, a hold, a rate
 * cut), asks it for the half-open probe permit, and re-reads a key's shared view when its
 * copy is older than `refreshMs`. The store's answer is merged in: an open shared breaker
 * opens this one, a hold learned elsewhere holds here. A store that fails or is slower than
 * `timeoutMs` is skipped for `refreshMs`: calls go on with local state, and `onUnavailable`
 * is called once per outage (else one `console.warn`).
 */
export interface SharedOptions {
  /** `durableObjectStore(env.NS)` from `resilient-fetch/durable-object`, `redisStore(client)` from `resilient-fetch/redis`, or your own. */
  store: SharedStore;
  /**
   * A key's shared view older than this is read again before the next attempt (ms; 0: before
   * every attempt). Also how long a store that failed is left alone before it is tried again.
   * @default 1000
   */
  refreshMs?: number;
  /** An exchange slower than this is abandoned and the call decides locally (ms). @default 500 */
  timeoutMs?: number;
  /** Called once per outage of the store (its first failure after a success), with the error. */
  onUnavailable?: (error: unknown) => void;
}

/**
 * Where a fleet's shared state lives: one method, given a breaker key and the changes one
 * instance made to it (possibly none: a read), applies them and answers the key's shared
 * view. `applyChanges` (exported by both store modules) is the logic; a store only has to run
 * it atomically per key.
 */
export interface SharedStore {
  exchange(key: string, changes: readonly SharedChange[]): Promise<SharedView>;
}

/** One change an instance tells its fleet's store (times: ms since the Unix epoch). */
export type SharedChange =
  /** An attempt failed (`openedUntil`: it opened this instance's breaker until then). */
  | { type: "failure"; probe: boolean; threshold: number; resetTimeoutMs: number; openedUntil?: number }
  /** An attempt succeeded after failures, or as a half-open probe. */
  | { type: "success"; probe: boolean }
  /** A half-open probe ended saying nothing (a 4xx, an abort): its permit is free again. */
  | { type: "released" }
  /** A request for a half-open probe permit. */
  | { type: "probe"; maxProbes: number; resetTimeoutMs: number }
  /** A route (`"<key> <path>"`, or `"<key> *"` for the whole key) is held until `until`. */
  | { type: "hold"; route: string; until: number }
  /** A route's learned send rate was cut (the curve after the cut). */
  | { type: "rate"; route: string; wMax: number; cutAt: number; horizon: number };

/**
 * A store's answer: the key's shared state as a snapshot of that one key and its routes,
 * the store's sequence number for the key (views older than one already merged are
 * dropped), and for a `probe` change whether the permit was granted.
 */
export interface SharedView {
  seq: number;
  granted?: boolean;
  state: ResilienceSnapshot;
}

/**
 * What `snapshot()` returns and `initialState` takes: plain JSON (`JSON.stringify` and
 * `JSON.parse` round-trip it), the same object the Rust engine's `Snapshot` is with serde.
 * Times are milliseconds since the Unix epoch. Counters (`stats()`) are not part of it.
 */
export interface ResilienceSnapshot {
  /** The format: 1. Another version is refused. */
  version: 1;
  /** When it was taken. */
  takenAt: number;
  /** Per breaker key (at most 1024), in key order. */
  keys: SnapshotKey[];
  /** Per route holding a hold or a learned send rate (at most 1024), in route order. */
  routes: SnapshotRoute[];
}

/** One breaker key's state in a snapshot. */
export interface SnapshotKey {
  /** The breaker key (by default the origin). */
  key: string;
  breaker:
    | { state: "closed"; consecutiveFailures: number; window: SnapshotWindow | null }
    | { state: "open"; until: number }
    | { state: "half-open" };
  /** The retry budget: retries counted against `"successes"` or `"calls"`; counts `[basis, retries]`. */
  budget: { basis: "successes" | "calls"; window: SnapshotWindow } | null;
  /** The rate limiter's theoretical arrival time, while it is ahead (ms, fractional). */
  limiterTat: number | null;
}

/** A rolling window: buckets of `windowMs / 10` ms, each its start and two counts. */
export interface SnapshotWindow {
  windowMs: number;
  buckets: { start: number; counts: [number, number] }[];
}

/** One route's state in a snapshot: the breaker key, a space, the path (`*`: the whole key). */
export interface SnapshotRoute {
  route: string;
  /** Held until then. */
  holdUntil: number | null;
  /** The learned send rate: requests per second at the cut, the cut's time, its round's end. */
  rate: { wMax: number; cutAt: number; horizon: number } | null;
}

/** Passed to `fallback`. */
export interface FallbackContext {
  /** The call's request (without its body). */
  request: Request;
  /** Why the policy gave up. */
  reason: StopReason;
  /** The error the call would have rejected with. */
  error?: unknown;
  /** The response the call would have resolved with (a retryable status). */
  response?: Response;
  /** Attempts sent. */
  attempts: number;
}

// generated by scripts/gen.mjs from schema/options.mjs, up to /gen:options

/** Retrying, backoff and `Retry-After`. */
export interface RetryOptions {
  /**
   * Attempts in total, the first included.
   * 1 means no retries. An integer >= 1.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * The backoff's base: the first ceiling.
   * In ms: the ceiling of retry n (0-based) is `min(maxDelayMs, baseDelayMs * 2**n)`.
   * @default 1000
   */
  baseDelayMs?: number;
  /**
   * The cap on any computed backoff.
   * In ms.
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * How a wait is drawn under its ceiling (AWS's strategies).
   * `"full"`: U(0, ceiling). `"equal"`: ceiling/2 + U(0, ceiling/2). `"decorrelated"`:
   * min(maxDelayMs, U(baseDelayMs, previous * 3)), starting from baseDelayMs. `"none"`: the ceiling.
   * @default "full"
   */
  jitter?: "full" | "equal" | "decorrelated" | "none";
  /**
   * Methods retried without an idempotency key (compared case-insensitively).
   * POST and PATCH are also retried when an idempotency key is sent.
   * Listing POST here makes it retryable without a key (your responsibility).
   * @default ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]
   */
  methods?: string[];
  /**
   * Replaces the table of retryable statuses.
   * Each then retried up to maxAttempts. The default table:
   * 408, 429, 503 up to maxAttempts; 500, 502, 504 at most 2 retries; nothing else.
   * @default [408, 429, 503, 500, 502, 504]
   */
  statusCodes?: number[];
  /**
   * Wait what the server's `Retry-After` asks instead of the backoff.
   * Delta-seconds or HTTP-date.
   * @default true
   */
  respectRetryAfter?: boolean;
  /**
   * The longest `Retry-After` honoured; a longer one stops retrying at once.
   * In ms, compared with the server's value before jitter; the call resolves with that response.
   * @default maxDelayMs
   */
  maxRetryAfterMs?: number;
  /**
   * Jitter on top of `Retry-After`, so released callers do not return together.
   * In ms: wait = Retry-After + U(0, this); never less than the server's value.
   * @default 1000
   */
  retryAfterJitterMs?: number;
  /**
   * A bound on the whole call, waits included.
   * In ms. No wait is started that would end past it, and an attempt still in flight at the
   * deadline is aborted (`RetryError` with reason `"deadline"`).
   * @default undefined (none)
   */
  deadlineMs?: number;
}

/** The circuit breaker, one per key (by default per origin). */
export interface BreakerOptions {
  /**
   * What shares a breaker, a budget, a limiter and holds.
   * A string, or a function of the URL.
   * @default url.origin
   */
  key?: string | ((url: URL) => string);
  /**
   * Open after consecutive failures, or on a failure share over a window.
   * `"consecutive"`: open after failureThreshold failures in a row. `"failure-rate"`: open when,
   * within windowMs, at least minimumThroughput outcomes were counted and a share of at least
   * failureRateThreshold failed.
   * @default "consecutive"
   */
  mode?: "consecutive" | "failure-rate";
  /**
   * Consecutive failures that open the breaker.
   * 5xx, network errors and timeouts count; 4xx never, except a 429 without a usable
   * Retry-After or one above maxRetryAfterMs.
   * @default 5
   */
  failureThreshold?: number;
  /**
   * Open time before a half-open probe.
   * In ms.
   * @default 30000
   */
  resetTimeoutMs?: number;
  /**
   * Probes out at once while half-open.
   * @default 1
   */
  halfOpenMaxProbes?: number;
  /**
   * The failure share that opens a failure-rate breaker.
   * In (0, 1].
   * @default 0.5
   */
  failureRateThreshold?: number;
  /**
   * Outcomes in the window before a failure-rate breaker judges.
   * @default 10
   */
  minimumThroughput?: number;
  /**
   * The failure-rate window.
   * In ms.
   * @default 30000
   */
  windowMs?: number;
}

/**
 * The retry budget, per key: retries allowed as a share of recent successes (the default,
 * Google SRE's adaptive throttling with K = 2) or of recent calls (`ratio`, the article's
 * form). Never refuses a first attempt. Retries of a 429 are paced by the route's holds and
 * learned send rate instead (with `adaptiveRate` on).
 */
export interface BudgetOptions {
  /**
   * Retries per call in the window (the SRE book's form); exclusive with `retriesPerSuccess`.
   * In [0, 1]: counts retries against calls.
   * @default undefined (the budget counts against successes)
   */
  ratio?: number;
  /**
   * Retries per success in the window: an outage earns no retries.
   * >= 0.
   * @default 1
   */
  retriesPerSuccess?: number;
  /**
   * The window the budget counts over.
   * In ms.
   * @default 10000
   */
  windowMs?: number;
  /**
   * Retries per second always allowed, so a quiet client can still retry.
   * @default 10
   */
  minRetriesPerSecond?: number;
}

/** Hedged requests (idempotent methods only). */
export interface HedgeOptions {
  /**
   * How long to wait for a response before sending a copy.
   * In ms.
   */
  delayMs: number;
  /**
   * Copies at most, beside the original.
   * @default 1
   */
  maxHedges?: number;
}

/** Client-side rate limiting, per key: a token bucket. */
export interface RateLimitOptions {
  /** The sustained rate. */
  requestsPerSecond: number;
  /**
   * The bucket's size.
   * Attempts that may go back to back after a quiet period.
   * @default Math.ceil(requestsPerSecond)
   */
  burst?: number;
  /**
   * The longest wait for a token before `ThrottledError`.
   * In ms.
   * @default 0
   */
  maxWaitMs?: number;
}

/** A bulkhead, per key: a bound on the calls open at once. */
export interface BulkheadOptions {
  /**
   * Calls open at once.
   * Per key; a slot is held for the whole call, retries included.
   */
  maxConcurrent: number;
  /**
   * Calls that may wait in line for a slot.
   * First come, first served, bounded by the call's deadline and signal; beyond it calls
   * reject with `ThrottledError` (waitMs 0).
   * @default 0
   */
  maxQueue?: number;
}

/** Every resilience option; also accepted by `createResilientFetch` as instance defaults. */
export interface ResilienceOptions {
  /**
   * Retries with backoff; `false` sends once.
   * @default true
   */
  retry?: RetryOptions | boolean;
  /**
   * Per attempt, until response headers; `false`: none.
   * In ms. A timed-out attempt is a transport failure.
   * @default 30000
   */
  timeoutMs?: number | false;
  /**
   * `true`: one UUIDv4 per call, the same on every attempt; a string: that key. Makes POST and PATCH retryable.
   * The key is sent as `Idempotency-Key`. A caller-set `Idempotency-Key` header is always kept.
   * @default false
   */
  idempotencyKey?: boolean | string;
  /**
   * A circuit breaker per key; `false`: none.
   * @default true
   */
  breaker?: BreakerOptions | boolean;
  /**
   * A retry budget per key; `false`: retries bounded by `maxAttempts` only.
   * @default true
   */
  budget?: BudgetOptions | boolean;
  /**
   * Send a copy of a slow idempotent request.
   * @default false
   */
  hedge?: HedgeOptions | false;
  /**
   * A client-side token bucket per key.
   * @default false
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * A bound on calls open at once per key.
   * @default false
   */
  bulkhead?: BulkheadOptions | false;
  /**
   * Honour `Retry-Pushback-Ms` from a tier below.
   * A non-negative integer is the least wait before a retry; anything else (e.g. `-1`, as
   * `markNoRetry` sets) means "do not retry" (the call stops with reason `"not-retryable"`).
   * @default false
   */
  pushback?: boolean;
  /**
   * A `Retry-After` holds back every call to the route, not only the one that got it.
   * A 429 or 503 with `Retry-After` holds back every call of this instance to that route (the
   * breaker key and the URL's path) until then: a call whose deadline and `maxRetryAfterMs`
   * allow it waits, others reject at once with `ThrottledError` (or go to `fallback`, reason
   * `"throttled"`). A value past 24 hours is malformed and ignored. A 429's own retry waits
   * for the hold with no jitter of its own (the hold orders the calls).
   * @default true
   */
  cooldown?: boolean;
  /**
   * Rate-limit headers hold the route when the quota is spent.
   * IETF `RateLimit` in its recent and earlier forms, `RateLimit-Remaining`/`-Reset`,
   * `X-RateLimit-*`, `X-Rate-Limit-*`, Discord's `X-RateLimit-Reset-After`, OpenAI's
   * `x-ratelimit-*-requests`/`-tokens`, Anthropic's `anthropic-ratelimit-*`; resets in delta
   * seconds, epoch seconds or epoch ms, durations or RFC 3339 times. When nothing remains, every
   * call to the route waits until the reset (or rejects with `ThrottledError` if it cannot
   * wait), and a 429 without `Retry-After` waits for its reset. Malformed fields, and resets
   * past 24 hours, are ignored.
   * @default true
   */
  paceFromHeaders?: boolean;
  /**
   * 429s without a named time teach the route a send rate.
   * A refusal cuts the rate to 0.8 x what the server was accepting, and it grows back along a
   * CUBIC curve (the AWS SDKs' adaptive retry mode). Calls waiting for the route leave in
   * arrival order; `false` turns it off (hint-less 429s then back off like 503s).
   * @default true
   */
  adaptiveRate?: boolean;
  /**
   * Stream bodies up to this size are buffered as sent and replayed on a retry.
   * A `ReadableStream`, async iterable or Node `Readable` body is kept as it is sent, up to
   * this many bytes, and the kept bytes are sent again on a retry; once the body passes the
   * bound the buffer is dropped and the call commits to the attempt in flight (no retry, no
   * hedge, as gRPC and Envoy do). 0: a stream body is sent once.
   * @default 0
   */
  maxReplayBytes?: number;
  /**
   * A header carrying the attempt number, so servers can shed retries first.
   * The attempt number (1, 2, ...) in this request header on every attempt.
   * @default undefined (not sent)
   */
  attemptHeader?: string | false;
  /**
   * A `snapshot()` to start from (instance defaults only; ignored per call).
   * Breakers, budget windows, rate-limiter schedules, holds and learned rates, as `snapshot()`
   * returned them (JSON round trip included). Times are absolute: what has ended since is dropped,
   * nothing is extended. Checked when the instance is created; restored on its first use.
   * @default undefined (a fresh instance)
   */
  initialState?: ResilienceSnapshot;
  /**
   * OpenTelemetry: metrics through `meter`, a span per attempt through `tracer`.
   * A `Meter` and optionally a `Tracer` from `@opentelemetry/api` (not imported by the package:
   * nothing loads when this is not given). See the README's OpenTelemetry section.
   * @default off
   */
  telemetry?: TelemetryOptions | false;
  /**
   * Breakers, holds and learned rates shared by a fleet through a store (instance defaults only).
   * `{ store, refreshMs = 1000, timeoutMs = 500, onUnavailable? }`: `store` from
   * `resilient-fetch/durable-object` or `resilient-fetch/redis` (or your own `SharedStore`). Decisions
   * stay local; the store is told when this instance's state changes and asked for the half-open
   * probe permit. See the README's "State beyond one isolate". Ignored per call.
   */
  shared?: SharedOptions;
  /**
   * Answers instead of a rejection or a final retryable status.
   * Used when the policy gives up or the breaker is open; its Response is the call's result.
   * If it throws, the call rejects with that error, whose `cause` is the original failure.
   */
  fallback?: (ctx: FallbackContext) => Response | Promise<Response>;
  /**
   * Judges each failed attempt: `true` retry it, `false` stop, `undefined` the classifier decides.
   * Called for a transport failure or a response with status >= 400, before anything is decided;
   * may be async. `true` retries even a status the classifier would not (a 401), still within
   * `maxAttempts`, the deadline, the budget, an open breaker and the request's own retryability.
   * `false` resolves with the response as final, or rejects with `RetryError` (reason
   * `"not-retryable"`). A hook that throws or rejects counts as `undefined`.
   */
  shouldRetry?: (ctx: ShouldRetryContext) => boolean | undefined | void | Promise<boolean | undefined | void>;
  /**
   * Called after each retry's wait, before it is sent: may change its headers.
   * `ctx.headers` is the next attempt's `Headers`; changes persist to later attempts (the
   * `Idempotency-Key` stays the call's). May be async. The one hook whose throw ends the call:
   * it rejects with that error, whose `cause` is the last failure (the error or the Response).
   */
  beforeRetry?: (ctx: BeforeRetryContext) => void | Promise<void>;
  /**
   * Called before each retry's wait.
   * A hook that throws does not break the call.
   */
  onRetry?: (event: RetryEvent) => void;
  /** Called when a breaker opens, half-opens or closes. */
  onBreakerStateChange?: (change: BreakerStateChange) => void;
  /** Called when a hedge goes out. */
  onHedge?: (event: HedgeEvent) => void;
}
// /gen:options

/** fetch's `init`, plus the resilience options. */
export type ResilientRequestInit = RequestInit & ResilienceOptions;

/** Monotonic counters since the instance was created. */
export interface ResilienceStats {
  /** Calls. */
  requests: number;
  /** Requests actually sent (hedges included). */
  attempts: number;
  /** Attempts sent after a failure. */
  retries: number;
  /** Retries refused by the budget. */
  budgetDenied: number;
  /** Attempts refused by an open breaker. */
  shortCircuited: number;
  /** Times a breaker opened. */
  breakerOpened: number;
  /** Extra copies sent by hedging. */
  hedges: number;
  /** Attempts refused by the rate limiter, and calls refused by a full bulkhead. */
  throttled: number;
}

/** A fetch with resilience; `createResilientFetch` makes one, `resilientFetch` is the default. */
export interface ResilientFetch {
  (input: string | URL | Request, init?: ResilientRequestInit): Promise<Response>;
  /** The state of a breaker (`"closed"` for a key never seen). */
  breakerState(key: string): BreakerState;
  /** Monotonic counters since creation. */
  stats(): ResilienceStats;
  /** Forgets all breaker, budget, limiter and hold state and learned rates (not the counters). */
  reset(): void;
  /** That state as plain JSON, for `initialState` (here, later, or in another process). */
  snapshot(): ResilienceSnapshot;
}
