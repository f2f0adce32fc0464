// `resilient-fetch/durable-object`: a fleet of Worker isolates sharing one breaker, one hold
// and one learned rate per key through a Durable Object, the coordination Workers already
// have. One object per breaker key (`idFromName(key)`), so keys never wait on each other; the
// object runs js/coordinator.ts on its own memory, one request at a time (a Durable Object's
// input gate makes each exchange atomic).
//
// The state lives in the object's memory only: it is what the fleet learned in the last
// seconds or minutes, and an object evicted after a quiet spell loses nothing worth keeping
// (the instances keep their own state and tell the next object what changes).

import { applyChanges, type SharedRecord } from "./coordinator.js";
import type { SharedChange, SharedStore, SharedView } from "./types.js";

export { applyChanges, emptyRecord, memoryStore, RATE_TTL_MS, type SharedRecord } from "./coordinator.js";
export type { SharedChange, SharedStore, SharedView } from "./types.js";

/** The part of a Durable Object namespace binding (`env.RF_STATE`) the store uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * The Durable Object class to bind (`class_name = "SharedStateObject"`): re-export it from the
 * Worker that defines it, `export { SharedStateObject } from "resilient-fetch/durable-object"`.
 */
export class SharedStateObject {
  private readonly records = new Map<string, SharedRecord>();

  constructor(_state?: unknown, _env?: unknown) {}

  /** `POST` `{ key, changes }`: applies them, answers the key's view as JSON. */
  async fetch(request: Request): Promise<Response> {
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return new Response("resilient-fetch: the body must be JSON { key, changes }", { status: 400 });
    }
    const { key, changes } = (body ?? {}) as { key?: unknown; changes?: unknown };
    if (typeof key !== "string" || !Array.isArray(changes)) {
      return new Response("resilient-fetch: the body must be JSON { key, changes }", { status: 400 });
    }
    const { record, view } = applyChanges(this.records.get(key), key, changes as SharedChange[], Date.now());
    this.records.set(key, record);
    return new Response(JSON.stringify(view), { headers: { "content-type": "application/json" } });
  }
}

/**
 * A `SharedStore` over a Durable Object namespace bound to `SharedStateObject`:
 * `createResilientFetch({ shared: { store: durableObjectStore(env.RF_STATE) } })`. Each
 * exchange is one request to the key's object.
 */
export function durableObjectStore(namespace: DurableObjectNamespaceLike): SharedStore {
  if (typeof namespace?.idFromName !== "function" || typeof namespace.get !== "function") {
    throw new TypeError("durableObjectStore(namespace): namespace must be a Durable Object namespace binding");
  }
  return {
    async exchange(key: string, changes: readonly SharedChange[]): Promise<SharedView> {
      const stub = namespace.get(namespace.idFromName(key) as never);
      const response = await stub.fetch("https://resilient-fetch.invalid/exchange", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key, changes }),
      });
      if (!response.ok) throw new Error(`resilient-fetch: the Durable Object answered ${response.status}`);
      return (await response.json()) as SharedView;
    },
  };
}
