/**
 * The ways of folding events that the generated dispatch is measured against: a hand-written
 * mutable switch (for the bank example, the same rules as its evolve.ts), and the reflection-style
 * `this['on' + type](event)` many frameworks use, over the same handlers.
 */

import { statSync } from 'node:fs';
import type * as Runtime from '../runtime/index.js';

export interface BankState {
  ownerId: string;
  balance: number;
  status: 'open' | 'frozen' | 'closed';
  transactionCount: number;
}

interface BankEvent {
  readonly type: string;
  readonly data: { readonly ownerId?: string; readonly amount?: number };
}

/** Written by hand as a careful engineer would: one switch, one state object mutated in place. */
export function handWrittenBankFold(state: BankState, event: BankEvent): void {
  switch (event.type) {
    case 'AccountOpened':
      state.ownerId = event.data.ownerId!;
      state.status = 'open';
      state.balance = 0;
      return;
    case 'MoneyDeposited':
      state.balance += event.data.amount!;
      state.transactionCount += 1;
      return;
    case 'MoneyWithdrawn':
      state.balance -= event.data.amount!;
      state.transactionCount += 1;
      return;
    case 'AccountFrozen':
      state.status = 'frozen';
      return;
    case 'AccountUnfrozen':
      state.status = 'open';
      return;
    case 'AccountClosed':
      state.status = 'closed';
      return;
  }
}

export type Evolvers = Readonly<Record<string, (state: unknown, event: unknown) => void>>;

/** A dispatcher that finds the handler by building its name from the event type at run time. */
export function reflectionDispatcher(evolve: Evolvers): { state: unknown; apply(event: { readonly type: string }): void } {
  const target: Record<string, unknown> & { state: unknown; apply(event: { readonly type: string }): void } = {
    state: undefined,
    apply(event) {
      (this[`on${event.type}`] as (e: unknown) => void)(event);
    },
  };
  for (const type of Object.keys(evolve)) {
    target[`on${type}`] = function (this: { state: unknown }, event: unknown) {
      evolve[type]!(this.state, event);
    };
  }
  return target;
}

/** The audit context of the events the bench writes directly. */
export function metadata(tenant: string): Runtime.EventMetadata {
  return {
    commandId: 'bench',
    command: 'Bench',
    correlationId: 'bench',
    causationId: null,
    actorId: 'bench',
    actorKind: 'job',
    onBehalfOf: null,
    subject: null,
    tenant,
  };
}

/** The audit record of a command the bench writes directly. */
export function audit(streamId: string, from: number, to: number): Runtime.AuditRecord {
  return {
    commandId: `bench-${streamId}-${from}`,
    command: 'Bench',
    streamId,
    tenant: 't',
    actor: { id: 'bench', kind: 'job', roles: [] },
    onBehalfOf: null,
    subject: null,
    correlationId: 'bench',
    causationId: null,
    idempotencyKey: null,
    payloadHash: null,
    decision: 'allowed',
    reason: null,
    outcome: 'accepted',
    error: null,
    versions: { from, to },
  };
}

/**
 * The raw baselines below talk to SQLite directly, on purpose: they are what the runtime is
 * measured against. Nothing else outside the SQLite adapter writes SQL.
 */
export function rawReader(rt: typeof Runtime, store: Runtime.Store): { all(streamId: string): [string, string][] } {
  if (!rt.isSqliteStore(store)) throw new Error('the raw load baseline needs the embedded store');
  return store.db.prepare<[string], [string, string]>('SELECT type, payload FROM gw_events WHERE stream_id = ? ORDER BY version').raw(true);
}

/** The texts and chained hashes of the rows one raw command writes: an event, then its audit record. */
function rawRows(
  rt: typeof Runtime,
  row: { bucket: number; seq: number; position: number; streamId: string; version: number; commandId: string; payload: string },
  prev: Buffer,
): { meta: string; hash: Buffer; auditText: string; commandHash: Buffer } {
  const { bucket, seq, position, streamId, version, commandId, payload } = row;
  const recordedAt = '2026-01-01T00:00:00.000Z';
  const meta = JSON.stringify(metadata('t'));
  const hash = rt.eventRowHash(
    { bucket, bseq: seq, position, streamId, version, type: 'MoneyDeposited', schemaVersion: 1, recordedAt, metadata: meta, payload },
    prev,
  );
  const auditText = JSON.stringify(audit(streamId, version, version));
  const commandHash = rt.commandRowHash(
    { bucket, cseq: seq, commandId, command: 'Deposit', streamId, tenant: 't', outcome: 'accepted', recordedAt, audit: auditText },
    hash,
  );
  return { meta, hash, auditText, commandHash };
}

/**
 * Raw better-sqlite3: the rows one command writes (its event and its audit record, with the same
 * uniqueness: stream and version, bucket and sequence, command id), chained, one transaction each.
 */
export function rawWriter(
  rt: typeof Runtime,
  path: string,
  synchronous: 'FULL' | 'NORMAL',
): { write(streamId: string, version: number, payload: string): void; writeMany(rows: readonly [string, number][], payload: string): void; close(): void } {
  const db = rt.openDatabase(path, { synchronous });
  db.exec(`CREATE TABLE e (position INTEGER PRIMARY KEY, bucket INTEGER, bseq INTEGER, stream_id TEXT, version INTEGER, type TEXT, schema_version INTEGER, recorded_at TEXT, tenant TEXT, metadata TEXT, payload TEXT, prev_hash BLOB, row_hash BLOB, UNIQUE (stream_id, version), UNIQUE (bucket, bseq));
    CREATE TABLE c (id INTEGER PRIMARY KEY, bucket INTEGER, cseq INTEGER, command_id TEXT, audit TEXT, prev_hash BLOB, row_hash BLOB, UNIQUE (bucket, cseq), UNIQUE (command_id));`);
  const insertEvent = db.prepare('INSERT INTO e VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)');
  const insertCommand = db.prepare('INSERT INTO c (bucket, cseq, command_id, audit, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?)');
  let prev: Buffer = Buffer.alloc(32);
  let position = 0;
  const write = db.transaction((streamId: string, version: number, payload: string) => {
    position += 1;
    const bucket = rt.bucketOf(streamId);
    const { meta, hash, auditText, commandHash } = rawRows(
      rt,
      { bucket, seq: position, position, streamId, version, commandId: `c${position}`, payload },
      prev,
    );
    insertEvent.run(position, bucket, position, streamId, version, 'MoneyDeposited', '2026-01-01T00:00:00.000Z', 't', meta, payload, prev, hash);
    insertCommand.run(bucket, position, `c${position}`, auditText, hash, commandHash);
    prev = commandHash;
  });
  const writeMany = db.transaction((rows: readonly [string, number][], payload: string) => {
    for (const [streamId, version] of rows) write(streamId, version, payload);
  });
  return {
    write: (streamId: string, version: number, payload: string) => write.immediate(streamId, version, payload),
    writeMany: (rows: readonly [string, number][], payload: string) => writeMany.immediate(rows, payload),
    close: () => db.close(),
  };
}

/**
 * WAL pages written per command: the WAL is checkpointed and emptied, auto-checkpoints are turned
 * off, `count` commands run, and the WAL's growth is counted in frames (a page and its header).
 */
export async function walPagesPer(rt: typeof Runtime, store: Runtime.Store, count: number, run: (i: number) => Promise<void>): Promise<number> {
  if (!rt.isSqliteStore(store)) throw new Error('WAL pages are a measure of the embedded store');
  const db = store.db;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('wal_autocheckpoint = 0');
  for (let i = 0; i < count; i++) await run(i);
  const frames = (statSync(`${db.name}-wal`).size - 32) / (pageSize + 24);
  db.pragma('wal_autocheckpoint = 1000');
  return frames / count;
}

/** What a raw PostgreSQL baseline needs of a pool: queries and a client for a transaction. */
export interface RawPool {
  query(text: string, values?: unknown[]): Promise<unknown>;
  connect(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; release(): void }>;
}

/**
 * Raw node-postgres: the rows one command writes (its event and its audit record, chained, with
 * the same uniqueness), one transaction each under the bucket's advisory lock, as the store does,
 * with the chain heads kept in memory. The tables live in `schema`.
 */
export async function rawPostgresWriter(
  rt: typeof Runtime,
  pool: RawPool,
  schema: string,
): Promise<{ write(streamId: string, version: number, payload: string): Promise<void> }> {
  await pool.query(
    `CREATE TABLE ${schema}.raw_e (position bigserial PRIMARY KEY, bucket integer, bseq bigint, stream_id text, version integer, type text, schema_version integer, recorded_at text, tenant text, metadata text, payload text, prev_hash bytea, row_hash bytea, UNIQUE (stream_id, version), UNIQUE (bucket, bseq))`,
  );
  await pool.query(
    `CREATE TABLE ${schema}.raw_c (id bigserial PRIMARY KEY, bucket integer, cseq bigint, command_id text UNIQUE, audit text, prev_hash bytea, row_hash bytea, UNIQUE (bucket, cseq))`,
  );
  const heads = new Map<number, { seq: number; hash: Buffer }>();
  let n = 0;
  return {
    async write(streamId, version, payload) {
      const bucket = rt.bucketOf(streamId);
      const id = `c${++n}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(1, $1)', [bucket]);
        // Read under the lock, and moved on before the commit releases it.
        const head = heads.get(bucket) ?? { seq: 0, hash: Buffer.alloc(32) };
        const seq = head.seq + 1;
        const { meta, hash, auditText, commandHash } = rawRows(rt, { bucket, seq, position: seq, streamId, version, commandId: id, payload }, head.hash);
        await client.query(
          `INSERT INTO ${schema}.raw_e (bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, metadata, payload, prev_hash, row_hash) VALUES ($1, $2, $3, $4, 'MoneyDeposited', 1, '2026-01-01T00:00:00.000Z', 't', $5, $6, $7, $8)`,
          [bucket, seq, streamId, version, meta, payload, head.hash, hash],
        );
        await client.query(`INSERT INTO ${schema}.raw_c (bucket, cseq, command_id, audit, prev_hash, row_hash) VALUES ($1, $2, $3, $4, $5, $6)`, [
          bucket,
          seq,
          id,
          auditText,
          hash,
          commandHash,
        ]);
        heads.set(bucket, { seq, hash: commandHash });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** Raw node-postgres load: select a stream's events, parse and fold them, as hand-written code would. */
export async function rawPostgresLoad(pool: RawPool, schema: string, streamId: string, fold: (type: string, data: object) => void): Promise<void> {
  const { rows } = (await pool.query(`SELECT type, payload FROM ${schema}.gw_events WHERE stream_id = $1 ORDER BY version`, [streamId])) as {
    rows: { type: string; payload: string }[];
  };
  for (const row of rows) fold(row.type, JSON.parse(row.payload) as object);
}

/** Drops a scratch schema the PostgreSQL suite made. */
export async function dropSchema(pool: RawPool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
}
