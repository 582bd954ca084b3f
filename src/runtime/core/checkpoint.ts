/**
 * The signed checkpoint format: a Merkle root over the heads of all 4096 buckets (both chains),
 * linked to the previous checkpoint and signed with Ed25519. Pure: hashing and signing only.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { BUCKETS } from './bucket.js';
import { genesisHash } from './chain.js';

/** A non-empty bucket's heads: [bucket, bseq, event head, cseq, command head] (hex hashes). */
export type BucketHead = readonly [number, number, string, number, string];

export interface CheckpointBody {
  /** 2 for checkpoints whose heads stay in the database; absent for the first format, which carried them. */
  readonly format?: 2;
  readonly seq: number;
  readonly storeId: string;
  readonly createdAt: string;
  readonly events: number;
  readonly commands: number;
  readonly root: string;
  readonly prev: string;
  /**
   * Format 1 only: every non-empty bucket's heads. Format 2 signs the root alone, so a checkpoint's
   * size does not grow with the buckets in use; the database keeps the heads that changed since
   * the previous checkpoint, and verify folds them up to recompute each root.
   */
  readonly heads?: readonly BucketHead[];
}

export interface Checkpoint extends CheckpointBody {
  readonly hash: string;
  readonly signature: string;
}

export const GENESIS_CHECKPOINT = '0'.repeat(64);

/** The exact bytes that are hashed and signed: the body's fields in a fixed order. */
export function canonicalBody(body: CheckpointBody): Buffer {
  const { seq, storeId, createdAt, events, commands, root, prev } = body;
  const ordered =
    body.format === 2
      ? { format: 2, seq, storeId, createdAt, events, commands, root, prev }
      : { seq, storeId, createdAt, events, commands, root, prev, heads: body.heads ?? [] };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** The heads of every non-empty bucket, [bucket, bseq, event head, cseq, command head], by bucket. */
export function bucketHeads(eventHeads: ReadonlyArray<HeadRow>, commandHeads: ReadonlyArray<HeadRow>): BucketHead[] {
  const heads = new Map<number, [number, number, string, number, string]>();
  for (const e of eventHeads) heads.set(e.bucket, [e.bucket, e.seq, Buffer.from(e.hash).toString('hex'), 0, '']);
  for (const c of commandHeads) {
    const head = heads.get(c.bucket) ?? [c.bucket, 0, '', 0, ''];
    head[3] = c.seq;
    head[4] = Buffer.from(c.hash).toString('hex');
    heads.set(c.bucket, head);
  }
  return [...heads.values()].sort((a, b) => a[0] - b[0]);
}

interface HeadRow {
  readonly bucket: number;
  readonly seq: number;
  readonly hash: Uint8Array;
}

export function checkpointHash(body: CheckpointBody): string {
  return createHash('sha256').update(canonicalBody(body)).digest('hex');
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** leaf = H(0x00 ‖ bucket ‖ bseq ‖ event head ‖ cseq ‖ command head); node = H(0x01 ‖ left ‖ right). */
export function merkleRoot(storeId: string, heads: readonly BucketHead[]): string {
  const byBucket = new Map(heads.map((h) => [h[0], h]));
  let level: Buffer[] = [];
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    const head = byBucket.get(bucket);
    // A chain with no rows yet (seq 0) is at its genesis hash.
    const eventHead = head === undefined || head[1] === 0 ? genesisHash(storeId, 'events', bucket) : Buffer.from(head[2], 'hex');
    const commandHead = head === undefined || head[3] === 0 ? genesisHash(storeId, 'commands', bucket) : Buffer.from(head[4], 'hex');
    level.push(
      createHash('sha256')
        .update(Buffer.from([0]))
        .update(u16(bucket))
        .update(u64(head?.[1] ?? 0))
        .update(eventHead)
        .update(u64(head?.[3] ?? 0))
        .update(commandHead)
        .digest(),
    );
  }
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(
        createHash('sha256')
          .update(Buffer.from([1]))
          .update(level[i]!)
          .update(level[i + 1]!)
          .digest(),
      );
    level = next;
  }
  return level[0]!.toString('hex');
}

/** Reads a key given as PEM, or as base64 of DER (PKCS#8 private, SPKI public). */
export function privateKeyFrom(text: string): KeyObject {
  return text.includes('-----BEGIN') ? createPrivateKey(text) : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
}

export function publicKeyFrom(text: string): KeyObject {
  return text.includes('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
}

/** A fresh Ed25519 key pair, base64 DER, for GROUNDWORK_SIGNING_KEY and GROUNDWORK_VERIFY_KEY. */
export function newSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function signCheckpoint(body: CheckpointBody, key: KeyObject): Checkpoint {
  return { ...body, hash: checkpointHash(body), signature: sign(null, canonicalBody(body), key).toString('base64') };
}

export function signatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, canonicalBody(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}
