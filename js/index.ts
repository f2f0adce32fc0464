/**
 * resilient-fetch: `fetch` with retries, backoff with jitter, `Retry-After`, idempotency
 * keys, a retry budget, a circuit breaker and client-side rate limiting. Every decision is
 * made by one Rust engine compiled to WebAssembly; this module is its JavaScript face.
 *
 * Import the package, not this file: the package's entry for your runtime provides the
 * WebAssembly, then re-exports everything here.
 */

import { Client } from "./driver.js";
import type {
  BreakerState,
  ResilienceOptions,
  ResilienceSnapshot,
  ResilienceStats,
  ResilientFetch,
  ResilientRequestInit,
} from "./types.js";

/**
 * The sans-IO engine for your own I/O: `new EngineClient(seed)`, then
 * `client.start(options, { key, method, idempotencyKey?, replayableBody?, path? }, nowMs)`
 * gives an `EngineCall` whose `first` action says what to do; report each outcome
 * (`onResponse({ status, retryAfter, date, pushback, rateLimit }, nowMs)`,
 * `onTransportError(kind, nowMs)`, `onWake(nowMs)`...; both reports take an optional
 * `verdict`, the caller's judgement of the outcome) to get the next: an `EngineAction`,
 * a union to switch on by `type`. Same decisions as `resilientFetch`, bit for bit. Also
 * exported as `resilient-fetch/engine`.
 */
export { EngineClient, EngineCall } from "./engine.js";
export type {
  EngineAction,
  EngineStop,
  EngineRequest,
  EngineResponse,
  EngineTransportFailure,
  EngineVerdict,
  EngineBreakerState,
  EngineBreakerChange,
  EngineStats,
} from "./engine.js";
export { ResilientFetchError, RetryError, CircuitOpenError, ThrottledError } from "./errors.js";
export type { StopReason } from "./errors.js";
export type * from "./types.js";

function wrap(client: () => Client): ResilientFetch {
  // The driver settles every call; this guard keeps the promise contract even if it threw.
  const call = (input: string | URL | Request, init?: ResilientRequestInit): Promise<Response> => {
    try {
      return client().fetch(input, init) as Promise<Response>;
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return Object.assign(call, {
    breakerState: (key: string): BreakerState => client().breakerState(key),
    stats: (): ResilienceStats => client().stats(),
    reset: () => client().reset(),
    snapshot: (): ResilienceSnapshot => client().snapshot(),
  });
}

/**
 * A fetch with its own breakers, budgets and limiters, and `defaults` under every call's
 * options (per-call options merge over them one level deep). Invalid defaults throw at once
 * (`TypeError` for a wrong type, `RangeError` for a value out of range).
 */
export function createResilientFetch(defaults?: ResilienceOptions): ResilientFetch {
  const client = new Client(defaults);
  return wrap(() => client);
}

let shared: Client | undefined;

/**
 * The default instance. Its state lives as long as the page, process or isolate. It is made
 * on first use, so a Worker draws entropy inside a request handler, as Workers require.
 */
export const resilientFetch: ResilientFetch = wrap(() => (shared ??= new Client(undefined)));

/**
 * Marks a response this tier gives up on (after its own retries) so the tier above does not
 * retry it again: a copy with `Retry-Pushback-Ms: -1`, honoured by callers using
 * `pushback: true` (gRPC's `grpc-retry-pushback-ms`, over HTTP). The body is passed through,
 * not read.
 */
export function markNoRetry(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set("retry-pushback-ms", "-1");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
