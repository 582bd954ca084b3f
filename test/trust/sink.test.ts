/** The external checkpoint sink, honestly: a torn last line, a deleted sink and a live writer. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyStore, type ChainReader } from '../../src/runtime/index.js';
import { increment, openCounter } from '../runtime/counter.js';
import { type Harness, openHarness } from './harness.js';

const human = { actor: { id: 'u', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;
let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-sink-'));
  h = await openHarness(dir);
  await h.pipeline.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 100 }, human);
  await h.checkpoint();
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the external checkpoint sink', () => {
  it('a deleted sink, while the database holds checkpoints, is a finding', async () => {
    expect(await h.verify()).toMatchObject({ ok: true });
    rmSync(h.sink.path);
    const report = await h.verify();
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'sink-missing' }));
  });

  it('a torn last line is a finding, not a crash, and the next checkpoint heals it', async () => {
    appendFileSync(h.sink.path, '{"seq":2,"storeId":"');
    const torn = await h.verify();
    expect(torn.findings).toEqual([expect.objectContaining({ kind: 'sink-torn' })]);
    await h.pipeline.execute(increment, { counterId: 'c1', by: 1 }, human);
    await h.checkpoint();
    expect(
      readFileSync(h.sink.path, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq: number }).seq),
    ).toEqual([1, 2]);
    expect(await h.verify()).toMatchObject({ ok: true, findings: [], checkpoints: { checked: 2, inSink: 2 } });
  });

  it('a damaged line in the middle is a finding', async () => {
    appendFileSync(h.sink.path, 'not a checkpoint\n');
    expect((await h.verify()).findings).toContainEqual(expect.objectContaining({ kind: 'sink-damaged' }));
  });

  it('a checkpoint taken while verify runs is not mistaken for a rollback', async () => {
    const chains = h.store.chains;
    // A live writer takes a checkpoint right after verify has read the database's checkpoints.
    const live: ChainReader = {
      rows: (chain) => chains.rows(chain),
      bucketRows: (chain, bucket, after) => chains.bucketRows(chain, bucket, after),
      rowHash: (chain, bucket, seq) => chains.rowHash(chain, bucket, seq),
      buckets: (chain) => chains.buckets(chain),
      positions: () => chains.positions(),
      latestCheckpoint: () => chains.latestCheckpoint(),
      storeCheckpoint: (build) => chains.storeCheckpoint(build),
      async *checkpoints() {
        yield* chains.checkpoints();
        await h.pipeline.execute(increment, { counterId: 'c1', by: 1 }, human);
        await h.checkpoint();
      },
    };
    const report = await verifyStore(live, { storeId: h.store.events.storeId, publicKey: h.publicKey, sink: h.sink });
    expect(report.findings).toEqual([]);
    expect(report.checkpoints).toMatchObject({ checked: 1, inSink: 1 });
    expect(await h.verify()).toMatchObject({ ok: true, checkpoints: { checked: 2, inSink: 2 } });
  });
});
