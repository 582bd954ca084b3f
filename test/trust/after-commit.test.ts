/**
 * Storage failures come back typed, and a committed command is reported as committed whatever
 * fails after its commit (a checkpoint sink on a full disk, a projection handler that throws).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryCheckpointSink,
  openApp,
  type AnyAggregate,
  type AnyProjection,
  type App,
  type Checkpoint,
  type ProjectionDefinition,
  type SqliteStore,
  type StoredEvent,
} from '../../src/runtime/index.js';
import { counter, human, increment, openCounter } from '../runtime/counter.js';
import { COMMANDS, signingKeys } from './harness.js';

class FullDiskSink extends MemoryCheckpointSink {
  full = true;

  override async append(checkpoint: Checkpoint): Promise<void> {
    if (this.full) throw new Error('ENOSPC: no space left on device');
    await super.append(checkpoint);
  }
}

let failing = true;
const flaky: ProjectionDefinition<{ counterId: string; total: number | null }, StoredEvent> = {
  name: 'Flaky',
  pii: false,
  table: 'flaky',
  key: 'counterId',
  columns: [{ name: 'total', kind: 'integer' }],
  handles: ['CounterIncremented'],
  async apply(event, rows) {
    if (failing) throw new Error('handler bug');
    await rows.merge(event.streamId, { total: ((await rows.get(event.streamId))?.total ?? 0) + (event.data as { by: number }).by });
  },
};

let dir: string;
let app: App;
let sink: FullDiskSink;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-after-'));
  failing = true;
  sink = new FullDiskSink();
  const pair = signingKeys();
  const key = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const verifyKey = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  app = await openApp(
    { commands: COMMANDS, aggregates: { Counter: counter as unknown as AnyAggregate }, projections: [flaky as unknown as AnyProjection] },
    { path: join(dir, 'app.db'), env: {}, checkpointSink: sink, signingKey: key, verifyKey, checkpointEvery: { events: 1 } },
  );
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('after the commit', () => {
  it('a command is reported as committed although its checkpoint and a projection fail after it', async () => {
    expect((await app.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 100 }, human)).ok).toBe(true);
    const result = await app.execute(increment, { counterId: 'c1', by: 2 }, { ...human, commandId: 'inc-1' });
    expect(result).toMatchObject({ ok: true, version: 2, duplicate: false });
    expect(app.status()).toEqual({ parked: { Flaky: 'Error: handler bug' }, afterCommit: 'Error: ENOSPC: no space left on device' });
    const records = await app.store.events.commands({ stream: 'c1' }, 't1');
    expect(records.map((r) => r.audit.outcome)).toEqual(['accepted', 'accepted']);
    expect(await app.execute(increment, { counterId: 'c1', by: 2 }, { ...human, commandId: 'inc-1' })).toMatchObject({ ok: true, duplicate: true });
    expect(await app.store.events.readStream('c1', 0)).toHaveLength(2);

    failing = false;
    sink.full = false;
    expect((await app.execute(increment, { counterId: 'c1', by: 3 }, human)).ok).toBe(true);
    expect(app.status()).toEqual({ parked: {}, afterCommit: null });
    expect(await app.rows<{ counterId: string; total: number | null }>('Flaky').get('c1', 't1')).toEqual({ counterId: 'c1', total: 5 });
  });

  it('a full database is a typed storage error, never a raw driver error, and writes nothing partial', async () => {
    expect((await app.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 1_000_000 }, human)).ok).toBe(true);
    const db = (app.store as SqliteStore).db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await app.execute(increment, { counterId: 'c1', by: 1 }, human));
    const failed = results.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r).toMatchObject({ ok: false, error: { code: 'storage' } });
    db.pragma('max_page_count = 1073741823');
    const events = await app.store.events.readStream('c1', 0);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.length).toBe(1 + results.filter((r) => r.ok).length);
    expect((await app.execute(increment, { counterId: 'c1', by: 1 }, human)).ok).toBe(true);
    const report = await app.verify();
    expect(report.findings).toEqual([]);
  });
});
