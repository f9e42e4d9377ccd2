// The price of tracing a Redis `get`: the same store, the same server, the same run, with the
// instrumentation enabled and an SDK recording every span and metric, against it disabled (then
// nothing subscribes to core's channels). Bound: 1.15× (README, "Cost").
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/redis-get.bench.ts      (from packages/opentelemetry, after a build)
//
// Channels are process-wide, so the two sides are the instrumentation switched on and off between
// blocks of calls, the side going first alternating, so both see the same machine load. The
// table shows median µs per call (wall, one call in flight) over the rounds and the median of
// each round's on ÷ off; CPU µs per call beside it.
import { loadavg } from "node:os";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { RedisSessionKVStore } from "@sessionkv/redis";
import { startRedis } from "@sessionkv/test-kit";
import { SessionKVInstrumentation } from "../dist/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BLOCK = 200;
const BLOCKS_PER_ROUND = 10;
const BOUND = 1.15;

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const server = await startRedis();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 200 })],
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = new SessionKVInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  const store = new RedisSessionKVStore({ url: server.url as string, keyPrefix: "bench-otel:" });
  try {
    await store.start();
    await store.set("k", new Uint8Array(200).fill(1), 600_000);
    const block = async (on: boolean) => {
      if (on) instrumentation.enable();
      else instrumentation.disable();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let i = 0; i < BLOCK; i++) await store.get("k");
      const wall = Number(process.hrtime.bigint() - started) / 1e3;
      const spent = process.cpuUsage(cpu);
      return { wall, cpu: spent.user + spent.system };
    };
    for (let i = 0; i < 4; i++) {
      await block(true);
      await block(false);
    }
    await tracerProvider.forceFlush();
    exporter.reset();
    const on = { wall: [] as number[], cpu: [] as number[] };
    const off = { wall: [] as number[], cpu: [] as number[] };
    const ratios: number[] = [];
    let spans = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let onWall = 0;
      let offWall = 0;
      let onCpu = 0;
      let offCpu = 0;
      for (let b = 0; b < BLOCKS_PER_ROUND; b++) {
        for (const side of (b + round) % 2 === 0 ? [true, false] : [false, true]) {
          const t = await block(side);
          if (side) {
            onWall += t.wall;
            onCpu += t.cpu;
          } else {
            offWall += t.wall;
            offCpu += t.cpu;
          }
        }
      }
      const calls = BLOCK * BLOCKS_PER_ROUND;
      on.wall.push(onWall / calls);
      off.wall.push(offWall / calls);
      on.cpu.push(onCpu / calls);
      off.cpu.push(offCpu / calls);
      ratios.push(onWall / offWall);
      await tracerProvider.forceFlush();
      spans += exporter.getFinishedSpans().length;
      exporter.reset();
    }
    const ratio = median(ratios);
    console.log(
      `${server.image}, node ${process.version}, ${ROUNDS} rounds of ${BLOCK * BLOCKS_PER_ROUND} gets a side`,
    );
    console.log(
      `redis get   instrumented ${median(on.wall).toFixed(1)} µs (cpu ${median(on.cpu).toFixed(1)})   ` +
        `uninstrumented ${median(off.wall).toFixed(1)} µs (cpu ${median(off.cpu).toFixed(1)})   ` +
        `on÷off ${ratio.toFixed(3)}   ≤${BOUND} ${ratio <= BOUND ? "ok" : "OVER"}`,
    );
    console.log(`load average at the end: ${loadavg()[0]?.toFixed(1)}`);
    const expected = ROUNDS * BLOCK * BLOCKS_PER_ROUND;
    if (spans !== expected)
      throw new Error(`recorded ${spans} spans, want ${expected}: the SDK was not recording`);
    const { resourceMetrics } = await reader.collect();
    if (resourceMetrics.scopeMetrics.length === 0) throw new Error("no metrics recorded");
    if (ratio > BOUND) process.exitCode = 1;
  } finally {
    instrumentation.disable();
    await store.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    await server.stop();
  }
}

await main();
