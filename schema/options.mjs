// The option schema: one row per option, the only list of options in the repository.
//
// `node scripts/gen.mjs` writes from it (and `--check` fails when a written file is stale):
// - src/engine/schema.rs: the names each option object accepts (the Rust decoder rejects
//   every other key with them) and the rows as a const table (path, type, default, doc);
// - src/engine/raw_options.rs (scripts/gen-fields.mjs, included by raw.rs): the raw option
//   model's structs, one field per row the engine decides on;
// - src/engine/fields.rs (scripts/gen-fields.mjs): the decoder's per-key arms (value tree ->
//   the raw model) and the resolver's range checks, in row order, in the rows' words, with
//   the defaults a row spells as a number, a name or a boolean;
// - js/schema.ts: the rows as data, for the TypeScript validator (js/validate.ts), and each
//   option interface of js/types.ts tied to its rows (tsc fails when they differ);
// - js/types.ts, between its gen:options markers (scripts/gen-types.mjs): the option
//   interfaces, each property with its row's `ts`, doc and `@default`;
// - wit/engine.wit, between its gen:options markers: the option records and `policy`;
// - src/faces/abi_options.rs (scripts/gen-fields.mjs): the numeric interface's reader of the
//   option encoding js/encode.ts writes (one number per row, in row order) into the raw model;
// - src/faces/component_options.rs (scripts/gen-fields.mjs): the component's copy of that
//   `policy` record into the raw model (tests/component/host.mjs builds it from these rows);
// - tests/node/bad-options.mjs: every `bad` example, for the tests that run both validators;
// - README.md, between `<!-- gen:options -->` and `<!-- gen:bad-input -->` markers: the
//   options reference and the options rows of the bad-input table.
//
// Adding an option: one row here, the code that acts on it, its tests.
//
// A row:
// - path: `retry.maxAttempts`; a group (`retry`) is a row too, its children follow it.
// - type: how the value is read, and the type error's words:
//     group        an object, `false` (off), `true` or undefined (defaults)
//     number | string | boolean | function
//     methods      an array of strings; statusCodes: an array of numbers
//     timeout      a number of milliseconds or false
//     idempotencyKey, attemptHeader, breakerKey, telemetry, snapshot, shared: their own forms (see `doc`)
// - check: the range check, run after every type check, group by group in row order:
//     { count: min }                  an integer >= min (saturating at 2^32-1)
//     { millis: ">= 0" | "> 0" }     finite milliseconds, rounded up
//     { fraction: "[0,1]" | "(0,1]" }
//     { number: ">= 0" | "> 0" }     finite
//     { oneOf: [...] }                one of the names
//     { each: "method" | "status" }   every item (an HTTP token / an integer 100-599)
//   plus `required: true` (absent is a type error: `got undefined`) and
//   `absentWith: "ratio"` (exclusive with that sibling, checked before any range).
// - ts: the TypeScript type, which js/types.ts declares (js/schema.ts fails to compile when
//   they differ, or when an option lacks a row or a row its option); default: as the
//   reference shows it; doc: one line, why.
// - more: further lines for js/types.ts's doc comment, after `doc` (on a group, its
//   interface's doc); tsDefault: the `@default` js/types.ts shows, when not `default`.
// - bad: [input, "TypeError" | "RangeError", message]: rows of the README's bad-input table,
//   checked against the Rust and the TypeScript validators alike.

export const ROWS = [
  { path: "retry", type: "group", ts: "RetryOptions | boolean", default: "on",
    doc: "Retries with backoff; `false` sends once.",
    more: "Retrying, backoff and `Retry-After`.",
    bad: [[{ retry: 3 }, "TypeError", "retry must be an object or false, got 3"]] },
  { path: "retry.maxAttempts", type: "number", check: { count: 1 }, ts: "number", default: "5",
    doc: "Attempts in total, the first included.",
    more: "1 means no retries. An integer >= 1.",
    bad: [
      [{ retry: { maxAttempts: "5" } }, "TypeError", 'retry.maxAttempts must be a number, got "5"'],
      [{ retry: { maxAttempts: 0 } }, "RangeError", "retry.maxAttempts must be an integer >= 1, got 0"],
      [{ retry: { maxAttempts: 2.5 } }, "RangeError", "retry.maxAttempts must be an integer >= 1, got 2.5"],
      [{ retry: { maxAttempts: NaN } }, "RangeError", "retry.maxAttempts must be an integer >= 1, got NaN"],
      [{ retry: { maxAttempts: Infinity } }, "RangeError", "retry.maxAttempts must be an integer >= 1, got Infinity"],
    ] },
  { path: "retry.baseDelayMs", type: "number", check: { millis: ">= 0" }, ts: "number", default: "1000",
    doc: "The backoff's base: the first ceiling.",
    more: "In ms: the ceiling of retry n (0-based) is `min(maxDelayMs, baseDelayMs * 2**n)`.",
    bad: [[{ retry: { baseDelayMs: -1 } }, "RangeError", "retry.baseDelayMs must be a number of milliseconds >= 0, got -1"]] },
  { path: "retry.maxDelayMs", type: "number", check: { millis: ">= 0" }, ts: "number", default: "30000",
    doc: "The cap on any computed backoff.",
    more: "In ms.",
    bad: [[{ retry: { maxDelayMs: null } }, "TypeError", "retry.maxDelayMs must be a number, got null"]] },
  { path: "retry.jitter", type: "string", check: { oneOf: ["full", "equal", "decorrelated", "none"] },
    ts: '"full" | "equal" | "decorrelated" | "none"', default: '"full"',
    doc: "How a wait is drawn under its ceiling (AWS's strategies).",
    more: "`\"full\"`: U(0, ceiling). `\"equal\"`: ceiling/2 + U(0, ceiling/2). `\"decorrelated\"`:\nmin(maxDelayMs, U(baseDelayMs, previous * 3)), starting from baseDelayMs. `\"none\"`: the ceiling.",
    bad: [
      [{ retry: { jitter: "random" } }, "RangeError", 'retry.jitter must be one of "full", "equal", "decorrelated", "none", got "random"'],
      [{ retry: { jitter: true } }, "TypeError", "retry.jitter must be a string, got true"],
    ] },
  { path: "retry.methods", type: "methods", check: { each: "method" }, ts: "string[]",
    default: "GET HEAD OPTIONS TRACE PUT DELETE",
    doc: "Methods retried without an idempotency key (compared case-insensitively).",
    more: "POST and PATCH are also retried when an idempotency key is sent.\nListing POST here makes it retryable without a key (your responsibility).",
    tsDefault: "[\"GET\", \"HEAD\", \"OPTIONS\", \"TRACE\", \"PUT\", \"DELETE\"]",
    bad: [
      [{ retry: { methods: "GET" } }, "TypeError", 'retry.methods must be an array of method names, got "GET"'],
      [{ retry: { methods: ["GET", "NOT A METHOD"] } }, "RangeError", 'retry.methods[1] must be an HTTP method name, got "NOT A METHOD"'],
    ] },
  { path: "retry.statusCodes", type: "statusCodes", check: { each: "status" }, ts: "number[]",
    default: "408 429 503 (up to `maxAttempts`); 500 502 504 (at most twice)",
    doc: "Replaces the table of retryable statuses.",
    more: "Each then retried up to maxAttempts. The default table:\n408, 429, 503 up to maxAttempts; 500, 502, 504 at most 2 retries; nothing else.",
    tsDefault: "[408, 429, 503, 500, 502, 504]",
    bad: [[{ retry: { statusCodes: [503, 99] } }, "RangeError", "retry.statusCodes[1] must be an integer from 100 to 599, got 99"]] },
  { path: "retry.respectRetryAfter", type: "boolean", ts: "boolean", default: "true",
    doc: "Wait what the server's `Retry-After` asks instead of the backoff.",
    more: "Delta-seconds or HTTP-date.",
    bad: [[{ retry: { respectRetryAfter: "yes" } }, "TypeError", 'retry.respectRetryAfter must be a boolean, got "yes"']] },
  { path: "retry.maxRetryAfterMs", type: "number", check: { millis: ">= 0" }, ts: "number",
    default: "`retry.maxDelayMs`",
    doc: "The longest `Retry-After` honoured; a longer one stops retrying at once.",
    more: "In ms, compared with the server's value before jitter; the call resolves with that response.",
    tsDefault: "maxDelayMs",
    bad: [[{ retry: { maxRetryAfterMs: -5 } }, "RangeError", "retry.maxRetryAfterMs must be a number of milliseconds >= 0, got -5"]] },
  { path: "retry.retryAfterJitterMs", type: "number", check: { millis: ">= 0" }, ts: "number", default: "1000",
    doc: "Jitter on top of `Retry-After`, so released callers do not return together.",
    more: "In ms: wait = Retry-After + U(0, this); never less than the server's value.",
    bad: [[{ retry: { retryAfterJitterMs: Infinity } }, "RangeError", "retry.retryAfterJitterMs must be a number of milliseconds >= 0, got Infinity"]] },
  { path: "retry.deadlineMs", type: "number", check: { millis: "> 0" }, ts: "number", default: "none",
    doc: "A bound on the whole call, waits included.",
    more: "In ms. No wait is started that would end past it, and an attempt still in flight at the\ndeadline is aborted (`RetryError` with reason `\"deadline\"`).",
    tsDefault: "undefined (none)",
    bad: [[{ retry: { deadlineMs: 0 } }, "RangeError", "retry.deadlineMs must be a number of milliseconds > 0, got 0"]] },
  { path: "timeoutMs", type: "timeout", check: { millis: "> 0" }, ts: "number | false", default: "30000",
    doc: "Per attempt, until response headers; `false`: none.",
    more: "In ms. A timed-out attempt is a transport failure.",
    bad: [
      [{ timeoutMs: -1 }, "RangeError", "timeoutMs must be a number of milliseconds > 0, got -1"],
      [{ timeoutMs: true }, "TypeError", "timeoutMs must be a number of milliseconds or false, got true"],
    ] },
  { path: "idempotencyKey", type: "idempotencyKey", ts: "boolean | string", default: "false",
    doc: "`true`: one UUIDv4 per call, the same on every attempt; a string: that key. Makes POST and PATCH retryable.",
    more: "The key is sent as `Idempotency-Key`. A caller-set `Idempotency-Key` header is always kept.",
    bad: [
      [{ idempotencyKey: "" }, "RangeError", 'idempotencyKey must be true, false or a non-empty string of visible ASCII characters, got ""'],
      [{ idempotencyKey: 7 }, "TypeError", "idempotencyKey must be a boolean or a string, got 7"],
    ] },
  { path: "breaker", type: "group", ts: "BreakerOptions | boolean", default: "on",
    doc: "A circuit breaker per key; `false`: none.",
    more: "The circuit breaker, one per key (by default per origin).",
    bad: [[{ breaker: "on" }, "TypeError", 'breaker must be an object or false, got "on"']] },
  { path: "breaker.key", type: "breakerKey", ts: "string | ((url: URL) => string)", default: "the URL's origin",
    doc: "What shares a breaker, a budget, a limiter and holds.",
    more: "A string, or a function of the URL.",
    tsDefault: "url.origin",
    bad: [[{ breaker: { key: 5 } }, "TypeError", "breaker.key must be a string or a function, got 5"]] },
  { path: "breaker.mode", type: "string", check: { oneOf: ["consecutive", "failure-rate"] },
    ts: '"consecutive" | "failure-rate"', default: '"consecutive"',
    doc: "Open after consecutive failures, or on a failure share over a window.",
    more: "`\"consecutive\"`: open after failureThreshold failures in a row. `\"failure-rate\"`: open when,\nwithin windowMs, at least minimumThroughput outcomes were counted and a share of at least\nfailureRateThreshold failed.",
    bad: [[{ breaker: { mode: "rate" } }, "RangeError", 'breaker.mode must be one of "consecutive", "failure-rate", got "rate"']] },
  { path: "breaker.failureThreshold", type: "number", check: { count: 1 }, ts: "number", default: "5",
    doc: "Consecutive failures that open the breaker.",
    more: "5xx, network errors and timeouts count; 4xx never, except a 429 without a usable\nRetry-After or one above maxRetryAfterMs.",
    bad: [[{ breaker: { failureThreshold: -2 } }, "RangeError", "breaker.failureThreshold must be an integer >= 1, got -2"]] },
  { path: "breaker.resetTimeoutMs", type: "number", check: { millis: ">= 0" }, ts: "number", default: "30000",
    doc: "Open time before a half-open probe.",
    more: "In ms.",
    bad: [[{ breaker: { resetTimeoutMs: NaN } }, "RangeError", "breaker.resetTimeoutMs must be a number of milliseconds >= 0, got NaN"]] },
  { path: "breaker.halfOpenMaxProbes", type: "number", check: { count: 1 }, ts: "number", default: "1",
    doc: "Probes out at once while half-open.",
    bad: [[{ breaker: { halfOpenMaxProbes: 0 } }, "RangeError", "breaker.halfOpenMaxProbes must be an integer >= 1, got 0"]] },
  { path: "breaker.failureRateThreshold", type: "number", check: { fraction: "(0,1]" }, ts: "number", default: "0.5",
    doc: "The failure share that opens a failure-rate breaker.",
    more: "In (0, 1].",
    bad: [[{ breaker: { failureRateThreshold: 1.5 } }, "RangeError", "breaker.failureRateThreshold must be a number > 0 and <= 1, got 1.5"]] },
  { path: "breaker.minimumThroughput", type: "number", check: { count: 1 }, ts: "number", default: "10",
    doc: "Outcomes in the window before a failure-rate breaker judges.",
    bad: [] },
  { path: "breaker.windowMs", type: "number", check: { millis: "> 0" }, ts: "number", default: "30000",
    doc: "The failure-rate window.",
    more: "In ms.",
    bad: [] },
  { path: "budget", type: "group", ts: "BudgetOptions | boolean", default: "on",
    doc: "A retry budget per key; `false`: retries bounded by `maxAttempts` only.",
    more: "The retry budget, per key: retries allowed as a share of recent successes (the default,\nGoogle SRE's adaptive throttling with K = 2) or of recent calls (`ratio`, the article's\nform). Never refuses a first attempt. Retries of a 429 are paced by the route's holds and\nlearned send rate instead (with `adaptiveRate` on).",
    bad: [] },
  { path: "budget.ratio", type: "number", check: { fraction: "[0,1]" }, ts: "number", default: "none",
    doc: "Retries per call in the window (the SRE book's form); exclusive with `retriesPerSuccess`.",
    more: "In [0, 1]: counts retries against calls.",
    tsDefault: "undefined (the budget counts against successes)",
    bad: [[{ budget: { ratio: -0.1 } }, "RangeError", "budget.ratio must be a number from 0 to 1, got -0.1"]] },
  { path: "budget.retriesPerSuccess", type: "number", check: { number: ">= 0", absentWith: "ratio" },
    ts: "number", default: "1",
    doc: "Retries per success in the window: an outage earns no retries.",
    more: ">= 0.",
    bad: [
      [{ budget: { retriesPerSuccess: -1 } }, "RangeError", "budget.retriesPerSuccess must be a number >= 0, got -1"],
      [{ budget: { ratio: 0.1, retriesPerSuccess: 1 } }, "RangeError", "budget.retriesPerSuccess must be absent when budget.ratio is set, got 1"],
    ] },
  { path: "budget.windowMs", type: "number", check: { millis: "> 0" }, ts: "number", default: "10000",
    doc: "The window the budget counts over.",
    more: "In ms.",
    bad: [[{ budget: { windowMs: 0 } }, "RangeError", "budget.windowMs must be a number of milliseconds > 0, got 0"]] },
  { path: "budget.minRetriesPerSecond", type: "number", check: { number: ">= 0" }, ts: "number", default: "10",
    doc: "Retries per second always allowed, so a quiet client can still retry.",
    bad: [[{ budget: { minRetriesPerSecond: -1 } }, "RangeError", "budget.minRetriesPerSecond must be a number >= 0, got -1"]] },
  { path: "hedge", type: "group", ts: "HedgeOptions | false", default: "off",
    doc: "Send a copy of a slow idempotent request.",
    more: "Hedged requests (idempotent methods only).",
    bad: [] },
  { path: "hedge.delayMs", type: "number", check: { millis: ">= 0", required: true }, ts: "number", default: "required",
    doc: "How long to wait for a response before sending a copy.",
    more: "In ms.",
    bad: [[{ hedge: { maxHedges: 2 } }, "TypeError", "hedge.delayMs must be a number of milliseconds >= 0, got undefined"]] },
  { path: "hedge.maxHedges", type: "number", check: { count: 1 }, ts: "number", default: "1",
    doc: "Copies at most, beside the original.",
    bad: [[{ hedge: { delayMs: 10, maxHedges: 0.5 } }, "RangeError", "hedge.maxHedges must be an integer >= 1, got 0.5"]] },
  { path: "rateLimit", type: "group", ts: "RateLimitOptions | false", default: "off",
    doc: "A client-side token bucket per key.",
    more: "Client-side rate limiting, per key: a token bucket.",
    bad: [] },
  { path: "rateLimit.requestsPerSecond", type: "number", check: { number: "> 0", required: true }, ts: "number",
    default: "required", doc: "The sustained rate.",
    bad: [[{ rateLimit: { requestsPerSecond: 0 } }, "RangeError", "rateLimit.requestsPerSecond must be a number > 0, got 0"]] },
  { path: "rateLimit.burst", type: "number", check: { count: 1 }, ts: "number", default: "ceil(requestsPerSecond)",
    doc: "The bucket's size.",
    more: "Attempts that may go back to back after a quiet period.",
    tsDefault: "Math.ceil(requestsPerSecond)",
    bad: [] },
  { path: "rateLimit.maxWaitMs", type: "number", check: { millis: ">= 0" }, ts: "number", default: "0",
    doc: "The longest wait for a token before `ThrottledError`.",
    more: "In ms.",
    bad: [[{ rateLimit: { requestsPerSecond: 5, maxWaitMs: -1 } }, "RangeError", "rateLimit.maxWaitMs must be a number of milliseconds >= 0, got -1"]] },
  { path: "bulkhead", type: "group", ts: "BulkheadOptions | false", default: "off",
    doc: "A bound on calls open at once per key.",
    more: "A bulkhead, per key: a bound on the calls open at once.",
    bad: [] },
  { path: "bulkhead.maxConcurrent", type: "number", check: { count: 1, required: true }, ts: "number", default: "required",
    doc: "Calls open at once.",
    more: "Per key; a slot is held for the whole call, retries included.",
    bad: [[{ bulkhead: { maxConcurrent: 0 } }, "RangeError", "bulkhead.maxConcurrent must be an integer >= 1, got 0"]] },
  { path: "bulkhead.maxQueue", type: "number", check: { count: 0 }, ts: "number", default: "0",
    doc: "Calls that may wait in line for a slot.",
    more: "First come, first served, bounded by the call's deadline and signal; beyond it calls\nreject with `ThrottledError` (waitMs 0).",
    bad: [] },
  { path: "pushback", type: "boolean", ts: "boolean", default: "false",
    doc: "Honour `Retry-Pushback-Ms` from a tier below.",
    more: "A non-negative integer is the least wait before a retry; anything else (e.g. `-1`, as\n`markNoRetry` sets) means \"do not retry\" (the call stops with reason `\"not-retryable\"`).",
    bad: [] },
  { path: "cooldown", type: "boolean", ts: "boolean", default: "true",
    doc: "A `Retry-After` holds back every call to the route, not only the one that got it.",
    more: "A 429 or 503 with `Retry-After` holds back every call of this instance to that route (the\nbreaker key and the URL's path) until then: a call whose deadline and `maxRetryAfterMs`\nallow it waits, others reject at once with `ThrottledError` (or go to `fallback`, reason\n`\"throttled\"`). A value past 24 hours is malformed and ignored. A 429's own retry waits\nfor the hold with no jitter of its own (the hold orders the calls).",
    bad: [] },
  { path: "paceFromHeaders", type: "boolean", ts: "boolean", default: "true",
    doc: "Rate-limit headers hold the route when the quota is spent.",
    more: "IETF `RateLimit` in its recent and earlier forms, `RateLimit-Remaining`/`-Reset`,\n`X-RateLimit-*`, `X-Rate-Limit-*`, Discord's `X-RateLimit-Reset-After`, OpenAI's\n`x-ratelimit-*-requests`/`-tokens`, Anthropic's `anthropic-ratelimit-*`; resets in delta\nseconds, epoch seconds or epoch ms, durations or RFC 3339 times. When nothing remains, every\ncall to the route waits until the reset (or rejects with `ThrottledError` if it cannot\nwait), and a 429 without `Retry-After` waits for its reset. Malformed fields, and resets\npast 24 hours, are ignored.",
    bad: [] },
  { path: "adaptiveRate", type: "boolean", ts: "boolean", default: "true",
    doc: "429s without a named time teach the route a send rate.",
    more: "A refusal cuts the rate to 0.8 x what the server was accepting, and it grows back along a\nCUBIC curve (the AWS SDKs' adaptive retry mode). Calls waiting for the route leave in\narrival order; `false` turns it off (hint-less 429s then back off like 503s).",
    bad: [[{ adaptiveRate: "yes" }, "TypeError", 'adaptiveRate must be a boolean, got "yes"']] },
  { path: "maxReplayBytes", type: "number", check: { count: 0 }, ts: "number", default: "0",
    doc: "Stream bodies up to this size are buffered as sent and replayed on a retry.",
    more: "A `ReadableStream`, async iterable or Node `Readable` body is kept as it is sent, up to\nthis many bytes, and the kept bytes are sent again on a retry; once the body passes the\nbound the buffer is dropped and the call commits to the attempt in flight (no retry, no\nhedge, as gRPC and Envoy do). 0: a stream body is sent once.",
    bad: [[{ maxReplayBytes: -1 }, "RangeError", "maxReplayBytes must be an integer >= 0, got -1"],
      [{ maxReplayBytes: "1mb" }, "TypeError", 'maxReplayBytes must be a number, got "1mb"']] },
  { path: "attemptHeader", type: "attemptHeader", ts: "string | false", default: "false",
    doc: "A header carrying the attempt number, so servers can shed retries first.",
    more: "The attempt number (1, 2, ...) in this request header on every attempt.",
    tsDefault: "undefined (not sent)",
    bad: [] },
  { path: "initialState", type: "snapshot", ts: "ResilienceSnapshot", default: "none",
    doc: "A `snapshot()` to start from (instance defaults only; ignored per call).",
    more: "Breakers, budget windows, rate-limiter schedules, holds and learned rates, as `snapshot()`\nreturned them (JSON round trip included). Times are absolute: what has ended since is dropped,\nnothing is extended. Checked when the instance is created; restored on its first use.",
    tsDefault: "undefined (a fresh instance)",
    bad: [
      [{ initialState: "saved" }, "TypeError", 'initialState must be an object from snapshot(), got "saved"'],
      [{ initialState: {} }, "TypeError", "initialState.version must be a number, got undefined"],
      [{ initialState: { version: 2 } }, "RangeError", "initialState.version must be 1, got 2"],
    ] },
  { path: "telemetry", type: "telemetry", ts: "TelemetryOptions | false", default: "off",
    doc: "OpenTelemetry: metrics through `meter`, a span per attempt through `tracer`.",
    more: "A `Meter` and optionally a `Tracer` from `@opentelemetry/api` (not imported by the package:\nnothing loads when this is not given). See the README's OpenTelemetry section.",
    bad: [
      [{ telemetry: true }, "TypeError", "telemetry must be an object with meter, or false, got true"],
      [{ telemetry: {} }, "TypeError", "telemetry.meter must be an object (an OpenTelemetry Meter), got undefined"],
      [{ telemetry: { meter: {}, tracer: 1 } }, "TypeError", "telemetry.tracer must be an object (an OpenTelemetry Tracer), got 1"],
      [{ telemetry: { meter: {}, exporter: {} } }, "TypeError", "telemetry.exporter is not an option (known: meter, tracer)"],
    ] },
  { path: "shared", type: "shared", ts: "SharedOptions", default: "none",
    doc: "Breakers, holds and learned rates shared by a fleet through a store (instance defaults only).",
    more: "`{ store, refreshMs = 1000, timeoutMs = 500, onUnavailable? }`: `store` from\n`resilient-fetch/durable-object` or `resilient-fetch/redis` (or your own `SharedStore`). Decisions\nstay local; the store is told when this instance's state changes and asked for the half-open\nprobe permit. See the README's \"State beyond one isolate\". Ignored per call.",
    bad: [
      [{ shared: true }, "TypeError", "shared must be an object with store, got true"],
      [{ shared: {} }, "TypeError", "shared.store must be an object with an exchange function, got undefined"],
      [{ shared: { store: { exchange: 1 } } }, "TypeError", "shared.store must be an object with an exchange function, got an object"],
      [{ shared: { store: { exchange() {} }, refreshMs: -1 } }, "RangeError", "shared.refreshMs must be a number of milliseconds >= 0, got -1"],
      [{ shared: { store: { exchange() {} }, timeoutMs: 0 } }, "RangeError", "shared.timeoutMs must be a number of milliseconds > 0, got 0"],
      [{ shared: { store: { exchange() {} }, timeoutMs: "1s" } }, "TypeError", 'shared.timeoutMs must be a number, got "1s"'],
      [{ shared: { store: { exchange() {} }, onUnavailable: 1 } }, "TypeError", "shared.onUnavailable must be a function, got 1"],
      [{ shared: { store: { exchange() {} }, region: "x" } }, "TypeError", "shared.region is not an option (known: store, refreshMs, timeoutMs, onUnavailable)"],
    ] },
  { path: "fallback", type: "function", ts: "(ctx: FallbackContext) => Response | Promise<Response>", default: "none",
    doc: "Answers instead of a rejection or a final retryable status.",
    more: "Used when the policy gives up or the breaker is open; its Response is the call's result.\nIf it throws, the call rejects with that error, whose `cause` is the original failure.",
    bad: [[{ fallback: "cached" }, "TypeError", 'fallback must be a function, got "cached"']] },
  { path: "shouldRetry", type: "function", ts: "(ctx: ShouldRetryContext) => boolean | undefined | void | Promise<boolean | undefined | void>", default: "none",
    doc: "Judges each failed attempt: `true` retry it, `false` stop, `undefined` the classifier decides.",
    more: "Called for a transport failure or a response with status >= 400, before anything is decided;\nmay be async. `true` retries even a status the classifier would not (a 401), still within\n`maxAttempts`, the deadline, the budget, an open breaker and the request's own retryability.\n`false` resolves with the response as final, or rejects with `RetryError` (reason\n`\"not-retryable\"`). A hook that throws or rejects counts as `undefined`.",
    bad: [[{ shouldRetry: true }, "TypeError", "shouldRetry must be a function, got true"]] },
  { path: "beforeRetry", type: "function", ts: "(ctx: BeforeRetryContext) => void | Promise<void>", default: "none",
    doc: "Called after each retry's wait, before it is sent: may change its headers.",
    more: "`ctx.headers` is the next attempt's `Headers`; changes persist to later attempts (the\n`Idempotency-Key` stays the call's). May be async. The one hook whose throw ends the call:\nit rejects with that error, whose `cause` is the last failure (the error or the Response).",
    bad: [[{ beforeRetry: "refresh" }, "TypeError", 'beforeRetry must be a function, got "refresh"']] },
  { path: "onRetry", type: "function", ts: "(event: RetryEvent) => void", default: "none",
    doc: "Called before each retry's wait.",
    more: "A hook that throws does not break the call.",
    bad: [[{ onRetry: {} }, "TypeError", "onRetry must be a function, got an object"]] },
  { path: "onBreakerStateChange", type: "function", ts: "(change: BreakerStateChange) => void", default: "none",
    doc: "Called when a breaker opens, half-opens or closes.",
    bad: [] },
  { path: "onHedge", type: "function", ts: "(event: HedgeEvent) => void", default: "none",
    doc: "Called when a hedge goes out.",
    bad: [] },
];

// Bad input that no single row owns.
export const BAD = [
  [{ retry: { maxAtempts: 3 } }, "TypeError", "retry.maxAtempts is not an option (known: maxAttempts, baseDelayMs, maxDelayMs, jitter, methods, statusCodes, respectRetryAfter, maxRetryAfterMs, retryAfterJitterMs, deadlineMs)"],
];
