// The fleet's side of shared state: what a store keeps per breaker key and how one
// instance's changes update it. Pure (time is an argument), so a Durable Object runs it on its
// own memory, Redis runs it in a compare-and-set loop, and the tests run it directly.
//
// Per key the store keeps one breaker for the whole fleet:
// - closed: `failures` counts failed attempts in a row across the fleet (a success from any
//   instance ends the run); it opens when they reach the instance's `failureThreshold`, or
//   when an instance's own breaker opened (its failure-rate window tripped, or its run did);
// - open until `until`; once that has passed, half-open: `probes` permits are out until
//   `lease`. A permit is granted to at most `halfOpenMaxProbes` askers per round, so a fleet
//   sends one probe per reset period, not one per instance; a refused asker is told the
//   breaker is open until the permits lapse. A permit whose holder never answers lapses after
//   `resetTimeoutMs`. A probe's success closes the breaker, its failure
//   opens it again, its silence (a 4xx, an abort) frees the permit;
// - holds per route (`"<key> <path>"`, `"<key> *"`): only ever lengthened; ended ones dropped;
// - learned rates per route: the lowest wins, and a cut older than RATE_TTL_MS is forgotten.

import type { SharedChange, SharedStore, SharedView, SnapshotRoute } from "./types.js";

/** What a store keeps for one breaker key (plain JSON). */
export interface SharedRecord {
  /** Bumped on every write: answers carry it, so an instance drops views older than one it merged. */
  seq: number;
  /** Failed attempts in a row across the fleet, while closed. */
  failures: number;
  /** 0: closed; else open until then (ms since the epoch), half-open after. */
  until: number;
  /** Probe permits out in the current half-open round. */
  probes: number;
  /** When the permits out lapse. */
  lease: number;
  /** Holds and learned rates per route. */
  routes: { [route: string]: { hold?: number; rate?: { wMax: number; cutAt: number; horizon: number } } };
}

/** A learned rate is forgotten this long after its cut (instances grow theirs back well before). */
export const RATE_TTL_MS = 10 * 60_000;
/** Routes kept per key (the most recently changed). */
const MAX_ROUTES = 64;

/** A record with nothing in it. */
export function emptyRecord(): SharedRecord {
  return { seq: 0, failures: 0, until: 0, probes: 0, lease: 0, routes: {} };
}

/**
 * Applies one instance's `changes` to `record` (undefined: none yet) of `key` at `now`:
 * returns the record to keep (a new object; the argument is not changed) and the view to
 * answer. `changed` is false when nothing needs writing (a read, a refused permit).
 */
export function applyChanges(
  record: SharedRecord | undefined,
  key: string,
  changes: readonly SharedChange[],
  now: number,
): { record: SharedRecord; view: SharedView; changed: boolean } {
  const r: SharedRecord = record === undefined ? emptyRecord() : { ...record, routes: { ...record.routes } };
  const before = JSON.stringify(r);
  let granted: boolean | undefined;
  let refusedUntil: number | undefined;
  const halfOpen = () => r.until !== 0 && now >= r.until;
  const open = (until: number) => {
    r.until = Math.ceil(Math.max(until, now + 1));
    r.failures = 0;
    r.probes = 0;
    r.lease = 0;
  };
  for (const c of changes) {
    if (!valid(c)) continue;
    switch (c.type) {
      case "failure":
        if (r.until === 0) {
          r.failures += 1;
          if (c.openedUntil !== undefined) open(c.openedUntil);
          else if (c.threshold > 0 && r.failures >= c.threshold) open(now + c.resetTimeoutMs);
        } else if (halfOpen() && c.probe) {
          open(now + c.resetTimeoutMs);
        }
        // Open: an attempt that was in flight when it opened says nothing new.
        break;
      case "success":
        if (r.until === 0) r.failures = 0;
        else if (halfOpen() && c.probe) Object.assign(r, { until: 0, failures: 0, probes: 0, lease: 0 });
        break;
      case "released":
        if (halfOpen() && r.probes > 0) r.probes -= 1;
        break;
      case "probe":
        if (r.until === 0) {
          granted = true; // closed: no permit needed
        } else if (now < r.until) {
          granted = false;
        } else {
          if (now >= r.lease) r.probes = 0;
          granted = r.probes < c.maxProbes;
          if (granted) {
            r.probes += 1;
            r.lease = Math.ceil(now + c.resetTimeoutMs);
          } else {
            // Open here until the permits out lapse: the asker's reads of the view (every
            // `refreshMs`) bring the probe's outcome sooner.
            refusedUntil = r.lease;
          }
        }
        break;
      case "hold": {
        const at = (r.routes[c.route] = { ...r.routes[c.route] });
        if (!(at.hold !== undefined && at.hold >= c.until)) at.hold = c.until;
        break;
      }
      case "rate": {
        const at = (r.routes[c.route] = { ...r.routes[c.route] });
        const mine = at.rate;
        if (mine === undefined || c.wMax < mine.wMax || mine.cutAt + RATE_TTL_MS <= now) {
          at.rate = { wMax: c.wMax, cutAt: c.cutAt, horizon: c.horizon };
        }
        break;
      }
    }
  }
  prune(r, now);
  const changed = JSON.stringify(r) !== before;
  if (changed) r.seq += 1;
  return { record: r, view: viewOf(r, key, now, granted, refusedUntil), changed };
}

const time = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;

/** Whether `c` is a change of a known type with fields of the right types: a store answers
 * instances over a network, so anything else is skipped, never applied. */
function valid(c: unknown): c is SharedChange {
  if (typeof c !== "object" || c === null) return false;
  const v = c as { [k: string]: unknown };
  switch (v.type) {
    case "failure":
      return typeof v.probe === "boolean" && time(v.threshold) && time(v.resetTimeoutMs) && (v.openedUntil === undefined || time(v.openedUntil));
    case "success":
      return typeof v.probe === "boolean";
    case "released":
      return true;
    case "probe":
      return time(v.maxProbes) && (v.maxProbes as number) >= 1 && time(v.resetTimeoutMs);
    case "hold":
      return typeof v.route === "string" && time(v.until) && Number.isInteger(v.until);
    case "rate":
      return typeof v.route === "string" && time(v.wMax) && (v.wMax as number) > 0 && time(v.cutAt) && Number.isInteger(v.cutAt) && time(v.horizon) && Number.isInteger(v.horizon);
    default:
      return false;
  }
}

/**
 * A store in this process's memory: the coordinator over a Map. For tests, and for several
 * instances of one process (which could as well share one instance).
 */
export function memoryStore(): SharedStore {
  const records = new Map<string, SharedRecord>();
  return {
    async exchange(key, changes) {
      const { record, view } = applyChanges(records.get(key), key, changes, Date.now());
      records.set(key, record);
      return view;
    },
  };
}

/** Drops ended holds and forgotten rates, and the oldest routes past the bound. */
function prune(r: SharedRecord, now: number): void {
  const names = Object.keys(r.routes);
  for (const name of names) {
    const at = r.routes[name]!;
    const hold = at.hold !== undefined && at.hold > now ? at.hold : undefined;
    const rate = at.rate !== undefined && at.rate.cutAt + RATE_TTL_MS > now ? at.rate : undefined;
    if (hold === undefined && rate === undefined) delete r.routes[name];
    else if (hold !== at.hold || rate !== at.rate) r.routes[name] = { ...(hold && { hold }), ...(rate && { rate }) };
  }
  const kept = Object.keys(r.routes);
  // Insertion order: the first are the oldest written.
  for (const name of kept.slice(0, Math.max(0, kept.length - MAX_ROUTES))) delete r.routes[name];
}

/** The view of `r` answered to the instance that sent the changes. */
function viewOf(r: SharedRecord, key: string, now: number, granted: boolean | undefined, refusedUntil: number | undefined): SharedView {
  const breaker =
    refusedUntil !== undefined && refusedUntil > now
      ? { state: "open" as const, until: refusedUntil }
      : r.until === 0
        ? { state: "closed" as const, consecutiveFailures: r.failures, window: null }
        : now < r.until
          ? { state: "open" as const, until: r.until }
          : { state: "half-open" as const };
  const routes: SnapshotRoute[] = Object.entries(r.routes).map(([route, at]) => ({
    route,
    holdUntil: at.hold ?? null,
    rate: at.rate ?? null,
  }));
  const view: SharedView = {
    seq: r.seq,
    state: { version: 1, takenAt: now, keys: [{ key, breaker, budget: null, limiterTat: null }], routes },
  };
  if (granted !== undefined) view.granted = granted;
  return view;
}
