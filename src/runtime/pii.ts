/**
 * Crypto-shredding. Fields marked `pii` are encrypted with AES-256-GCM under a data key of their
 * subject; the associated data binds each ciphertext to its stream, version, event type, field and
 * subject, so it cannot be moved elsewhere. Data keys are wrapped by a key-encryption key (KEK)
 * from the environment and stored apart from the events; `forget` destroys the subject's key, and
 * every read of its fields then returns ERASED.
 */
import Database from 'better-sqlite3';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface Erased {
  readonly erased: true;
}

/** What a read of an erased field returns. */
export const ERASED: Erased = Object.freeze({ erased: true });

export function isErased(value: unknown): value is Erased {
  return value === ERASED || (typeof value === 'object' && value !== null && (value as { erased?: unknown }).erased === true && Object.keys(value).length === 1);
}

const PREFIX = 'gw:pii:v1:';

/** Where a pii value sits: what its ciphertext is bound to. */
export interface PiiLocation {
  readonly subject: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: string;
  readonly field: string;
}

function aad(at: PiiLocation): Buffer {
  return Buffer.from(JSON.stringify(['gw-pii-v1', at.subject, at.streamId, at.version, at.type, at.field]), 'utf8');
}

export function encryptValue(key: Uint8Array, value: unknown, at: PiiLocation): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(at));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Throws when the ciphertext was altered or moved to another event, field or subject. */
export function decryptValue(key: Uint8Array, text: string, at: PiiLocation): unknown {
  if (!text.startsWith(PREFIX)) throw new Error(`not a pii ciphertext at ${at.streamId}@${at.version}.${at.field}`);
  const raw = Buffer.from(text.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(aad(at));
  decipher.setAuthTag(raw.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  return JSON.parse(plain) as unknown;
}

export function isCiphertext(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Reads the KEK from GROUNDWORK_KEK (base64 of 32 bytes). */
export function kekFromEnvironment(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const text = env['GROUNDWORK_KEK'];
  if (text === undefined || text === '') return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('GROUNDWORK_KEK must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  return key;
}

/**
 * Data keys by subject, in their own SQLite file with secure_delete on, so a destroyed key's bytes
 * are overwritten in the file and, after a TRUNCATE checkpoint, gone from the WAL too.
 */
export class KeyStore {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  readonly #cache = new Map<string, Buffer>();
  readonly #get;
  readonly #insert;
  readonly #delete;

  constructor(path: string, kek: Uint8Array, options: { secureDelete?: boolean } = {}) {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    this.#kek = Buffer.from(kek);
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma(`secure_delete = ${options.secureDelete === false ? 'OFF' : 'ON'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS gw_keys (subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL) STRICT`);
    this.#get = this.#db.prepare<[string], { wrapped: Buffer }>(`SELECT wrapped FROM gw_keys WHERE subject = ?`);
    this.#insert = this.#db.prepare<[string, Buffer]>(`INSERT INTO gw_keys (subject, wrapped) VALUES (?, ?) ON CONFLICT (subject) DO NOTHING`);
    this.#delete = this.#db.prepare<[string]>(`DELETE FROM gw_keys WHERE subject = ?`);
  }

  /** The subject's data key, or undefined once it has been destroyed (or never existed). */
  get(subject: string): Buffer | undefined {
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    const row = this.#get.get(subject);
    if (row === undefined) return undefined;
    const key = this.#unwrap(subject, row.wrapped);
    this.#cache.set(subject, key);
    return key;
  }

  getOrCreate(subject: string): Buffer {
    const existing = this.get(subject);
    if (existing !== undefined) return existing;
    const key = randomBytes(32);
    this.#insert.run(subject, this.#wrap(subject, key));
    return this.get(subject)!;
  }

  /** Destroys the subject's key and truncates the WAL. Returns whether a key existed. */
  destroy(subject: string): boolean {
    this.#cache.delete(subject);
    const changes = this.#delete.run(subject).changes;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return changes > 0;
  }

  /** A secret for another purpose, derived from the KEK (so it never sits in a database either). */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.#kek).update(`gw-derive-v1:${purpose}`).digest();
  }

  close(): void {
    this.#cache.clear();
    this.#db.close();
  }

  #wrap(subject: string, key: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#kek, iv);
    cipher.setAAD(Buffer.from(`gw-dek-v1:${subject}`, 'utf8'));
    const body = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  #unwrap(subject: string, wrapped: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.#kek, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(`gw-dek-v1:${subject}`, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }
}

/** Which top-level fields of each event type are personal data (generated from the spec). */
export type PiiFields = Readonly<Record<string, readonly string[]>>;

/**
 * Encrypts and decrypts the pii fields of events. A field holding a named type or a list is
 * encrypted whole. Without a key store, events with pii fields cannot be written.
 */
export class PiiCodec {
  readonly #keys: KeyStore | undefined;

  constructor(keys: KeyStore | undefined) {
    this.#keys = keys;
  }

  get keys(): KeyStore | undefined {
    return this.#keys;
  }

  encrypt(fields: readonly string[] | undefined, data: object, at: Omit<PiiLocation, 'field'>): object {
    if (fields === undefined || fields.length === 0) return data;
    if (this.#keys === undefined) throw new Error('this event has pii fields but no key store is configured: set GROUNDWORK_KEK (32 bytes, base64)');
    const key = this.#keys.getOrCreate(at.subject);
    const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
    for (const field of fields) {
      if (out[field] !== undefined) out[field] = encryptValue(key, out[field], { ...at, field });
    }
    return out;
  }

  /** Plaintext where the subject's key exists, ERASED where it was destroyed. */
  decrypt(fields: readonly string[] | undefined, data: object, at: Omit<PiiLocation, 'field'>): object {
    if (fields === undefined || fields.length === 0) return data;
    const key = this.#keys?.get(at.subject);
    const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
    for (const field of fields) {
      const value = out[field];
      if (!isCiphertext(value)) continue;
      out[field] = key === undefined ? ERASED : decryptValue(key, value, { ...at, field });
    }
    return out;
  }
}

/** The event with its encrypted fields in clear, or ERASED where the subject was forgotten. */
export function decodeEvent<E extends { readonly type: string; readonly data: object; readonly streamId: string; readonly version: number; readonly metadata: { readonly subject: string | null } }>(codec: PiiCodec, pii: PiiFields, event: E): E {
  const fields = pii[event.type];
  if (fields === undefined || fields.length === 0) return event;
  const data = codec.decrypt(fields, event.data, { subject: event.metadata.subject ?? event.streamId, streamId: event.streamId, version: event.version, type: event.type });
  return { ...event, data };
}
