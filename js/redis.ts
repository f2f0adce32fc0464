// `resilient-fetch/redis`: a fleet of Node processes sharing one breaker, one hold and one
// learned rate per key through Redis, which Node fleets already run. One string per breaker
// key holds its record (js/coordinator.ts's, as JSON); an exchange reads it, applies the
// changes here, and writes it back only if nobody wrote in between (a compare-and-set in a
// three-line Lua script), trying again after a short random pause on a conflict. A read, or a
// refused probe permit, writes nothing. A process runs one exchange per key at a time; the
// changes of the calls that arrive meanwhile go together in the next. Records expire an hour after their last write (or after their longest hold).
//
// The client is the official `redis` package's (node-redis 4 or 5), connected by the caller;
// this module imports nothing from it. Create it with `disableOfflineQueue: true` so a Redis
// that is down fails exchanges at once instead of queueing them until `timeoutMs`.

import { applyChanges, type SharedRecord } from "./coordinator.js";
import type { SharedChange, SharedStore, SharedView } from "./types.js";

export { applyChanges, emptyRecord, memoryStore, RATE_TTL_MS, type SharedRecord } from "./coordinator.js";
export type { SharedChange, SharedStore, SharedView } from "./types.js";

/** The part of a node-redis client the store uses. */
export interface RedisClientLike {
  get(key: string): Promise<string | null | undefined | {}>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** Prepended to each breaker key to name its Redis key. @default "resilient-fetch:" */
  prefix?: string;
  /** A record is dropped this long after its last write, or after its longest hold if later (ms). @default 3600000 */
  ttlMs?: number;
}

/** Sets KEYS[1] to ARGV[2] (expiring in ARGV[3] ms) if it still holds ARGV[1] ('' for none). */
const COMPARE_AND_SET = `local v = redis.call('GET', KEYS[1])
if (v or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1`;

/** Conflicting writers tried again at most this many times per exchange. */
const TRIES = 32;

/**
 * A `SharedStore` over a connected node-redis client:
 * `createResilientFetch({ shared: { store: redisStore(client) } })`.
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SharedStore {
  if (typeof client?.get !== "function" || typeof client.eval !== "function") {
    throw new TypeError("redisStore(client): client must be a node-redis client (with get and eval)");
  }
  const prefix = options.prefix ?? "resilient-fetch:";
  const ttlMs = options.ttlMs ?? 3_600_000;
  if (typeof prefix !== "string") throw new TypeError(`redisStore: prefix must be a string, got ${typeof prefix}`);
  if (!(Number.isInteger(ttlMs) && ttlMs > 0)) throw new RangeError(`redisStore: ttlMs must be an integer > 0, got ${String(ttlMs)}`);

  /** One exchange: read, apply, compare-and-set; again on a conflict. */
  const apply = async (key: string, changes: readonly SharedChange[]): Promise<SharedView> => {
    const name = prefix + key;
    for (let i = 0; i < TRIES; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** i, 32)));
      const stored = await client.get(name);
      const old = typeof stored === "string" ? stored : "";
      const now = Date.now();
      const { record, view, changed } = applyChanges(parse(old), key, changes, now);
      if (!changed) return view;
      const ttl = Math.max(ttlMs, longest(record) - now + 60_000);
      const set = await client.eval(COMPARE_AND_SET, { keys: [name], arguments: [old, JSON.stringify(record), String(ttl)] });
      if (Number(set) === 1) return view;
    }
    throw new Error(`resilient-fetch: the shared record ${JSON.stringify(name)} kept changing under ${TRIES} tries`);
  };

  // One exchange per key at a time from this process: the calls that arrive meanwhile wait,
  // and their changes go together in the next one (a probe permit asked alone: its answer is
  // its own). So the compare-and-set meets conflicts only from other processes.
  const queues = new Map<string, Waiting[]>();
  const drain = async (key: string, queue: Waiting[]): Promise<void> => {
    while (queue.length > 0) {
      const asksPermit = (w: Waiting) => w.changes.some((c) => c.type === "probe");
      const next = queue.findIndex(asksPermit);
      const batch = queue.splice(0, next === 0 ? 1 : next < 0 ? queue.length : next);
      try {
        const view = await apply(key, batch.flatMap((w) => w.changes));
        for (const w of batch) w.resolve(view);
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    queues.delete(key);
  };
  return {
    exchange(key: string, changes: readonly SharedChange[]): Promise<SharedView> {
      return new Promise((resolve, reject) => {
        const queue = queues.get(key);
        if (queue !== undefined) return void queue.push({ changes, resolve, reject });
        const fresh: Waiting[] = [{ changes, resolve, reject }];
        queues.set(key, fresh);
        void drain(key, fresh);
      });
    },
  };
}

interface Waiting {
  changes: readonly SharedChange[];
  resolve(view: SharedView): void;
  reject(error: unknown): void;
}

/** A stored record, or none when absent or not one of ours. */
function parse(text: string): SharedRecord | undefined {
  if (text === "") return undefined;
  try {
    const r = JSON.parse(text) as SharedRecord;
    return typeof r === "object" && r !== null && typeof r.seq === "number" && typeof r.routes === "object" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The latest time the record still means something until. */
function longest(r: SharedRecord): number {
  let t = Math.max(r.until, r.lease);
  for (const at of Object.values(r.routes)) t = Math.max(t, at.hold ?? 0);
  return t;
}
