/**
 * Option and event types. Every option is optional; `@default` gives the value used when it
 * is left out. Invalid values are rejected before any request is sent, with a `TypeError`
 * (wrong type, unknown key) or `RangeError` (out of range) whose message names the option
 * path and the value, e.g. `retry.maxAttempts must be an integer >= 1, got -1`.
 */

import type { StopReason } from "./errors.js";

/** Retrying, backoff and `Retry-After`. */
export interface RetryOptions {
  /**
   * Attempts in total, the first included; 1 means no retries. An integer >= 1.
   * @default 5
   */
  maxAttempts?: number;
  /**
   * Backoff base in ms: the ceiling of retry n (0-based) is `min(maxDelayMs, baseDelayMs * 2**n)`.
   * @default 1000
   */
  baseDelayMs?: number;
  /**
   * Cap on any computed backoff, in ms.
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * `"full"`: U(0, ceiling). `"equal"`: ceiling/2 + U(0, ceiling/2). `"decorrelated"`:
   * min(maxDelayMs, U(baseDelayMs, previous * 3)), starting from baseDelayMs. `"none"`: the ceiling.
   * @default "full"
   */
  jitter?: "full" | "equal" | "decorrelated" | "none";
  /**
   * Methods that may be retried. POST and PATCH are also retried when an idempotency key is sent.
   * Listing POST here makes it retryable without a key (your responsibility).
   * @default ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]
   */
  methods?: string[];
  /**
   * Replaces the retryable statuses (each then retried up to maxAttempts). The default table:
   * 408, 429, 503 up to maxAttempts; 500, 502, 504 at most 2 retries; nothing else.
   * @default [408, 429, 503, 500, 502, 504]
   */
  statusCodes?: number[];
  /**
   * Honour `Retry-After` (delta-seconds or HTTP-date) instead of the backoff.
   * @default true
   */
  respectRetryAfter?: boolean;
  /**
   * If the server asks to wait longer, stop at once and resolve with that response.
   * Compared with the server's value before jitter.
   * @default maxDelayMs
   */
  maxRetryAfterMs?: number;
  /**
   * Jitter added on top of `Retry-After`: wait = Retry-After + U(0, this); never less than the server's value.
   * @default 1000
   */
  retryAfterJitterMs?: number;
  /**
   * Bound on the whole call, waits included, in ms. No wait is started that would end past it,
   * and an attempt still in flight at the deadline is aborted (`RetryError` with reason `"deadline"`).
   * @default undefined (none)
   */
  deadlineMs?: number;
}

/** The circuit breaker, one per key (by default per origin). */
export interface BreakerOptions {
  /**
   * The breaker's key: a string, or a function of the URL.
   * @default url.origin
   */
  key?: string | ((url: URL) => string);
  /**
   * `"consecutive"`: open after failureThreshold failures in a row. `"failure-rate"`: open when,
   * within windowMs, at least minimumThroughput outcomes were counted and a share of at least
   * failureRateThreshold failed.
   * @default "consecutive"
   */
  mode?: "consecutive" | "failure-rate";
  /**
   * Consecutive failures that open the breaker (5xx, network errors and timeouts count; 4xx
   * never, except a 429 without a usable Retry-After or one above maxRetryAfterMs).
   * @default 5
   */
  failureThreshold?: number;
  /**
   * Time the breaker stays open before letting a probe through, in ms.
   * @default 30000
   */
  resetTimeoutMs?: number;
  /**
   * Concurrent probes allowed while half-open.
   * @default 1
   */
  halfOpenMaxProbes?: number;
  /**
   * Failure share, in (0, 1], that opens a failure-rate breaker.
   * @default 0.5
   */
  failureRateThreshold?: number;
  /**
   * Outcomes needed in the window before a failure-rate breaker judges.
   * @default 10
   */
  minimumThroughput?: number;
  /**
   * The failure-rate window, in ms.
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
   * Retries allowed per call in the window, in [0, 1]: counts retries against calls.
   * Exclusive with `retriesPerSuccess`.
   * @default undefined (the budget counts against successes)
   */
  ratio?: number;
  /**
   * Retries allowed per successful answer in the window, >= 0.
   * @default 1
   */
  retriesPerSuccess?: number;
  /**
   * The window, in ms.
   * @default 10000
   */
  windowMs?: number;
  /**
   * Retries per second always allowed, whatever the traffic.
   * @default 10
   */
  minRetriesPerSecond?: number;
}

/** Hedged requests (idempotent methods only). */
export interface HedgeOptions {
  /** Wait before sending a hedge, in ms. */
  delayMs: number;
  /**
   * Extra copies at most.
   * @default 1
   */
  maxHedges?: number;
}

/** Client-side rate limiting, per key: a token bucket. */
export interface RateLimitOptions {
  /** Sustained rate. */
  requestsPerSecond: number;
  /**
   * Attempts that may go back to back after a quiet period.
   * @default Math.ceil(requestsPerSecond)
   */
  burst?: number;
  /**
   * Longest wait for a token before rejecting with `ThrottledError`, in ms.
   * @default 0
   */
  maxWaitMs?: number;
}

/** A bulkhead, per key: a bound on the calls open at once. */
export interface BulkheadOptions {
  /** Calls open at once per key (a slot is held for the whole call, retries included). */
  maxConcurrent: number;
  /**
   * Calls that may wait in line for a slot (first come, first served, bounded by the
   * call's deadline and signal); beyond it calls reject with `ThrottledError` (waitMs 0).
   * @default 0
   */
  maxQueue?: number;
}

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
   * The wait about to happen, in ms: the backoff or `Retry-After` wait, or longer when the
   * route is held (cool-down, an exhausted quota) or its learned send rate gives the retry a
   * later slot. A hold that grows during the wait (another call's 429) can still lengthen it.
   */
  delayMs: number;
  /** The server's Retry-After (or quota reset), in ms, when it set the wait. */
  retryAfterMs?: number;
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

/** Every resilience option; also accepted by `createResilientFetch` as instance defaults. */
export interface ResilienceOptions {
  /** Retrying; `false` sends every request once. */
  retry?: RetryOptions | boolean;
  /**
   * Per-attempt timeout for the response headers, in ms; `false` for none. A timed-out
   * attempt is a transport failure.
   * @default 30000
   */
  timeoutMs?: number | false;
  /**
   * `true`: one UUIDv4 per call, sent as `Idempotency-Key` on every attempt, making POST and
   * PATCH retryable. A string: that key. A caller-set `Idempotency-Key` header is always kept.
   * @default false
   */
  idempotencyKey?: boolean | string;
  /** The circuit breaker; `false` disables it. */
  breaker?: BreakerOptions | boolean;
  /** The retry budget; `false` disables it. */
  budget?: BudgetOptions | boolean;
  /** Hedged requests. @default false */
  hedge?: HedgeOptions | false;
  /** Client-side rate limiting. @default false */
  rateLimit?: RateLimitOptions | false;
  /** A bound on concurrent calls per key. @default false */
  bulkhead?: BulkheadOptions | false;
  /**
   * Honour the `Retry-Pushback-Ms` response header of a tier below: a non-negative integer
   * is the least wait before a retry; anything else (e.g. `-1`, as `markNoRetry` sets) means
   * "do not retry" (the call stops with reason `"not-retryable"`).
   * @default false
   */
  pushback?: boolean;
  /**
   * A 429 or 503 with `Retry-After` holds back every call of this instance to that route (the
   * breaker key and the URL's path) until then: a call whose deadline and `maxRetryAfterMs`
   * allow it waits, others reject at once with `ThrottledError` (or go to `fallback`, reason
   * `"throttled"`). A value past 24 hours is malformed and ignored. A 429's own retry waits
   * for the hold with no jitter of its own (the hold orders the calls).
   * @default true
   */
  cooldown?: boolean;
  /**
   * Hold each route from the server's rate-limit headers (IETF `RateLimit` in its recent and
   * earlier forms, `RateLimit-Remaining`/`-Reset`, `X-RateLimit-*`, `X-Rate-Limit-*`,
   * Discord's `X-RateLimit-Reset-After`, OpenAI's `x-ratelimit-*-requests`/`-tokens`,
   * Anthropic's `anthropic-ratelimit-*`; resets in delta seconds, epoch seconds or epoch ms,
   * durations or RFC 3339 times): when nothing remains, every call to the route waits until
   * the reset (or rejects with `ThrottledError` if it cannot wait), and a 429 without
   * `Retry-After` waits for its reset. Malformed fields, and resets past 24 hours, are ignored.
   * @default true
   */
  paceFromHeaders?: boolean;
  /**
   * Learn a send rate per route from 429s that name no time (no `Retry-After`, no reset): a
   * refusal cuts the rate to 0.7 x what the server was accepting, and it grows back along a
   * CUBIC curve (the AWS SDKs' adaptive retry mode). Calls waiting for the route leave in
   * arrival order; `false` turns it off (hint-less 429s then back off like 503s).
   * @default true
   */
  adaptiveRate?: boolean;
  /**
   * Send the attempt number (1, 2, ...) in this request header on every attempt, so servers
   * can shed retries first.
   * @default undefined (not sent)
   */
  attemptHeader?: string | false;
  /**
   * Called instead of rejecting (or resolving with a retryable status) when the policy gives
   * up or the breaker is open; its Response is the call's result. If it throws, the call
   * rejects with that error, whose `cause` is the original failure.
   */
  fallback?: (ctx: FallbackContext) => Response | Promise<Response>;
  /** Called before each wait. A hook that throws does not break the call. */
  onRetry?: (event: RetryEvent) => void;
  /** Called when a breaker changes state. */
  onBreakerStateChange?: (change: BreakerStateChange) => void;
  /** Called when a hedge (an extra copy of an attempt) is sent. */
  onHedge?: (event: HedgeEvent) => void;
}

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
}
