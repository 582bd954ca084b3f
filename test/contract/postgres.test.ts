/**
 * The store contract on PostgreSQL, against a real server: each store gets its own schema, dropped
 * afterwards. The URL comes from GROUNDWORK_TEST_DATABASE_URL (default: the local server). Without a
 * server the suite skips with one line saying how to run it, except in CI, where it fails.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import { openPostgresKeys, openPostgresStore } from '../../src/runtime/index.js';
import { describeStoreContract } from './store-contract.js';
import { postgresAvailable, testDatabaseUrl, uniqueSchema } from './postgres-env.js';

const url = testDatabaseUrl();

if (await postgresAvailable(url)) {
  describeStoreContract('postgres', async () => {
    const schema = uniqueSchema('contract');
    const store = await openPostgresStore(url, { schema });
    const keys = await openPostgresKeys(store, Buffer.alloc(32, 3));
    return {
      store,
      keys,
      async flipPayloadByte(position) {
        const { rows } = await store.pool.query<{ payload: string }>(`SELECT payload FROM ${schema}.gw_events WHERE position = $1`, [position]);
        const flipped = rows[0]!.payload.replace(/\d/, (d) => String((Number(d) + 1) % 10));
        await store.pool.query(`UPDATE ${schema}.gw_events SET payload = $1 WHERE position = $2`, [flipped, position]);
      },
      async close() {
        await keys.close();
        const admin = new pg.Client({ connectionString: url });
        await store.close();
        await admin.connect();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
} else {
  describe('store contract: postgres', () => {
    it.skip(`needs PostgreSQL at ${url}: start it, or set GROUNDWORK_TEST_DATABASE_URL`, () => undefined);
  });
}
