// OpenTelemetry, when the caller hands over a Meter (and optionally a Tracer) from
// `@opentelemetry/api`: the package never imports it (an optional peer: nothing loads when
// `telemetry` is not given), it only calls the objects it is given, so it works wherever the
// caller's SDK does (Node, Deno, Workers, browsers). Names follow the HTTP semantic
// conventions for attributes (`server.address`, `http.request.method`,
// `http.response.status_code`, `error.type`, `http.request.resend_count`); the package's own
// instruments live under `resilient_fetch.`. A telemetry call that throws is swallowed, as
// for every hook: recording never breaks a request.

import type { TelemetryAttributes, TelemetryMeter, TelemetrySpan, TelemetryTracer } from "./types.js";

/** `SpanKind.CLIENT` and `SpanStatusCode.ERROR` of `@opentelemetry/api`, by value. */
const CLIENT = 2;
const ERROR = 2;

type Counter = ReturnType<TelemetryMeter["createCounter"]>;
type Histogram = ReturnType<TelemetryMeter["createHistogram"]>;

/** The instruments of one meter, made once. */
interface Instruments {
  attempts: Counter;
  retries: Counter;
  budgetRefusals: Counter;
  shortCircuits: Counter;
  transitions: Counter;
  delay: Histogram;
}

const made = new WeakMap<object, Instruments>();

function instruments(meter: TelemetryMeter): Instruments {
  let i = made.get(meter);
  if (i === undefined) {
    const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description });
    i = {
      attempts: counter("resilient_fetch.attempts", "{attempt}", "Requests sent, hedges and retries included"),
      retries: counter("resilient_fetch.retries", "{retry}", "Retries, by the reason of the failure retried"),
      budgetRefusals: counter("resilient_fetch.budget.refusals", "{retry}", "Retries the retry budget refused"),
      shortCircuits: counter("resilient_fetch.breaker.short_circuits", "{call}", "Calls an open breaker refused"),
      transitions: counter("resilient_fetch.breaker.transitions", "{transition}", "Breaker state changes"),
      delay: meter.createHistogram("resilient_fetch.retry.delay", { unit: "ms", description: "Waits before retries" }),
    };
    made.set(meter, i);
  }
  return i;
}

/** What one call records: its attributes, worked out once. */
export class CallTelemetry {
  private readonly base: TelemetryAttributes;
  private readonly url: string;
  private readonly port: number | undefined;

  constructor(
    private readonly i: Instruments | undefined,
    private readonly tracer: TelemetryTracer | undefined,
    url: string,
    method: string,
  ) {
    this.url = url;
    let host = "";
    try {
      const u = new URL(url);
      host = u.hostname;
      this.port = Number(u.port) || (u.protocol === "https:" ? 443 : u.protocol === "http:" ? 80 : undefined);
    } catch {
      // A URL fetch will reject: no address.
    }
    this.base = { "http.request.method": method, "server.address": host };
  }

  /** An attempt (or a hedge's copy of it) goes out: its span, if there is a tracer. */
  sent(attempt: number, hedge: boolean): TelemetrySpan | undefined {
    if (this.tracer === undefined) return undefined;
    return quietly(() => {
      const attributes: TelemetryAttributes = { ...this.base, "url.full": this.url };
      if (this.port !== undefined) attributes["server.port"] = this.port;
      if (attempt > 1) attributes["http.request.resend_count"] = attempt - 1;
      if (hedge) attributes["resilient_fetch.hedge"] = true;
      return this.tracer!.startSpan(String(this.base["http.request.method"]), { kind: CLIENT, attributes });
    });
  }

  /** An attempt ended with `status`, or with no response (`error`: "network", "timeout"...). */
  ended(span: TelemetrySpan | undefined, status: number | undefined, error: string | undefined): void {
    quietly(() => {
      const attributes: TelemetryAttributes = { ...this.base };
      if (status !== undefined) attributes["http.response.status_code"] = status;
      const type = error ?? (status !== undefined && status >= 400 ? String(status) : undefined);
      if (type !== undefined) attributes["error.type"] = type;
      this.i?.attempts.add(1, attributes);
      if (span !== undefined) {
        if (status !== undefined) span.setAttribute("http.response.status_code", status);
        if (type !== undefined) {
          span.setAttribute("error.type", type);
          span.setStatus({ code: ERROR });
        }
        span.end();
      }
    });
  }

  /** A retry after `ms`, of a failure of `reason` ("status", "network", "timeout"). */
  retry(reason: string, ms: number): void {
    quietly(() => {
      const attributes = { ...this.base, "resilient_fetch.retry.reason": reason };
      this.i?.retries.add(1, attributes);
      this.i?.delay.record(ms, attributes);
    });
  }

  /** The budget refused a retry. */
  budgetRefused(): void {
    quietly(() => this.i?.budgetRefusals.add(1, this.base));
  }

  /** An open breaker refused the call (or its retry). */
  shortCircuited(): void {
    quietly(() => this.i?.shortCircuits.add(1, this.base));
  }

  /** A breaker changed state. */
  transition(key: string, from: string, to: string): void {
    quietly(() =>
      this.i?.transitions.add(1, {
        "resilient_fetch.breaker.key": key,
        "resilient_fetch.breaker.from": from,
        "resilient_fetch.breaker.to": to,
      }),
    );
  }
}

function quietly<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** The telemetry of one call under `option` (`telemetry: { meter, tracer? }`), or none. */
export function callTelemetry(option: unknown, url: string, method: string): CallTelemetry | undefined {
  if (typeof option !== "object" || option === null) return undefined;
  const { meter, tracer } = option as { meter?: TelemetryMeter; tracer?: TelemetryTracer };
  const i = meter === undefined ? undefined : quietly(() => instruments(meter));
  if (i === undefined && tracer === undefined) return undefined;
  return new CallTelemetry(i, tracer, url, method);
}
