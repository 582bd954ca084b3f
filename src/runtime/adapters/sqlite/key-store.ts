/**
 * Data keys by subject, in their own SQLite file with secure_delete on, so a destroyed key's bytes
 * are overwritten in the file and, after a TRUNCATE checkpoint, gone from the WAL too.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, ForgottenSubjectError } from '../../core/errors.js';
import { deriveKey, unwrapKey, wrapKey } from '../../core/key-wrap.js';
import type { KeyStore } from '../../ports/key-store.js';

export interface SqliteKeyStoreOptions {
  /** Overwrite deleted keys in the file (default on; off only to prove it matters in a test). */
  readonly secureDelete?: boolean;
}

export class SqliteKeyStore implements KeyStore {
  readonly #db: Database.Database;
  readonly #kek: Buffer;
  readonly #cache = new Map<string, Buffer>();
  readonly #get;
  readonly #insert;
  readonly #delete;
  readonly #isForgotten;
  readonly #forget;
  readonly #dataVersionOf;
  #dataVersion = -1;

  constructor(path: string, kek: Uint8Array, options: SqliteKeyStoreOptions = {}) {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    this.#kek = Buffer.from(kek);
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma(`secure_delete = ${options.secureDelete === false ? 'OFF' : 'ON'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS gw_keys (subject TEXT PRIMARY KEY, wrapped BLOB NOT NULL) STRICT`);
    this.#db.exec(`CREATE TABLE IF NOT EXISTS gw_forgotten (subject TEXT PRIMARY KEY) STRICT`);
    this.#isForgotten = this.#db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM gw_forgotten WHERE subject = ?`);
    this.#forget = this.#db.prepare<[string]>(`INSERT OR IGNORE INTO gw_forgotten (subject) VALUES (?)`);
    this.#get = this.#db.prepare<[string], { wrapped: Buffer }>(`SELECT wrapped FROM gw_keys WHERE subject = ?`);
    this.#insert = this.#db.prepare<[string, Buffer]>(`INSERT INTO gw_keys (subject, wrapped) VALUES (?, ?) ON CONFLICT (subject) DO NOTHING`);
    this.#delete = this.#db.prepare<[string]>(`DELETE FROM gw_keys WHERE subject = ?`);
    this.#dataVersionOf = this.#db.prepare<[], number>(`PRAGMA data_version`).pluck();
    this.#checkKek();
  }

  /** A key that does not unwrap means another KEK wrapped these keys: refuse before minting any under this one. */
  #checkKek(): void {
    const sample = this.#db.prepare<[], { subject: string; wrapped: Buffer }>(`SELECT subject, wrapped FROM gw_keys LIMIT 1`).get();
    if (sample === undefined) return;
    try {
      this.#unwrap(sample.subject, sample.wrapped);
    } catch {
      this.#db.close();
      throw new ConfigurationError(
        'kek-mismatch',
        'GROUNDWORK_KEK is not the key-encryption key the data keys in this key store were wrapped with: set the right one (nothing was changed)',
      );
    }
  }

  async get(subject: string): Promise<Buffer | undefined> {
    return this.#read(subject);
  }

  async getOrCreate(subject: string): Promise<Buffer> {
    const existing = this.#read(subject);
    if (existing !== undefined) return existing;
    // Check and insert in one write transaction: a forget in another process cannot slip between.
    this.#db
      .transaction(() => {
        if (this.#isForgotten.get(subject) !== undefined) throw new ForgottenSubjectError(subject);
        this.#insert.run(subject, this.#wrap(subject, randomBytes(32)));
      })
      .immediate();
    return this.#read(subject)!;
  }

  async forgotten(subject: string): Promise<boolean> {
    // A subject whose key exists was not forgotten: forget deletes the key and marks the subject in one transaction.
    if (this.#read(subject) !== undefined) return false;
    return this.#isForgotten.get(subject) !== undefined;
  }

  async destroy(subject: string): Promise<{ readonly existed: boolean; readonly purged: boolean }> {
    this.#cache.delete(subject);
    const existed = this.#db
      .transaction(() => {
        this.#forget.run(subject);
        return this.#delete.run(subject).changes > 0;
      })
      .immediate();
    // A reader in another process can keep the WAL from being truncated: say so, never claim it.
    const [result] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return { existed, purged: result?.busy === 0 };
  }

  derive(purpose: string): Buffer {
    return deriveKey(this.#kek, purpose);
  }

  async close(): Promise<void> {
    this.#cache.clear();
    this.#db.close();
  }

  #read(subject: string): Buffer | undefined {
    // Another process may have destroyed keys since they were cached: any commit to this file
    // changes data_version, and the cache starts over.
    const version = this.#dataVersionOf.get()!;
    if (version !== this.#dataVersion) {
      this.#cache.clear();
      this.#dataVersion = version;
    }
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    const row = this.#get.get(subject);
    if (row === undefined) return undefined;
    const key = this.#unwrap(subject, row.wrapped);
    this.#cache.set(subject, key);
    return key;
  }

  #wrap(subject: string, key: Buffer): Buffer {
    return wrapKey(this.#kek, subject, key);
  }

  #unwrap(subject: string, wrapped: Buffer): Buffer {
    return unwrapKey(this.#kek, subject, wrapped);
  }
}
