/** The store contract on the embedded SQLite adapter. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyStore, openSqliteStore } from '../../src/runtime/index.js';
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
