/**
 * Signed checkpoints: a Merkle root over the heads of all 4096 buckets (both chains), linked to the
 * previous checkpoint and signed with Ed25519. Each is stored in the database and appended to a
 * sink the database writer cannot rewrite, so a rollback to an old backup or a truncation of
 * covered rows shows up when the two are compared.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { BUCKETS } from './bucket.js';
import { genesisHash } from './chain.js';
import type { Db } from './sqlite.js';

/** A non-empty bucket's heads: [bucket, bseq, event head, cseq, command head] (hex hashes). */
export type BucketHead = readonly [number, number, string, number, string];

export interface CheckpointBody {
  readonly seq: number;
  readonly storeId: string;
  readonly createdAt: string;
  readonly events: number;
  readonly commands: number;
  readonly root: string;
  readonly prev: string;
  readonly heads: readonly BucketHead[];
}

export interface Checkpoint extends CheckpointBody {
  readonly hash: string;
  readonly signature: string;
}

export const GENESIS_CHECKPOINT = '0'.repeat(64);

/** The exact bytes that are hashed and signed: the body's fields in a fixed order. */
export function canonicalBody(body: CheckpointBody): Buffer {
  const ordered = { seq: body.seq, storeId: body.storeId, createdAt: body.createdAt, events: body.events, commands: body.commands, root: body.root, prev: body.prev, heads: body.heads };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
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
    level.push(createHash('sha256').update(Buffer.from([0])).update(u16(bucket)).update(u64(head?.[1] ?? 0)).update(eventHead).update(u64(head?.[3] ?? 0)).update(commandHead).digest());
  }
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(createHash('sha256').update(Buffer.from([1])).update(level[i]!).update(level[i + 1]!).digest());
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

export function signatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, canonicalBody(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Where checkpoints are also kept, out of the database writer's reach. */
export interface CheckpointSink {
  append(checkpoint: Checkpoint): void;
  readAll(): Checkpoint[];
}

/** The default sink: an append-only JSON-lines file beside the database, fsynced on each append. */
export class FileCheckpointSink implements CheckpointSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  append(checkpoint: Checkpoint): void {
    appendFileSync(this.path, `${JSON.stringify(checkpoint)}\n`, { flag: 'a' });
    const fd = openSync(this.path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  readAll(): Checkpoint[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Checkpoint);
  }
}

/** A sink in memory, for tests and `:memory:` databases. */
export class MemoryCheckpointSink implements CheckpointSink {
  readonly #lines: string[] = [];

  append(checkpoint: Checkpoint): void {
    this.#lines.push(JSON.stringify(checkpoint));
  }

  readAll(): Checkpoint[] {
    return this.#lines.map((line) => JSON.parse(line) as Checkpoint);
  }
}

const CHECKPOINT_TABLE = `CREATE TABLE IF NOT EXISTS gw_checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, body TEXT NOT NULL, signature TEXT NOT NULL) STRICT`;

export function ensureCheckpointTable(db: Db): void {
  db.exec(CHECKPOINT_TABLE);
}

export function readCheckpoints(db: Db): Checkpoint[] {
  ensureCheckpointTable(db);
  return (db.prepare(`SELECT hash, body, signature FROM gw_checkpoints ORDER BY seq`).all() as Array<{ hash: string; body: string; signature: string }>).map((row) => ({
    ...(JSON.parse(row.body) as CheckpointBody),
    hash: row.hash,
    signature: row.signature,
  }));
}

/** The current head of every non-empty bucket, read in one transaction. */
export function currentHeads(db: Db): BucketHead[] {
  const events = db.prepare(`SELECT e.bucket AS bucket, e.bseq AS seq, e.row_hash AS hash FROM gw_events e JOIN (SELECT bucket, MAX(bseq) AS m FROM gw_events GROUP BY bucket) x ON e.bucket = x.bucket AND e.bseq = x.m`).all() as Array<{ bucket: number; seq: number; hash: Buffer }>;
  const commands = db.prepare(`SELECT c.bucket AS bucket, c.cseq AS seq, c.row_hash AS hash FROM gw_commands c JOIN (SELECT bucket, MAX(cseq) AS m FROM gw_commands GROUP BY bucket) x ON c.bucket = x.bucket AND c.cseq = x.m`).all() as Array<{ bucket: number; seq: number; hash: Buffer }>;
  const heads = new Map<number, [number, number, string, number, string]>();
  for (const e of events) heads.set(e.bucket, [e.bucket, e.seq, e.hash.toString('hex'), 0, '']);
  for (const c of commands) {
    const head = heads.get(c.bucket) ?? [c.bucket, 0, '', 0, ''];
    head[3] = c.seq;
    head[4] = c.hash.toString('hex');
    heads.set(c.bucket, head);
  }
  return [...heads.values()].sort((a, b) => a[0] - b[0]);
}

export interface CheckpointOptions {
  readonly signingKey: KeyObject;
  readonly sink: CheckpointSink;
  /** Take a checkpoint after this many new events (default 1000) ... */
  readonly everyEvents?: number;
  /** ... or this many seconds after the last one, if events were added (default 60). */
  readonly everySeconds?: number;
}

export class Checkpointer {
  readonly #db: Db;
  readonly #storeId: string;
  readonly #options: CheckpointOptions;
  #lastEvents = -1;
  #lastTime = 0;

  constructor(db: Db, storeId: string, options: CheckpointOptions) {
    this.#db = db;
    this.#storeId = storeId;
    this.#options = options;
    ensureCheckpointTable(db);
  }

  /** Takes a checkpoint when enough events or time have passed since the last one. */
  maybe(now: Date): Checkpoint | undefined {
    const events = (this.#db.prepare(`SELECT COALESCE(MAX(position), 0) AS n FROM gw_events`).get() as { n: number }).n;
    if (this.#lastEvents < 0) {
      const latest = this.#db.prepare(`SELECT body FROM gw_checkpoints ORDER BY seq DESC LIMIT 1`).get() as { body: string } | undefined;
      const body = latest === undefined ? undefined : (JSON.parse(latest.body) as CheckpointBody);
      this.#lastEvents = body?.events ?? 0;
      // With no checkpoint yet, the time interval counts from now.
      this.#lastTime = body === undefined ? now.getTime() : Date.parse(body.createdAt);
    }
    const grown = events - this.#lastEvents;
    if (grown <= 0) return undefined;
    const dueByCount = grown >= (this.#options.everyEvents ?? 1000);
    const dueByTime = now.getTime() - this.#lastTime >= (this.#options.everySeconds ?? 60) * 1000;
    return dueByCount || dueByTime ? this.take(now) : undefined;
  }

  /** Takes a checkpoint now: heads, root, link and signature in one transaction, then the sink. */
  take(now: Date): Checkpoint {
    const checkpoint = this.#db.transaction(() => {
      const previous = this.#db.prepare(`SELECT seq, hash FROM gw_checkpoints ORDER BY seq DESC LIMIT 1`).get() as { seq: number; hash: string } | undefined;
      const heads = currentHeads(this.#db);
      const counts = this.#db.prepare(`SELECT (SELECT COALESCE(MAX(position), 0) FROM gw_events) AS events, (SELECT COUNT(*) FROM gw_commands) AS commands`).get() as { events: number; commands: number };
      const body: CheckpointBody = {
        seq: (previous?.seq ?? 0) + 1,
        storeId: this.#storeId,
        createdAt: now.toISOString(),
        events: counts.events,
        commands: counts.commands,
        root: merkleRoot(this.#storeId, heads),
        prev: previous?.hash ?? GENESIS_CHECKPOINT,
        heads,
      };
      const signed: Checkpoint = { ...body, hash: checkpointHash(body), signature: sign(null, canonicalBody(body), this.#options.signingKey).toString('base64') };
      this.#db.prepare(`INSERT INTO gw_checkpoints (seq, hash, body, signature) VALUES (?, ?, ?, ?)`).run(signed.seq, signed.hash, canonicalBody(body).toString('utf8'), signed.signature);
      return signed;
    }).immediate();
    this.#options.sink.append(checkpoint);
    this.#lastEvents = checkpoint.events;
    this.#lastTime = now.getTime();
    return checkpoint;
  }
}
