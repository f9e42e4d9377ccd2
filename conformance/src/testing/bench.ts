// A store-vs-raw benchmark harness: the store and a raw client doing the same work, in the same
// run, against the same server, so the ratio is the store's own overhead. Calls are sequential
// (one in flight): the ratio is the per-call latency overhead.

/** One operation measured on both sides; `i` counts calls from 0 within a round. */
export interface BenchCase {
  readonly name: string;
  readonly iterations: number;
  readonly store: (i: number) => unknown;
  readonly raw: (i: number) => unknown;
  /** Acceptance bound for store ÷ raw: the table marks the row `ok` or `OVER`. */
  readonly bound?: number;
}

export interface CompareOptions {
  readonly cases: readonly BenchCase[];
  /** Rounds per case; the table shows medians over them. */
  readonly rounds: number;
  /**
   * Store and raw alternate every `slice` calls (1, the default: call by call), the side going
   * first alternating too, so both see the same machine load — on a shared machine the load
   * changes faster than a block of calls lasts. Calls too short to time one by one (an
   * in-process store) want larger slices.
   */
  readonly slice?: number;
  /** Warm-up calls per side before the rounds (JIT, connection buffers), as a fraction of `iterations`. Default 0.25. */
  readonly warmup?: number;
  /** Printed above the table. */
  readonly title?: string;
  /** Column labels; default "store" and "raw". */
  readonly labels?: { readonly store?: string; readonly raw?: string };
  /** Where the table goes; default console.log. `false` prints nothing. */
  readonly print?: ((line: string) => void) | false;
}

export interface BenchRow {
  readonly name: string;
  /** Median µs per call over the rounds. */
  readonly storeUs: number;
  readonly rawUs: number;
  /** Median over the rounds of each round's store ÷ raw time: each round's pair saw the same load. */
  readonly ratio: number;
  readonly bound?: number;
}

/** Runs every case in interleaved rounds, prints the table, returns its rows. */
export async function compare(options: CompareOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of options.cases) {
    const warm = Math.ceil(c.iterations * (options.warmup ?? 0.25));
    await timePerCall(c.store, warm);
    await timePerCall(c.raw, warm);
    const storeTimes: number[] = [];
    const rawTimes: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const times = await interleaved(c, options.slice ?? 1, round);
      storeTimes.push(times.store);
      rawTimes.push(times.raw);
      ratios.push(times.store / times.raw);
    }
    rows.push({
      name: c.name,
      storeUs: median(storeTimes),
      rawUs: median(rawTimes),
      ratio: median(ratios),
      ...(c.bound === undefined ? {} : { bound: c.bound }),
    });
  }
  if (options.print !== false) {
    const print = options.print ?? console.log;
    if (options.title !== undefined) print(options.title);
    for (const line of formatTable(rows, options.labels)) print(line);
  }
  return rows;
}

/** One round of a case: µs per call for each side, slices alternating. */
async function interleaved(
  c: BenchCase,
  slice: number,
  round: number,
): Promise<{ store: number; raw: number }> {
  let store = 0n;
  let raw = 0n;
  const size = Math.max(1, slice);
  for (let from = 0, n = 0; from < c.iterations; from += size, n++) {
    const to = Math.min(c.iterations, from + size);
    const storeFirst = (n + round) % 2 === 0;
    for (const side of storeFirst ? (["store", "raw"] as const) : (["raw", "store"] as const)) {
      const run = c[side];
      const started = process.hrtime.bigint();
      for (let i = from; i < to; i++) await run(i);
      const spent = process.hrtime.bigint() - started;
      if (side === "store") store += spent;
      else raw += spent;
    }
  }
  return { store: Number(store) / 1e3 / c.iterations, raw: Number(raw) / 1e3 / c.iterations };
}

/** The table `compare` prints: µs per call, ops/s, store ÷ raw, and the bound when a case has one. */
export function formatTable(rows: readonly BenchRow[], labels: CompareOptions["labels"] = {}): string[] {
  const s = labels.store ?? "store";
  const r = labels.raw ?? "raw";
  const width = Math.max("operation".length, ...rows.map((row) => row.name.length)) + 2;
  const bounded = rows.some((row) => row.bound !== undefined);
  const ops = (us: number) => Math.round(1e6 / us).toLocaleString("en-US");
  const cells = (name: string, values: string[]) =>
    [name.padEnd(width), ...values.map((v, i) => v.padStart([13, 13, 13, 13, 11, 8, 0][i] ?? 0))]
      .join("")
      .trimEnd();
  const lines = [
    cells("operation", [
      `${s} µs`,
      `${r} µs`,
      `${s} ops/s`,
      `${r} ops/s`,
      `${s}÷${r}`,
      ...(bounded ? ["bound", ""] : []),
    ]),
  ];
  for (const row of rows) {
    const verdict =
      row.bound === undefined ? ["", ""] : [`≤${row.bound}`, row.ratio <= row.bound ? " ok" : " OVER"];
    lines.push(
      cells(row.name, [
        row.storeUs.toFixed(1),
        row.rawUs.toFixed(1),
        ops(row.storeUs),
        ops(row.rawUs),
        row.ratio.toFixed(2),
        ...(bounded ? verdict : []),
      ]),
    );
  }
  return lines;
}

/** µs per call of `run` over `iterations` sequential calls. */
export async function timePerCall(run: (i: number) => unknown, iterations: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run(i);
  return Number(process.hrtime.bigint() - started) / 1e3 / Math.max(1, iterations);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
