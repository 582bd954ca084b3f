/**
 * The bus suite (`groundwork bench --store bus`): dispatch acknowledgements beside in-process
 * execution, end-to-end latency from dispatch to settled on a worker process, and throughput with
 * one, two and three worker processes, all on the shared PostgreSQL store and RabbitMQ, in a
 * schema and queues of their own, removed at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as Runtime from '../runtime/index.js';
import { cpus } from 'node:os';
import { dropSchema, type RawPool } from './baselines.js';
import { busyShare, machineCpu } from './cpu.js';
import { percentile, throughput } from './measure.js';
import { actorFor, workload, type BenchContext, type Row, type Suite } from './suites.js';

const CHILD = fileURLToPath(new URL('./bus-child.js', import.meta.url));
const STREAMS = 64;

export const bus: Suite = async (ctx) => {
  const url = ctx.databaseUrl;
  const busUrl = ctx.busUrl;
  if (url === undefined || busUrl === undefined) return [];
  const schema = `gw_bench_${randomBytes(4).toString('hex')}`;
  const rt = ctx.runtime;
  const work = workload(ctx);
  const app = await rt.openApp(ctx.definition, { databaseUrl: url, databaseSchema: schema, busUrl, kek: Buffer.alloc(32, 1), env: {} });
  const workers: Worker[] = [];
  try {
    const rows: Row[] = [];
    const count = ctx.quick ? 40 : 1500;
    ctx.progress('bus: opening the streams');
    workers.push(await startWorker(ctx, url, schema, busUrl));
    await settleAll(workers, await Promise.all(Array.from({ length: STREAMS }, (_, i) => dispatch(ctx, app, work.open(i)))));
    for (const inFlight of [1, 32]) {
      ctx.progress(`bus: ${count} dispatches, ${inFlight} in flight`);
      const ids: string[] = [];
      const acks = await throughput(count, inFlight, async (worker, i) => {
        ids.push(await dispatch(ctx, app, work.act(inFlight === 1 ? i % STREAMS : worker % STREAMS)));
      });
      // The worker drains what was dispatched before the in-process run, so the two do not share the machine.
      await settleAll(workers, ids);
      const local = await throughput(count, inFlight, (worker, i) => execute(ctx, app, work.act(inFlight === 1 ? i % STREAMS : worker % STREAMS)));
      rows.push(
        {
          suite: 'bus',
          name: `dispatch acknowledged, ${inFlight} in flight`,
          value: acks.opsPerSecond,
          unit: 'commands/s',
          p99: acks.p99Ms,
          note: `p50 ${acks.medianMs.toFixed(2)} ms, p99 ${acks.p99Ms.toFixed(2)} ms`,
        },
        {
          suite: 'bus',
          name: `in-process execute, ${inFlight} in flight`,
          value: local.opsPerSecond,
          unit: 'commands/s',
          p99: local.p99Ms,
          note: `p50 ${local.medianMs.toFixed(2)} ms, p99 ${local.p99Ms.toFixed(2)} ms`,
        },
      );
    }
    ctx.progress('bus: end-to-end latency');
    rows.push(...(await endToEnd(ctx, app, workers, work, ctx.quick ? 20 : 300)));
    for (const k of [1, 2, 3]) {
      while (workers.length < k) workers.push(await startWorker(ctx, url, schema, busUrl));
      // Let the partitions spread over the workers (a membership round is a second).
      await new Promise((resolve) => setTimeout(resolve, 2500));
      ctx.progress(`bus: throughput with ${k} worker(s)`);
      rows.push(await workerThroughput(ctx, app, workers, work, k, ctx.quick ? 60 : 2000));
    }
    return rows;
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    const store = app.store as Runtime.PostgresStore;
    await dropSchema(store.pool as unknown as RawPool, schema);
    await app.close();
    await rt.deleteRabbitTopology(busUrl, `gw.${schema}`);
  }
};

interface Worker {
  readonly settled: Map<string, number>;
  stop(): Promise<void>;
}

/** Called with the time a worker settled a command, as soon as its line arrives. */
const waiting = new Map<string, (at: number) => void>();

function settledAt(id: string): Promise<number> {
  return new Promise((resolve) => waiting.set(id, resolve));
}

async function startWorker(ctx: BenchContext, url: string, schema: string, busUrl: string): Promise<Worker> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ projectDir: ctx.dir, url, schema, busUrl })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const settled = new Map<string, number>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('s ')) {
        const [, id, at] = line.split(' ');
        settled.set(id!, Number(at));
        waiting.get(id!)?.(Number(at));
        waiting.delete(id!);
      }
    });
    void exited.then(() => reject(new Error('a bus bench worker exited before it was ready')));
  });
  return {
    settled,
    stop: async () => {
      child.stdin.write('stop\n');
      await exited;
    },
  };
}

async function dispatch(ctx: BenchContext, app: Runtime.App, planned: { command: string; input: Record<string, unknown> }): Promise<string> {
  const result = await app.dispatch(ctx.commands[planned.command]!, planned.input, actorFor(ctx, planned.command));
  if (!result.ok) throw new Error(`bench: ${planned.command} was not accepted: ${result.error.message}`);
  return result.commandId;
}

async function execute(ctx: BenchContext, app: Runtime.App, planned: { command: string; input: Record<string, unknown> }): Promise<void> {
  const result = await app.execute(ctx.commands[planned.command]!, planned.input, actorFor(ctx, planned.command));
  if (!result.ok) throw new Error(`bench: ${planned.command} failed: ${result.error.message}`);
}

/** Waits until the workers reported every id settled. */
async function settleAll(workers: readonly Worker[], ids: readonly string[]): Promise<void> {
  const until = Date.now() + 120_000;
  while (!ids.every((id) => workers.some((w) => w.settled.has(id)))) {
    if (Date.now() > until) throw new Error('bench: the workers did not settle every command within two minutes');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One command at a time: from dispatch to its worker's acknowledgement (after the commit), and to every projection having applied it. */
async function endToEnd(ctx: BenchContext, app: Runtime.App, workers: readonly Worker[], work: ReturnType<typeof workload>, n: number): Promise<Row[]> {
  const settled: number[] = [];
  const projected: number[] = [];
  for (let i = 0; i < n; i++) {
    const sent = Date.now();
    const id = await dispatch(ctx, app, work.act(i % STREAMS));
    const known = workers.find((w) => w.settled.has(id))?.settled.get(id);
    settled.push((known ?? (await settledAt(id))) - sent);
    // The projections' positions are shared in the store: no lag left means some process applied it.
    while (Object.values(await app.lag()).some((lag) => lag.events > 0)) await new Promise((resolve) => setTimeout(resolve, 1));
    projected.push(Date.now() - sent);
  }
  const row = (name: string, values: number[]): Row => {
    values.sort((a, b) => a - b);
    const p50 = percentile(values, 50);
    const p99 = percentile(values, 99);
    return { suite: 'bus', name, value: p50, unit: 'ms p50', p99, note: `p50 ${p50} ms, p99 ${p99} ms` };
  };
  return [row('dispatch to committed (worker acknowledged), one at a time', settled), row('dispatch to projection updated, one at a time', projected)];
}

async function workerThroughput(
  ctx: BenchContext,
  app: Runtime.App,
  workers: readonly Worker[],
  work: ReturnType<typeof workload>,
  k: number,
  n: number,
): Promise<Row> {
  const before = machineCpu();
  const started = Date.now();
  const ids: string[] = [];
  await throughput(n, 32, async (worker, i) => void ids.push(await dispatch(ctx, app, work.act((worker * 7 + i) % STREAMS))));
  await settleAll(workers, ids);
  const ended = Math.max(...ids.map((id) => workers.find((w) => w.settled.has(id))!.settled.get(id)!));
  const busy = busyShare(before, machineCpu());
  const rate = n / ((ended - started) / 1000);
  const note = busy === undefined ? undefined : `machine CPU ${(busy * 100).toFixed(0)}% busy (${cpus().length} cores)`;
  return {
    suite: 'bus',
    name: `through ${k} worker process${k === 1 ? '' : 'es'}, dispatch to committed`,
    value: rate,
    unit: 'commands/s',
    ...(note === undefined ? {} : { note }),
  };
}
