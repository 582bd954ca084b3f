/**
 * Hash chains: one per bucket and table, written in the same transaction as the rows.
 * row_hash = SHA-256(tag || each field length-prefixed || prev_hash), over the exact stored bytes.
 * The encoding is frozen; golden vectors in the tests pin it, and a change needs a new tag.
 */
import { createHash } from 'node:crypto';

export const EVENT_TAG = 'groundwork/event/v1';
export const COMMAND_TAG = 'groundwork/command/v1';
const GENESIS_TAG = 'groundwork/genesis/v1';

export type ChainName = 'events' | 'commands';
export type HashField = string | number | Uint8Array;

export function genesisHash(storeId: string, chain: ChainName, bucket: number): Buffer {
  return digest(GENESIS_TAG, [storeId, chain, bucket], undefined);
}

export function chainHash(tag: string, fields: readonly HashField[], prev: Uint8Array): Buffer {
  return digest(tag, fields, prev);
}

function digest(tag: string, fields: readonly HashField[], prev: Uint8Array | undefined): Buffer {
  const hash = createHash('sha256');
  hash.update(lengthPrefixed(Buffer.from(tag, 'utf8')));
  for (const field of fields) hash.update(lengthPrefixed(encode(field)));
  if (prev !== undefined) hash.update(prev);
  return hash.digest();
}

function encode(field: HashField): Uint8Array {
  if (typeof field === 'string') return Buffer.from(field, 'utf8');
  if (typeof field === 'number') {
    if (!Number.isSafeInteger(field)) throw new Error(`hash fields must be safe integers, not ${field}`);
    return Buffer.from(String(field), 'utf8');
  }
  return field;
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

/** The fields of an event row, in hashing order. */
export interface EventRowFields {
  readonly bucket: number;
  readonly bseq: number;
  readonly position: number;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly metadata: string;
  readonly payload: string;
}

export function eventRowHash(row: EventRowFields, prev: Uint8Array): Buffer {
  return chainHash(EVENT_TAG, [row.bucket, row.bseq, row.position, row.streamId, row.version, row.type, row.schemaVersion, row.recordedAt, row.metadata, row.payload], prev);
}

/** The fields of a command-log (audit) row, in hashing order. */
export interface CommandRowFields {
  readonly bucket: number;
  readonly cseq: number;
  readonly commandId: string;
  readonly command: string;
  readonly streamId: string;
  readonly tenant: string;
  readonly outcome: string;
  readonly recordedAt: string;
  readonly audit: string;
}

export function commandRowHash(row: CommandRowFields, prev: Uint8Array): Buffer {
  return chainHash(COMMAND_TAG, [row.bucket, row.cseq, row.commandId, row.command, row.streamId, row.tenant, row.outcome, row.recordedAt, row.audit], prev);
}
