/**
 * The event store port. Asynchronous so that a networked database fits behind it unchanged; the
 * SQLite adapter answers from a synchronous driver.
 */
import type { ActorKind, EventMetadata, StoredEvent } from './types.js';

export type Outcome = 'accepted' | 'rejected' | 'denied' | 'invalid' | 'failed';

/** The audit record of one command: who, for whom, what was decided and what came of it. */
export interface AuditRecord {
  readonly commandId: string;
  readonly command: string;
  readonly streamId: string;
  readonly tenant: string;
  readonly actor: { readonly id: string; readonly kind: ActorKind; readonly roles: readonly string[] };
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
}

export interface StoredCommand {
  readonly id: number;
  readonly bucket: number;
  readonly cseq: number;
  readonly recordedAt: string;
  readonly audit: AuditRecord;
}

export interface NewEvent {
  readonly type: string;
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
}

export type CommitResult =
  | { readonly ok: true; readonly events: readonly StoredEvent[]; readonly command: StoredCommand }
  | { readonly ok: false; readonly conflict: { readonly actualVersion: number } }
  | { readonly ok: false; readonly duplicate: StoredCommand };

/**
 * What folding a stream needs of each event, and nothing more: the load path's hot loop. The
 * subject is there only when asked for (it keys the decryption of pii fields).
 */
export interface FoldEvent {
  readonly type: string;
  readonly data: object;
  readonly subject?: string | null;
}

export interface EventStore {
  /** Events of one stream with a version above `afterVersion`, in order. */
  readStream(streamId: string, afterVersion: number): Promise<readonly StoredEvent[]>;
  /**
   * The same events as `readStream`, lean, with the stream's tenant (undefined when empty). The
   * subject is read only when `withSubject` (it is needed to decrypt pii fields).
   */
  readForFold(streamId: string, afterVersion: number, withSubject: boolean): Promise<{ readonly tenant: string | undefined; readonly events: readonly FoldEvent[] }>;
  /** Events of all streams with a position above `afterPosition`, in order. */
  readAll(afterPosition: number, limit: number): Promise<readonly StoredEvent[]>;
  loadSnapshot(streamId: string): Promise<SnapshotRecord | undefined>;
  /** The accepted command with this command id or idempotency key, if any. */
  findAccepted(tenant: string, key: { readonly commandId?: string | undefined; readonly idempotencyKey?: string | undefined }): Promise<StoredCommand | undefined>;
  /** Events, audit record, outbox rows and snapshot in one transaction, chained as they are written. */
  commit(request: CommitRequest): Promise<CommitResult>;
  /** Records a command that produced no events (denied, invalid, rejected, failed). */
  recordCommand(bucket: number, recordedAt: string, audit: AuditRecord): Promise<StoredCommand>;
  /** A random value fixed for the life of the store: genesis hashes and payload-hash salt. */
  readonly storeId: string;
  close(): Promise<void>;
}
