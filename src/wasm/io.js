// The driver's I/O primitives, the only JavaScript the Wasm driver imports: one attempt (the
// global fetch, with a per-attempt timeout joined to the caller's signal), an abortable
// sleep, and discarding a response body. What to send, when and how often is decided in
// Rust; these functions only do it. They use globals every runtime has (fetch, setTimeout,
// AbortController), never `window`, and leave no timer or listener behind.

/** Why an attempt produced no response; read by the driver. */
export class Failure {
  constructor(kind, error) {
    /** "network", "timeout" or "aborted". */
    this.kind = kind;
    /** What fetch rejected with (the caller's abort reason when aborted). */
    this.error = error;
  }
}

/** Aborts `ctl` when `signal` aborts; AbortSignal.any where the runtime has it. */
function join(signal, ctl) {
  if (typeof AbortSignal.any === "function") return AbortSignal.any([signal, ctl.signal]);
  if (signal.aborted) ctl.abort(signal.reason);
  else signal.addEventListener("abort", () => ctl.abort(signal.reason), { once: true });
  return ctl.signal;
}

/**
 * Sends one attempt. Resolves with the Response once its headers arrive, or with a Failure.
 * The timeout covers the wait for headers only: once the Response is handed over, only the
 * caller's own signal can abort its body, as with plain fetch.
 */
export function attempt(input, base, timeoutMs, signal, hedge, attemptHeader, attemptNumber) {
  const init = Object.assign({}, base);
  if (hedge && noStoreAccepted()) init.cache = "no-store";
  if (attemptHeader !== undefined) {
    // Each attempt its own headers, carrying its number, so servers can shed retries first.
    const isRequest = typeof Request === "function" && input instanceof Request;
    const headers = new Headers(init.headers ?? (isRequest ? input.headers : undefined));
    headers.set(attemptHeader, String(attemptNumber));
    init.headers = headers;
  }
  const ctl = new AbortController();
  let timedOut = false;
  let timer;
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new DOMException("The attempt timed out", "TimeoutError"));
    }, timeoutMs);
  }
  init.signal = signal ? join(signal, ctl) : ctl.signal;
  let lost = false;
  let sent;
  try {
    sent = fetch(input, init);
  } catch (error) {
    sent = Promise.reject(error);
  }
  const settled = sent.then(
    (response) => {
      clearTimeout(timer);
      if (lost) discard(response);
      return response;
    },
    (error) => {
      clearTimeout(timer);
      if (signal && signal.aborted) return new Failure("aborted", signal.reason);
      if (timedOut) return new Failure("timeout", error);
      return new Failure(unsendable(input, init) ? "invalid" : "network", error);
    },
  );
  // A copy that lost a hedged race: abort it, and cancel its body if it already answered.
  settled.cancel = () => {
    lost = true;
    clearTimeout(timer);
    ctl.abort(new DOMException("Another copy of the request answered first", "AbortError"));
  };
  return settled;
}

let noStore;
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
export function race(copies, timer) {
  const all = copies.map((p, i) => p.then((v) => [i, v]));
  if (timer) all.push(timer.then(() => [copies.length]));
  return Promise.race(all);
}

/** A timer promise that `cancel` clears. */
export function timer(ms) {
  let id;
  const p = new Promise((resolve) => {
    id = setTimeout(resolve, ms);
  });
  p.cancel = () => clearTimeout(id);
  return p;
}

/** Cancels a pending attempt copy or timer made here. */
export function cancel(pending) {
  if (pending && typeof pending.cancel === "function") pending.cancel();
}

/**
 * Whether fetch's TypeError came from the request itself (a bad URL, method or header, a
 * GET with a body) rather than the network: such a request fails the same way every time,
 * so it must not be retried. Checked only after a failure, on a body-less stand-in, so no
 * body is read twice.
 */
function unsendable(input, init) {
  const isRequest = typeof Request === "function" && input instanceof Request;
  const hasBody = init.body != null || (isRequest && input.body != null);
  try {
    new Request(isRequest ? input.url : input, {
      method: init.method ?? (isRequest ? input.method : undefined),
      headers: init.headers ?? (isRequest ? input.headers : undefined),
      body: hasBody ? "" : undefined,
    });
    return false;
  } catch {
    return true;
  }
}

/** Resolves after `ms`, or rejects with the caller's abort reason as soon as it aborts. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Cancels a discarded response's body so its connection is released now, not at GC. */
export function discard(response) {
  try {
    const body = response.body;
    if (body && !body.locked) body.cancel().catch(() => {});
  } catch {
    // A body that cannot be cancelled is already released.
  }
}

/** Swallows a rejection of a value a user hook returned, if it is a promise. */
export function quiet(value) {
  if (value && typeof value.then === "function") value.then(undefined, () => {});
}

/** The string fetch would make of an input that is not a Request (a URL, anything). */
export function text(value) {
  return String(value);
}

/** The options among `init`'s own keys named in `names`, as a new object; undefined if none. */
export function own(init, names) {
  if (init === null || typeof init !== "object") return undefined;
  let found;
  for (const name of names) {
    const value = init[name];
    if (value !== undefined) (found ??= {})[name] = value;
  }
  return found;
}

/**
 * Waits in a bulkhead's line: resolves "slot" when `wake` is called on it, "timeout" after
 * `timeoutMs` (if given), and rejects with the caller's abort reason as soon as it aborts.
 */
export function park(timeoutMs, signal) {
  let done;
  const p = new Promise((resolve, reject) => {
    let timer;
    const onAbort = () => finish(() => reject(signal.reason));
    const finish = (settle) => {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
      settle();
    };
    if (signal && signal.aborted) return reject(signal.reason);
    if (timeoutMs !== undefined) timer = setTimeout(() => finish(() => resolve("timeout")), timeoutMs);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    done = () => finish(() => resolve("slot"));
  });
  p.wake = () => done && done();
  return p;
}

/** Hands a parked call its slot. */
export function wake(parked) {
  parked.wake();
}
