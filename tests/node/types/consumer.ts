// A strict TypeScript project using the package as installed from the tarball: it must
// type-check with `strict` and `skipLibCheck: false` (tsconfig.node.json: a Node project
// without the DOM lib; tsconfig.dom.json: a browser project without Node's types).
import {
  resilientFetch,
  createResilientFetch,
  markNoRetry,
  RetryError,
  CircuitOpenError,
  ThrottledError,
  ResilientFetchError,
  EngineClient,
  type EngineAction,
  type EngineVerdict,
  type ShouldRetryContext,
  type BeforeRetryContext,
  type ResilienceOptions,
  type ResilientFetch,
  type RetryEvent,
  type BreakerState,
  type StopReason,
} from "resilient-fetch";
import { EngineClient as SubpathEngine } from "resilient-fetch/engine";

const options: ResilienceOptions = {
  retry: { maxAttempts: 3, jitter: "equal", methods: ["GET", "PUT"] },
  timeoutMs: 5_000,
  breaker: { failureThreshold: 3, key: (url: URL) => url.host },
  onRetry: (e: RetryEvent) => void e.delayMs,
  shouldRetry: (ctx: ShouldRetryContext) => (ctx.response?.status === 401 ? true : ctx.reason === "timeout" ? false : undefined),
  beforeRetry: async (ctx: BeforeRetryContext) => {
    ctx.headers.set("authorization", `Bearer ${ctx.attempt}:${ctx.url.length}`);
  },
};
// A hook with no return value, or an async one, fits too.
const judged: ResilienceOptions = { shouldRetry: async () => {} };
void judged;
const api: ResilientFetch = createResilientFetch(options);

export async function use(): Promise<number> {
  const state: BreakerState = api.breakerState("https://example.test");
  const attempts: number = api.stats().attempts;
  try {
    const res: Response = await resilientFetch("https://example.test/x", { method: "POST", idempotencyKey: true });
    return markNoRetry(res).status + attempts + state.length;
  } catch (e) {
    if (e instanceof RetryError) {
      const reason: StopReason = e.reason;
      return e.attempts + reason.length;
    }
    if (e instanceof CircuitOpenError) return e.retryAfterMs;
    if (e instanceof ThrottledError) return e.waitMs;
    if (e instanceof ResilientFetchError) return 0;
    throw e;
  }
}

// The engine API's actions are a discriminated union: a strict consumer switches on them.
export function drive(): number {
  const client = new EngineClient(42n);
  const call = client.start({ retry: { maxAttempts: 2 } }, { key: "k", method: "GET" }, 0);
  let action: EngineAction = call.first;
  let now = 0;
  for (let i = 0; i < 10; i++) {
    switch (action.type) {
      case "send": {
        const verdict: EngineVerdict = i === 0 ? "retry" : "default";
        action = call.onResponse({ status: 503, retryAfter: null }, now, verdict);
        break;
      }
      case "wait":
        now += action.ms;
        action = call.onWake(now);
        break;
      case "respond":
        return action.stop === undefined ? 0 : 1;
      case "reject":
        return action.failure === "gave-up" ? action.stop.length : 2;
      default:
        return -1;
    }
  }
  return -1;
}

export function engine(): unknown {
  const client = new EngineClient(42n);
  const call = client.start({ retry: { maxAttempts: 2 } }, { key: "k", method: "GET" }, 0);
  const other: typeof EngineClient = SubpathEngine;
  return [call.first, other];
}
