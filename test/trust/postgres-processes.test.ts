/**
 * Many processes on one PostgreSQL store, against the real server: concurrent writers on shared
 * streams and hot buckets, kill -9 of writers at random moments, and a transaction that commits
 * late while others commit around it. After each: every acknowledged command exists exactly once
 * with all its events, every bucket's chains are linear and verify, and the projection holds every
 * event exactly once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, verifyStore, type AnyAggregate, type AnyProjection, type App } from '../../src/runtime/index.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from '../contract/postgres-env.js';

const url = testDatabaseUrl();
const available = await postgresAvailable(url);
const schemas: string[] = [];

afterAll(async () => {
  if (!available) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

function newSchema(purpose: string): string {
  const schema = uniqueSchema(purpose);
  schemas.push(schema);
  return schema;
}

interface Run {
  readonly lines: string[];
  readonly killed: boolean;
}

/** Runs a writer; with `killAfterMs`, SIGKILLs it then. */
function writer(schema: string, prefix: string, count: number, inFlight: number, ledgers: number, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'postgres-writer.mjs'), url, schema, prefix, String(count), String(inFlight), String(ledgers)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`writer failed (${code}): ${err}`));
      resolve({ lines: out.split('\n').filter((l) => l !== ''), killed: signal === 'SIGKILL' });
    });
  });
}

/** The checks every scenario ends with, over the store as the writers left it. */
async function expectWhole(schema: string, acked: readonly string[], options: { catchUp: boolean }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const missing = await client.query<{ id: string }>(
      `SELECT a.id FROM unnest($1::text[]) AS a(id) LEFT JOIN ${schema}.gw_commands c ON c.command_id = a.id AND c.outcome = 'accepted' WHERE c.id IS NULL`,
      [acked],
    );
    expect(missing.rows, 'acknowledged commands that are missing').toEqual([]);
    const partial = await client.query(
      `SELECT metadata::json->>'commandId' AS id, COUNT(*) AS n FROM ${schema}.gw_events WHERE type = 'Posted' GROUP BY 1 HAVING COUNT(*) <> 3`,
    );
    expect(partial.rows, 'commands with a partial set of events').toEqual([]);
    const twice = await client.query(`SELECT tenant, command_id FROM ${schema}.gw_commands WHERE outcome = 'accepted' GROUP BY 1, 2 HAVING COUNT(*) > 1`);
    expect(twice.rows).toEqual([]);
    const gaps = await client.query(`SELECT stream_id FROM ${schema}.gw_events GROUP BY stream_id HAVING COUNT(*) <> MAX(version)`);
    expect(gaps.rows).toEqual([]);
  } finally {
    await client.end();
  }
  const app = await ledgerApp(schema);
  try {
    const report = await verifyStore(app.store.chains, { storeId: app.store.events.storeId });
    expect(report.findings).toEqual([]);
    if (options.catchUp) await app.projections.catchUp();
    const posted = await tally(schema);
    expect(posted.skewed, 'ledgers whose projection differs from their events').toEqual([]);
  } finally {
    await app.close();
  }
}

async function tally(schema: string): Promise<{ skewed: unknown[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT e.stream_id, e.n, t.posted FROM (SELECT stream_id, COUNT(*) AS n FROM ${schema}.gw_events WHERE type = 'Posted' GROUP BY stream_id) e
        LEFT JOIN ${schema}.tally t ON t."ledgerId" = e.stream_id WHERE t.posted IS DISTINCT FROM e.n`,
    );
    return { skewed: rows };
  } finally {
    await client.end();
  }
}

/** The writers' domain, opened in this process (for verify, catch-up and the reader-gap test). */
async function ledgerApp(schema: string): Promise<App> {
  const { ledger, post, open, tally: projection } = await import('./postgres-domain.js');
  return openApp(
    {
      commands: { Open: open, Post: post } as never,
      aggregates: { Ledger: ledger as unknown as AnyAggregate },
      projections: [projection as unknown as AnyProjection],
    },
    { databaseUrl: url, databaseSchema: schema, env: {} },
  );
}

const acks = (runs: readonly Run[]) => runs.flatMap((r) => r.lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)));
const crashes = (runs: readonly Run[]) => runs.flatMap((r) => r.lines.filter((l) => l.startsWith('crash ')));

describe.skipIf(!available)('many processes on one PostgreSQL store', () => {
  it('4 writers, 8 commands in flight each, on 6 shared ledgers: every acknowledged command once, chains linear, projection exact', async () => {
    const schema = newSchema('procs');
    const runs = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((p) => writer(schema, p, 60, 8, 6)));
    expect(crashes(runs)).toEqual([]);
    const acked = acks(runs);
    const typed = runs.flatMap((r) => r.lines.filter((l) => l.startsWith('typed ')));
    console.log(`postgres: 4 processes, ${acked.length} acknowledged, typed refusals: ${typed.length}`);
    expect(acked.length).toBeGreaterThan(200);
    await expectWhole(schema, acked, { catchUp: true });
  }, 120_000);

  it('kill -9 of writers at random moments, 25 times: no acknowledged command lost, nothing partial, verify clean', async () => {
    const schema = newSchema('kill');
    let acked: string[] = [];
    for (let run = 0; run < 25; run++) {
      const runs = await Promise.all([
        writer(schema, `k${run}a`, 1000, 4, 4, 300 + Math.floor(Math.random() * 500)),
        writer(schema, `k${run}b`, 1000, 4, 4, 300 + Math.floor(Math.random() * 500)),
      ]);
      expect(crashes(runs)).toEqual([]);
      acked = [...acked, ...acks(runs)];
    }
    console.log(`postgres kill -9: 25 rounds of 2 writers, ${acked.length} acknowledged commands`);
    expect(acked.length).toBeGreaterThan(25);
    await expectWhole(schema, acked, { catchUp: true });
  }, 240_000);

  it('a transaction that commits late while others commit around it: the projection skips nothing', async () => {
    const schema = newSchema('gap');
    const app = await ledgerApp(schema);
    const other = await ledgerApp(schema);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const context = { actor: { id: 'gap', kind: 'job' as const, roles: [] }, tenant: 't' };
      const { post, open } = await import('./postgres-domain.js');
      for (const id of ['slow', 'fast-1', 'fast-2']) expect((await app.pipeline.execute(open as never, { ledgerId: id, n: 0 }, context)).ok).toBe(true);
      await app.projections.catchUp();
      // The slow append takes its position first, then sleeps inside its transaction.
      await admin.query(
        `CREATE FUNCTION ${schema}.slow_down() RETURNS trigger AS $$ BEGIN IF NEW.stream_id = 'slow' THEN PERFORM pg_sleep(1.5); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
      );
      await admin.query(`CREATE TRIGGER slow_down AFTER INSERT ON ${schema}.gw_events FOR EACH ROW EXECUTE FUNCTION ${schema}.slow_down()`);
      const slow = app.pipeline.execute(post as never, { ledgerId: 'slow', n: 1 }, context);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let n = 0; n < 5; n++) {
        expect((await other.pipeline.execute(post as never, { ledgerId: n % 2 === 0 ? 'fast-1' : 'fast-2', n }, context)).ok).toBe(true);
      }
      // While the slow transaction is open, catching up must not move past it: the fast events,
      // committed with later transaction ids, wait behind it (a reader of `position > cursor`
      // would apply them and pass the slow event's smaller position for good).
      await other.projections.catchUp();
      expect((await tally(schema)).skewed.length).toBeGreaterThan(0);
      expect((await slow).ok).toBe(true);
      await admin.query(`DROP TRIGGER slow_down ON ${schema}.gw_events`);
      await other.projections.catchUp();
      expect((await tally(schema)).skewed).toEqual([]);
      const { rows } = await admin.query<{ n: string }>(`SELECT posted AS n FROM ${schema}.tally WHERE "ledgerId" = 'slow'`);
      expect(Number(rows[0]?.n)).toBe(3);
    } finally {
      await admin.end();
      await app.close();
      await other.close();
    }
  }, 60_000);
});
