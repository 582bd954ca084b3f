/**
 * Connecting to PostgreSQL and keeping its schema: a pool whose 64-bit integers come back as
 * numbers, transactions on one client, and versioned migrations applied once, safely from several
 * processes at once (under a transaction-scoped advisory lock), recorded in gw_schema_versions.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** The advisory-lock namespace of this store's locks (the two-int form, so nobody else's collide). */
export const LOCK_NAMESPACE = 0x6757; // "gW"

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function openPool(url: string, max = 10): Pool {
  return new pg.Pool({ connectionString: url, max, types });
}

/** A schema name usable in SQL as is: lower-case letters, digits and underscores. */
export function schemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a usable schema name: ${JSON.stringify(name)} (lower-case letters, digits, _)`);
  return name;
}

/**
 * Runs `work` in one READ COMMITTED transaction on one client; rolls back if it throws. `begin`
 * is the first message (BEGIN, and whatever must come right after it, such as a lock).
 */
export async function inTransaction<T>(pool: Pool, work: (client: Client) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}

/** Each migration, by version: applied in order, once, in the store's schema. */
const MIGRATIONS: ReadonlyArray<(s: string) => string> = [
  (s) => `
CREATE TABLE ${s}.gw_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE ${s}.gw_event_positions;
CREATE TABLE ${s}.gw_events (
  position bigint PRIMARY KEY,
  tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  bucket integer NOT NULL,
  bseq bigint NOT NULL,
  stream_id text NOT NULL,
  version integer NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  recorded_at text NOT NULL,
  tenant text NOT NULL,
  subject text,
  metadata text NOT NULL,
  payload text NOT NULL,
  prev_hash bytea NOT NULL,
  row_hash bytea NOT NULL,
  UNIQUE (stream_id, version),
  UNIQUE (bucket, bseq)
);
CREATE INDEX gw_events_commit_order ON ${s}.gw_events (tx_id, position);
CREATE INDEX gw_events_subject ON ${s}.gw_events (subject) WHERE subject IS NOT NULL;
CREATE TABLE ${s}.gw_commands (
  id bigserial PRIMARY KEY,
  bucket integer NOT NULL,
  cseq bigint NOT NULL,
  command_id text NOT NULL,
  command text NOT NULL,
  stream_id text NOT NULL,
  tenant text NOT NULL,
  outcome text NOT NULL,
  subject text,
  on_behalf_of text,
  actor_id text NOT NULL,
  correlation_id text NOT NULL,
  causation_id text,
  idempotency_key text,
  recorded_at text NOT NULL,
  audit text NOT NULL,
  prev_hash bytea NOT NULL,
  row_hash bytea NOT NULL,
  UNIQUE (bucket, cseq)
);
CREATE UNIQUE INDEX gw_commands_accepted_id ON ${s}.gw_commands (tenant, command_id) WHERE outcome = 'accepted';
CREATE UNIQUE INDEX gw_commands_accepted_key ON ${s}.gw_commands (tenant, idempotency_key) WHERE outcome = 'accepted' AND idempotency_key IS NOT NULL;
CREATE INDEX gw_commands_stream ON ${s}.gw_commands (stream_id);
CREATE INDEX gw_commands_subject ON ${s}.gw_commands (subject) WHERE subject IS NOT NULL;
CREATE INDEX gw_commands_on_behalf_of ON ${s}.gw_commands (on_behalf_of) WHERE on_behalf_of IS NOT NULL;
CREATE INDEX gw_commands_actor ON ${s}.gw_commands (actor_id);
CREATE INDEX gw_commands_correlation ON ${s}.gw_commands (correlation_id);
CREATE TABLE ${s}.gw_snapshots (
  stream_id text PRIMARY KEY,
  bucket integer NOT NULL,
  tenant text NOT NULL,
  subject text,
  version integer NOT NULL,
  state_version text NOT NULL,
  state text NOT NULL
);
CREATE INDEX gw_snapshots_subject ON ${s}.gw_snapshots (subject) WHERE subject IS NOT NULL;
CREATE TABLE ${s}.gw_checkpoints (seq integer PRIMARY KEY, hash text NOT NULL, body text NOT NULL, signature text NOT NULL);
CREATE TABLE ${s}.gw_checkpoint_heads (seq integer NOT NULL, bucket integer NOT NULL, bseq bigint NOT NULL, event_head text NOT NULL, cseq bigint NOT NULL, command_head text NOT NULL, PRIMARY KEY (seq, bucket));
CREATE TABLE ${s}.gw_checkpoint_latest (bucket integer PRIMARY KEY, bseq bigint NOT NULL, event_head text NOT NULL, cseq bigint NOT NULL, command_head text NOT NULL);
CREATE TABLE ${s}.gw_projection_positions (name text PRIMARY KEY, tx bigint NOT NULL, position bigint NOT NULL);
CREATE TABLE ${s}.gw_outbox_positions (relay text PRIMARY KEY, tx bigint NOT NULL, position bigint NOT NULL);
CREATE TABLE ${s}.gw_keys (subject text PRIMARY KEY, wrapped bytea NOT NULL);
CREATE TABLE ${s}.gw_forgotten (subject text PRIMARY KEY);
`,
  // 2: commands dispatched through a bus: the ones waiting for it, their status, and relay leases.
  (s) => `
CREATE TABLE ${s}.gw_command_outbox (
  command_id text PRIMARY KEY,
  seq bigserial NOT NULL,
  tenant text NOT NULL,
  message text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  parked_reason text
);
CREATE INDEX gw_command_outbox_pending ON ${s}.gw_command_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX gw_commands_command_id ON ${s}.gw_commands (command_id);
CREATE TABLE ${s}.gw_leases (name text PRIMARY KEY, holder text NOT NULL, until timestamptz NOT NULL);
`,
  // 3: requests for a human's approval, found again by id.
  (s) => `
CREATE TABLE ${s}.gw_approvals (approval_id text NOT NULL, tenant text NOT NULL, record text NOT NULL, decision text NOT NULL, decided_by text, decided_at text, reason text, PRIMARY KEY (tenant, approval_id));
`,
];

/** Creates the schema and applies every migration it lacks; safe to run from many processes at once. */
export async function migrate(pool: Pool, schema: string, storeId: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock($1, -1)`, [LOCK_NAMESPACE]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.gw_schema_versions (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.gw_schema_versions`);
    const applied = new Set(rows.map((r) => r.version));
    for (let i = 0; i < MIGRATIONS.length; i++) {
      if (applied.has(i + 1)) continue;
      await client.query(MIGRATIONS[i]!(schema));
      await client.query(`INSERT INTO ${schema}.gw_schema_versions (version) VALUES ($1)`, [i + 1]);
    }
    await client.query(`INSERT INTO ${schema}.gw_meta (key, value) VALUES ('store_id', $1) ON CONFLICT (key) DO NOTHING`, [storeId]);
  });
}

export const SCHEMA_VERSION = MIGRATIONS.length;
