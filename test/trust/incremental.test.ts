/** verify --incremental: continues from the heads it verified last time, and still notices if they changed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { increment, openCounter } from '../runtime/counter.js';
import { openHarness } from './harness.js';

const human = { actor: { id: 'u', kind: 'human', roles: ['owner'] }, tenant: 't1' } as const;

describe('incremental verify', () => {
  it('checks only the new rows, and flags an already-verified head that changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-incr-'));
    const h = await openHarness(dir);
    try {
      for (let i = 0; i < 20; i++) await h.pipeline.execute(openCounter, { counterId: `c${i}`, owner: 'o', limit: 100 }, human);
      const state = join(dir, 'verify-state.json');
      const full = await h.verify(state);
      expect(full).toMatchObject({ ok: true, incremental: false, rows: { events: 20, commands: 20 } });
      for (let i = 0; i < 5; i++) await h.pipeline.execute(increment, { counterId: `c${i}`, by: 1 }, human);
      const next = await h.verify(state);
      expect(next).toMatchObject({ ok: true, incremental: true, rows: { events: 5, commands: 5 } });
      const victim = h.store.db.prepare(`SELECT bucket, bseq FROM gw_events WHERE stream_id = 'c3' ORDER BY version DESC LIMIT 1`).get() as {
        bucket: number;
        bseq: number;
      };
      h.store.db.prepare(`UPDATE gw_events SET row_hash = zeroblob(32) WHERE bucket = ? AND bseq = ?`).run(victim.bucket, victim.bseq);
      const tampered = await h.verify(state);
      expect(tampered.ok).toBe(false);
      expect(tampered.findings).toContainEqual(expect.objectContaining({ kind: 'content-mismatch', chain: 'events', bucket: victim.bucket, seq: victim.bseq }));
    } finally {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
