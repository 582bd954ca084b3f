/** The store contract on the embedded SQLite adapter. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_INDEX_EVERY } from '../../src/runtime/adapters/sqlite/audit-index.js';
import { SqliteKeyStore, bucketOf, openSqliteStore, type AuditRecord } from '../../src/runtime/index.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-contract-'));
  const store = openSqliteStore(join(dir, 'contract.db'), { synchronous: 'NORMAL' });
  const keys = new SqliteKeyStore(join(dir, 'contract.db.keys'), Buffer.alloc(32, 3));
  return {
    store,
    keys,
    async flipPayloadByte(position) {
      const row = store.db.prepare('SELECT payload FROM gw_events WHERE position = ?').get(position) as { payload: string };
      const flipped = row.payload.replace(/\d/, (d) => String((Number(d) + 1) % 10));
      store.db.prepare('UPDATE gw_events SET payload = ? WHERE position = ?').run(flipped, position);
    },
    async close() {
      await keys.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('the embedded audit index', () => {
  it('fills in batches off the hot path, and a read-only open still finds the rows after its cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-audit-index-'));
    try {
      const path = join(dir, 'index.db');
      const store = openSqliteStore(path, { synchronous: 'NORMAL' });
      const record = (i: number) => store.events.recordCommand(bucketOf(`s${i}`), '2026-01-01T00:00:00.000Z', deniedRecord(`s${i}`, `c${i}`));
      for (let i = 0; i < 10; i++) await record(i);
      const indexed = () => (store.db.prepare('SELECT COUNT(*) AS n FROM gw_audit_index').get() as { n: number }).n;
      expect(indexed()).toBe(0);
      for (let i = 10; i < AUDIT_INDEX_EVERY + 20; i++) await record(i);
      // Stream, actor and correlation of each of the first AUDIT_INDEX_EVERY rows (no subject, no on-behalf-of).
      expect(indexed()).toBe(3 * AUDIT_INDEX_EVERY);
      await store.close();

      const reader = openSqliteStore(path, { readOnly: true });
      const byActor = await reader.events.commands({ actor: 'mallory' }, 't1');
      expect(byActor).toHaveLength(AUDIT_INDEX_EVERY + 20);
      expect(byActor.map((c) => c.audit.commandId)).toEqual(Array.from({ length: AUDIT_INDEX_EVERY + 20 }, (_, i) => `c${i}`));
      expect((await reader.events.commands({ stream: `s${AUDIT_INDEX_EVERY + 19}` }, 't1')).map((c) => c.audit.commandId)).toEqual([
        `c${AUDIT_INDEX_EVERY + 19}`,
      ]);
      await reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function deniedRecord(streamId: string, commandId: string): AuditRecord {
  return {
    commandId,
    command: 'Test',
    streamId,
    tenant: 't1',
    actor: { id: 'mallory', kind: 'human', roles: [] },
    onBehalfOf: null,
    subject: null,
    correlationId: commandId,
    causationId: null,
    idempotencyKey: null,
    payloadHash: null,
    decision: 'denied',
    reason: 'role',
    outcome: 'denied',
    error: { code: 'forbidden' },
    versions: null,
  };
}
