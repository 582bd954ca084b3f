/**
 * The embedded event store: SQLite through better-sqlite3, with per-bucket hash chains computed
 * inside the append transaction, group commit, and the outbox beside the events.
 */
import { randomBytes } from 'node:crypto';
import { commandRowHash, eventRowHash, genesisHash } from '../../core/chain.js';
import { ConfigurationError, StorageError } from '../../core/errors.js';
import { KeyedMutex } from '../../core/mutex.js';
import { toStoredCommand, toStoredEvent, type CommandRow, type EventRow } from '../../core/stored-rows.js';
import type { StoredEvent } from '../../core/types.js';
import {
  type AuditRecord,
  type CommandQuery,
  type CommitRequest,
  type CommitResult,
  type Committed,
  type EventStore,
  type FoldDetail,
  type FoldEvent,
  type GlobalPosition,
  type InTransaction,
  START,
  type SnapshotRecord,
  type StoredCommand,
  type StreamHead,
} from '../../ports/event-store.js';
import type { Outbox } from '../../ports/outbox.js';
import { AuditIndex } from './audit-index.js';
import { SCHEMA, type Db } from './database.js';
import type { WriteGate } from './write-gate.js';

interface PendingCommit {
  readonly request: CommitRequest;
  readonly resolve: (result: CommitResult) => void;
  readonly reject: (error: unknown) => void;
  result: CommitResult | undefined;
  error: unknown;
}

interface Head {
  seq: number;
  hash: Buffer;
}

const EVENT_COLUMNS = 'position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, metadata, payload';
const COMMAND_COLUMNS = 'bucket, cseq, recorded_at, audit';

function prepareStatements(db: Db) {
  return {
    readStream: db.prepare<[string, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`),
    readForFold: db
      .prepare<[string, number], [string, number, string]>(
        `SELECT type, schema_version, payload FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`,
      )
      .raw(true),
    readForFoldWithSubject: db
      .prepare<[string, number], [string, number, string, string | null]>(
        `SELECT type, schema_version, payload, subject FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`,
      )
      .raw(true),
    readForFoldWithContext: db
      .prepare<[string, number], [string, number, string, string | null, string]>(
        `SELECT type, schema_version, payload, subject, recorded_at FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`,
      )
      .raw(true),
    streamHead: db.prepare<[string], StreamHead>(`SELECT version, type, tenant, subject FROM gw_events WHERE stream_id = ? ORDER BY version DESC LIMIT 1`),
    streamTenant: db.prepare<[string], { tenant: string }>(`SELECT tenant FROM gw_events WHERE stream_id = ? ORDER BY version LIMIT 1`),
    readAll: db.prepare<[number, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM gw_events WHERE position > ? ORDER BY position LIMIT ?`),
    streamVersion: db.prepare<[string], { v: number | null }>(`SELECT MAX(version) AS v FROM gw_events WHERE stream_id = ?`),
    lastPosition: db.prepare<[], { p: number | null }>(`SELECT MAX(position) AS p FROM gw_events`),
    eventHead: db.prepare<[number], Head>(`SELECT bseq AS seq, row_hash AS hash FROM gw_events WHERE bucket = ? ORDER BY bseq DESC LIMIT 1`),
    commandHead: db.prepare<[number], Head>(`SELECT cseq AS seq, row_hash AS hash FROM gw_commands WHERE bucket = ? ORDER BY cseq DESC LIMIT 1`),
    insertEvent: db.prepare<[number, number, number, string, number, string, number, string, string, string | null, string, string, Buffer, Buffer]>(
      `INSERT INTO gw_events (position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, subject, metadata, payload, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertCommand: db.prepare<
      [number, number, string, string, string, string, string, string | null, string, string, string | null, string | null, string, string, Buffer, Buffer]
    >(
      `INSERT INTO gw_commands (bucket, cseq, command_id, command, stream_id, tenant, outcome, subject, actor_id, correlation_id, causation_id, idempotency_key, recorded_at, audit, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    upsertSnapshot: db.prepare<[string, number, string, string | null, number, string, string]>(
      `INSERT INTO gw_snapshots (stream_id, bucket, tenant, subject, version, state_version, state) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_version = excluded.state_version, state = excluded.state`,
    ),
    loadSnapshot: db.prepare<[string], { tenant: string; version: number; state_version: string; state: string }>(
      `SELECT tenant, version, state_version, state FROM gw_snapshots WHERE stream_id = ?`,
    ),
    deleteSnapshotsOf: db.prepare<[string]>(`DELETE FROM gw_snapshots WHERE subject = ?`),
    findById: db.prepare<[string, string], CommandRow>(
      `SELECT ${COMMAND_COLUMNS} FROM gw_commands WHERE tenant = ? AND command_id = ? AND outcome = 'accepted'`,
    ),
    findByKey: db.prepare<[string, string], CommandRow>(
      `SELECT ${COMMAND_COLUMNS} FROM gw_commands WHERE tenant = ? AND idempotency_key = ? AND outcome = 'accepted'`,
    ),
    byIds: db.prepare<[string], CommandRow>(`SELECT ${COMMAND_COLUMNS} FROM gw_commands WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`),
    relayPosition: db.prepare<[string], { position: number }>(`SELECT position FROM gw_outbox_positions WHERE relay = ?`),
    setRelayPosition: db.prepare<[string, number]>(
      `INSERT INTO gw_outbox_positions (relay, position) VALUES (?, ?) ON CONFLICT (relay) DO UPDATE SET position = excluded.position`,
    ),
  };
}

export class SqliteEventStore implements EventStore, Outbox {
  readonly storeId: string;
  readonly #db: Db;
  readonly #statements: ReturnType<typeof prepareStatements>;
  readonly #locks = new KeyedMutex<number>();
  readonly #gate: WriteGate;
  readonly #commitOne: (request: CommitRequest) => CommitResult;
  #pending: PendingCommit[] = [];
  #flushScheduled = false;
  #inTransaction: InTransaction | undefined;
  readonly #audit: AuditIndex;
  #lastCommandId = 0;

  /** With `create`, the schema is created if missing; without, the file must already be a store. */
  constructor(db: Db, gate: WriteGate, create = true) {
    this.#db = db;
    this.#gate = gate;
    if (create) {
      db.exec(SCHEMA);
      db.prepare(`INSERT OR IGNORE INTO gw_meta (key, value) VALUES ('store_id', ?)`).run(randomBytes(16).toString('hex'));
    }
    this.storeId = storeIdOf(db);
    this.#statements = prepareStatements(db);
    this.#audit = new AuditIndex(db);
    // Nested in the group's transaction, each commit is a savepoint: one that fails rolls back alone.
    this.#commitOne = db.transaction((request: CommitRequest) => this.#commitSync(request));
  }

  async readMeta(key: string): Promise<string | undefined> {
    return (this.#db.prepare(`SELECT value FROM gw_meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }

  async writeMetaOnce(key: string, value: string): Promise<void> {
    await this.#gate.transaction(() => this.#db.prepare(`INSERT OR IGNORE INTO gw_meta (key, value) VALUES (?, ?)`).run(key, value));
  }

  async writeMeta(key: string, value: string): Promise<void> {
    await this.#gate.transaction(() =>
      this.#db.prepare(`INSERT INTO gw_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value),
    );
  }

  async removeMeta(key: string): Promise<void> {
    await this.#gate.transaction(() => this.#db.prepare(`DELETE FROM gw_meta WHERE key = ?`).run(key));
  }

  async listMeta(prefix: string): Promise<Array<[string, string]>> {
    const rows = this.#db.prepare(`SELECT key, value FROM gw_meta WHERE substr(key, 1, ?) = ? ORDER BY key`).all(prefix.length, prefix) as Array<{
      key: string;
      value: string;
    }>;
    return rows.map((row) => [row.key, row.value]);
  }

  exclusive<T>(bucket: number, work: () => Promise<T>): Promise<T> {
    return this.#locks.run(bucket, work);
  }

  async readStream(streamId: string, afterVersion: number): Promise<readonly StoredEvent[]> {
    return this.#statements.readStream.all(streamId, afterVersion).map(toStoredEvent);
  }

  async readForFold(streamId: string, afterVersion: number, detail: FoldDetail): Promise<{ tenant: string | undefined; events: FoldEvent[] }> {
    // Versions are contiguous (UNIQUE(stream_id, version) and the expected-version check), so the
    // caller counts them rather than reading them: the fewer columns and fields, the faster the loop.
    const events: FoldEvent[] = [];
    const s = this.#statements;
    if (detail === 'context') {
      for (const row of s.readForFoldWithContext.all(streamId, afterVersion))
        events.push({ type: row[0], schemaVersion: row[1], data: JSON.parse(row[2]) as object, subject: row[3], recordedAt: row[4] });
    } else if (detail === 'subject') {
      for (const row of s.readForFoldWithSubject.all(streamId, afterVersion))
        events.push({ type: row[0], schemaVersion: row[1], data: JSON.parse(row[2]) as object, subject: row[3] });
    } else {
      for (const row of s.readForFold.all(streamId, afterVersion)) events.push({ type: row[0], schemaVersion: row[1], data: JSON.parse(row[2]) as object });
    }
    return { tenant: events.length === 0 ? undefined : this.#statements.streamTenant.get(streamId)?.tenant, events };
  }

  /** One writer at a time commits, in position order: a row at or below a handed-out position is always visible. */
  async readAll(after: GlobalPosition, limit: number): Promise<{ events: readonly StoredEvent[]; next: GlobalPosition }> {
    const events = this.#statements.readAll.all(after.position, limit).map(toStoredEvent);
    return { events, next: events.length === 0 ? after : { tx: 0, position: events[events.length - 1]!.position } };
  }

  #lastPosition(): number {
    return this.#statements.lastPosition.get()?.p ?? 0;
  }

  async countAfter(after: GlobalPosition): Promise<{ events: number; oldest: string | null }> {
    const row = this.#db.prepare(`SELECT COUNT(*) AS events, MIN(recorded_at) AS oldest FROM gw_events WHERE position > ?`).get(after.position) as {
      events: number;
      oldest: string | null;
    };
    return row;
  }

  async streamHead(streamId: string): Promise<StreamHead | undefined> {
    return this.#statements.streamHead.get(streamId);
  }

  async subjectTenants(subject: string): Promise<readonly string[]> {
    return this.#audit.subjectTenants(subject);
  }

  async loadSnapshot(streamId: string): Promise<SnapshotRecord | undefined> {
    const row = this.#statements.loadSnapshot.get(streamId);
    return row === undefined
      ? undefined
      : { streamId, tenant: row.tenant, version: row.version, stateVersion: row.state_version, state: JSON.parse(row.state) as unknown };
  }

  async deleteSnapshotsOf(subject: string): Promise<number> {
    return this.#statements.deleteSnapshotsOf.run(subject).changes;
  }

  async findAccepted(tenant: string, key: { commandId?: string | undefined; idempotencyKey?: string | undefined }): Promise<StoredCommand | undefined> {
    return this.#findAcceptedSync(tenant, key);
  }

  #findAcceptedSync(tenant: string, key: { commandId?: string | undefined; idempotencyKey?: string | undefined }): StoredCommand | undefined {
    const row =
      (key.commandId === undefined ? undefined : this.#statements.findById.get(tenant, key.commandId)) ??
      (key.idempotencyKey === undefined ? undefined : this.#statements.findByKey.get(tenant, key.idempotencyKey));
    return row === undefined ? undefined : toStoredCommand(row);
  }

  /**
   * Group commit: commits requested in the same turn of the event loop (commands in flight for
   * different buckets) share one transaction, and so one fsync; each caller is answered only
   * after that transaction is durable.
   */
  commit(request: CommitRequest): Promise<CommitResult> {
    return new Promise<CommitResult>((resolve, reject) => {
      this.#pending.push({ request, resolve, reject, result: undefined, error: undefined });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  runInTransaction(work: InTransaction | undefined): boolean {
    this.#inTransaction = work;
    return true;
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    try {
      await this.#gate.transaction(async () => {
        const after = this.#lastPosition();
        const committed: Committed[] = [];
        for (const item of batch) {
          try {
            item.result = this.#commitOne(item.request);
            if (item.result.ok && item.result.events.length > 0) committed.push({ request: item.request, events: item.result.events });
          } catch (error) {
            item.error = error;
          }
        }
        if (committed.length > 0) await this.#inTransaction?.(committed, { tx: 0, position: after });
        this.#audit.maybeIndex(this.#lastCommandId);
      });
    } catch (error) {
      for (const item of batch) item.reject(new StorageError('the commit did not reach the disk', error));
      return;
    }
    for (const item of batch) {
      if (item.result !== undefined) item.resolve(item.result);
      else item.reject(new StorageError('the commit was rolled back', item.error));
    }
  }

  async recordCommand(bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand> {
    try {
      return await this.#gate.transaction(() => {
        const stored = this.#insertCommand(bucket, recordedAt, audit);
        this.#audit.maybeIndex(this.#lastCommandId);
        return stored;
      });
    } catch (error) {
      throw new StorageError(`the audit record of ${audit.command} could not be written`, error);
    }
  }

  async commands(query: CommandQuery, tenant: string): Promise<readonly StoredCommand[]> {
    const ids = this.#audit.ids(query, tenant);
    return ids.length === 0 ? [] : this.#statements.byIds.all(JSON.stringify(ids)).map(toStoredCommand);
  }

  /** The events table is the outbox: a relay reads it with `readAll` from the position kept here. */
  async position(relay: string): Promise<GlobalPosition> {
    const row = this.#statements.relayPosition.get(relay);
    return row === undefined ? START : { tx: 0, position: row.position };
  }

  async advance(relay: string, from: GlobalPosition, to: GlobalPosition): Promise<boolean> {
    return this.#gate.transaction(() => {
      if ((this.#statements.relayPosition.get(relay)?.position ?? 0) !== from.position) return false;
      this.#statements.setRelayPosition.run(relay, to.position);
      return true;
    });
  }

  async purgeDeleted(): Promise<void> {
    await this.#gate.transaction(() => undefined);
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    // Commits already requested are written first.
    while (this.#flushScheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.#gate.idle();
    this.#db.close();
  }

  #commitSync(request: CommitRequest): CommitResult {
    const { streamId, bucket, expectedVersion } = request;
    const actual = this.#statements.streamVersion.get(streamId)?.v ?? 0;
    if (actual !== expectedVersion) return { ok: false, conflict: { actualVersion: actual } };
    const duplicate = this.#findAcceptedSync(request.audit.tenant, { commandId: request.audit.commandId });
    if (duplicate !== undefined) return { ok: false, duplicate };
    const events = this.#insertEvents(request);
    const command = this.#insertCommand(bucket, request.recordedAt, request.audit);
    if (request.snapshot !== undefined) {
      const { version, stateVersion, state } = request.snapshot;
      this.#statements.upsertSnapshot.run(streamId, bucket, request.metadata.tenant, request.metadata.subject, version, stateVersion, JSON.stringify(state));
    }
    return { ok: true, events, command };
  }

  #head(bucket: number, chain: 'events' | 'commands'): Head {
    const row = (chain === 'events' ? this.#statements.eventHead : this.#statements.commandHead).get(bucket);
    return row ?? { seq: 0, hash: genesisHash(this.storeId, chain, bucket) };
  }

  #insertEvents(request: CommitRequest): StoredEvent[] {
    if (request.events.length === 0) return [];
    const { streamId, bucket, recordedAt } = request;
    const metadata = JSON.stringify(request.metadata);
    const head = this.#head(bucket, 'events');
    let position = this.#lastPosition();
    let version = request.expectedVersion;
    const stored: StoredEvent[] = [];
    for (const event of request.events) {
      position += 1;
      version += 1;
      head.seq += 1;
      const payload = JSON.stringify(event.data);
      const bseq = head.seq;
      const hash = eventRowHash(
        { bucket, bseq, position, streamId, version, type: event.type, schemaVersion: event.schemaVersion, recordedAt, metadata, payload },
        head.hash,
      );
      this.#statements.insertEvent.run(
        position,
        bucket,
        bseq,
        streamId,
        version,
        event.type,
        event.schemaVersion,
        recordedAt,
        request.metadata.tenant,
        request.metadata.subject,
        metadata,
        payload,
        head.hash,
        hash,
      );
      head.hash = hash;
      stored.push({
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
    }
    return stored;
  }

  #insertCommand(bucket: number, recordedAt: string, audit: AuditRecord): StoredCommand {
    const head = this.#head(bucket, 'commands');
    const text = JSON.stringify(audit);
    const cseq = head.seq + 1;
    const hash = commandRowHash(
      {
        bucket,
        cseq,
        commandId: audit.commandId,
        command: audit.command,
        streamId: audit.streamId,
        tenant: audit.tenant,
        outcome: audit.outcome,
        recordedAt,
        audit: text,
      },
      head.hash,
    );
    const inserted = this.#statements.insertCommand.run(
      bucket,
      cseq,
      audit.commandId,
      audit.command,
      audit.streamId,
      audit.tenant,
      audit.outcome,
      audit.subject,
      audit.actor.id,
      audit.correlationId,
      audit.causationId,
      audit.idempotencyKey,
      recordedAt,
      text,
      head.hash,
      hash,
    );
    this.#lastCommandId = Number(inserted.lastInsertRowid);
    return { bucket, cseq, recordedAt, audit };
  }
}

function storeIdOf(db: Db): string {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gw_meta'`).get() !== undefined;
  const row = hasMeta ? (db.prepare(`SELECT value FROM gw_meta WHERE key = 'store_id'`).get() as { value: string } | undefined) : undefined;
  if (row === undefined) throw new ConfigurationError('no-store', `${db.name} is not a Groundwork event store`);
  return row.value;
}
