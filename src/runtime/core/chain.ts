/**
 * Hash chains: one per bucket and table, written in the same transaction as the rows.
 * row_hash = SHA-256(tag || each field length-prefixed || prev_hash), over the exact stored bytes.
 * The encoding is frozen; golden vectors in the tests pin it, and a change needs a new tag.
 */
import { hash } from 'node:crypto';

export const EVENT_TAG = 'groundwork/event/v1';
export const COMMAND_TAG = 'groundwork/command/v1';
const GENESIS_TAG = 'groundwork/genesis/v1';

export type ChainName = 'events' | 'commands';
export type HashField = string | number | Uint8Array;

export function genesisHash(storeId: string, chain: ChainName, bucket: number): Buffer {
  return digest(GENESIS_TAG, [storeId, chain, bucket], undefined, 3);
}

export function chainHash(tag: string, fields: readonly HashField[], prev: Uint8Array, count = fields.length): Buffer {
  return digest(tag, fields, prev, count);
}

/** The same hash in lower-case hex, for comparing with hashes read as text. */
export function chainHashHex(tag: string, fields: readonly HashField[], prev: Uint8Array | string, count = fields.length): string {
  return hash('sha256', encode(tag, fields, prev, count), 'hex');
}

/** How many leading fields of a chain's row are hashed, in hashing order (see the row hash functions below). */
export const HASHED_FIELDS: Readonly<Record<ChainName, number>> = { events: 10, commands: 9 };

export const TAGS: Readonly<Record<ChainName, string>> = { events: EVENT_TAG, commands: COMMAND_TAG };

/** A scratch buffer the encoding is written into, grown when needed: one hash update per row. */
let scratch = Buffer.allocUnsafe(4096);

function digest(tag: string, fields: readonly HashField[], prev: Uint8Array | undefined, count: number): Buffer {
  return sha256(encode(tag, fields, prev, count));
}

/** The frozen encoding of one row, in a scratch buffer valid until the next call. */
function encode(tag: string, fields: readonly HashField[], prev: Uint8Array | string | undefined, count: number): Buffer {
  // An upper bound (3 UTF-8 bytes per UTF-16 unit) is enough to size the buffer in one pass.
  let size = 4 + tag.length * 3;
  for (let i = 0; i < count; i++) size += 4 + maxBytes(fields[i]!);
  if (prev !== undefined) size += prev.length;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  let at = writeField(scratch, 0, tag);
  for (let i = 0; i < count; i++) at = writeField(scratch, at, fields[i]!);
  if (typeof prev === 'string') at += scratch.write(prev, at, 'hex');
  else if (prev !== undefined) {
    scratch.set(prev, at);
    at += prev.length;
  }
  return scratch.subarray(0, at);
}

/** One-shot SHA-256, without a Hash object per row. */
function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

function maxBytes(field: HashField): number {
  if (typeof field === 'string') return field.length * 3;
  if (typeof field === 'number') return 24;
  return field.length;
}

function checkedInteger(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`hash fields must be safe integers, not ${n}`);
  return n;
}

/** Writes one field as a 4-byte big-endian length and its bytes; returns the next offset. */
function writeField(out: Buffer, at: number, field: HashField): number {
  if (typeof field === 'string' || typeof field === 'number') {
    const text = typeof field === 'number' ? String(checkedInteger(field)) : field;
    const written = out.write(text, at + 4, 'utf8');
    out.writeUInt32BE(written, at);
    return at + 4 + written;
  }
  out.writeUInt32BE(field.length, at);
  out.set(field, at + 4);
  return at + 4 + field.length;
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
  return chainHash(
    EVENT_TAG,
    [row.bucket, row.bseq, row.position, row.streamId, row.version, row.type, row.schemaVersion, row.recordedAt, row.metadata, row.payload],
    prev,
  );
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
