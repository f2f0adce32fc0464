// OpenTelemetry with the real SDK's in-memory exporters (@opentelemetry/sdk-metrics and
// sdk-trace-base): what `telemetry: { meter, tracer }` records for retries, budget refusals,
// short-circuits, breaker changes and hedges, under the HTTP semantic conventions' names.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createResilientFetch, CircuitOpenError } from "resilient-fetch";
import { startServer } from "./scripted.mjs";

let server;
let seq = 0;
const script = (steps) => `${server.origin}/s/otel${++seq}/${steps}`;
before(async () => (server = await startServer()));
after(() => server.close());

/** A fresh meter and tracer over in-memory exporters, and a reader of what they hold. */
function sdk() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meters = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracers = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  return {
    telemetry: { meter: meters.getMeter("test"), tracer: tracers.getTracer("test") },
    /** name -> [{ attributes, value }] (a histogram's value: its count and sum). */
    async metrics() {
      await reader.forceFlush();
      const out = {};
      for (const rm of exporter.getMetrics()) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) {
            out[m.descriptor.name] = {
              unit: m.descriptor.unit,
              points: m.dataPoints.map((d) => ({
                attributes: d.attributes,
                value: typeof d.value === "number" ? d.value : { count: d.value.count, sum: d.value.sum },
              })),
            };
          }
        }
      }
      exporter.reset();
      return out;
    },
    spans: () => spans.getFinishedSpans(),
  };
}

const total = (metric) => (metric?.points ?? []).reduce((n, p) => n + (typeof p.value === "number" ? p.value : p.value.count), 0);
const fast = { retry: { baseDelayMs: 5, maxDelayMs: 10, jitter: "none" }, adaptiveRate: false };

test("attempts, retries by reason and retry delays, one client span per attempt", async () => {
  const o = sdk();
  const f = createResilientFetch({ ...fast, telemetry: o.telemetry });
  const url = script("503,503,200");
  assert.equal((await f(url)).status, 200);
  const m = await o.metrics();
  const host = new URL(server.origin).hostname;
  assert.equal(total(m["resilient_fetch.attempts"]), 3);
  const failed = m["resilient_fetch.attempts"].points.find((p) => p.attributes["http.response.status_code"] === 503);
  assert.deepEqual(failed.attributes, {
    "http.request.method": "GET",
    "server.address": host,
    "http.response.status_code": 503,
    "error.type": "503",
  });
  assert.equal(failed.value, 2);
  assert.equal(total(m["resilient_fetch.retries"]), 2);
  assert.equal(m["resilient_fetch.retries"].points[0].attributes["resilient_fetch.retry.reason"], "status");
  assert.equal(m["resilient_fetch.retry.delay"].unit, "ms");
  assert.equal(m["resilient_fetch.retry.delay"].points[0].value.count, 2);
  assert.ok(m["resilient_fetch.retry.delay"].points[0].value.sum >= 15, "5 + 10 ms at least");

  const spans = o.spans();
  assert.equal(spans.length, 3);
  assert.deepEqual(
    spans.map((s) => [s.name, s.kind, s.attributes["http.request.resend_count"], s.attributes["http.response.status_code"], s.status.code]),
    [
      ["GET", 2, undefined, 503, 2],
      ["GET", 2, 1, 503, 2],
      ["GET", 2, 2, 200, 0],
    ],
  );
  assert.equal(spans[0].attributes["url.full"], url);
  assert.equal(spans[0].attributes["server.address"], host);
  assert.equal(spans[0].attributes["server.port"], Number(new URL(server.origin).port));
});

test("network failures and timeouts carry error.type", async () => {
  const o = sdk();
  const f = createResilientFetch({ ...fast, timeoutMs: 200, telemetry: o.telemetry });
  assert.equal((await f(script("stall,200"))).status, 200);
  assert.equal((await f(script("reset,200"))).status, 200);
  const m = await o.metrics();
  const types = m["resilient_fetch.attempts"].points.map((p) => `${p.attributes["error.type"]}:${p.value}`).sort();
  assert.deepEqual(types, ["network:1", "timeout:1", "undefined:2"]);
  const reasons = m["resilient_fetch.retries"].points.map((p) => p.attributes["resilient_fetch.retry.reason"]).sort();
  assert.deepEqual(reasons, ["network", "timeout"]);
});

test("budget refusals", async () => {
  const o = sdk();
  const f = createResilientFetch({ ...fast, budget: { ratio: 0.001, minRetriesPerSecond: 0.001 }, breaker: false, telemetry: o.telemetry });
  // The budget allows no retry: each 503 stops its call.
  assert.equal((await f(script("503"))).status, 503);
  assert.equal((await f(script("503"))).status, 503);
  const m = await o.metrics();
  assert.equal(total(m["resilient_fetch.budget.refusals"]), 2);
});

test("short-circuits and breaker changes", async () => {
  const o = sdk();
  const f = createResilientFetch({ ...fast, retry: false, breaker: { failureThreshold: 1, key: "otel" }, telemetry: o.telemetry });
  assert.equal((await f(script("503"))).status, 503);
  await assert.rejects(f(script("200")), CircuitOpenError);
  const m = await o.metrics();
  assert.equal(total(m["resilient_fetch.breaker.short_circuits"]), 1);
  assert.deepEqual(m["resilient_fetch.breaker.transitions"].points.map((p) => p.attributes), [
    { "resilient_fetch.breaker.key": "otel", "resilient_fetch.breaker.from": "closed", "resilient_fetch.breaker.to": "open" },
  ]);
});

test("a hedge's copy has its own span; the loser's ends as cancelled", async () => {
  const o = sdk();
  const f = createResilientFetch({ ...fast, hedge: { delayMs: 50 }, telemetry: o.telemetry });
  const res = await f(script("200;delay=1000,200"));
  assert.equal(await res.text(), "200 #2");
  await new Promise((r) => setTimeout(r, 20));
  const spans = o.spans();
  assert.equal(spans.length, 2);
  const hedge = spans.find((s) => s.attributes["resilient_fetch.hedge"] === true);
  assert.equal(hedge.attributes["http.response.status_code"], 200);
  const lost = spans.find((s) => s !== hedge);
  assert.equal(lost.attributes["error.type"], "cancelled");
});

test("a meter or tracer that throws never breaks a call", async () => {
  const broken = {
    createCounter() {
      throw new Error("meter");
    },
    createHistogram() {
      throw new Error("meter");
    },
  };
  const tracer = {
    startSpan() {
      throw new Error("tracer");
    },
  };
  const f = createResilientFetch({ ...fast, telemetry: { meter: broken, tracer } });
  assert.equal((await f(script("503,200"))).status, 200);
});

test("telemetry is checked like every option", () => {
  assert.throws(() => createResilientFetch({ telemetry: {} }), {
    name: "TypeError",
    message: "telemetry.meter must be an object (an OpenTelemetry Meter), got undefined",
  });
  assert.throws(() => createResilientFetch({ telemetry: { meter: {}, tracer: "t" } }), {
    name: "TypeError",
    message: 'telemetry.tracer must be an object (an OpenTelemetry Tracer), got "t"',
  });
});
