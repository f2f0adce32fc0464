// Replays the shared test vectors through the JavaScript engine API (`EngineClient`):
// runtime-agnostic, used by the conformance suite in every runtime. The transcript words are
// the native player's (tests/vectors/player.rs): the wire's (src/engine/wire.rs).

/** An engine API action as one transcript line: the wire's text form (src/engine/wire.rs),
 * the only JavaScript encoder of it (the component host adapts its actions to this shape). */
export function line(a) {
  const timeout = a.timeoutMs === undefined ? "" : ` timeout=${a.timeoutMs}`;
  switch (a.type) {
    case "send":
      return `send ${a.attempt}${timeout}`;
    case "hedge":
      return `hedge ${a.attempt} copy=${a.copy}${timeout}`;
    case "queued":
      return `queued ${a.ticket}${timeout}`;
    case "pending":
      return "pending";
    case "wait":
      return a.reason === "retry-after" ? `wait ${a.ms} retry-after=${a.retryAfterMs}` : `wait ${a.ms} ${a.reason}`;
    case "respond":
      return a.stop === undefined ? "respond" : `respond ${a.stop}`;
    case "reject":
      if (a.failure === "gave-up") return `reject gave-up ${a.stop}`;
      if (a.failure === "circuit-open") return `reject circuit-open ${a.retryAfterMs}`;
      if (a.failure === "throttled") return `reject throttled ${a.waitMs}`;
      return `reject ${a.failure}`;
    default:
      return `unknown ${String(a.type)}`;
  }
}

function merge(base, over) {
  if (over === undefined) return base;
  if (!base || typeof base !== "object" || !over || typeof over !== "object") return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" ? { ...b, ...v } : v;
  }
  return out;
}

export function play(EngineClient, s) {
  const out = [];
  const client = new EngineClient(BigInt(s.seed));
  const key = "https://api.example";
  for (const c of s.calls) {
    let call;
    try {
      call = client.start(merge(s.options, c.options), { key, method: c.method, idempotencyKey: !!c.key, replayableBody: !c.stream, path: c.path }, c.start);
    } catch (e) {
      out.push(`error ${e instanceof RangeError ? "out-of-range" : "wrong-type"} ${e.message}`);
      continue;
    }
    let action = call.first;
    let now = c.start;
    const steps = [...c.steps];
    for (let guard = 0; guard < 100; guard++) {
      out.push(line(action));
      if (action.type === "send") {
        const step = steps.shift();
        if (!step) break;
        if (step.transport) {
          now += step.transport === "timeout" && action.timeoutMs !== undefined ? action.timeoutMs : step.after;
          action = call.onTransportError(step.transport, now);
        } else {
          now += step.after;
          action = call.onResponse({ status: step.status, retryAfter: step.retryAfter, date: step.date, pushback: step.pushback, rateLimit: step.rateLimit }, now);
        }
      } else if (action.type === "wait") {
        now += action.ms;
        action = call.onWake(now);
      } else {
        break;
      }
    }
    out.push(`breaker ${client.breakerState(key, now)}`);
    call.free?.();
  }
  const st = client.stats();
  out.push(
    `stats requests=${st.requests} attempts=${st.attempts} retries=${st.retries} budget-denied=${st.budgetDenied} short-circuited=${st.shortCircuited} breaker-opened=${st.breakerOpened}`,
  );
  client.free?.();
  return out;
}

/** Replays every vector; returns { passed, failed: [first divergence per failing vector] }. */
export function replay(EngineClient, vectors) {
  const failed = [];
  for (const v of vectors) {
    const got = play(EngineClient, v);
    const want = v.expected;
    let i = got.findIndex((l, j) => l !== want[j]);
    if (i < 0 && got.length !== want.length) i = Math.min(got.length, want.length);
    if (i >= 0) failed.push(`${v.name}: first difference at step ${i}: got ${JSON.stringify(got[i])}, expected ${JSON.stringify(want[i])}`);
  }
  return { passed: vectors.length - failed.length, failed };
}
