// The shared-state entries as a strict Node project uses them: the real node-redis client's
// type must be accepted by `redisStore`, and a Durable Object namespace by
// `durableObjectStore` (tsconfig.node.json only: node-redis's types need Node's).
import { createClient } from "redis";
import { createResilientFetch, type SharedOptions, type SharedStore, type SharedView } from "resilient-fetch";
import { redisStore, applyChanges, type SharedRecord } from "resilient-fetch/redis";
import { durableObjectStore, SharedStateObject } from "resilient-fetch/durable-object";

const client = createClient({ url: "redis://127.0.0.1:6379", disableOfflineQueue: true });
const fromRedis: SharedStore = redisStore(client, { prefix: "app:", ttlMs: 60_000 });

declare const namespace: {
  idFromName(name: string): { toString(): string };
  get(id: { toString(): string }): { fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> };
};
const fromObject: SharedStore = durableObjectStore(namespace);
const object = new SharedStateObject();
void object.fetch(new Request("https://do/exchange", { method: "POST", body: "{}" }));

const mine: SharedStore = {
  async exchange(key, changes): Promise<SharedView> {
    const record: SharedRecord | undefined = undefined;
    return applyChanges(record, key, changes, Date.now()).view;
  },
};
const shared: SharedOptions = { store: mine, refreshMs: 0, timeoutMs: 250, onUnavailable: (e: unknown) => void e };
createResilientFetch({ shared });
createResilientFetch({ shared: { store: fromRedis } });
createResilientFetch({ shared: { store: fromObject } });
