/**
 * The columns every store keeps for an event and an audit record, and how a row of them reads back:
 * the payload, metadata and audit texts are the exact hashed bytes, parsed only here.
 */
import type { AuditRecord, StoredCommand } from '../ports/event-store.js';
import type { EventMetadata, StoredEvent } from './types.js';

export interface EventRow {
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

export interface CommandRow {
  bucket: number;
  cseq: number;
  recorded_at: string;
  audit: string;
}

export function toStoredEvent(row: EventRow): StoredEvent {
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

export function toStoredCommand(row: CommandRow): StoredCommand {
  return { bucket: row.bucket, cseq: row.cseq, recordedAt: row.recorded_at, audit: JSON.parse(row.audit) as AuditRecord };
}
