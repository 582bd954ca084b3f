/** The PostgreSQL store: every port on one database schema, shared by any number of processes. */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../ports/store.js';
import { PostgresApprovalStore } from './approvals.js';
import { PostgresChainReader } from './chain-reader.js';
import { PostgresCommandOutbox, PostgresLeases } from './command-outbox.js';
import { ConfigurationError } from '../../core/errors.js';
import { SCHEMA_VERSION, migrate, openPool, schemaName, type Pool } from './database.js';
import { PostgresEventStore } from './event-store.js';
import { PostgresKeyStore } from './key-store.js';
import { PostgresProjectionStore } from './projection-store.js';

export interface PostgresOptions {
  /** The schema the store's tables live in (default `groundwork`). */
  readonly schema?: string | undefined;
  /** How long an append waits for its bucket's lock (default 5000 ms). */
  readonly lockTimeoutMs?: number | undefined;
  /** Connections in this process's pool (default 10). */
  readonly poolSize?: number | undefined;
  /** Create or migrate the schema (default); false opens an existing store only, changing nothing. */
  readonly create?: boolean | undefined;
}

export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  readonly events: PostgresEventStore;
  readonly pool: Pool;
  readonly schema: string;
  /** Commands waiting for the bus, and what is known of a dispatched command. */
  readonly commandOutbox: PostgresCommandOutbox;
  /** Leases that let one process at a time run a relay. */
  readonly leases: PostgresLeases;
  /** Whether any data key is stored (so personal data is encrypted here). */
  holdsKeys(): Promise<boolean>;
}

/** Connects, creates or migrates the schema (safe from many processes at once), and opens every port. */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
  const schema = schemaName(options.schema ?? 'groundwork');
  const pool = openPool(url, options.poolSize);
  try {
    if (options.create === false) await mustExist(pool, schema, url);
    else await migrate(pool, schema, randomBytes(16).toString('hex'));
    const { rows } = await pool.query<{ value: string }>(`SELECT value FROM ${schema}.gw_meta WHERE key = 'store_id'`);
    const events = new PostgresEventStore(pool, schema, rows[0]!.value, { lockTimeoutMs: options.lockTimeoutMs });
    const meta = (sql: string, values: unknown[]) => pool.query(sql, values);
    return {
      kind: 'postgres',
      pool,
      schema,
      events,
      outbox: events,
      commandOutbox: new PostgresCommandOutbox(pool, schema),
      leases: new PostgresLeases(pool, schema),
      approvals: new PostgresApprovalStore(pool, schema),
      chains: new PostgresChainReader(pool, schema),
      projections: new PostgresProjectionStore(pool, schema),
      meta: {
        get: async (key) => (await pool.query<{ value: string }>(`SELECT value FROM ${schema}.gw_meta WHERE key = $1`, [key])).rows[0]?.value,
        setOnce: async (key, value) =>
          void (await meta(`INSERT INTO ${schema}.gw_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, value])),
        set: async (key, value) =>
          void (await meta(`INSERT INTO ${schema}.gw_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value])),
        remove: async (key) => void (await meta(`DELETE FROM ${schema}.gw_meta WHERE key = $1`, [key])),
        list: async (prefix) =>
          (
            await pool.query<{ key: string; value: string }>(`SELECT key, value FROM ${schema}.gw_meta WHERE starts_with(key, $1) ORDER BY key`, [prefix])
          ).rows.map((row) => [row.key, row.value] as const),
      },
      holdsKeys: async () => ((await pool.query(`SELECT 1 FROM ${schema}.gw_keys LIMIT 1`)).rowCount ?? 0) > 0,
      close: () => events.close(),
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/** Reading never creates: a schema that is missing or not at the current version is refused. */
async function mustExist(pool: Pool, schema: string, url: string): Promise<void> {
  const { rows } = await pool
    .query<{ version: number | null }>(`SELECT (SELECT MAX(version) FROM ${schema}.gw_schema_versions) AS version WHERE to_regclass($1) IS NOT NULL`, [
      `${schema}.gw_schema_versions`,
    ])
    .catch(() => ({ rows: [] as { version: number | null }[] }));
  const version = rows[0]?.version ?? null;
  if (version === null) throw new ConfigurationError('no-store', `there is no Groundwork store in schema ${schema} of ${redacted(url)}`);
  if (version !== SCHEMA_VERSION)
    throw new ConfigurationError(
      'no-store',
      `the store in schema ${schema} is at schema version ${version}, this release reads ${SCHEMA_VERSION}: open it once to write, to migrate it`,
    );
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the database';
  }
}

export function isPostgresStore(store: Store): store is PostgresStore {
  return store.kind === 'postgres' && 'pool' in store;
}

/** The store's key store, in the same schema; refuses a KEK that did not wrap the keys already there. */
export function openPostgresKeys(store: PostgresStore, kek: Uint8Array): Promise<PostgresKeyStore> {
  return PostgresKeyStore.open(store.pool, store.schema, kek);
}

export { PostgresEventStore } from './event-store.js';
