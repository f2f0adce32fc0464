// The clients compared, each made fresh per run, each a function (url) => final status that
// reads the final body. Every call carries a 30 s AbortSignal.timeout (ky's own `timeout` is per
// request); resilientFetch gets no options but a 30 s per-call deadline, the peers their usual
// retry setup with 5 attempts in all.
import ky, { HTTPError } from "ky";
import pRetry from "p-retry";
import { retry, handleResultType, ExponentialBackoff } from "cockatiel";

const CALL_MS = 30_000;

class StatusError extends Error {
  constructor(status) {
    super(`status ${status}`);
    this.status = status;
  }
}

export const LIBRARIES = [
  {
    id: "resilient-fetch",
    setup: "no options; retry: { deadlineMs: 30000 } per call",
    async make() {
      // The built package (dist/, through the package's own "node" export), loaded on first use.
      const { createResilientFetch } = await import("resilient-fetch");
      const rf = createResilientFetch();
      return async (url) => {
        const res = await rf(url, { retry: { deadlineMs: CALL_MS }, signal: AbortSignal.timeout(CALL_MS) });
        await res.text();
        return res.status;
      };
    },
  },
  {
    id: "ky",
    setup: "retry: { limit: 4 }",
    make() {
      const client = ky.create({ retry: { limit: 4 } });
      return async (url) => {
        try {
          const res = await client.get(url, { signal: AbortSignal.timeout(CALL_MS) });
          await res.text();
          return res.status;
        } catch (e) {
          if (e instanceof HTTPError) {
            await e.response.body?.cancel().catch(() => {});
            return e.response.status;
          }
          throw e;
        }
      };
    },
  },
  {
    id: "p-retry",
    setup: "fetch throwing on 429/5xx, retries: 4",
    make() {
      return async (url) => {
        const signal = AbortSignal.timeout(CALL_MS);
        try {
          const res = await pRetry(
            async () => {
              const r = await fetch(url, { signal });
              if (r.status === 429 || r.status >= 500) {
                await r.body?.cancel();
                throw new StatusError(r.status);
              }
              return r;
            },
            { retries: 4, signal },
          );
          await res.text();
          return res.status;
        } catch (e) {
          if (e instanceof StatusError) return e.status;
          throw e;
        }
      };
    },
  },
  {
    id: "cockatiel",
    setup: "retry(handleResultType(Response, 429/5xx).orType(TypeError), { maxAttempts: 4, backoff: new ExponentialBackoff() })",
    make() {
      const policy = retry(
        handleResultType(Response, (r) => r.status === 429 || r.status >= 500).orType(TypeError),
        { maxAttempts: 4, backoff: new ExponentialBackoff() },
      );
      // Discarded responses are cancelled, as a careful user would, so no connection waits on GC.
      policy.onRetry((e) => {
        if ("value" in e) e.value.body?.cancel().catch(() => {});
      });
      return async (url) => {
        const res = await policy.execute(({ signal }) => fetch(url, { signal }), AbortSignal.timeout(CALL_MS));
        await res.text();
        return res.status;
      };
    },
  },
];
