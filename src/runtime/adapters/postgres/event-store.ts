/**
 * The event store on PostgreSQL, shared by many processes and machines. An append is one READ
 * COMMITTED transaction whose first statement takes the bucket's transaction-scoped advisory lock
 * (with a lock timeout), then reads the bucket's chain heads and writes the events, the audit record
 * and the snapshot. UNIQUE(bucket, bseq), UNIQUE(bucket, cseq) and UNIQUE(stream_id, version) stay
 * as the backstop: a chain cannot fork even if the lock were bypassed, and a violation becomes a
 * typed answer. Readers of all events filter on transaction ids, so none ever skips an event that
 * commits late.
 */
import { commandRowHash, eventRowHash, genesisHash } from '../../core/chain.js';
import { StorageError } from '../../core/errors.js';
import { KeyedMutex } from '../../core/mutex.js';
import { toStoredCommand, toStoredEvent, type CommandRow, type EventRow } from '../../core/stored-rows.js';
import type { StoredEvent } from '../../core/types.js';
import {
  START,
  type AuditRecord,
  type CommandQuery,
  type CommitRequest,
  type CommitResult,
  type EventStore,
  type FoldDetail,
  type FoldEvent,
  type GlobalPosition,
  type InTransaction,
  type SnapshotRecord,
  type StoredCommand,
  type StreamHead,
} from '../../ports/event-store.js';
import type { Outbox } from '../../ports/outbox.js';
import { LOCK_NAMESPACE, inTransaction, type Client, type Pool, type Queryable } from './database.js';

const EVENT_COLUMNS = 'position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, metadata, payload';
const COMMAND_COLUMNS = 'bucket, cseq, recorded_at, audit';

interface Head {
  seq: number;
  hash: Buffer;
}

const UNIQUE_VIOLATION = '23505';

/** What an append reads under its bucket's lock. */
interface AppendRead {
  readonly version: number;
  readonly duplicate: CommandRow | null;
  readonly events: Head;
  readonly commands: Head;
  readonly positions: readonly number[];
  readonly forgotten: boolean;
}

interface RawAppendRead {
  version: number | string;
  duplicate: CommandRow | null;
  events_head: { seq: number; hash: string } | null;
  commands_head: { seq: number; hash: string } | null;
  positions: (string | number)[];
  forgotten: boolean;
}

export interface PostgresEventStoreOptions {
  /** How long an append waits for its bucket's lock before failing (default 5000 ms). */
  readonly lockTimeoutMs?: number | undefined;
}

export class PostgresEventStore implements EventStore, Outbox {
  readonly storeId: string;
  readonly #pool: Pool;
  readonly #s: string;
  readonly #locks = new KeyedMutex<number>();
  readonly #lockTimeout: string;
  /** The key store shares the schema: its forgotten subjects are read in the append's own read. */
  readonly refusesForgotten = true;

  /** Each fold reads only the columns its detail needs; the tenant comes along on every row (it is the same on all). */
  readonly #foldSql: Readonly<Record<FoldDetail, string>>;

  constructor(pool: Pool, schema: string, storeId: string, options: PostgresEventStoreOptions = {}) {
    this.#pool = pool;
    this.#s = schema;
    const fold = (columns: string) =>
      `SELECT type, schema_version, payload, tenant${columns} FROM ${schema}.gw_events WHERE stream_id = $1 AND version > $2 ORDER BY version`;
    this.#foldSql = { lean: fold(''), subject: fold(', subject'), context: fold(', subject, recorded_at') };
    this.storeId = storeId;
    this.#lockTimeout = `${Math.max(1, Math.floor(options.lockTimeoutMs ?? 5000))}ms`;
  }

  exclusive<T>(bucket: number, work: () => Promise<T>): Promise<T> {
    return this.#locks.run(bucket, work);
  }

  async readStream(streamId: string, afterVersion: number): Promise<readonly StoredEvent[]> {
    const { rows } = await this.#pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.#s}.gw_events WHERE stream_id = $1 AND version > $2 ORDER BY version`,
      [streamId, afterVersion],
    );
    return rows.map(toStoredEvent);
  }

  async readForFold(streamId: string, afterVersion: number, detail: FoldDetail): Promise<{ tenant: string | undefined; events: readonly FoldEvent[] }> {
    const { rows } = await this.#pool.query<{
      type: string;
      schema_version: number;
      payload: string;
      subject?: string | null;
      recorded_at?: string;
      tenant: string;
    }>({ name: `${this.#s}.fold-${detail}`, text: this.#foldSql[detail], values: [streamId, afterVersion] });
    const events = rows.map((row): FoldEvent => {
      const base = { type: row.type, schemaVersion: row.schema_version, data: JSON.parse(row.payload) as object };
      if (detail === 'lean') return base;
      if (detail === 'subject') return { ...base, subject: row.subject ?? null };
      return { ...base, subject: row.subject ?? null, recordedAt: row.recorded_at! };
    });
    return { tenant: rows[0]?.tenant, events };
  }

  /**
   * Commit order is (transaction id, position), and only transactions older than the oldest one
   * still running are read: a reader that advances to `next` never skips an event committed later
   * by a transaction that started earlier.
   */
  async readAll(after: GlobalPosition, limit: number): Promise<{ events: readonly StoredEvent[]; next: GlobalPosition }> {
    const { rows } = await this.#pool.query<EventRow & { tx: string }>(
      `SELECT ${EVENT_COLUMNS}, tx_id::text AS tx FROM ${this.#s}.gw_events
        WHERE (tx_id, position) > ($1::text::xid8, $2) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY tx_id, position LIMIT $3`,
      [String(after.tx), after.position, limit],
    );
    const last = rows[rows.length - 1];
    return { events: rows.map(toStoredEvent), next: last === undefined ? after : { tx: Number(last.tx), position: last.position } };
  }

  async countAfter(after: GlobalPosition): Promise<{ events: number; oldest: string | null }> {
    const { rows } = await this.#pool.query<{ events: number; oldest: string | null }>(
      `SELECT COUNT(*) AS events, MIN(recorded_at) AS oldest FROM ${this.#s}.gw_events WHERE (tx_id, position) > ($1::text::xid8, $2)`,
      [String(after.tx), after.position],
    );
    return rows[0]!;
  }

  async streamHead(streamId: string): Promise<StreamHead | undefined> {
    const { rows } = await this.#pool.query<StreamHead>(
      `SELECT version, type, tenant, subject FROM ${this.#s}.gw_events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1`,
      [streamId],
    );
    return rows[0];
  }

  async subjectTenants(subject: string): Promise<readonly string[]> {
    const { rows } = await this.#pool.query<{ tenant: string }>(`SELECT DISTINCT tenant FROM ${this.#s}.gw_events WHERE subject = $1 ORDER BY tenant`, [
      subject,
    ]);
    return rows.map((row) => row.tenant);
  }

  async loadSnapshot(streamId: string): Promise<SnapshotRecord | undefined> {
    const { rows } = await this.#pool.query<{ tenant: string; version: number; state_version: string; state: string }>(
      `SELECT tenant, version, state_version, state FROM ${this.#s}.gw_snapshots WHERE stream_id = $1`,
      [streamId],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { streamId, tenant: row.tenant, version: row.version, stateVersion: row.state_version, state: JSON.parse(row.state) as unknown };
  }

  async deleteSnapshotsOf(subject: string): Promise<number> {
    return (await this.#pool.query(`DELETE FROM ${this.#s}.gw_snapshots WHERE subject = $1`, [subject])).rowCount ?? 0;
  }

  async findAccepted(tenant: string, key: { commandId?: string | undefined; idempotencyKey?: string | undefined }): Promise<StoredCommand | undefined> {
    return findAcceptedOn(this.#pool, this.#s, tenant, key);
  }

  /**
   * Four round trips: the lock (with BEGIN and the lock timeout, in one message), one read of all
   * the append needs (the stream's version, a duplicate, both chain heads, the positions, whether
   * the subject was forgotten), one
   * statement writing the events, the audit record and the snapshot, and COMMIT.
   */
  async commit(request: CommitRequest): Promise<CommitResult> {
    try {
      return await this.#transaction(request.bucket, async (client) => {
        const read = await this.#readForAppend(client, request);
        if (read.version !== request.expectedVersion) return { ok: false, conflict: { actualVersion: read.version } };
        if (read.duplicate !== null) return { ok: false, duplicate: toStoredCommand(read.duplicate) };
        if (read.forgotten) return { ok: false, forgotten: request.metadata.subject! };
        return this.#write(client, request, read);
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return this.#afterViolation(request, error);
      throw new StorageError('the commit did not reach the database', error);
    }
  }

  /** BEGIN, then the bucket's advisory lock (waiting at most the lock timeout), then `work`, then COMMIT. */
  #transaction<T>(bucket: number, work: (client: Client) => Promise<T>): Promise<T> {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket > 4095) throw new Error(`not a bucket: ${bucket}`);
    // One message, no parameters: the bucket is an integer checked above.
    return inTransaction(
      this.#pool,
      work,
      `BEGIN; SET LOCAL lock_timeout = '${this.#lockTimeout}'; SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${bucket})`,
    );
  }

  async #readForAppend(client: Client, request: CommitRequest): Promise<AppendRead> {
    const s = this.#s;
    const { rows } = await client.query<RawAppendRead>({
      name: `${s}.append-read`,
      text: `SELECT
        (SELECT COALESCE(MAX(version), 0) FROM ${s}.gw_events WHERE stream_id = $1) AS version,
        (SELECT row_to_json(c) FROM (SELECT bucket, cseq, recorded_at, audit FROM ${s}.gw_commands WHERE tenant = $2 AND command_id = $3 AND outcome = 'accepted') c) AS duplicate,
        (SELECT row_to_json(h) FROM (SELECT bseq AS seq, encode(row_hash, 'hex') AS hash FROM ${s}.gw_events WHERE bucket = $4 ORDER BY bseq DESC LIMIT 1) h) AS events_head,
        (SELECT row_to_json(h) FROM (SELECT cseq AS seq, encode(row_hash, 'hex') AS hash FROM ${s}.gw_commands WHERE bucket = $4 ORDER BY cseq DESC LIMIT 1) h) AS commands_head,
        ARRAY(SELECT nextval('${s}.gw_event_positions') FROM generate_series(1, $5)) AS positions,
        EXISTS (SELECT 1 FROM ${s}.gw_forgotten WHERE subject = $6) AS forgotten`,
      values: [request.streamId, request.audit.tenant, request.audit.commandId, request.bucket, request.events.length, request.metadata.subject],
    });
    const row = rows[0]!;
    const head = (chain: 'events' | 'commands', raw: { seq: number; hash: string } | null): Head =>
      raw === null ? { seq: 0, hash: genesisHash(this.storeId, chain, request.bucket) } : { seq: Number(raw.seq), hash: Buffer.from(raw.hash, 'hex') };
    return {
      version: Number(row.version),
      duplicate: row.duplicate,
      events: head('events', row.events_head),
      commands: head('commands', row.commands_head),
      positions: row.positions.map(Number),
      forgotten: row.forgotten,
    };
  }

  async #write(client: Client, request: CommitRequest, read: AppendRead): Promise<CommitResult> {
    const s = this.#s;
    const { streamId, bucket, recordedAt } = request;
    const metadata = JSON.stringify(request.metadata);
    const head = read.events;
    const columns = {
      position: [] as number[],
      bseq: [] as number[],
      version: [] as number[],
      type: [] as string[],
      schema: [] as number[],
      payload: [] as string[],
      prev: [] as Buffer[],
      hash: [] as Buffer[],
    };
    const events: StoredEvent[] = [];
    request.events.forEach((event, i) => {
      const position = read.positions[i]!;
      const version = request.expectedVersion + i + 1;
      const bseq = head.seq + 1;
      const payload = JSON.stringify(event.data);
      const hash = eventRowHash(
        { bucket, bseq, position, streamId, version, type: event.type, schemaVersion: event.schemaVersion, recordedAt, metadata, payload },
        head.hash,
      );
      columns.position.push(position);
      columns.bseq.push(bseq);
      columns.version.push(version);
      columns.type.push(event.type);
      columns.schema.push(event.schemaVersion);
      columns.payload.push(payload);
      columns.prev.push(head.hash);
      columns.hash.push(hash);
      head.seq = bseq;
      head.hash = hash;
      events.push({
        position,
        bucket,
        bseq,
        streamId,
        version,
        type: event.type,
        schemaVersion: event.schemaVersion,
        recordedAt,
        data: event.data,
        metadata: request.metadata,
      });
    });
    const command = commandRow(bucket, read.commands, recordedAt, request.audit);
    const snapshot = request.snapshot;
    await client.query({
      name: `${s}.append-write`,
      text: `WITH inserted AS (
        INSERT INTO ${s}.gw_events (position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, subject, metadata, payload, prev_hash, row_hash)
        SELECT e.position, $1, e.bseq, $2, e.version, e.type, e.schema_version, $3, $4, $5, $6, e.payload, e.prev_hash, e.row_hash
        FROM unnest($7::bigint[], $8::bigint[], $9::int[], $10::text[], $11::int[], $12::text[], $13::bytea[], $14::bytea[])
          AS e(position, bseq, version, type, schema_version, payload, prev_hash, row_hash)
      ), recorded AS (
        INSERT INTO ${s}.gw_commands (${COMMAND_INSERT})
        VALUES (${COMMAND_VALUES_AFTER_EVENTS})
      )
      INSERT INTO ${s}.gw_snapshots (stream_id, bucket, tenant, subject, version, state_version, state)
        SELECT $2, $1, $4, $5, $32, $33, $34 WHERE $32::int IS NOT NULL
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_version = excluded.state_version, state = excluded.state`,
      values: [
        bucket,
        streamId,
        recordedAt,
        request.metadata.tenant,
        request.metadata.subject,
        metadata,
        columns.position,
        columns.bseq,
        columns.version,
        columns.type,
        columns.schema,
        columns.payload,
        columns.prev,
        columns.hash,
        ...command.values,
        snapshot?.version ?? null,
        snapshot?.stateVersion ?? null,
        snapshot === undefined ? null : JSON.stringify(snapshot.state),
      ],
    });
    return { ok: true, events, command: { bucket, cseq: command.cseq, recordedAt, audit: request.audit } };
  }

  /** The lock was bypassed or the id raced in: the constraints said no; answer as the reads would have. */
  async #afterViolation(request: CommitRequest, error: unknown): Promise<CommitResult> {
    const duplicate = await this.findAccepted(request.audit.tenant, { commandId: request.audit.commandId });
    if (duplicate !== undefined) return { ok: false, duplicate };
    const actual = await this.#streamVersion(this.#pool, request.streamId);
    if (actual !== request.expectedVersion) return { ok: false, conflict: { actualVersion: actual } };
    throw new StorageError('the commit was refused by a constraint', error);
  }

  /** PostgreSQL commits are durable when they return. */
  async durable(): Promise<void> {}

  /**
   * Not run: with many writers, a projection position taken inside one writer's transaction could
   * pass events of a transaction that commits later. Projections catch up from `readAll` instead.
   */
  runInTransaction(_work: InTransaction | undefined): boolean {
    return false;
  }

  async recordCommand(bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand> {
    try {
      return await this.#transaction(bucket, (client) => this.#insertCommand(client, bucket, recordedAt, audit));
    } catch (error) {
      throw new StorageError(`the audit record of ${audit.command} could not be written`, error);
    }
  }

  async commands(query: CommandQuery, tenant: string): Promise<readonly StoredCommand[]> {
    const where =
      'stream' in query
        ? { sql: 'stream_id = $1', value: query.stream }
        : 'subject' in query
          ? { sql: '(subject = $1 OR on_behalf_of = $1)', value: query.subject }
          : 'correlation' in query
            ? { sql: 'correlation_id = $1', value: query.correlation }
            : { sql: 'actor_id = $1', value: query.actor };
    const { rows } = await this.#pool.query<CommandRow>(
      `SELECT ${COMMAND_COLUMNS} FROM ${this.#s}.gw_commands WHERE ${where.sql} AND tenant = $2 ORDER BY id`,
      [where.value, tenant],
    );
    return rows.map(toStoredCommand);
  }

  /** Deleted rows stay in the table's pages until vacuumed: vacuum the tables a forget deletes from. */
  async purgeDeleted(): Promise<void> {
    await this.#pool.query(`VACUUM ${this.#s}.gw_snapshots`);
  }

  async position(relay: string): Promise<GlobalPosition> {
    const { rows } = await this.#pool.query<{ tx: number; position: number }>(`SELECT tx, position FROM ${this.#s}.gw_outbox_positions WHERE relay = $1`, [
      relay,
    ]);
    return rows[0] ?? START;
  }

  async advance(relay: string, from: GlobalPosition, to: GlobalPosition): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      await client.query(`INSERT INTO ${this.#s}.gw_outbox_positions (relay, tx, position) VALUES ($1, 0, 0) ON CONFLICT (relay) DO NOTHING`, [relay]);
      const { rows } = await client.query<{ tx: number; position: number }>(
        `SELECT tx, position FROM ${this.#s}.gw_outbox_positions WHERE relay = $1 FOR UPDATE`,
        [relay],
      );
      if (rows[0]!.tx !== from.tx || rows[0]!.position !== from.position) return false;
      await client.query(`UPDATE ${this.#s}.gw_outbox_positions SET tx = $2, position = $3 WHERE relay = $1`, [relay, to.tx, to.position]);
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #streamVersion(on: Queryable, streamId: string): Promise<number> {
    const { rows } = await on.query<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${this.#s}.gw_events WHERE stream_id = $1`, [streamId]);
    return rows[0]?.v ?? 0;
  }

  async #head(client: Client, bucket: number, chain: 'events' | 'commands'): Promise<Head> {
    const sql =
      chain === 'events'
        ? `SELECT bseq AS seq, row_hash AS hash FROM ${this.#s}.gw_events WHERE bucket = $1 ORDER BY bseq DESC LIMIT 1`
        : `SELECT cseq AS seq, row_hash AS hash FROM ${this.#s}.gw_commands WHERE bucket = $1 ORDER BY cseq DESC LIMIT 1`;
    const { rows } = await client.query<Head>(sql, [bucket]);
    return rows[0] ?? { seq: 0, hash: genesisHash(this.storeId, chain, bucket) };
  }

  async #insertCommand(client: Client, bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand> {
    const row = commandRow(bucket, await this.#head(client, bucket, 'commands'), recordedAt, audit);
    await client.query(`INSERT INTO ${this.#s}.gw_commands (${COMMAND_INSERT}) VALUES (${COMMAND_VALUES})`, row.values);
    return { bucket, cseq: row.cseq, recordedAt, audit };
  }
}

const COMMAND_INSERT =
  'bucket, cseq, command_id, command, stream_id, tenant, outcome, subject, on_behalf_of, actor_id, correlation_id, causation_id, idempotency_key, recorded_at, audit, prev_hash, row_hash';

/** `$from, ..., $(from + count - 1)`. */
function placeholders(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
}

/** The audit row's values: alone, and after the append's fourteen event parameters. */
const COMMAND_VALUES = placeholders(1, 17);
const COMMAND_VALUES_AFTER_EVENTS = placeholders(15, 17);

/** An audit row chained after `head`: its seq and its values in COMMAND_INSERT's order. */
function commandRow(bucket: number, head: Head, recordedAt: string, audit: AuditRecord): { cseq: number; values: unknown[] } {
  const text = JSON.stringify(audit);
  const cseq = head.seq + 1;
  const { commandId, command, streamId, tenant, outcome } = audit;
  const hash = commandRowHash({ bucket, cseq, commandId, command, streamId, tenant, outcome, recordedAt, audit: text }, head.hash);
  return {
    cseq,
    values: [
      bucket,
      cseq,
      commandId,
      command,
      streamId,
      tenant,
      outcome,
      audit.subject,
      audit.onBehalfOf,
      audit.actor.id,
      audit.correlationId,
      audit.causationId,
      audit.idempotencyKey,
      recordedAt,
      text,
      head.hash,
      hash,
    ],
  };
}

async function findAcceptedOn(
  on: Queryable,
  s: string,
  tenant: string,
  key: { commandId?: string | undefined; idempotencyKey?: string | undefined },
): Promise<StoredCommand | undefined> {
  if (key.commandId === undefined && key.idempotencyKey === undefined) return undefined;
  // The command id first: the one row with that id, else the one with that key.
  const { rows } = await on.query<CommandRow>(
    `SELECT ${COMMAND_COLUMNS} FROM ${s}.gw_commands WHERE tenant = $1 AND outcome = 'accepted' AND (command_id = $2 OR idempotency_key = $3)
      ORDER BY (command_id = $2) DESC NULLS LAST LIMIT 1`,
    [tenant, key.commandId ?? null, key.idempotencyKey ?? null],
  );
  return rows[0] === undefined ? undefined : toStoredCommand(rows[0]);
}
