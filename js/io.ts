// The driver's JavaScript half: everything that touches values a user or a runtime handed us.
// Preparing a call (reading the options and fetch's own init fields once, normalising the
// method as fetch does, classifying the body, checking the signal), one attempt (the global
// fetch, with a per-attempt timeout joined to the caller's signal), an abortable sleep, and
// discarding a response body. What to send, when and how often is decided by the engine;
// these functions only do it.
//
// Every export here returns a value and never throws: a getter, a Proxy trap, a toString or
// a fetch replacement that throws ends up as a value the driver turns into a rejection, so
// no call is left unsettled with its engine call (a bulkhead slot, a half-open probe) held. They use globals every runtime has (fetch, setTimeout,
// AbortController), never `window`, and leave no timer behind, nor any listener on the
// caller's signal beyond the life of the response handed to the caller (see `attempt`).

/** Why an attempt produced no response; read by the driver. */
export class Failure {
  constructor(
    /** "network", "timeout", "aborted", "invalid" (fetch refused the request itself) or
     * "never-sent" (a network failure the runtime shows happened before the request left:
     * see `neverSent`). */
    readonly kind: "network" | "timeout" | "aborted" | "invalid" | "never-sent",
    /** What fetch rejected with (the caller's abort reason when aborted). */
    readonly error: unknown,
  ) {}
}

/**
 * A response, from whatever fetch made it: the runtime's, the undici package's, node-fetch,
 * a mock, another realm's. A response is recognised by its shape (an object with an integer
 * `status`), never by `instanceof Response`, which only the runtime's own class passes.
 */
export class Reply {
  /** Whether `discard` has run (once is enough; a Node stream counts every destroy). */
  discarded = false;
  constructor(
    /** The value fetch resolved with, handed to the caller untouched. */
    readonly response: any,
    readonly status: number,
    /** Its `headers`, read once (anything with a `get(name)` method). */
    readonly headers: any,
    /** The attempt's link to the caller's signal (see `follow`), if any. */
    readonly link: any,
  ) {}
}

/** What `prepare` and `options` read of the caller's values: `error` set means the call
 * rejects with it, and the other fields are then absent. */
export interface Record {
  error?: unknown;
  /** The resilience options, as a plain copy (undefined when none). */
  options?: { [key: string]: unknown };
  request?: Request;
  url?: string;
  input?: unknown;
  init?: { [key: string]: unknown };
  method?: string;
  signal?: AbortSignal;
  replayable?: boolean;
  /** Whether the body is one fetch consumes (a stream, an async iterable, a Node stream) and
   * can still be read: what `maxReplayBytes` may keep to replay. */
  stream?: boolean;
  form?: FormData;
}

const isObject = (v: any) => (typeof v === "object" && v !== null) || typeof v === "function";
// Objects only: in Node the global `Request` is a lazy getter, costly to read on every call.
const isRequest = (v: any) => typeof v === "object" && v !== null && typeof Request === "function" && v instanceof Request;

/** `${path} threw when read`, with what it threw as `cause`. */
class Unreadable {
  readonly error: TypeError;
  constructor(path: string, cause: unknown) {
    this.error = new TypeError(`${path} threw when read`, { cause });
  }
}

/** Options that hand over a live object the driver calls (OpenTelemetry's, a shared
 * store): not copied. */
const SHARED = new Set(["telemetry.meter", "telemetry.tracer", "shared.store"]);

/** Option objects nest two levels (`retry.methods[i]`); deeper values are not read. */
const MAX_DEPTH = 4;

/** A plain copy of one option value: objects key by key, arrays item by item, functions and
 * primitives as they are. A getter or Proxy trap that throws is an `Unreadable` naming it. */
function copyOption(value: any, path: string, depth: number): any {
  if (!isObject(value) || typeof value === "function" || SHARED.has(path)) return value;
  if (depth >= MAX_DEPTH) return {};
  let list: boolean;
  let keys: string[] = [];
  try {
    list = Array.isArray(value);
    keys = list ? [] : Object.keys(value);
  } catch (cause) {
    throw new Unreadable(path, cause);
  }
  if (list) {
    let length;
    try {
      length = Math.min(Number(value.length) || 0, 10_000);
    } catch (cause) {
      throw new Unreadable(path, cause);
    }
    const out = [];
    for (let i = 0; i < length; i++) out.push(copyOption(read(value, i, `${path}[${i}]`), `${path}[${i}]`, depth + 1));
    return out;
  }
  const out: any = {};
  for (const key of keys) out[key] = copyOption(read(value, key, `${path}.${key}`), `${path}.${key}`, depth + 1);
  return out;
}

function read(object: any, key: any, path: any) {
  try {
    return object[key];
  } catch (cause) {
    throw new Unreadable(path, cause);
  }
}

/** The resilience options in `source` (those in `names`, or every own key), as a plain copy
 * the driver can read without running user code: `{ options }` (undefined when none), or
 * `{ error }`, a TypeError naming the option that threw when read. */
export function options(source: any, names: readonly string[] | undefined): Record {
  if (!isObject(source)) return {};
  try {
    let found;
    for (const name of names ?? Object.keys(source)) {
      const value = read(source, name, name);
      if (value !== undefined) (found ??= {})[name] = copyOption(value, name, 1);
    }
    return { options: found };
  } catch (e) {
    if (e instanceof Unreadable) return { error: e.error };
    // Object.keys of the source itself (a Proxy trap).
    return { error: new TypeError("the options threw when read", { cause: e }) };
  }
}

/** The RequestInit members, in the order fetch reads them (WebIDL: lexicographic). */
const MEMBERS = [
  "body",
  "cache",
  "credentials",
  "duplex",
  "headers",
  "integrity",
  "keepalive",
  "method",
  "mode",
  "priority",
  "redirect",
  "referrer",
  "referrerPolicy",
  "signal",
  "window",
];
/** The methods fetch upper-cases; any other is sent as given. */
const NORMALISED = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/** The method as fetch sends it: ToString (a `String` object, any `toString`), then the six
 * standard methods upper-cased, byte for byte. Throws what ToString throws. */
function normaliseMethod(value: any) {
  const method = `${value}`;
  const upper = method.replace(/[a-z]/g, (c) => c.toUpperCase());
  return NORMALISED.includes(upper) ? upper : method;
}

/**
 * How a body can be sent: "none", "replay" (fetch reads it afresh every time: strings,
 * buffers, Blobs, URLSearchParams, and whatever fetch converts to a string), "form"
 * (FormData: serialised once by the driver) or "once" (fetch consumes it: a ReadableStream,
 * an async iterable, a Node stream; anything whose shape cannot be read safely).
 */
function bodyKind(body: any) {
  if (body === undefined || body === null) return "none";
  if (!isObject(body)) return "replay";
  try {
    if (typeof FormData === "function" && body instanceof FormData) return "form";
    if (typeof ReadableStream === "function" && body instanceof ReadableStream) return "once";
    if (
      typeof body.getReader === "function" ||
      typeof body[Symbol.asyncIterator] === "function" ||
      typeof body.pipe === "function"
    ) {
      return "once";
    }
  } catch {
    return "once";
  }
  return "replay";
}

/** Whether `signal` can be listened to (an AbortSignal of any realm). */
function isSignal(signal: any) {
  try {
    return (
      typeof signal === "object" &&
      typeof signal.addEventListener === "function" &&
      typeof signal.removeEventListener === "function" &&
      typeof signal.aborted === "boolean"
    );
  } catch {
    return false;
  }
}

/** The error fetch gives for `init` (built by the Request constructor), or undefined. */
function fetchError(init: any) {
  try {
    new Request("http://127.0.0.1/", init);
    return undefined;
  } catch (e) {
    return e;
  }
}

/**
 * Prepares one call from fetch's two arguments, running user code (getters, Proxy traps,
 * toString) exactly once per value and never throwing. Returns `{ error }` (reject with it:
 * a TypeError naming an option that threw, or what reading fetch's own input threw, as fetch
 * would reject), else:
 * - `options`: the resilience options in `init` (a plain copy), if any;
 * - `request`: the input when it is a Request; `url`: the URL as fetch reads it; `input`:
 *   what to hand fetch (the Request, else that URL string);
 * - `init`: our own copy of init's fetch fields (the method normalised; no signal, since
 *   every attempt sets its own), so fetch never runs the caller's getters again;
 * - `method`, `signal` (the caller's, if any), `replayable` (whether the body, if any, can
 *   be sent again: see `bodyKind`) and `form` (a FormData body, to serialise once).
 */
export function prepare(input: any, init: any, names: readonly string[]): Record {
  const found = options(init, names);
  if (found.error) return found;
  const out: Record = { options: found.options };
  if (init !== undefined && init !== null && !isObject(init)) return { error: fetchError(init) ?? new TypeError("init must be an object") };
  try {
    if (isRequest(input)) {
      out.request = input;
      out.url = input.url;
    } else {
      out.url = `${input}`;
    }
    const copy: any = {};
    if (isObject(init)) {
      for (const name of MEMBERS) {
        const value = init[name];
        if (value !== undefined) copy[name] = value;
      }
      // Fields of one runtime or library (undici's dispatcher, Workers' cf): passed on as
      // given. fetch never reads keys it does not know, so neither failing here does harm.
      let keys: string[] = [];
      try {
        keys = Object.keys(init);
      } catch {}
      for (const key of keys) {
        if (MEMBERS.includes(key) || names.includes(key)) continue;
        try {
          const value = init[key];
          if (value !== undefined) copy[key] = value;
        } catch {}
      }
      if (copy.method !== undefined) copy.method = normaliseMethod(copy.method);
    }
    out.method = copy.method ?? (out.request ? out.request.method : "GET");
    let signal = "signal" in copy ? copy.signal : out.request?.signal;
    delete copy.signal;
    if (signal !== undefined && signal !== null && !isSignal(signal)) {
      const error = fetchError({ signal });
      if (error) return { error };
      signal = undefined;
    }
    out.signal = signal ?? undefined;
    out.input = out.request ?? out.url;
    if (copy.body !== undefined) {
      const kind = bodyKind(copy.body);
      out.replayable = kind !== "once";
      out.stream = kind === "once" && !unusableBody(undefined, copy);
      if (kind === "form") out.form = copy.body;
    } else {
      out.replayable = !(out.request && out.request.bodyUsed);
    }
    out.init = copy;
    return out;
  } catch (error) {
    return { error };
  }
}

/**
 * Whether the body of this attempt can no longer be read (a locked or disturbed stream, a
 * Node stream already read, a Request whose body is used): fetch then refuses the request
 * locally. Checked before sending, since fetch itself locks the body it sends.
 */
function unusableBody(input: any, init: any) {
  try {
    const body = init.body;
    if (isObject(body)) {
      return (
        body.locked === true ||
        body.disturbed === true ||
        body.readableDidRead === true ||
        body.destroyed === true ||
        body.readableEnded === true
      );
    }
    return body === undefined && isRequest(input) && input.bodyUsed;
  } catch {
    return false;
  }
}

/**
 * The caller's signals, each joined by one listener of ours however many attempts, waits and
 * lines follow it: signal -> { targets, onAbort }. Not `AbortSignal.any`, which in Node 20
 * keeps an entry per derived signal on a long-lived source until the source dies; and not a
 * listener per attempt, which piles up on a signal many calls share (and trips Node's
 * MaxListenersExceeded warning). The listener is removed when the last target leaves, so a
 * never-aborted signal holds nothing of ours between calls.
 */
const followed = new WeakMap();

/** The listener of `signal`: aborts every target following it, with its reason. Made here, in
 * a scope of its own, so that it holds nothing else alive. */
function listener(signal: any, targets: any) {
  return () => {
    followed.delete(signal);
    const all = [...targets];
    targets.clear();
    for (const target of all) target.abort(signal.reason);
  };
}

/** Makes `target` (anything with `abort(reason)`) follow the caller's `signal` until
 * `unfollow`; returns the link to unfollow with. `signal` must not be aborted yet. */
function follow(signal: any, target: any) {
  let entry = followed.get(signal);
  if (entry === undefined) {
    const targets = new Set();
    entry = { targets, onAbort: listener(signal, targets) };
    followed.set(signal, entry);
    signal.addEventListener("abort", entry.onAbort, { once: true });
  }
  entry.targets.add(target);
  return { signal, target };
}

/** Ends a link made by `follow` (again: nothing). */
function unfollow(link: any) {
  if (link === undefined) return;
  const entry = followed.get(link.signal);
  if (entry === undefined || !entry.targets.delete(link.target)) return;
  if (entry.targets.size === 0) {
    followed.delete(link.signal);
    link.signal.removeEventListener("abort", entry.onAbort);
  }
}

let registry: FinalizationRegistry<unknown> | null | undefined;
/** Unlinks the attempt of a response handed to the caller once that response is garbage. */
function finalizer() {
  if (registry === undefined) {
    registry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry(unfollow) : null;
  }
  return registry;
}

/** The Reply for what fetch resolved with, or undefined when it is not a response. */
function recognise(response: any, link: any) {
  try {
    if (!isObject(response)) return undefined;
    const status = response.status;
    if (!Number.isInteger(status) || status < 0 || status > 999) return undefined;
    return new Reply(response, status, response.headers, link);
  } catch {
    return undefined;
  }
}

/** One copy of an attempt: its number (sent in `header`, if set), timeout, and whether it
 * is a hedge (a hedge asks caches to stay out of the way: a browser's HTTP cache would
 * otherwise hold a second request for a URL until the first finishes). */
export interface Copy {
  attempt: number;
  timeoutMs: number | undefined;
  hedge: boolean;
  header: string | undefined;
}

/** Whether `o` has no own enumerable key. */
function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** A pending attempt copy or timer that `cancel` stops. */
export type Cancellable<T> = Promise<T> & { cancel?: () => void };

/**
 * Sends one attempt. Resolves with a Reply once the response headers arrive, or with a
 * Failure; never rejects.
 *
 * An AbortController is made only when something may abort the attempt: a timeout, the
 * caller's signal, or a hedged race (`hedging`). It follows the caller's signal (see
 * `follow`) until the attempt fails, loses a hedged race or its response is discarded; for
 * the response handed to the caller it keeps following, so the caller's signal can still
 * abort the body as with plain fetch, until that response is garbage. The timeout covers the
 * wait for headers only.
 */
export function attempt(input: any, base: any, signal: any, copy: Copy, hedging: boolean): Cancellable<Reply | Failure> {
  const local = unusableBody(input, base);
  const needsController = copy.timeoutMs !== undefined || signal !== undefined || hedging;
  if (!needsController && copy.header === undefined && !copy.hedge) {
    // The common case with `timeoutMs: false`: nothing to abort, nothing to set; fetch gets
    // the caller's arguments (no init when the caller gave none).
    let sent: Promise<any>;
    try {
      sent = Promise.resolve(fetch(input, isEmpty(base) ? undefined : base));
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(plain, (error) => failed(local, input, base, error));
  }
  // Each attempt its own init: its signal, cache mode or attempt header are set on it.
  const init = Object.assign({}, base);
  const ctl = needsController ? new AbortController() : undefined;
  const state: any = { timedOut: false, timer: undefined, link: undefined, lost: false, reply: undefined };
  let sent: Promise<any>;
  try {
    if (copy.hedge && noStoreAccepted()) init.cache = "no-store";
    if (copy.header !== undefined) {
      // Each attempt its own headers, carrying its number, so servers can shed retries first.
      const headers = new Headers(init.headers ?? (isRequest(input) ? input.headers : undefined));
      headers.set(copy.header, String(copy.attempt));
      init.headers = headers;
    }
    if (ctl !== undefined) {
      if (signal) {
        if (signal.aborted) ctl.abort(signal.reason);
        else state.link = follow(signal, ctl);
      }
      init.signal = ctl.signal;
      if (copy.timeoutMs !== undefined) {
        state.timer = setTimeout(() => {
          state.timedOut = true;
          ctl.abort(new DOMException("The attempt timed out", "TimeoutError"));
        }, copy.timeoutMs);
      }
    }
    sent = Promise.resolve(fetch(input, init));
  } catch (error) {
    sent = Promise.reject(error);
  }
  const settled: Cancellable<Reply | Failure> = sent.then(
    (response) => answered(state, response),
    (error) => {
      clearTimeout(state.timer);
      unfollow(state.link);
      if (signal && signal.aborted) return new Failure("aborted", signal.reason);
      if (state.timedOut) return new Failure("timeout", error);
      return failed(local, input, init, error);
    },
  );
  // A copy that lost a hedged race: abort it, and cancel its body if it already answered.
  settled.cancel = () => {
    state.lost = true;
    clearTimeout(state.timer);
    unfollow(state.link);
    ctl?.abort(new DOMException("Another copy of the request answered first", "AbortError"));
    if (state.reply !== undefined) discard(state.reply);
  };
  return settled;
}

/** Why fetch rejected an attempt nothing aborted: the request itself (`invalid`), or the
 * network, before anything was sent (`never-sent`, where the runtime says so) or perhaps
 * after. */
function failed(local: boolean, input: any, init: any, error: unknown): Failure {
  if (local || unsendable(input, init)) return new Failure("invalid", error);
  return new Failure(neverSent(error) ? "never-sent" : "network", error);
}

/** The response of an attempt that nothing links to the caller's signal. */
function plain(response: any): Reply | Failure {
  return recognise(response, undefined) ?? notResponse(response);
}

function notResponse(response: unknown): Failure {
  return new Failure("invalid", new TypeError("fetch resolved with a value that is not a Response", { cause: response }));
}

/** An attempt's response arrived. Kept apart from `attempt` so that no closure there (the
 * one on the caller's signal above all) keeps the response alive. */
function answered(state: any, response: any) {
  clearTimeout(state.timer);
  const reply = recognise(response, state.link);
  if (reply === undefined) {
    unfollow(state.link);
    return notResponse(response);
  }
  if (state.lost) discard(reply);
  // No unregister token: V8 keeps a table of tokens that grows with the calls; a link
  // unfollowed by `discard` first makes the later cleanup a no-op.
  else if (state.link !== undefined) finalizer()?.register(response, state.link);
  state.reply = reply;
  return reply;
}

let noStore: boolean | undefined;
/** Whether this runtime's fetch accepts `cache: "no-store"` (older Workers throw on it). */
function noStoreAccepted() {
  if (noStore === undefined) {
    try {
      new Request("http://127.0.0.1/", { cache: "no-store" });
      noStore = true;
    } catch {
      noStore = false;
    }
  }
  return noStore;
}

/** Resolves with [index, value] of the first of `copies` to settle, or [copies.length] when
 * `timer` (if given) fires first. */
export function race<T>(copies: Promise<T>[], timer: Promise<unknown> | undefined): Promise<[number, T?]> {
  const all: Promise<[number, T?]>[] = copies.map((p, i) => p.then((v): [number, T] => [i, v]));
  if (timer) all.push(timer.then((): [number] => [copies.length]));
  return Promise.race(all);
}

/** A timer promise that `cancel` clears. */
export function timer(ms: number): Cancellable<void> {
  let id: any;
  const p: Cancellable<void> = new Promise<void>((resolve) => {
    id = setTimeout(resolve, ms);
  });
  p.cancel = () => clearTimeout(id);
  return p;
}

/** Cancels a pending attempt copy or timer made here. */
export function cancel(pending: any) {
  if (pending && typeof pending.cancel === "function") pending.cancel();
}

/**
 * Whether fetch's rejection came from the request itself (a bad URL, method, header or
 * other init field, a GET with a body, a stream body without `duplex`) rather than the
 * network: such a request fails the same way every time, so it is neither retried nor
 * counted against the origin. Checked only after a failure, on a stand-in with an empty
 * body of the same kind, so no body is read twice.
 */
function unsendable(input: any, init: any) {
  try {
    const hasBody = init.body != null || (isRequest(input) && input.body != null);
    // A stream stands in for a stream, so a missing `duplex: "half"` is caught too.
    const standIn = bodyKind(init.body) === "once" && typeof ReadableStream === "function" ? new ReadableStream() : "";
    new Request(isRequest(input) ? input.url : input, {
      ...init,
      method: init.method ?? (isRequest(input) ? input.method : undefined),
      headers: init.headers ?? (isRequest(input) ? input.headers : undefined),
      body: hasBody ? standIn : undefined,
      signal: undefined,
    });
    return false;
  } catch {
    return true;
  }
}

/**
 * The error codes with which Node's fetch (undici) reports a connection that was never made,
 * on `error.cause.code`: refused, no such host, DNS unavailable, no route, connect timeout.
 * A request is written only on an open connection, so none of these left anything. Not
 * ECONNRESET, EPIPE or `UND_ERR_SOCKET`: a connection reset or closed may come after the
 * request was written (a reused keep-alive connection above all).
 */
const NEVER_SENT = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"];

/** Deno's fetch (hyper): an error of the connect stage, TCP or DNS, in the cause's message. */
const DENO_CONNECT = /client error \(Connect\): (tcp connect error|dns error)/;

/**
 * Whether the runtime shows that fetch's rejection came before the request was sent: Node
 * (undici) by `cause.code` (see NEVER_SENT; an AggregateError of several addresses when every
 * one of them says so), Deno by its connect-stage message. workerd and browsers say only
 * "network error" (`TypeError: Failed to fetch`, `Network connection lost`): never.
 * Reads defensively and never throws: anything unreadable is "sent, perhaps".
 */
export function neverSent(error: any): boolean {
  try {
    let e = error;
    for (let depth = 0; depth < 4 && isObject(e); depth++) {
      if (neverSentHere(e)) return true;
      e = e.cause;
    }
  } catch {
    // An error whose fields cannot be read shows nothing.
  }
  return false;
}

function neverSentHere(e: any): boolean {
  const code = e.code;
  if (typeof code === "string" && NEVER_SENT.includes(code)) return true;
  const message = e.message;
  if (typeof message === "string" && DENO_CONNECT.test(message)) return true;
  const errors = e.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((x) => isObject(x) && neverSentHere(x));
}

/** Resolves after `ms`, or rejects with the caller's abort reason as soon as it aborts. */
export function sleep(ms: number, signal: any): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    let link: any;
    const timer = setTimeout(() => {
      unfollow(link);
      resolve();
    }, ms);
    if (signal) {
      link = follow(signal, {
        abort(reason: unknown) {
          clearTimeout(timer);
          reject(reason);
        },
      });
    }
  });
}

/**
 * Discards a response the caller will not get: stops forwarding the caller's abort to it and
 * cancels its body so its connection is released now, not at garbage collection: a web
 * stream is cancelled, a Node stream (node-fetch) destroyed.
 */
export function discard(reply: any) {
  if (reply.discarded) return;
  reply.discarded = true;
  try {
    unfollow(reply.link);
    const body = reply.response.body;
    if (!isObject(body)) return;
    if (typeof body.cancel === "function") {
      if (body.locked !== true) {
        const done = body.cancel();
        if (done && typeof done.then === "function") done.then(undefined, () => {});
      }
    } else if (typeof body.destroy === "function") {
      body.destroy();
    }
  } catch {
    // A body that cannot be cancelled is already released.
  }
}

/** Swallows a rejection of a value a user hook returned, if it is a promise. */
export function quiet(value: any) {
  try {
    if (isObject(value) && typeof value.then === "function") value.then(undefined, () => {});
  } catch {
    // A thenable whose `then` throws has nothing left to reject.
  }
}

/** A call waiting in a bulkhead's line (see `park`). */
export type Parked = Promise<string> & { wake(): void };

/**
 * Waits in a bulkhead's line: resolves "slot" when `wake` is called on it, "timeout" after
 * `timeoutMs` (if given), and rejects with the caller's abort reason as soon as it aborts.
 */
export function park(timeoutMs: number | undefined, signal: any): Parked {
  let done: (() => void) | undefined;
  const p = new Promise<string>((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    let timer: any;
    let link: any;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      unfollow(link);
      settle();
    };
    if (timeoutMs !== undefined) timer = setTimeout(() => finish(() => resolve("timeout")), timeoutMs);
    if (signal) link = follow(signal, { abort: (reason: unknown) => finish(() => reject(reason)) });
    done = () => finish(() => resolve("slot"));
  }) as Parked;
  p.wake = () => done && done();
  return p;
}

/** The rate-limit dialects' name prefixes (names come lower-case from Headers). */
const PREFIXES = ["ratelimit", "x-ratelimit", "x-rate-limit", "anthropic-ratelimit"];

/**
 * The fields of a response the engine reads, as `name\nvalue\n` pairs: `retry-after`,
 * `date` and `retry-pushback-ms` on a failed status (a success costs no lookups), and when
 * the policy reads them (`paces`) every rate-limit field, in one pass over the headers (one
 * crossing into the engine however many dialects it reads).
 */
export function fields(reply: Reply, paces: boolean): string {
  let out = "";
  const headers = reply.headers;
  try {
    if (reply.status >= 400) {
      for (const name of ["retry-after", "date", "retry-pushback-ms"]) {
        const value = headers.get(name);
        if (typeof value === "string") out += `${name}\n${value}\n`;
      }
    }
    if (paces) {
      for (const [name, value] of headers) {
        if (PREFIXES.some((p) => name.startsWith(p))) out += `${name}\n${value}\n`;
      }
    }
  } catch {
    // Headers that cannot be read or iterated carry no fields we can read.
  }
  return out;
}

/** A chunk of a stream body as bytes: a Uint8Array (copied, so fetch may take it), another
 * view or an ArrayBuffer (its bytes), a string (UTF-8, as Node streams and fetch send one);
 * undefined for anything else. */
function bytesOf(chunk: any): Uint8Array | undefined {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  // An ArrayBuffer of any realm (instanceof sees only this one's).
  if (Object.prototype.toString.call(chunk) === "[object ArrayBuffer]") return new Uint8Array(chunk.slice(0));
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
  return undefined;
}

/**
 * A stream body (a ReadableStream, an async iterable, a Node `Readable`) read once and kept,
 * up to `limit` bytes, as it is sent, so a retry can send the same bytes again
 * (`maxReplayBytes`). Each copy sent gets its own stream (`stream(attempt)`) that gives the
 * kept chunks first, then reads on from the caller's body, keeping what it reads. Once more
 * than `limit` bytes were read, the kept chunks are dropped and `onCommit` runs (the engine
 * then sends nothing more): the copy that read past the bound goes on, and a stream that would
 * need a dropped chunk errors rather than send an altered body. Streams of an earlier attempt
 * stop (error) when a later attempt starts, so only the copies in flight draw on the caller's
 * body. A body that fails to read commits too, and each stream needing more of it errors.
 */
export class Replay {
  /** Chunks `base`, `base + 1`, ... of the body: all of them until the bound is passed, then
   * only the latest (for the copy that read it). */
  private chunks: Uint8Array[] = [];
  private base = 0;
  /** Chunks read from the caller's body so far. */
  private read = 0;
  private size = 0;
  private dropped = false;
  private done = false;
  private failed: { error: unknown } | undefined;
  /** The pending read of the caller's body, shared by the streams waiting for it. */
  private reading: Promise<void> | undefined;
  private next: (() => Promise<{ done?: boolean; value?: any }>) | undefined;
  /** Stops reading the caller's body (cancels its reader, ends its iteration). */
  private stop: ((reason: unknown) => unknown) | undefined;
  private latest = 0;
  /** Called once, when the body can no longer be replayed. */
  onCommit: (() => void) | undefined;

  /** `body` must pass `accepts`; it is locked (or its iteration started) when first read,
   * so a call refused before sending leaves it untouched. */
  constructor(
    private readonly body: any,
    private readonly limit: number,
  ) {}

  private reader(): () => Promise<{ done?: boolean; value?: any }> {
    if (this.next === undefined) {
      const body = this.body;
      if (typeof body.getReader === "function") {
        const reader = body.getReader();
        this.next = () => reader.read();
        this.stop = (reason) => reader.cancel(reason);
      } else {
        const it = body[Symbol.asyncIterator]();
        this.next = () => it.next();
        this.stop = (reason) => (typeof it.return === "function" ? it.return() : undefined);
      }
    }
    return this.next!;
  }

  /** Whether `body` can be kept this way (read through getReader or async iteration);
   * never throws. */
  static accepts(body: any): boolean {
    try {
      return typeof body.getReader === "function" || typeof body[Symbol.asyncIterator] === "function";
    } catch {
      return false;
    }
  }

  private commit(): void {
    if (this.dropped) return;
    this.dropped = true;
    const f = this.onCommit;
    this.onCommit = undefined;
    try {
      f?.();
    } catch {
      // The engine's side: nothing to undo here.
    }
  }

  /** Reads the next chunk of the caller's body (or its end, or its error). */
  private pull(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const r = await this.reader()();
        if (r.done) {
          this.done = true;
          return;
        }
        const bytes = bytesOf(r.value);
        if (bytes === undefined) throw new TypeError("a stream body chunk must be bytes or a string");
        this.size += bytes.byteLength;
        if (this.size > this.limit) this.commit();
        if (this.dropped) {
          this.chunks = [bytes];
          this.base = this.read;
        } else {
          this.chunks.push(bytes);
        }
        this.read++;
      } catch (error) {
        this.failed = { error };
        this.commit();
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /**
   * The call rejected: nothing of the body will be sent any more, so the caller's body is
   * cancelled (a Node stream destroyed), as fetch cancels the body of a request that failed.
   * A body never read is left as it is; one read to its end has nothing to cancel. Never
   * throws.
   */
  cancel(reason: unknown): void {
    if (this.stop === undefined || this.done || this.failed) return;
    this.failed = { error: reason };
    try {
      quiet(this.stop(reason));
    } catch {
      // A body that cannot be cancelled is left to the garbage collector.
    }
  }

  /** The body of one copy of attempt `attempt`, from its first byte. */
  stream(attempt: number): ReadableStream<Uint8Array> {
    this.latest = Math.max(this.latest, attempt);
    let i = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          if (attempt < this.latest) throw new TypeError("a later attempt took over the body");
          if (i < this.read) {
            const chunk = this.chunks[i - this.base];
            if (i < this.base || chunk === undefined) {
              throw new TypeError("the body passed maxReplayBytes and cannot be sent again");
            }
            i++;
            // A copy: fetch may take (transfer) what it is given.
            controller.enqueue(chunk.slice());
            return;
          }
          if (this.failed) throw this.failed.error;
          if (this.done) {
            controller.close();
            return;
          }
          await this.pull();
        }
      },
    });
  }
}
