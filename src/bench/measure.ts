/** Timing helpers: tinybench for micro-benchmarks, plain loops for throughput and latency. */
import { Bench } from 'tinybench';

export interface Sample {
  /** Median time of one operation, in milliseconds. */
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly opsPerSecond: number;
}

/** Runs `fn` repeatedly for about `timeMs` after a warm-up, and returns its latency statistics. */
export async function micro(name: string, fn: () => unknown, timeMs: number): Promise<Sample> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs), warmupIterations: 3 });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (result.state !== 'completed') throw new Error(`benchmark ${name} did not complete (${result.state})`);
  return { medianMs: result.latency.p50, p99Ms: result.latency.p99, opsPerSecond: 1000 / result.latency.p50 };
}

/**
 * Measures each function in turn, `rounds` times over, so that drift (JIT tiers, GC, a noisy
 * neighbour) falls on all of them alike. Each gets the median of its rounds; `ratio(a, b)` is the
 * median of the per-round ratios of a's time to b's, the figure that stays put from run to run.
 */
export async function interleaved<K extends string>(
  fns: Readonly<Record<K, () => unknown>>,
  rounds: number,
  timeMs: number,
): Promise<{ samples: Record<K, Sample>; ratio(a: K, b: K): number }> {
  const names = Object.keys(fns) as K[];
  const perRound = new Map<K, Sample[]>(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) for (const name of names) perRound.get(name)!.push(await micro(name, fns[name], timeMs / rounds));
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const samples = {} as Record<K, Sample>;
  for (const name of names) {
    const runs = perRound.get(name)!;
    const medianMs = median(runs.map((s) => s.medianMs));
    samples[name] = { medianMs, p99Ms: median(runs.map((s) => s.p99Ms)), opsPerSecond: 1000 / medianMs };
  }
  return {
    samples,
    ratio: (a, b) => median(perRound.get(a)!.map((s, i) => s.medianMs / perRound.get(b)![i]!.medianMs)),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Latency of each call and the overall rate of `count` calls made by `concurrency` workers. */
export async function throughput(
  count: number,
  concurrency: number,
  call: (worker: number, i: number) => Promise<unknown>,
): Promise<Sample & { latencies: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t = performance.now();
        await call(worker, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { medianMs: percentile(latencies, 50), p99Ms: percentile(latencies, 99), opsPerSecond: count / seconds, latencies: latencies.length };
}

/** Bytes the heap grew by during one call, after a full collection (needs --expose-gc). */
export function allocatedBytes(fn: () => void): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    fn();
    runs.push(Math.max(0, process.memoryUsage().heapUsed - before));
  }
  runs.sort((a, b) => a - b);
  return runs[2]!;
}
