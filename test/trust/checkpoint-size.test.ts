/**
 * A checkpoint's size does not grow with the buckets in use: the sink gets the signed root, the
 * link and the counts; the database keeps only the heads that changed since the previous
 * checkpoint; verify folds them up. Checkpoints of the first format (all heads signed) still verify.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_CHECKPOINT, bucketHeads, canonicalBody, merkleRoot, signCheckpoint } from '../../src/runtime/index.js';
import { increment, openCounter } from '../runtime/counter.js';
import { type Harness, openHarness, signingKeys } from './harness.js';

const human = { actor: { id: 'u', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;
const pair = signingKeys();
let dir: string;
let h: Harness;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-cpsize-'));
  h = await openHarness(dir, { keys: pair });
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const sinkLines = () => readFileSync(h.sink.path, 'utf8').trimEnd().split('\n');
const changedAt = (seq: number) => (h.store.db.prepare('SELECT COUNT(*) AS n FROM gw_checkpoint_heads WHERE seq = ?').get(seq) as { n: number }).n;

describe('checkpoint size', () => {
  it('stays the same with 1,500 buckets in use, and the database keeps only what changed', async () => {
    for (let i = 0; i < 1500; i++) await h.pipeline.execute(openCounter, { counterId: `c${i}`, owner: 'o', limit: 10 }, human);
    await h.checkpoint();
    await h.pipeline.execute(increment, { counterId: 'c7', by: 1 }, human);
    await h.checkpoint();
    const [first, second] = sinkLines();
    expect(first!.length).toBeLessThan(600);
    expect(second!.length).toBe(first!.length);
    const buckets = (h.store.db.prepare('SELECT COUNT(DISTINCT bucket) AS n FROM gw_events').get() as { n: number }).n;
    console.log(
      `checkpoint size: ${buckets} buckets in use, sink line ${second!.length} bytes, heads kept: ${changedAt(1)} at the first checkpoint, ${changedAt(2)} at the second`,
    );
    expect(changedAt(1)).toBe(buckets);
    expect(changedAt(2)).toBe(1);
    expect(await h.verify()).toMatchObject({ ok: true, findings: [], checkpoints: { checked: 2, inSink: 2 } });
  });

  it('a changed head kept in the database that was edited is caught by the signed root', async () => {
    await h.pipeline.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 10 }, human);
    await h.checkpoint();
    h.store.db.prepare(`UPDATE gw_checkpoint_heads SET bseq = bseq + 1`).run();
    expect((await h.verify()).findings).toContainEqual(expect.objectContaining({ kind: 'bad-signature', seq: 1 }));
  });

  it('checkpoints of the first format, with every head signed, still verify beside new ones', async () => {
    await h.pipeline.execute(openCounter, { counterId: 'c1', owner: 'o', limit: 10 }, human);
    const storeId = h.store.events.storeId;
    await h.store.chains.storeCheckpoint((inputs) => {
      const heads = bucketHeads(inputs.eventHeads, inputs.commandHeads);
      const body = {
        seq: 1,
        storeId,
        createdAt: '2026-01-01T00:00:00.000Z',
        events: inputs.events,
        commands: inputs.commands,
        root: merkleRoot(storeId, heads),
        prev: GENESIS_CHECKPOINT,
        heads,
      };
      const signed = signCheckpoint(body, pair.privateKey);
      return { seq: 1, hash: signed.hash, body: canonicalBody(body).toString('utf8'), signature: signed.signature };
    });
    await h.pipeline.execute(openCounter, { counterId: 'c2', owner: 'o', limit: 10 }, human);
    await h.checkpoint();
    expect(await h.verify()).toMatchObject({ ok: true, findings: [], checkpoints: { checked: 2, inSink: 1 } });
  });
});
