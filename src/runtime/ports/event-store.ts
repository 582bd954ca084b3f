/**
 * The event store port: what the pipeline and the trust operations need of a store. Asynchronous
 * so that a networked database fits behind it unchanged; the SQLite adapter answers from a
 * synchronous driver. Every guarantee an adapter must keep is written on the method; the store
 * contract suite (test/contract) checks them against every adapter.
 */
import type { ActorKind, EventMetadata, StoredEvent, Via } from '../core/types.js';

export type Outcome = 'accepted' | 'rejected' | 'denied' | 'invalid' | 'failed';

/** The audit record of one command: who, for whom, what was decided and what came of it. */
export interface AuditRecord {
  readonly commandId: string;
  readonly command: string;
  readonly streamId: string;
  readonly tenant: string;
  /** The actor as claimed; `unknown` kind only on the record of a refused, invalid context. */
  readonly actor: { readonly id: string; readonly kind: ActorKind | 'unknown'; readonly roles: readonly string[] };
  readonly onBehalfOf: string | null;
  /** The data subject of the aggregate the command was for, when known. */
  readonly subject: string | null;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly idempotencyKey: string | null;
  /** Keyed hash (HMAC-SHA256) of the validated input: detects a retry with another payload without keeping it. */
  readonly payloadHash: string | null;
  readonly decision: 'allowed' | 'denied';
  readonly reason: string | null;
  readonly outcome: Outcome;
  readonly error: { readonly code: string; readonly rule?: string } | null;
  /** The versions of the events the command recorded, when it was accepted. */
  readonly versions: { readonly from: number; readonly to: number } | null;
  /** Who delegated the actor (a delegated credential's subject); only on records of such commands. */
  readonly delegatedBy?: string | undefined;
  /** The surface (HTTP or MCP) the command came through; only on records of commands that came through one. */
  readonly via?: Via | undefined;
}

export interface StoredCommand {
  readonly bucket: number;
  readonly cseq: number;
  readonly recordedAt: string;
  readonly audit: AuditRecord;
}

export interface NewEvent {
  readonly type: string;
  /** The version of the event's shape it was written with (upcasters read older ones). */
  readonly schemaVersion: number;
  readonly data: object;
}

export interface SnapshotRecord {
  readonly streamId: string;
  readonly tenant: string;
  readonly version: number;
  readonly stateVersion: string;
  readonly state: unknown;
}

export interface CommitRequest {
  readonly streamId: string;
  readonly bucket: number;
  /** The stream version decide saw; the commit fails with a conflict when it moved. */
  readonly expectedVersion: number;
  readonly recordedAt: string;
  readonly metadata: EventMetadata;
  readonly events: readonly NewEvent[];
  readonly audit: AuditRecord;
  /** Written only for aggregates without pii in their state, so snapshots never hold personal data. */
  readonly snapshot?: { readonly version: number; readonly stateVersion: string; readonly state: unknown } | undefined;
  /**
   * Each event's data as code sees it (pii in clear), for the work done in the commit's own
   * transaction (projections). Held in memory only, never stored.
   */
  readonly plain?: readonly object[] | undefined;
}

/** A commit that went through, inside the transaction that makes it durable. */
export interface Committed {
  readonly request: CommitRequest;
  /** As stored: pii fields are ciphertext. */
  readonly events: readonly StoredEvent[];
}

/**
 * Work done inside the transaction that commits a group of commands, after their rows are
 * written: the projections kept in the same database. `after` is the position every event of the
 * group follows. It must keep its own failures to itself (a savepoint); if it throws anyway, the
 * whole group is rolled back and every commit in it fails as a storage error.
 */
export type InTransaction = (committed: readonly Committed[], after: GlobalPosition) => Promise<void>;

export type CommitResult =
  | { readonly ok: true; readonly events: readonly StoredEvent[]; readonly command: StoredCommand }
  | { readonly ok: false; readonly conflict: { readonly actualVersion: number } }
  | { readonly ok: false; readonly duplicate: StoredCommand }
  /** Only from a store that `refusesForgotten`: the events' subject was forgotten. */
  | { readonly ok: false; readonly forgotten: string };

/**
 * What folding a stream needs of each event, and nothing more: the load path's hot loop. The
 * context (the subject, which keys the decryption of pii fields, and when the event was recorded,
 * which upcasters may need) is there only when asked for.
 */
export interface FoldEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: object;
  readonly subject?: string | null;
  readonly recordedAt?: string;
}

/** How much of each event's context a fold reads: the fewer columns, the faster the load. */
export type FoldDetail = 'lean' | 'subject' | 'context';

/** Which commands `history` asks for; every query is scoped to one tenant. */
export type CommandQuery =
  | { readonly stream: string }
  /** Commands on the subject's aggregates and commands run on the subject's behalf. */
  | { readonly subject: string }
  | { readonly correlation: string }
  | { readonly actor: string };

/** Where a reader of all events stands: commit order is (tx, position); tx is 0 where the store commits in position order. */
export interface GlobalPosition {
  readonly tx: number;
  readonly position: number;
}

export const START: GlobalPosition = Object.freeze({ tx: 0, position: 0 });

export interface StreamHead {
  readonly version: number;
  readonly type: string;
  readonly tenant: string;
  readonly subject: string | null;
}

export interface EventStore {
  /** A random value fixed for the life of the store: genesis hashes and the payload-hash fallback key. */
  readonly storeId: string;
  /**
   * Runs `work` while no other writer of this process holds the bucket. Serializing writers of a
   * bucket is the adapter's duty (an in-process mutex here; a database lock inside `commit` across
   * processes), so the pipeline makes no assumption about the database.
   */
  exclusive<T>(bucket: number, work: () => Promise<T>): Promise<T>;
  /**
   * True when `commit` itself refuses events whose subject (`metadata.subject`) was forgotten, in
   * the transaction that would write them; otherwise the pipeline asks the key store first.
   */
  readonly refusesForgotten?: boolean;
  /** Events of one stream with a version above `afterVersion`, in version order. */
  readStream(streamId: string, afterVersion: number): Promise<readonly StoredEvent[]>;
  /**
   * The same events as `readStream`, lean, each with the schema version it was written with, and
   * the stream's tenant (undefined when empty). `detail` says what else is read: nothing, the
   * subject (it keys the decryption of pii fields), or the subject and recorded-at (for upcasters).
   */
  readForFold(
    streamId: string,
    afterVersion: number,
    detail: FoldDetail,
  ): Promise<{ readonly tenant: string | undefined; readonly events: readonly FoldEvent[] }>;
  /**
   * Events of all streams after `after`, in commit order, at most `limit`, with the position to
   * continue from. Never hands out an event while an earlier one (in that order) may still become
   * visible: a reader that advances its cursor to `next` skips nothing, ever.
   */
  readAll(after: GlobalPosition, limit: number): Promise<{ readonly events: readonly StoredEvent[]; readonly next: GlobalPosition }>;
  /** How many committed events come after `after` in commit order, and when the oldest of them was recorded. */
  countAfter(after: GlobalPosition): Promise<{ readonly events: number; readonly oldest: string | null }>;
  /** The latest event of a stream (its version, type, tenant and subject), or undefined for a stream with no events. */
  streamHead(streamId: string): Promise<StreamHead | undefined>;
  /** Every tenant holding events whose data subject is `subject`, sorted. */
  subjectTenants(subject: string): Promise<readonly string[]>;
  loadSnapshot(streamId: string): Promise<SnapshotRecord | undefined>;
  /** Deletes every snapshot of aggregates whose data subject is `subject`; returns how many. */
  deleteSnapshotsOf(subject: string): Promise<number>;
  /** The accepted command with this command id or idempotency key in the tenant, if any. */
  findAccepted(
    tenant: string,
    key: { readonly commandId?: string | undefined; readonly idempotencyKey?: string | undefined },
  ): Promise<StoredCommand | undefined>;
  /**
   * Events, audit record, outbox rows and snapshot in one transaction, chained as they are written.
   * A conflict (the stream moved past `expectedVersion`) and a duplicate (an accepted command with
   * the same id in the tenant) are answers, not errors; nothing is written for them.
   */
  commit(request: CommitRequest): Promise<CommitResult>;
  /**
   * Sets the work every commit's transaction runs after its rows are written (see InTransaction).
   * Returns false when this store cannot run it (several writers with one global order): then
   * the projections catch up after each commit instead.
   */
  runInTransaction(work: InTransaction | undefined): boolean;
  /** Records a command that produced no events (denied, invalid, rejected, failed, erasure), chained. */
  recordCommand(bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand>;
  /** Every command matching the query in the tenant, in the order it was recorded. */
  commands(query: CommandQuery, tenant: string): Promise<readonly StoredCommand[]>;
  /**
   * Makes deleted rows unrecoverable from the store's files where the store can (SQLite: its WAL
   * truncated; freed pages are zeroed by secure_delete).
   */
  purgeDeleted(): Promise<void>;
  close(): Promise<void>;
}
