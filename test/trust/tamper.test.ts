/**
 * The tamper table of reliability-tests.md: the verifier is proven, not assumed. A positive
 * control runs first; every case copies one sealed store, changes it as an attacker with write
 * access to the database (but not the signing key) would, and expects the right kind at the right
 * bucket and row.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheckpointSink, eventRowHash, merkleRoot, openSqliteStore, verifyStore, type VerifyReport } from '../../src/runtime/index.js';
import { increment, openCounter } from '../runtime/counter.js';
import { openHarness, register, signingKeys, support, type Harness } from './harness.js';

let base: string;
let storeId: string;
const pair = signingKeys();
const human = { actor: { id: 'u', kind: 'human', roles: ['owner', 'support'] }, tenant: 't1' } as const;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'gw-tamper-'));
  const h: Harness = await openHarness(base, { keys: pair });
  for (let i = 0; i < 30; i++) {
    await h.pipeline.execute(openCounter, { counterId: `counter-${i}`, owner: 'alice', limit: 1000 }, human);
    for (let j = 0; j < (i % 7) + 2; j++) await h.pipeline.execute(increment, { counterId: `counter-${i}`, by: 1 }, human);
  }
  for (let i = 0; i < 5; i++)
    await h.pipeline.execute(register, { accountId: `acct-${i}`, customerId: `cust-${i}`, name: `Name ${i}`, email: `c${i}@example.com` }, support);
  await h.checkpoint();
  storeId = h.store.events.storeId;
  h.store.db.pragma('wal_checkpoint(TRUNCATE)');
  await h.close();
}, 60_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Copies the sealed store, lets `mutate` change it, and verifies the copy. */
async function tampered(mutate: (db: Database.Database) => void, publicKey = pair.publicKey): Promise<VerifyReport> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-tampered-'));
  try {
    copyFileSync(join(base, 'app.db'), join(dir, 'app.db'));
    copyFileSync(join(base, 'app.db.checkpoints.jsonl'), join(dir, 'app.db.checkpoints.jsonl'));
    const store = openSqliteStore(join(dir, 'app.db'));
    store.db.pragma('foreign_keys = OFF');
    mutate(store.db);
    const report = await verifyStore(store.chains, { storeId, publicKey, sink: new FileCheckpointSink(join(dir, 'app.db.checkpoints.jsonl')) });
    await store.close();
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  bucket: number;
  seq: number;
  id: number;
}
const stats = { cases: 0, detected: 0, pinpointed: 0 };

function rowsToAttack(db: Database.Database, table: 'gw_events' | 'gw_commands'): Row[] {
  const seq = table === 'gw_events' ? 'bseq' : 'cseq';
  const id = table === 'gw_events' ? 'position' : 'id';
  const buckets = db.prepare(`SELECT bucket, COUNT(*) AS n FROM ${table} GROUP BY bucket HAVING n >= 4 ORDER BY n DESC, bucket LIMIT 3`).all() as Array<{
    bucket: number;
    n: number;
  }>;
  return buckets.flatMap(({ bucket, n }) =>
    [1, Math.ceil(n / 2), n - 1, n].map((s) => ({
      bucket,
      seq: s,
      id: (db.prepare(`SELECT ${id} AS id FROM ${table} WHERE bucket = ? AND ${seq} = ?`).get(bucket, s) as { id: number }).id,
    })),
  );
}

function flip(value: string): string {
  const i = Math.floor(value.length / 2);
  return value.slice(0, i) + (value[i] === 'x' ? 'y' : 'x') + value.slice(i + 1);
}

const EVENT_COLUMNS: Record<string, string> = {
  position: 'position = position + 1000000',
  stream_id: 'stream_id = ?',
  version: 'version = version + 10000',
  type: 'type = ?',
  schema_version: 'schema_version = schema_version + 1',
  recorded_at: 'recorded_at = ?',
  metadata: 'metadata = ?',
  payload: 'payload = ?',
};
const COMMAND_COLUMNS = ['command_id', 'command', 'stream_id', 'tenant', 'outcome', 'recorded_at', 'audit'];

function expectPinpointed(report: VerifyReport, kind: string, chain: string, bucket: number, seq: number): void {
  stats.cases++;
  if (!report.ok) stats.detected++;
  const first = report.findings.find((f) => f.chain === chain && f.bucket === bucket);
  expect(report.ok).toBe(false);
  expect(first, JSON.stringify(report.findings)).toMatchObject({ kind, chain, bucket, seq });
  stats.pinpointed++;
}

describe('verify against tampering', () => {
  it('positive control: the untouched store verifies, checkpoint and sink included', async () => {
    const report = await tampered(() => undefined);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checkpoints).toEqual({ checked: 1, inSink: 1, latest: 1 });
    expect(report.rows.events).toBeGreaterThan(100);
  });

  it('flip each field: one byte of each hashed column, in the first, a middle, the second-to-last and the last row of three buckets', async () => {
    const db = new Database(join(base, 'app.db'), { readonly: true });
    const eventRows = rowsToAttack(db, 'gw_events');
    const commandRows = rowsToAttack(db, 'gw_commands');
    db.close();
    for (const row of eventRows) {
      for (const [column, set] of Object.entries(EVENT_COLUMNS)) {
        const report = await tampered((t) => {
          const current = t.prepare(`SELECT ${column} AS v FROM gw_events WHERE position = ?`).get(row.id) as { v: unknown };
          const args = set.includes('?') ? [flip(String(current.v)), row.id] : [row.id];
          t.prepare(`UPDATE gw_events SET ${set} WHERE position = ?`).run(...args);
        });
        expectPinpointed(report, 'content-mismatch', 'events', row.bucket, row.seq);
      }
    }
    for (const row of commandRows) {
      for (const column of COMMAND_COLUMNS) {
        const report = await tampered((t) => {
          const current = t.prepare(`SELECT ${column} AS v FROM gw_commands WHERE id = ?`).get(row.id) as { v: string };
          t.prepare(`UPDATE gw_commands SET ${column} = ? WHERE id = ?`).run(flip(current.v), row.id);
        });
        expectPinpointed(report, 'content-mismatch', 'commands', row.bucket, row.seq);
      }
    }
    console.log(`tamper, flip each field: ${stats.cases} cases, ${stats.detected} detected, ${stats.pinpointed} pinpointed at their bucket and row`);
    expect(stats.detected).toBe(stats.cases);
  });

  describe('structural changes', () => {
    const target = () => {
      const db = new Database(join(base, 'app.db'), { readonly: true });
      const { bucket } = db.prepare(`SELECT bucket, COUNT(*) AS n FROM gw_events GROUP BY bucket ORDER BY n DESC, bucket LIMIT 1`).get() as { bucket: number };
      const n = (db.prepare(`SELECT COUNT(*) AS n FROM gw_events WHERE bucket = ?`).get(bucket) as { n: number }).n;
      db.close();
      return { bucket, n };
    };

    it('a deleted row: seq-gap at the row after it', async () => {
      const { bucket } = target();
      const report = await tampered((t) => t.prepare(`DELETE FROM gw_events WHERE bucket = ? AND bseq = 3`).run(bucket));
      expectPinpointed(report, 'seq-gap', 'events', bucket, 4);
    });

    it('a duplicated row (after rebuilding the table without its constraints): duplicate', async () => {
      const { bucket } = target();
      const report = await tampered((t) => {
        t.exec(`CREATE TABLE copy AS SELECT * FROM gw_events; DROP TABLE gw_events; ALTER TABLE copy RENAME TO gw_events;`);
        t.prepare(
          `INSERT INTO gw_events SELECT position + 1000000, bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, subject, metadata, payload, prev_hash, row_hash FROM gw_events WHERE bucket = ? AND bseq = 2`,
        ).run(bucket);
      });
      expectPinpointed(report, 'duplicate', 'events', bucket, 2);
    });

    it('two rows with their payloads swapped: content-mismatch at the first', async () => {
      const { bucket } = target();
      const report = await tampered((t) => {
        const a = t.prepare(`SELECT payload FROM gw_events WHERE bucket = ? AND bseq = 2`).get(bucket) as { payload: string };
        const b = t.prepare(`SELECT payload FROM gw_events WHERE bucket = ? AND bseq = 3`).get(bucket) as { payload: string };
        t.prepare(`UPDATE gw_events SET payload = ? WHERE bucket = ? AND bseq = 2`).run(b.payload === a.payload ? `${a.payload} ` : b.payload, bucket);
        t.prepare(`UPDATE gw_events SET payload = ? WHERE bucket = ? AND bseq = 3`).run(a.payload, bucket);
      });
      expectPinpointed(report, 'content-mismatch', 'events', bucket, 2);
    });

    it('a forged row inserted with a correct hash: link-mismatch at the row after it', async () => {
      const { bucket } = target();
      const report = await tampered((t) => {
        t.prepare(`UPDATE gw_events SET bseq = bseq + 1000 WHERE bucket = ? AND bseq >= 3`).run(bucket);
        t.prepare(`UPDATE gw_events SET bseq = bseq - 999 WHERE bucket = ? AND bseq >= 1003`).run(bucket);
        const prev = t.prepare(`SELECT * FROM gw_events WHERE bucket = ? AND bseq = 2`).get(bucket) as Record<string, unknown>;
        const forged = {
          bucket,
          bseq: 3,
          position: 5_000_000,
          streamId: prev['stream_id'] as string,
          version: 999,
          type: 'CounterIncremented',
          schemaVersion: 1,
          recordedAt: prev['recorded_at'] as string,
          metadata: prev['metadata'] as string,
          payload: '{"by":1000}',
        };
        const hash = eventRowHash(forged, prev['row_hash'] as Buffer);
        t.prepare(
          `INSERT INTO gw_events (position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, subject, metadata, payload, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 't1', NULL, ?, ?, ?, ?)`,
        ).run(forged.position, bucket, 3, forged.streamId, 999, forged.type, 1, forged.recordedAt, forged.metadata, forged.payload, prev['row_hash'], hash);
      });
      expectPinpointed(report, 'link-mismatch', 'events', bucket, 4);
    });

    it('an edited bseq alone: seq-gap at that row', async () => {
      const { bucket, n } = target();
      const report = await tampered((t) => t.prepare(`UPDATE gw_events SET bseq = bseq + 5 WHERE bucket = ? AND bseq = ?`).run(bucket, n));
      expectPinpointed(report, 'seq-gap', 'events', bucket, n + 5);
    });

    it('an edited prev_hash alone: link-mismatch at that row', async () => {
      const { bucket } = target();
      const report = await tampered((t) => t.prepare(`UPDATE gw_events SET prev_hash = zeroblob(32) WHERE bucket = ? AND bseq = 3`).run(bucket));
      expectPinpointed(report, 'link-mismatch', 'events', bucket, 3);
    });
  });

  it('a rewritten suffix (edit a row, recompute the rest of its chain): the chain check passes, the checkpoint names the bucket', async () => {
    const db = new Database(join(base, 'app.db'), { readonly: true });
    const { bucket } = db.prepare(`SELECT bucket, COUNT(*) AS n FROM gw_events GROUP BY bucket ORDER BY n DESC, bucket LIMIT 1`).get() as { bucket: number };
    db.close();
    const report = await tampered((t) => {
      const rows = t.prepare(`SELECT * FROM gw_events WHERE bucket = ? AND bseq >= 2 ORDER BY bseq`).all(bucket) as Array<Record<string, unknown>>;
      let prev = (t.prepare(`SELECT row_hash FROM gw_events WHERE bucket = ? AND bseq = 1`).get(bucket) as { row_hash: Buffer }).row_hash;
      for (const [i, r] of rows.entries()) {
        const payload = i === 0 ? '{"by":1000000}' : (r['payload'] as string);
        const hash = eventRowHash(
          {
            bucket,
            bseq: r['bseq'] as number,
            position: r['position'] as number,
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
        t.prepare(`UPDATE gw_events SET payload = ?, prev_hash = ?, row_hash = ? WHERE position = ?`).run(payload, prev, hash, r['position']);
        prev = hash;
      }
    });
    expect(report.findings.filter((f) => f.chain === 'events' && f.kind !== 'checkpoint-mismatch')).toEqual([]);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'checkpoint-mismatch', chain: 'events', bucket }));
  });

  it('truncation after a checkpoint is detected; after the last checkpoint, at the very end, it is the documented window', async () => {
    const db = new Database(join(base, 'app.db'), { readonly: true });
    const last = db.prepare(`SELECT bucket, bseq FROM gw_events ORDER BY position DESC LIMIT 1`).get() as { bucket: number; bseq: number };
    db.close();
    const covered = await tampered((t) => t.prepare(`DELETE FROM gw_events WHERE bucket = ? AND bseq = ?`).run(last.bucket, last.bseq));
    expect(covered.findings).toContainEqual(
      expect.objectContaining({ kind: 'truncated-before-checkpoint', chain: 'events', bucket: last.bucket, seq: last.bseq }),
    );

    const dir = mkdtempSync(join(tmpdir(), 'gw-window-'));
    try {
      for (const f of ['app.db', 'app.db.checkpoints.jsonl']) copyFileSync(join(base, f), join(dir, f));
      const h = await openHarness(dir, { keys: pair });
      await h.pipeline.execute(openCounter, { counterId: 'late', owner: 'alice', limit: 5 }, human);
      h.store.db.pragma('foreign_keys = OFF');
      h.store.db.prepare(`DELETE FROM gw_events WHERE stream_id = 'late'`).run();
      h.store.db.prepare(`DELETE FROM gw_commands WHERE stream_id = 'late'`).run();
      expect((await h.verify()).ok).toBe(true);
      await h.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rollback to an older copy is caught against the external sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rollback-'));
    try {
      for (const f of ['app.db', 'app.db.checkpoints.jsonl']) copyFileSync(join(base, f), join(dir, f));
      copyFileSync(join(base, 'app.db'), join(dir, 'backup.db'));
      const h = await openHarness(dir, { keys: pair });
      await h.pipeline.execute(openCounter, { counterId: 'after-backup', owner: 'alice', limit: 5 }, human);
      await h.checkpoint();
      h.store.db.pragma('wal_checkpoint(TRUNCATE)');
      await h.close();
      copyFileSync(join(dir, 'backup.db'), join(dir, 'app.db'));
      rmSync(join(dir, 'app.db-wal'), { force: true });
      const store = openSqliteStore(join(dir, 'app.db'));
      const report = await verifyStore(store.chains, {
        storeId,
        publicKey: pair.publicKey,
        sink: new FileCheckpointSink(join(dir, 'app.db.checkpoints.jsonl')),
      });
      await store.close();
      expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'rollback', seq: 2 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a forged checkpoint or a foreign key: bad-signature', async () => {
    const edited = await tampered((t) => t.prepare(`UPDATE gw_checkpoints SET body = replace(body, '"events":', '"events":1') WHERE seq = 1`).run());
    expect(edited.findings).toContainEqual(expect.objectContaining({ kind: 'bad-signature', chain: 'checkpoints', seq: 1 }));
    const foreign = await tampered(() => undefined, signingKeys().publicKey);
    expect(foreign.findings).toContainEqual(expect.objectContaining({ kind: 'bad-signature', seq: 1 }));
  });

  it('pins the Merkle root encoding (golden vector from an independent Python implementation)', async () => {
    const heads = [
      [7, 3, 'ab'.repeat(32), 2, 'cd'.repeat(32)],
      [4095, 1, '01'.repeat(32), 0, ''],
    ] as const;
    expect(merkleRoot('store-1', heads)).toBe('dc4b9f4a367d97a1b9711ae4f6255bc4dc22d2e1a00794f4d312a62107ed74f9');
  });
});
