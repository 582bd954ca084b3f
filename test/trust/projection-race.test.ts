/**
 * Two processes catching one projection up at once apply every event exactly once: the position is
 * compared and advanced inside the write transaction that holds the rows.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketOf, openSqliteStore } from '../../src/runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-race-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function child(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, [join(import.meta.dirname, 'projection-child.mjs'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    process_.on('error', reject);
    process_.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('projection catch-up from two processes', () => {
  it('applies each of 3000 events once', async () => {
    const path = join(dir, 'race.db');
    const store = openSqliteStore(path, { synchronous: 'NORMAL' });
    const streams = 30;
    const perStream = 100;
    for (let s = 0; s < streams; s++) {
      const streamId = `s${s}`;
      const metadata = {
        commandId: streamId,
        command: 'Count',
        correlationId: streamId,
        causationId: null,
        actorId: 'job',
        actorKind: 'job',
        onBehalfOf: null,
        subject: null,
        tenant: 't',
      } as const;
      const result = await store.events.commit({
        streamId,
        bucket: bucketOf(streamId),
        expectedVersion: 0,
        recordedAt: '2026-01-01T00:00:00.000Z',
        metadata,
        events: Array.from({ length: perStream }, () => ({ type: 'Counted', schemaVersion: 1, data: {} })),
        audit: {
          commandId: streamId,
          command: 'Count',
          streamId,
          tenant: 't',
          actor: { id: 'job', kind: 'job', roles: [] },
          onBehalfOf: null,
          subject: null,
          correlationId: streamId,
          causationId: null,
          idempotencyKey: null,
          payloadHash: null,
          decision: 'allowed',
          reason: null,
          outcome: 'accepted',
          error: null,
          versions: { from: 1, to: perStream },
        },
      });
      expect(result.ok).toBe(true);
    }
    await store.close();
    const codes = await Promise.all([child(path), child(path), child(path)]);
    expect(codes).toEqual([0, 0, 0]);
    const after = openSqliteStore(path);
    const total = after.db.prepare('SELECT SUM(applied) AS n, COUNT(*) AS rows FROM tally').get() as { n: number; rows: number };
    const position = await after.projections.position('Tally');
    await after.close();
    console.log(`projection race: 3 processes caught up ${streams * perStream} events: applied ${total.n}, position ${position.position}`);
    expect(total).toEqual({ n: streams * perStream, rows: streams });
    expect(position.position).toBe(streams * perStream);
  }, 60_000);
});
