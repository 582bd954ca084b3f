/**
 * The PostgreSQL suite (`groundwork bench --store postgres`): the pipeline on the shared store
 * beside raw node-postgres writes of the same rows with the chain, one and 32 in flight; one
 * process against two; load + replay beside a raw select; verify. Everything in a schema of its
 * own, dropped at the end.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type * as Runtime from '../runtime/index.js';
import { dropSchema, rawPostgresLoad, rawPostgresWriter, type RawPool } from './baselines.js';
import { cpuOf, type CpuSpent } from './cpu.js';
import { throughput } from './measure.js';
import { actorFor, workload, type BenchContext, type Row, type Suite } from './suites.js';

const CHILD = fileURLToPath(new URL('./pg-child.js', import.meta.url));

export const postgres: Suite = async (ctx) => {
  const url = ctx.databaseUrl;
  if (url === undefined) return [];
  const schema = `gw_bench_${randomBytes(4).toString('hex')}`;
  const rt = ctx.runtime;
  const work = workload(ctx);
  const app = await rt.openApp({ ...ctx.definition, projections: [] }, { databaseUrl: url, databaseSchema: schema, kek: Buffer.alloc(32, 1), env: {} });
  if (!rt.isPostgresStore(app.store)) throw new Error('the postgres suite needs the PostgreSQL store');
  const pool = app.store.pool as unknown as RawPool;
  try {
    // Long enough (about two seconds each) that one slow fsync or a neighbour's burst moves the ratio little.
    const count = ctx.quick ? 40 : 2000;
    const streams = 64;
    for (let i = 0; i < streams; i++) await execute(ctx, app, work.open(i));
    const rows: Row[] = [];
    const raw = await rawPostgresWriter(rt, pool, schema);
    const payload = JSON.stringify(work.act(0).input);
    const versions = new Map<string, number>();
    const rawWrite = (stream: string) => {
      const version = (versions.get(stream) ?? 0) + 1;
      versions.set(stream, version);
      return raw.write(stream, version, payload);
    };
    // Warm both paths up first (JIT, the pools' connections, prepared statements), so neither pays for it in its figures.
    ctx.progress('postgres: warming up');
    await throughput(count / 4, 4, (worker, i) => execute(ctx, app, work.act(i % streams)));
    await throughput(count / 4, 4, (worker, i) => rawWrite(`raw-${i % streams}`));
    let single = 0;
    for (const inFlight of [1, 32]) {
      ctx.progress(`postgres: ${inFlight === 1 ? count : count * 2} commands, ${inFlight} in flight`);
      const n = inFlight === 1 ? count : count * 2;
      const pipeline = await cpuOf(() => throughput(n, inFlight, (worker, i) => execute(ctx, app, work.act(inFlight === 1 ? i % streams : worker % streams))));
      const rawRun = await cpuOf(() => throughput(n, inFlight, (worker, i) => rawWrite(`raw-${inFlight === 1 ? i % streams : worker % streams}`)));
      const ours = pipeline.result;
      const baseline = rawRun.result;
      rows.push(...cpuRows(`pipeline, ${inFlight} in flight`, pipeline.cpu, n), ...cpuRows(`raw, ${inFlight} in flight`, rawRun.cpu, n));
      const ratio = ours.opsPerSecond / baseline.opsPerSecond;
      if (inFlight === 1) single = ours.opsPerSecond;
      rows.push(
        {
          suite: 'postgres',
          name: `pipeline, ${inFlight} in flight`,
          value: ours.opsPerSecond,
          unit: 'commands/s',
          p99: ours.p99Ms,
          opsPerSecond: ours.opsPerSecond,
          note: `p50 ${ours.medianMs.toFixed(2)} ms, p99 ${ours.p99Ms.toFixed(2)} ms`,
          ...(inFlight === 32 ? { ratio: ours.opsPerSecond / single, target: '>= 6x one in flight', met: ours.opsPerSecond / single >= 6 } : {}),
        },
        { suite: 'postgres', name: `raw pg inserts + chain, ${inFlight} in flight`, value: baseline.opsPerSecond, unit: 'rows/s', p99: baseline.p99Ms },
        {
          suite: 'postgres',
          name: `pipeline / raw, ${inFlight} in flight`,
          value: ratio,
          unit: 'x',
          ratio,
          ...(inFlight === 1 ? { target: '>= 0.6x', met: ratio >= 0.6 } : {}),
        },
      );
    }
    rows.push(...(await processes(ctx, url, schema, work, streams)));
    rows.push(...(await loadAndVerify(ctx, app)));
    return rows;
  } finally {
    await app.store.events.durable();
    await dropSchema(pool, schema);
    await app.close();
  }
};

/** CPU per command in this process and in PostgreSQL, where the server's processes can be seen. */
function cpuRows(what: string, cpu: CpuSpent, commands: number): Row[] {
  const rows: Row[] = [{ suite: 'postgres', name: `CPU per command, ${what}: node`, value: cpu.nodeUs / commands, unit: 'us' }];
  if (cpu.postgresUs !== undefined) rows.push({ suite: 'postgres', name: `CPU per command, ${what}: postgres`, value: cpu.postgresUs / commands, unit: 'us' });
  return rows;
}

async function execute(ctx: BenchContext, app: Runtime.App, planned: { command: string; input: Record<string, unknown> }): Promise<void> {
  const result = await app.pipeline.execute(ctx.commands[planned.command]!, planned.input, actorFor(ctx, planned.command));
  if (!result.ok) throw new Error(`bench: ${planned.command} failed: ${result.error.message}`);
}

/**
 * One process, then two at once, each warmed up first and measured over the same window: the two
 * start together (each says it is ready, then both are told to go).
 */
async function processes(ctx: BenchContext, url: string, schema: string, work: ReturnType<typeof workload>, streams: number): Promise<Row[]> {
  const durationMs = ctx.quick ? 500 : 4000;
  const half = streams / 2;
  const file = (name: string, offset: number) => {
    const path = join(ctx.scratch, name);
    const commands = Array.from({ length: half }, (_, i) => {
      const planned = work.act(offset + i);
      return { ...planned, context: actorFor(ctx, planned.command) };
    });
    writeFileSync(path, JSON.stringify(commands));
    return path;
  };
  const together = async (files: string[]) => {
    const children = files.map((commandsFile) =>
      startChild(JSON.stringify({ projectDir: ctx.dir, url, schema, inFlight: 16, commandsFile, warmup: ctx.quick ? 20 : 300, durationMs })),
    );
    await Promise.all(children.map((child) => child.ready));
    for (const child of children) child.go();
    return Promise.all(children.map((child) => child.result));
  };
  ctx.progress(`postgres: ${durationMs} ms from one process, then from two`);
  const [one] = await together([file('a.json', 0)]);
  const two = await together([file('a.json', 0), file('b.json', half)]);
  const rateOne = one!.count / one!.seconds;
  const rateTwo = two.reduce((sum, r) => sum + r.count / r.seconds, 0);
  const ratio = rateTwo / rateOne;
  return [
    { suite: 'postgres', name: 'one process, 16 in flight', value: rateOne, unit: 'commands/s' },
    { suite: 'postgres', name: 'two processes, 16 in flight each', value: rateTwo, unit: 'commands/s' },
    { suite: 'postgres', name: 'two processes / one', value: ratio, unit: 'x', ratio, target: '>= 1.5x', met: ratio >= 1.5 },
  ];
}

interface Child {
  readonly ready: Promise<void>;
  go(): void;
  readonly result: Promise<{ count: number; seconds: number }>;
}

function startChild(args: string): Child {
  const child = spawn(process.execPath, [CHILD, args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`a postgres bench process exited with code ${code} before it reported`))),
  );
  const nextLine = () => Promise.race([new Promise<string>((resolve) => lines.once('line', resolve)), exited]);
  const ready = nextLine().then((line) => {
    if (line !== 'ready') throw new Error(`a postgres bench process said ${JSON.stringify(line)} instead of ready`);
  });
  const result = ready.then(async () => JSON.parse(await nextLine()) as { count: number; seconds: number });
  return { ready, go: () => child.stdin.write('go\n'), result };
}

/** Loading a long stream beside a raw select of it, and verify over everything written. */
async function loadAndVerify(ctx: BenchContext, app: Runtime.App): Promise<Row[]> {
  const rt = ctx.runtime;
  const work = workload(ctx);
  const n = ctx.quick ? 100 : 2000;
  ctx.progress(`postgres: load a ${n}-event stream, verify`);
  const streamIndex = 10_000;
  await execute(ctx, app, work.open(streamIndex));
  for (let i = 1; i < n; i++) await execute(ctx, app, work.act(streamIndex));
  const planned = work.act(streamIndex);
  // Folded from the first event, like the raw select: no snapshot.
  const aggregate = { ...ctx.commands[planned.command]!.aggregate, snapshotEvery: undefined };
  const streamId = ctx.commands[planned.command]!.streamIdOf(planned.input);
  const fresh = new rt.CommandPipeline(app.store.events, { stateCache: 0 });
  const rounds = ctx.quick ? 3 : 15;
  const time = async (fn: () => Promise<unknown>) => {
    const runs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      await fn();
      runs.push(performance.now() - t);
    }
    return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  };
  const store = app.store as Runtime.PostgresStore;
  const ours = await time(() => fresh.load(aggregate, streamId));
  const raw = await time(async () => {
    const state = aggregate.initialState();
    await rawPostgresLoad(store.pool as unknown as RawPool, store.schema, streamId, (type, data) =>
      aggregate.fold(state, { type, data } as Runtime.DomainEvent),
    );
  });
  const started = performance.now();
  const report = await rt.verifyStore(store.chains, { storeId: store.events.storeId });
  const seconds = (performance.now() - started) / 1000;
  if (!report.ok) throw new Error('verify failed on the PostgreSQL store it just wrote');
  const ratio = ours / raw;
  return [
    { suite: 'postgres', name: `pipeline load + replay, ${n} events`, value: ours, unit: 'ms' },
    { suite: 'postgres', name: `raw select + JSON.parse + fold, ${n} events`, value: raw, unit: 'ms' },
    { suite: 'postgres', name: `load / raw, ${n}`, value: ratio, unit: 'x', ratio },
    {
      suite: 'postgres',
      name: `verify, ${report.rows.events} events + ${report.rows.commands} audit rows`,
      value: (report.rows.events + report.rows.commands) / seconds,
      unit: 'rows/s',
    },
  ];
}
