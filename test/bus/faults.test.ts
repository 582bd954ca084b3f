/**
 * The bus under faults, with workers as separate OS processes on the real RabbitMQ and PostgreSQL:
 * a worker killed before its commit and after its commit (before the acknowledgement), three
 * workers keeping each stream's order while one of them dies, and the broker stopped under steady
 * load. Every acknowledged command must take effect exactly once, counted by its events.
 */
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App, type CommandDefinition, type DispatchResult } from '../../src/runtime/index.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from '../contract/postgres-env.js';
// @ts-expect-error: a plain JavaScript module shared with the worker processes
import { ledger, open, post, tally } from '../trust/ledger-domain.mjs';
import { killAll, startWorkerProcess } from './processes.js';
import { deleteTopology, holdBroker, rabbitAvailable, testBusUrl } from './rabbit-env.js';

const dbUrl = testDatabaseUrl();
const busUrl = testBusUrl();
const available = (await postgresAvailable(dbUrl)) && (await rabbitAvailable(busUrl));
const schemas: string[] = [];
const job = { actor: { id: 'dispatcher', kind: 'job', roles: [] }, tenant: 't' } as const;
const Open = open as CommandDefinition<unknown, unknown, never>;
const Post = post as CommandDefinition<unknown, unknown, never>;

let admin: pg.Client;
beforeAll(async () => {
  if (!available) return;
  admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  if (!available) return;
  for (const schema of schemas) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await deleteTopology(busUrl, schema);
  }
  await admin.end();
});

async function dispatcher(): Promise<{ app: App; schema: string }> {
  const schema = uniqueSchema('faults');
  schemas.push(schema);
  const app = await openApp(
    { commands: { Open: open, Post: post }, aggregates: { Ledger: ledger }, projections: [tally] },
    { databaseUrl: dbUrl, databaseSchema: schema, busUrl, bus: { deliveryLimit: 5, publishTimeoutMs: 1000 }, env: {} },
  );
  return { app, schema };
}

async function settleAll(app: App, ids: readonly string[], timeoutMs: number): Promise<void> {
  for (const id of ids) {
    const outcome = await app.waitFor(id, 't', timeoutMs);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 'succeeded' });
  }
}

/** Posted events per command number: each acknowledged Post must have exactly three. */
async function postedCounts(schema: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ n: number; count: string }>(
    `SELECT (payload::json->>'n')::int AS n, COUNT(*) AS count FROM ${schema}.gw_events WHERE type = 'Posted' GROUP BY 1`,
  );
  return new Map(rows.map((row) => [row.n, Number(row.count)]));
}

async function acceptedAudits(schema: string, commandId: string): Promise<number> {
  const { rows } = await admin.query(`SELECT 1 FROM ${schema}.gw_commands WHERE command_id = $1 AND outcome = 'accepted'`, [commandId]);
  return rows.length;
}

async function dispatchPosts(app: App, ledgerOf: (n: number) => string, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = from; n < to; n++) {
    const result = await app.dispatch(Post, { ledgerId: ledgerOf(n), n }, job);
    expect(result.ok).toBe(true);
    ids.push(result.commandId);
  }
  return ids;
}

describe.skipIf(!available)('the bus under faults', () => {
  let releaseBroker: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    releaseBroker = await holdBroker(dbUrl, 'shared');
  });
  afterAll(async () => {
    await releaseBroker?.();
  });

  /**
   * A worker alone (so it owns every partition and the sixth Post reaches it) is killed at that Post
   * as `crash` says; a survivor starts after it died and settles all ten.
   */
  async function killedAtTheSixthPost(crash: Record<string, string>) {
    const { app, schema } = await dispatcher();
    const args = [dbUrl, schema, busUrl];
    const doomed = await startWorkerProcess(args, crash);
    const opened = await app.dispatch(Open, { ledgerId: 'L', n: 0 }, job);
    await settleAll(app, [opened.commandId], 10_000);
    const ids = await dispatchPosts(app, () => 'L', 0, 10);
    expect(await doomed.exited).toBe(null);
    const survivor = await startWorkerProcess(args);
    await settleAll(app, ids, 20_000);
    expect([...(await postedCounts(schema)).entries()].sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 10 }, (_, n) => [n, 3]));
    expect(await acceptedAudits(schema, ids[5]!)).toBe(1);
    return { app, ids, survivor };
  }

  it('a worker killed inside a command before its commit: another worker runs it, once', async () => {
    const { app, ids, survivor } = await killedAtTheSixthPost({ CRASH_BEFORE_COMMIT: '5' });
    expect(survivor.lines).toContain(`settled ${ids[5]} ack succeeded`);
    expect(await app.verify()).toMatchObject({ ok: true });
    await app.close();
  });

  it('a worker killed after its commit, before the acknowledgement: the redelivery returns the stored outcome', async () => {
    const { app, ids, survivor } = await killedAtTheSixthPost({ CRASH_AFTER_COMMIT: '5' });
    expect(survivor.lines).toContain(`settled ${ids[5]} ack succeeded before`);
    await app.close();
  });

  it('three workers keep each stream in dispatch order, and the work moves to the survivors when one is killed', async () => {
    const { app, schema } = await dispatcher();
    const args = [dbUrl, schema, busUrl];
    // One worker first, with a backlog; the other two join while it holds every partition, so partitions change hands mid-stream.
    const workers = [await startWorkerProcess(args)];
    const ledgers = ['A', 'B', 'C', 'D', 'E', 'F'];
    const opens: DispatchResult[] = [];
    for (const ledgerId of ledgers) opens.push(await app.dispatch(Open, { ledgerId, n: 0 }, job));
    await settleAll(
      app,
      opens.map((o) => o.commandId),
      10_000,
    );
    const ledgerOf = (n: number) => ledgers[n % ledgers.length]!;
    const ids = await dispatchPosts(app, ledgerOf, 0, 150);
    workers.push(await startWorkerProcess(args), await startWorkerProcess(args));
    ids.push(...(await dispatchPosts(app, ledgerOf, 150, 200)));
    // Membership rounds are a second apart: let the first worker hand partitions over before it dies.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    ids.push(...(await dispatchPosts(app, ledgerOf, 200, 220)));
    workers[0]!.kill();
    ids.push(...(await dispatchPosts(app, ledgerOf, 220, 300)));
    await settleAll(app, ids, 30_000);
    // The first worker ran commands, then the others took over its partitions, live and after it died.
    const settledBy = workers.map((w) => w.lines.filter((line) => line.startsWith('settled')).length);
    expect(settledBy[0]).toBeGreaterThan(0);
    expect(settledBy[1]! + settledBy[2]!).toBeGreaterThan(0);
    expect(settledBy.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(300);
    const counts = await postedCounts(schema);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((c) => c === 3)).toBe(true);
    const { rows } = await admin.query<{ stream_id: string; n: number }>(
      `SELECT stream_id, (payload::json->>'n')::int AS n FROM ${schema}.gw_events WHERE type = 'Posted' AND payload::json->>'part' = '1' ORDER BY stream_id, version`,
    );
    for (const ledgerId of ledgers) {
      const order = rows.filter((r) => r.stream_id === ledgerId).map((r) => r.n);
      expect(order, `${ledgerId}: ${order.join(' ')}`).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(50);
    }
    expect(await app.verify()).toMatchObject({ ok: true });
    await app.close();
  });
});

describe.skipIf(!available)('end to end, as separate processes', () => {
  it('one dispatcher, three workers and a projection runner: every acknowledged command accounted for, chains verified, the projection equal to a fold of the events', async () => {
    const release = await holdBroker(dbUrl, 'shared');
    try {
      const { app, schema } = await dispatcher();
      const args = [dbUrl, schema, busUrl];
      const runner = await startWorkerProcess(args, { ROLE: 'projections' });
      for (let i = 0; i < 3; i++) await startWorkerProcess(args, { NO_PROJECTIONS: '1' });
      // Two hot ledgers take half the commands; forty cold ones share the rest.
      const ledgerOf = (n: number) => (n % 2 === 0 ? `hot-${n % 4}` : `cold-${n % 40}`);
      const ledgers = [...new Set(Array.from({ length: 80 }, (_, n) => ledgerOf(n)))];
      // Every hundredth command names a ledger nobody opened: a typed rejection, recorded like any outcome.
      const target = (n: number) => (n % 100 === 50 ? `missing-${n}` : ledgerOf(n));
      const opens = await Promise.all(ledgers.map((ledgerId) => app.dispatch(Open, { ledgerId, n: 0 }, job)));
      await settleAll(
        app,
        opens.map((o) => o.commandId),
        20_000,
      );
      const total = 2000;
      const results: DispatchResult[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let n = next++; n < total; n = next++) results.push(await app.dispatch(Post, { ledgerId: target(n), n }, job));
        }),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      const outcomes = await Promise.all(results.map((r) => app.waitFor(r.commandId, 't', 60_000)));
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected, JSON.stringify(rejected.filter((o) => o.status === 'rejected' && o.error?.code !== 'not-found'))).toHaveLength(total / 100);
      expect(rejected.every((o) => o.status === 'rejected' && o.error?.code === 'not-found')).toBe(true);
      expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(total - total / 100);
      const { rows: events } = await admin.query<{ stream_id: string; count: string }>(
        `SELECT stream_id, COUNT(*) AS count FROM ${schema}.gw_events WHERE type = 'Posted' GROUP BY stream_id`,
      );
      const posted = (total - total / 100) * 3;
      expect(events.reduce((sum, row) => sum + Number(row.count), 0)).toBe(posted);
      // The runner catches up by itself; its rows must equal a fold of the events.
      let tallied: { ledger_id: string; posted: number }[] = [];
      for (let i = 0; i < 200; i++) {
        tallied = (await admin.query<{ ledger_id: string; posted: string }>(`SELECT "ledgerId" AS ledger_id, posted FROM ${schema}.tally ORDER BY 1`)).rows.map(
          (row) => ({ ledger_id: row.ledger_id, posted: Number(row.posted) }),
        );
        if (tallied.reduce((sum, row) => sum + row.posted, 0) === posted) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(Object.fromEntries(tallied.map((row) => [row.ledger_id, row.posted]))).toEqual(
        Object.fromEntries(events.map((row) => [row.stream_id, Number(row.count)])),
      );
      expect(await app.verify()).toMatchObject({ ok: true });
      expect(runner.lines).toContain('ready');
      await app.close();
    } finally {
      await release();
    }
  }, 180_000);
});

describe.skipIf(!available)('the broker stopped under steady load', () => {
  it('keeps acknowledging through the command outbox, never hangs, and everything drains once, when the broker is back', async () => {
    const release = await holdBroker(dbUrl, 'exclusive');
    try {
      const { app, schema } = await dispatcher();
      const args = [dbUrl, schema, busUrl];
      await startWorkerProcess(args);
      await startWorkerProcess(args);
      for (const ledgerId of ['A', 'B', 'C', 'D']) await settleAll(app, [(await app.dispatch(Open, { ledgerId, n: 0 }, job)).commandId], 10_000);
      const acknowledged: string[] = [];
      const via = new Map<string, number>();
      let slowest = 0;
      let n = 0;
      const load = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          const started = Date.now();
          const result = await app.dispatch(Post, { ledgerId: ['A', 'B', 'C', 'D'][n % 4], n }, job);
          slowest = Math.max(slowest, Date.now() - started);
          n++;
          if (!result.ok) throw new Error(`dispatch failed: ${result.error.message}`);
          acknowledged.push(result.commandId);
          via.set(result.via, (via.get(result.via) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await load(1500);
      rabbitmqctl('stop_app');
      try {
        await load(15_000);
      } finally {
        rabbitmqctl('start_app');
        rabbitmqctl('await_startup');
      }
      await load(3000);
      await settleAll(app, acknowledged, 60_000);
      const counts = await postedCounts(schema);
      expect(counts.size).toBe(acknowledged.length);
      expect([...counts.values()].every((c) => c === 3)).toBe(true);
      expect(via.get('outbox') ?? 0).toBeGreaterThan(100);
      expect(via.get('bus') ?? 0).toBeGreaterThan(50);
      expect(slowest).toBeLessThan(3000);
      const { rows } = await admin.query(`SELECT 1 FROM ${schema}.gw_command_outbox WHERE published_at IS NULL`);
      expect(rows).toHaveLength(0);
      console.log(
        `broker outage: ${acknowledged.length} acknowledged (${via.get('bus') ?? 0} via the bus, ${via.get('outbox') ?? 0} via the outbox), slowest dispatch ${slowest} ms, all applied once`,
      );
      await app.close();
    } finally {
      rabbitmqctl('start_app');
      await release();
    }
  }, 120_000);
});

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}
