/**
 * The embedded event store: SQLite through better-sqlite3, with WAL, synchronous=FULL by default,
 * and per-bucket hash chains computed inside the append transaction.
 */
import Database from 'better-sqlite3';
import { createHmac, randomBytes } from 'node:crypto';
import { commandRowHash, eventRowHash, genesisHash } from './chain.js';
import type { AuditRecord, CommitRequest, CommitResult, EventStore, FoldEvent, SnapshotRecord, StoredCommand } from './store.js';
import type { EventMetadata, StoredEvent } from './types.js';

export type Synchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export interface SqliteOptions {
  /** synchronous=FULL (default) makes every acknowledged commit survive power loss. */
  readonly synchronous?: Synchronous;
  readonly busyTimeoutMs?: number;
}

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS gw_events (
  position INTEGER PRIMARY KEY,
  bucket INTEGER NOT NULL,
  bseq INTEGER NOT NULL,
  stream_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  recorded_at TEXT NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT,
  metadata TEXT NOT NULL,
  payload TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  row_hash BLOB NOT NULL,
  UNIQUE (stream_id, version),
  UNIQUE (bucket, bseq)
) STRICT;
CREATE TABLE IF NOT EXISTS gw_commands (
  id INTEGER PRIMARY KEY,
  bucket INTEGER NOT NULL,
  cseq INTEGER NOT NULL,
  command_id TEXT NOT NULL,
  command TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  outcome TEXT NOT NULL,
  subject TEXT,
  actor_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  causation_id TEXT,
  idempotency_key TEXT,
  recorded_at TEXT NOT NULL,
  audit TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  row_hash BLOB NOT NULL,
  UNIQUE (bucket, cseq)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS gw_commands_accepted_id ON gw_commands (tenant, command_id) WHERE outcome = 'accepted';
CREATE UNIQUE INDEX IF NOT EXISTS gw_commands_accepted_key ON gw_commands (tenant, idempotency_key) WHERE outcome = 'accepted' AND idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS gw_commands_stream ON gw_commands (stream_id);
CREATE INDEX IF NOT EXISTS gw_commands_subject ON gw_commands (subject) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS gw_commands_actor ON gw_commands (actor_id);
CREATE INDEX IF NOT EXISTS gw_commands_correlation ON gw_commands (correlation_id);
CREATE INDEX IF NOT EXISTS gw_commands_causation ON gw_commands (causation_id) WHERE causation_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS gw_events_subject ON gw_events (subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS gw_outbox (
  id INTEGER PRIMARY KEY,
  bucket INTEGER NOT NULL,
  position INTEGER NOT NULL REFERENCES gw_events (position),
  type TEXT NOT NULL,
  published_at TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS gw_outbox_bucket ON gw_outbox (bucket, id);
CREATE TABLE IF NOT EXISTS gw_snapshots (
  stream_id TEXT PRIMARY KEY,
  bucket INTEGER NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT,
  version INTEGER NOT NULL,
  state_version TEXT NOT NULL,
  state TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gw_snapshots_bucket ON gw_snapshots (bucket);
`;

/** Opens a database with the durability settings applied; every connection gets them. */
export function openDatabase(path: string, options: SqliteOptions = {}): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Freed pages are zeroed, so scrubbed projection rows and deleted snapshots leave no plaintext.
  db.pragma('secure_delete = ON');
  return db;
}

interface EventRow {
  position: number;
  bucket: number;
  bseq: number;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  recorded_at: string;
  metadata: string;
  payload: string;
}

interface CommandRow {
  id: number;
  bucket: number;
  cseq: number;
  recorded_at: string;
  audit: string;
}

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

function prepareStatements(db: Db) {
  const columns = 'position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, metadata, payload';
  return {
    readStream: db.prepare<[string, number], EventRow>(`SELECT ${columns} FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`),
    readForFold: db.prepare<[string, number], [string, string]>(`SELECT type, payload FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`).raw(true),
    readForFoldWithSubject: db.prepare<[string, number], [string, string, string | null]>(`SELECT type, payload, subject FROM gw_events WHERE stream_id = ? AND version > ? ORDER BY version`).raw(true),
    streamTenant: db.prepare<[string], { tenant: string }>(`SELECT tenant FROM gw_events WHERE stream_id = ? ORDER BY version LIMIT 1`),
    readAll: db.prepare<[number, number], EventRow>(`SELECT ${columns} FROM gw_events WHERE position > ? ORDER BY position LIMIT ?`),
    streamVersion: db.prepare<[string], { v: number | null }>(`SELECT MAX(version) AS v FROM gw_events WHERE stream_id = ?`),
    lastPosition: db.prepare<[], { p: number | null }>(`SELECT MAX(position) AS p FROM gw_events`),
    eventHead: db.prepare<[number], Head>(`SELECT bseq AS seq, row_hash AS hash FROM gw_events WHERE bucket = ? ORDER BY bseq DESC LIMIT 1`),
    commandHead: db.prepare<[number], Head>(`SELECT cseq AS seq, row_hash AS hash FROM gw_commands WHERE bucket = ? ORDER BY cseq DESC LIMIT 1`),
    insertEvent: db.prepare<[number, number, number, string, number, string, number, string, string, string | null, string, string, Buffer, Buffer]>(
      `INSERT INTO gw_events (position, bucket, bseq, stream_id, version, type, schema_version, recorded_at, tenant, subject, metadata, payload, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertCommand: db.prepare<[number, number, string, string, string, string, string, string | null, string, string, string | null, string | null, string, string, Buffer, Buffer]>(
      `INSERT INTO gw_commands (bucket, cseq, command_id, command, stream_id, tenant, outcome, subject, actor_id, correlation_id, causation_id, idempotency_key, recorded_at, audit, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertOutbox: db.prepare<[number, number, string]>(`INSERT INTO gw_outbox (bucket, position, type) VALUES (?, ?, ?)`),
    upsertSnapshot: db.prepare<[string, number, string, string | null, number, string, string]>(
      `INSERT INTO gw_snapshots (stream_id, bucket, tenant, subject, version, state_version, state) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_version = excluded.state_version, state = excluded.state`,
    ),
    loadSnapshot: db.prepare<[string], { tenant: string; version: number; state_version: string; state: string }>(`SELECT tenant, version, state_version, state FROM gw_snapshots WHERE stream_id = ?`),
    findById: db.prepare<[string, string], CommandRow>(`SELECT id, bucket, cseq, recorded_at, audit FROM gw_commands WHERE tenant = ? AND command_id = ? AND outcome = 'accepted'`),
    findByKey: db.prepare<[string, string], CommandRow>(`SELECT id, bucket, cseq, recorded_at, audit FROM gw_commands WHERE tenant = ? AND idempotency_key = ? AND outcome = 'accepted'`),
  };
}

export class SqliteEventStore implements EventStore {
  readonly db: Db;
  readonly storeId: string;
  readonly #statements: ReturnType<typeof prepareStatements>;
  readonly #commitOne: Database.Transaction<(request: CommitRequest) => CommitResult>;
  readonly #commitGroup: Database.Transaction<(batch: readonly PendingCommit[]) => void>;
  #pending: PendingCommit[] = [];
  #flushScheduled = false;

  constructor(db: Db) {
    this.db = db;
    db.exec(SCHEMA);
    db.prepare(`INSERT OR IGNORE INTO gw_meta (key, value) VALUES ('store_id', ?)`).run(randomBytes(16).toString('hex'));
    this.storeId = (db.prepare(`SELECT value FROM gw_meta WHERE key = 'store_id'`).get() as { value: string }).value;
    this.#statements = prepareStatements(db);
    this.#commitOne = db.transaction((request: CommitRequest) => this.#commitSync(request));
    this.#commitGroup = db.transaction((batch: readonly PendingCommit[]) => {
      for (const item of batch) {
        // Each command is a savepoint of the group's transaction: one that fails rolls back alone.
        try {
          item.result = this.#commitOne(item.request);
        } catch (error) {
          item.error = error;
        }
      }
    });
  }

  static open(path: string, options: SqliteOptions = {}): SqliteEventStore {
    return new SqliteEventStore(openDatabase(path, options));
  }

  async readStream(streamId: string, afterVersion: number): Promise<readonly StoredEvent[]> {
    return this.#statements.readStream.all(streamId, afterVersion).map(toStoredEvent);
  }

  async readForFold(streamId: string, afterVersion: number, withSubject: boolean): Promise<{ tenant: string | undefined; events: FoldEvent[] }> {
    // Versions are contiguous (UNIQUE(stream_id, version) and the expected-version check), so the
    // caller counts them rather than reading them: the fewer columns and fields, the faster the loop.
    const events: FoldEvent[] = [];
    if (withSubject) {
      for (const row of this.#statements.readForFoldWithSubject.all(streamId, afterVersion)) events.push({ type: row[0], data: JSON.parse(row[1]) as object, subject: row[2] });
    } else {
      for (const row of this.#statements.readForFold.all(streamId, afterVersion)) events.push({ type: row[0], data: JSON.parse(row[1]) as object });
    }
    return { tenant: events.length === 0 ? undefined : this.#statements.streamTenant.get(streamId)?.tenant, events };
  }

  async readAll(afterPosition: number, limit: number): Promise<readonly StoredEvent[]> {
    return this.readAllSync(afterPosition, limit);
  }

  readAllSync(afterPosition: number, limit: number): StoredEvent[] {
    return this.#statements.readAll.all(afterPosition, limit).map(toStoredEvent);
  }

  async loadSnapshot(streamId: string): Promise<SnapshotRecord | undefined> {
    const row = this.#statements.loadSnapshot.get(streamId);
    return row === undefined ? undefined : { streamId, tenant: row.tenant, version: row.version, stateVersion: row.state_version, state: JSON.parse(row.state) as unknown };
  }

  async findAccepted(tenant: string, key: { commandId?: string | undefined; idempotencyKey?: string | undefined }): Promise<StoredCommand | undefined> {
    return this.#findAcceptedSync(tenant, key);
  }

  #findAcceptedSync(tenant: string, key: { commandId?: string | undefined; idempotencyKey?: string | undefined }): StoredCommand | undefined {
    const row = key.commandId !== undefined
      ? this.#statements.findById.get(tenant, key.commandId)
      : key.idempotencyKey !== undefined
        ? this.#statements.findByKey.get(tenant, key.idempotencyKey)
        : undefined;
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
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#commitGroup.immediate(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const item of batch) {
      if (item.result !== undefined) item.resolve(item.result);
      else item.reject(item.error);
    }
  }

  async recordCommand(bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand> {
    return this.db.transaction(() => this.#insertCommand(bucket, recordedAt, audit)).immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  #commitSync(request: CommitRequest): CommitResult {
    const { streamId, bucket, expectedVersion } = request;
    const actual = this.#statements.streamVersion.get(streamId)?.v ?? 0;
    if (actual !== expectedVersion) return { ok: false, conflict: { actualVersion: actual } };
    const duplicate = this.#findAcceptedSync(request.audit.tenant, { commandId: request.audit.commandId });
    if (duplicate !== undefined) return { ok: false, duplicate };
    const events = this.#insertEvents(request);
    const command = this.#insertCommand(bucket, request.recordedAt, request.audit);
    for (const event of events) this.#statements.insertOutbox.run(bucket, event.position, event.type);
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
    let position = this.#statements.lastPosition.get()?.p ?? 0;
    let version = request.expectedVersion;
    const stored: StoredEvent[] = [];
    for (const event of request.events) {
      position += 1;
      version += 1;
      head.seq += 1;
      const payload = JSON.stringify(event.data);
      const bseq = head.seq;
      const hash = eventRowHash({ bucket, bseq, position, streamId, version, type: event.type, schemaVersion: event.schemaVersion, recordedAt, metadata, payload }, head.hash);
      this.#statements.insertEvent.run(position, bucket, bseq, streamId, version, event.type, event.schemaVersion, recordedAt, request.metadata.tenant, request.metadata.subject, metadata, payload, head.hash, hash);
      head.hash = hash;
      stored.push({ position, bucket, bseq, streamId, version, type: event.type, schemaVersion: event.schemaVersion, recordedAt, data: JSON.parse(payload) as object, metadata: request.metadata });
    }
    return stored;
  }

  #insertCommand(bucket: number, recordedAt: string, audit: AuditRecord): StoredCommand {
    const head = this.#head(bucket, 'commands');
    const text = JSON.stringify(audit);
    const cseq = head.seq + 1;
    const hash = commandRowHash({ bucket, cseq, commandId: audit.commandId, command: audit.command, streamId: audit.streamId, tenant: audit.tenant, outcome: audit.outcome, recordedAt, audit: text }, head.hash);
    const info = this.#statements.insertCommand.run(bucket, cseq, audit.commandId, audit.command, audit.streamId, audit.tenant, audit.outcome, audit.subject, audit.actor.id, audit.correlationId, audit.causationId, audit.idempotencyKey, recordedAt, text, head.hash, hash);
    return { id: Number(info.lastInsertRowid), bucket, cseq, recordedAt, audit };
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    position: row.position,
    bucket: row.bucket,
    bseq: row.bseq,
    streamId: row.stream_id,
    version: row.version,
    type: row.type,
    schemaVersion: row.schema_version,
    recordedAt: row.recorded_at,
    data: JSON.parse(row.payload) as object,
    metadata: JSON.parse(row.metadata) as EventMetadata,
  };
}

function toStoredCommand(row: CommandRow): StoredCommand {
  return { id: row.id, bucket: row.bucket, cseq: row.cseq, recordedAt: row.recorded_at, audit: JSON.parse(row.audit) as AuditRecord };
}

/**
 * Keyed hash of a command payload, for idempotency checks without keeping the payload. With a key
 * store the key is derived from the KEK, which never sits in the database, so a hash of personal
 * data cannot be tested against guesses by someone holding only the database.
 */
export function payloadHash(key: string | Buffer, input: unknown): string {
  return createHmac('sha256', key).update(JSON.stringify(input)).digest('hex');
}
