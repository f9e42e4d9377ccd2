import { MeterProvider, type MetricData, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { SessionKVInstrumentation, type SessionKVInstrumentationConfig } from "../src/index.js";

/** A reader the test collects from on demand. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The real SDK recording everything: an in-memory span exporter and a metric reader. */
export function recordingSdk(config: SessionKVInstrumentationConfig = {}) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = new SessionKVInstrumentation(config);
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  return {
    instrumentation,
    tracerProvider,
    meterProvider,
    /** Finished spans, `start` operations left out (each test's stores start under the SDK). */
    spans: (): ReadableSpan[] =>
      exporter.getFinishedSpans().filter((s) => s.attributes["db.operation.name"] !== "start"),
    reset: () => exporter.reset(),
    async metrics(): Promise<Map<string, MetricData>> {
      const { resourceMetrics } = await reader.collect();
      const found = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) found.set(metric.descriptor.name, metric);
      return found;
    },
    async shutdown(): Promise<void> {
      instrumentation.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Every attribute value of every span and data point, as one string: for "no id leaks" checks. */
export function everyAttribute(spans: readonly ReadableSpan[], metrics: Map<string, MetricData>): string {
  const values: unknown[] = [];
  for (const span of spans) values.push(span.name, span.attributes, span.status);
  for (const metric of metrics.values()) for (const point of metric.dataPoints) values.push(point.attributes);
  return JSON.stringify(values);
}
