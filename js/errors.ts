/**
 * The errors a call can reject with (besides the caller's own abort reason, and TypeError /
 * RangeError for invalid options). All extend {@link ResilientFetchError}.
 *
 * `instanceof` works across realms and across copies of the package (an iframe, a second
 * bundle): each error carries a registered-symbol brand that `instanceof` checks, as well as
 * a `name` to switch on. Messages never include request headers or bodies.
 */

const KIND: unique symbol = Symbol.for("resilient-fetch.error-kind") as never;

/** Why retrying stopped, as `RetryError.reason` and `fallback`'s `ctx.reason` report it. */
export type StopReason =
  | "attempts"
  | "budget"
  | "deadline"
  | "not-retryable"
  | "circuit-open"
  | "throttled";

/** Base class of every error resilient-fetch creates. */
export class ResilientFetchError extends Error {
  declare readonly [KIND]: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const kind = (new.target as { kind?: string }).kind ?? "ResilientFetchError";
    Object.defineProperty(this, KIND, { value: kind, enumerable: false });
    this.name = kind;
  }

  /**
   * `instanceof`: the ordinary prototype chain first (so subclasses, prototypes and
   * `Object.create` behave as with any class), then, for the package's own classes, the
   * brand, so errors made by another realm or another copy of the package match too. The
   * brand counts only on a real Error object that carries it as its own property: a plain
   * object with the brand is not an instance.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!OWN.has(this) || typeof value !== "object" || value === null) return false;
    if (Object.prototype.toString.call(value) !== "[object Error]") return false;
    const brand = Object.getOwnPropertyDescriptor(value, KIND)?.value;
    if (typeof brand !== "string") return false;
    const wanted = (this as unknown as { kind?: string }).kind;
    return wanted === undefined || brand === wanted;
  }
}

/**
 * Retrying stopped and there is no response to give: the last attempt failed in transport
 * (network error or timeout). `cause` is that last error.
 */
export class RetryError extends ResilientFetchError {
  static readonly kind = "RetryError";
  /** Attempts sent, the first included. */
  readonly attempts: number;
  /**
   * Why retrying stopped: `"attempts"` (maxAttempts reached), `"budget"` (retry budget
   * spent), `"deadline"` (deadlineMs), `"not-retryable"` (a POST/PATCH without an
   * idempotency key, or a stream body), `"circuit-open"` (the breaker opened during the
   * call), `"throttled"` (no rate-limit token for the retry).
   */
  readonly reason: StopReason;

  constructor(attempts: number, reason: StopReason, cause?: unknown) {
    const what = cause instanceof Error ? `: ${cause.message}` : "";
    super(`Request failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (${reason})${what}`, { cause });
    this.attempts = attempts;
    this.reason = reason;
  }
}

/** The circuit breaker of `key` is open: nothing was sent. */
export class CircuitOpenError extends ResilientFetchError {
  static readonly kind = "CircuitOpenError";
  /** The breaker's key (by default the URL's origin). */
  readonly key: string;
  /** Milliseconds until the breaker lets a probe through (0 while probes are in flight). */
  readonly retryAfterMs: number;

  constructor(key: string, retryAfterMs: number) {
    super(`Circuit open for ${key}; retry in ${retryAfterMs} ms`);
    this.key = key;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The client-side rate limit of `key` had no token within `rateLimit.maxWaitMs` (`waitMs`:
 * until one would be free), or its bulkhead had no slot and no room in line (`waitMs` 0).
 */
export class ThrottledError extends ResilientFetchError {
  static readonly kind = "ThrottledError";
  /** The rate limiter's key (the breaker key). */
  readonly key: string;
  /** Milliseconds until a token would have been free. */
  readonly waitMs: number;

  constructor(key: string, waitMs: number) {
    super(`Rate limit for ${key}: next slot in ${waitMs} ms`);
    this.key = key;
    this.waitMs = waitMs;
  }
}

/** The classes whose `instanceof` also accepts the brand (a user's subclass does not). */
const OWN: ReadonlySet<unknown> = new Set<unknown>([ResilientFetchError, RetryError, CircuitOpenError, ThrottledError]);

/** Builds the error the Wasm driver asks for. @internal */
export function makeError(kind: string, fields: Record<string, unknown>): Error {
  switch (kind) {
    case "retry":
      return new RetryError(fields.attempts as number, fields.reason as StopReason, fields.cause);
    case "circuit-open":
      return new CircuitOpenError(fields.key as string, fields.retryAfterMs as number);
    case "throttled":
      return new ThrottledError(fields.key as string, fields.waitMs as number);
    default:
      return new ResilientFetchError(`internal error (${kind})`);
  }
}
