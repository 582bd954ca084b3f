/**
 * The tamper table on PostgreSQL: a sealed store (checkpointed, its sink written), changed inside
 * a transaction as an attacker with write access to the database (not the signing key) would, and
 * verified through that transaction before it is rolled back. Each case expects the right kind at
 * the right bucket and row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresChainReader } from '../../src/runtime/adapters/postgres/chain-reader.js';
import { FileCheckpointSink, eventRowHash, openApp, verifyStore, type AnyAggregate, type AppDefinition, type VerifyReport } from '../../src/runtime/index.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from '../contract/postgres-env.js';
import { counter, increment, openCounter } from '../runtime/counter.js';
import { COMMANDS, signingKeys } from './harness.js';

const url = testDatabaseUrl();
const available = await postgresAvailable(url);
const schema = uniqueSchema('tamper');
const pair = signingKeys();
const human = { actor: { id: 'u', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;
let dir: string;
let storeId: string;
let admin: pg.Client;

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(join(tmpdir(), 'gw-pg-tamper-'));
  const definition: AppDefinition = { commands: COMMANDS, aggregates: { Counter: counter as unknown as AnyAggregate }, projections: [] };
  const app = await openApp(definition, {
    databaseUrl: url,
    databaseSchema: schema,
    env: {},
    checkpointSink: new FileCheckpointSink(join(dir, 'sink.jsonl')),
    signingKey: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    checkpointEvery: { events: 1_000_000, seconds: 1_000_000 },
  });
  for (let i = 0; i < 20; i++) {
    await app.execute(openCounter, { counterId: `counter-${i}`, owner: 'alice', limit: 1000 }, human);
    for (let j = 0; j < (i % 5) + 3; j++) await app.execute(increment, { counterId: `counter-${i}`, by: 1 }, human);
  }
  await app.checkpoint();
  storeId = app.store.events.storeId;
  await app.close();
  // 64-bit integers as numbers, as the store's own pool reads them.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
  };
  admin = new pg.Client({ connectionString: url, types });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  if (!available) return;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Changes the sealed store in a transaction, verifies what the transaction sees, and rolls it back. */
async function tampered(mutate: (t: pg.Client) => Promise<unknown>, publicKey = pair.publicKey): Promise<VerifyReport> {
  await admin.query('BEGIN');
  try {
    await mutate(admin);
    const chains = new PostgresChainReader(admin as unknown as pg.Pool, schema);
    return await verifyStore(chains, { storeId, publicKey, sink: new FileCheckpointSink(join(dir, 'sink.jsonl')) });
  } finally {
    await admin.query('ROLLBACK');
  }
}

/** The busiest bucket of the events, and how many rows it has. */
async function busiest(): Promise<{ bucket: number; n: number }> {
  const { rows } = await admin.query<{ bucket: number; n: string }>(
    `SELECT bucket, COUNT(*) AS n FROM ${schema}.gw_events GROUP BY bucket ORDER BY 2 DESC, 1 LIMIT 1`,
  );
  return { bucket: rows[0]!.bucket, n: Number(rows[0]!.n) };
}

function expectPinpointed(report: VerifyReport, kind: string, chain: string, bucket: number, seq: number): void {
  expect(report.ok).toBe(false);
  expect(
    report.findings.find((f) => f.chain === chain && f.bucket === bucket),
    JSON.stringify(report.findings),
  ).toMatchObject({ kind, chain, bucket, seq });
}

describe.skipIf(!available)('verify against tampering, on PostgreSQL', () => {
  it('positive control: the untouched store verifies, checkpoint and sink included', async () => {
    expect(await tampered(async () => undefined)).toMatchObject({ ok: true, findings: [], checkpoints: { checked: 1, inSink: 1 } });
  });

  it('a flipped byte in a payload, in metadata, in an audit record: content-mismatch at that row', async () => {
    const { bucket, n } = await busiest();
    const mid = Math.ceil(n / 2);
    expectPinpointed(
      await tampered((t) =>
        t.query(`UPDATE ${schema}.gw_events SET payload = replace(payload, '"by":1', '"by":2') WHERE bucket = $1 AND bseq = $2`, [bucket, mid]),
      ),
      'content-mismatch',
      'events',
      bucket,
      mid,
    );
    expectPinpointed(
      await tampered((t) =>
        t.query(`UPDATE ${schema}.gw_events SET metadata = replace(metadata, 'alice', 'alicf') || '' WHERE bucket = $1 AND bseq = 1`, [bucket]),
      ),
      'content-mismatch',
      'events',
      bucket,
      1,
    );
    const command = (await admin.query<{ bucket: number }>(`SELECT bucket FROM ${schema}.gw_commands ORDER BY id LIMIT 1`)).rows[0]!.bucket;
    expectPinpointed(
      await tampered((t) => t.query(`UPDATE ${schema}.gw_commands SET audit = replace(audit, '"human"', '"agent"') WHERE bucket = $1 AND cseq = 1`, [command])),
      'content-mismatch',
      'commands',
      command,
      1,
    );
  });

  it('a deleted row: seq-gap at the row after it; swapped payloads: content-mismatch at the first; an edited prev_hash: link-mismatch', async () => {
    const { bucket } = await busiest();
    expectPinpointed(
      await tampered((t) => t.query(`DELETE FROM ${schema}.gw_events WHERE bucket = $1 AND bseq = 2`, [bucket])),
      'seq-gap',
      'events',
      bucket,
      3,
    );
    expectPinpointed(
      await tampered(async (t) => {
        const { rows } = await t.query<{ bseq: number; payload: string }>(
          `SELECT bseq, payload FROM ${schema}.gw_events WHERE bucket = $1 AND bseq IN (2, 3) ORDER BY bseq`,
          [bucket],
        );
        const [a, b] = rows;
        await t.query(`UPDATE ${schema}.gw_events SET payload = $1 WHERE bucket = $2 AND bseq = 2`, [
          b!.payload === a!.payload ? `${a!.payload} ` : b!.payload,
          bucket,
        ]);
        await t.query(`UPDATE ${schema}.gw_events SET payload = $1 WHERE bucket = $2 AND bseq = 3`, [a!.payload, bucket]);
      }),
      'content-mismatch',
      'events',
      bucket,
      2,
    );
    expectPinpointed(
      await tampered((t) => t.query(`UPDATE ${schema}.gw_events SET prev_hash = sha256(prev_hash) WHERE bucket = $1 AND bseq = 3`, [bucket])),
      'link-mismatch',
      'events',
      bucket,
      3,
    );
  });

  it('a rewritten suffix (hashes recomputed) passes the chain check and is named by the checkpoint; a truncated tail before it too', async () => {
    const { bucket } = await busiest();
    const rewritten = await tampered(async (t) => {
      const { rows } = await t.query<Record<string, unknown>>(`SELECT * FROM ${schema}.gw_events WHERE bucket = $1 AND bseq >= 2 ORDER BY bseq`, [bucket]);
      let prev = (await t.query<{ row_hash: Buffer }>(`SELECT row_hash FROM ${schema}.gw_events WHERE bucket = $1 AND bseq = 1`, [bucket])).rows[0]!.row_hash;
      for (const [i, r] of rows.entries()) {
        const payload = i === 0 ? '{"by":1000000}' : (r['payload'] as string);
        const hash = eventRowHash(
          {
            bucket,
            bseq: Number(r['bseq']),
            position: Number(r['position']),
            streamId: r['stream_id'] as string,
            version: r['version'] as number,
            type: r['type'] as string,
            schemaVersion: r['schema_version'] as number,
            recordedAt: r['recorded_at'] as string,
            metadata: r['metadata'] as string,
            payload,
          },
          prev,
        );
        await t.query(`UPDATE ${schema}.gw_events SET payload = $1, prev_hash = $2, row_hash = $3 WHERE position = $4`, [payload, prev, hash, r['position']]);
        prev = hash;
      }
    });
    expect(rewritten.findings.filter((f) => f.chain === 'events' && f.kind !== 'checkpoint-mismatch')).toEqual([]);
    expect(rewritten.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint-mismatch', chain: 'events', bucket }));

    const last = (await admin.query<{ bucket: number; bseq: string }>(`SELECT bucket, bseq FROM ${schema}.gw_events ORDER BY position DESC LIMIT 1`)).rows[0]!;
    const truncated = await tampered((t) => t.query(`DELETE FROM ${schema}.gw_events WHERE bucket = $1 AND bseq = $2`, [last.bucket, last.bseq]));
    expect(truncated.findings).toContainEqual(
      expect.objectContaining({ kind: 'truncated-before-checkpoint', chain: 'events', bucket: last.bucket, seq: Number(last.bseq) }),
    );
  });

  it('a checkpoint checked with another key: bad-signature', async () => {
    const report = await tampered(async () => undefined, signingKeys().publicKey);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'bad-signature' }));
  });
});
