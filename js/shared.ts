// The driver's side of `shared`: telling a fleet's store what changed here, asking it for the
// half-open probe permit, and merging its answers into the engine (src/engine/share.rs decides
// what a change is and how a view merges; js/coordinator.ts is what the store does).
//
// What it costs: nothing while this instance's state does not change and its view of a key
// is younger than `refreshMs`. A failed attempt, a success that ends a run of failures, a
// probe's outcome, a hold or a rate cut costs one exchange, awaited before the call goes on
// (so the next attempt anywhere in the fleet can know); a half-open probe costs one exchange
// for the permit; a view older than `refreshMs` costs one read before the next attempt of the
// key (calls arriving meanwhile share it). A store that fails or is slower than `timeoutMs`
// costs that call at most `timeoutMs`, and is then left alone for `refreshMs` (at least a
// second): calls decide on local state meanwhile, and nothing fails because of the store.

import type { Engine } from "./abi.js";
import { encodeSnapshot, restoreSnapshot } from "./snapshot.js";
import type { ResilienceSnapshot, SharedChange, SharedOptions, SharedStore, SharedView } from "./types.js";

/** Half-open, as `rf_breaker_state` codes it. */
const HALF_OPEN = 2;
/** Keys whose view is remembered (the least recently added dropped first). */
const MAX_KEYS = 1024;

/** What this instance knows of one key's shared state. */
interface Seen {
  /** When its view was last read (ms). */
  at: number;
  /** The store's sequence number of the last view merged. */
  seq: number;
  /** Exchanges sent for the key: a view is merged only if no later one was sent since. */
  sent: number;
  /** A read in progress, which other calls of the key share. */
  reading?: Promise<void> | undefined;
}

/** The key of a route (`"<key> <path>"`): paths hold no space, keys may. */
const keyOf = (route: string) => route.slice(0, route.lastIndexOf(" "));

/** One instance's link to its fleet's store. @internal */
export class Sharing {
  private readonly store: SharedStore;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  private readonly onUnavailable: ((error: unknown) => void) | undefined;
  private readonly seen = new Map<string, Seen>();
  /** Until when the store is left alone after it failed (0: it answers). */
  private down = 0;
  /** Whether this outage was reported. */
  private reported = false;
  /** Exchanges of changes in flight: a call waits for all of them before going on. */
  private pending: Promise<void> | undefined;

  constructor(options: SharedOptions) {
    this.store = options.store;
    this.refreshMs = options.refreshMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.onUnavailable = options.onUnavailable;
  }

  /**
   * Before an attempt of `call` (key `key`): when this instance's breaker is half-open, asks
   * the store for a probe permit (refused: the store's answer opens the breaker here until the
   * permits out lapse, and the engine rejects the attempt; a later read of the view brings the
   * probe's outcome); when the key's view is older than `refreshMs`, reads it. Undefined when there is nothing to wait for.
   */
  before(e: Engine, inst: number, call: number, key: string): Promise<void> | undefined {
    const now = Date.now();
    if (now < this.down) return undefined;
    const seen = this.entry(key);
    if (e.x.rf_breaker_state(inst, e.text(key), now) === HALF_OPEN && e.x.rf_breaker_config(call) === 1) {
      const out = e.fresh();
      const ask: SharedChange = { type: "probe", maxProbes: out[2]!, resetTimeoutMs: out[1]! };
      return this.send(e, inst, key, [ask]);
    }
    if (now - seen.at < this.refreshMs) return undefined;
    if (seen.reading === undefined) {
      const reading = this.send(e, inst, key, []);
      seen.reading = reading;
      void reading.then(() => {
        if (seen.reading === reading) seen.reading = undefined;
      });
    }
    return seen.reading;
  }

  /**
   * Sends the changes the engine queued since the last flush, grouped by key; resolves when
   * they and every exchange of changes before them are answered (or abandoned). Undefined
   * when there is nothing to wait for.
   */
  flush(e: Engine, inst: number): Promise<void> | undefined {
    let batches: Map<string, SharedChange[]> | undefined;
    for (let code = e.x.rf_poll_change(inst); code >= 0; code = e.x.rf_poll_change(inst)) {
      const out = e.fresh();
      const name = e.read(out[7]!, out[6]!);
      const change = read(code, name, out);
      const key = change.type === "hold" || change.type === "rate" ? keyOf(name) : name;
      batches ??= new Map();
      const batch = batches.get(key);
      if (batch === undefined) batches.set(key, [change]);
      else batch.push(change);
    }
    // With the store down, changes stay local (the engine already acted on them).
    if (batches === undefined || Date.now() < this.down) return this.pending;
    const sent = [...batches].map(([key, changes]) => this.send(e, inst, key, changes));
    if (this.pending !== undefined) sent.push(this.pending);
    const all = Promise.all(sent).then(() => {
      if (this.pending === all) this.pending = undefined;
    });
    this.pending = all;
    return all;
  }

  /** One exchange with the store; merges its answer. Never rejects. */
  private async send(e: Engine, inst: number, key: string, changes: SharedChange[]): Promise<void> {
    const seen = this.entry(key);
    const mine = ++seen.sent;
    let view: SharedView;
    try {
      view = await this.timed(key, changes);
    } catch (error) {
      this.unavailable(error);
      return;
    }
    const now = Date.now();
    let encoded;
    try {
      if (typeof view !== "object" || view === null || !(typeof view.seq === "number")) {
        throw new TypeError("shared view must be an object with seq and state");
      }
      encoded = encodeSnapshot(view.state, "shared view.state");
      foreign(view.state, key);
    } catch (error) {
      this.unavailable(error);
      return;
    }
    this.reported = false;
    seen.at = now;
    // A refused probe permit is merged whatever else was sent meanwhile: it is what keeps this
    // instance from probing too. Any other view only if it is the latest asked for and no
    // older than one merged.
    const refused = view.granted === false;
    if (view.seq < seen.seq || (!refused && seen.sent !== mine)) return;
    seen.seq = view.seq;
    restoreSnapshot(e, inst, encoded, now, true);
  }

  /** The store's answer, or a rejection once `timeoutMs` passed. */
  private timed(key: string, changes: SharedChange[]): Promise<SharedView> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`resilient-fetch: the shared store did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    let answer: Promise<SharedView>;
    try {
      answer = Promise.resolve(this.store.exchange(key, changes));
    } catch (error) {
      answer = Promise.reject(error);
    }
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }

  /** The store failed: left alone for a while, reported once per outage. */
  private unavailable(error: unknown): void {
    this.down = Date.now() + Math.max(this.refreshMs, 1000);
    if (this.reported) return;
    this.reported = true;
    if (this.onUnavailable !== undefined) {
      try {
        void Promise.resolve(this.onUnavailable(error)).catch(() => {});
      } catch {
        // A hook never breaks a call.
      }
    } else {
      console.warn("resilient-fetch: the shared store is unavailable; deciding on local state until it answers again:", error);
    }
  }

  private entry(key: string): Seen {
    let seen = this.seen.get(key);
    if (seen === undefined) {
      if (this.seen.size >= MAX_KEYS) this.seen.delete(this.seen.keys().next().value!);
      seen = { at: -Infinity, seq: -1, sent: 0 };
      this.seen.set(key, seen);
    }
    return seen;
  }
}

/** Throws when a (checked) view names another key or another key's route: a store answers
 * for the key it was asked about, and nothing else may change here. */
function foreign(state: ResilienceSnapshot, key: string): void {
  const other = state.keys.find((k) => k.key !== key)?.key ?? state.routes.find((r) => keyOf(r.route) !== key)?.route;
  if (other !== undefined) throw new TypeError(`shared view for ${JSON.stringify(key)} names ${JSON.stringify(other)}`);
}

/** A change from the engine's numbers (`rf_poll_change`). */
function read(code: number, name: string, out: Float64Array): SharedChange {
  switch (code) {
    case 0: {
      const change: SharedChange = { type: "failure", probe: out[0] === 1, threshold: out[1]!, resetTimeoutMs: out[2]! };
      if (!Number.isNaN(out[3])) change.openedUntil = out[3]!;
      return change;
    }
    case 1:
      return { type: "success", probe: out[0] === 1 };
    case 2:
      return { type: "released" };
    case 3:
      return { type: "hold", route: name, until: out[0]! };
    default:
      return { type: "rate", route: name, wMax: out[0]!, cutAt: out[1]!, horizon: out[2]! };
  }
}
